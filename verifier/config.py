"""Project configuration: ``deputy.toml``, or ``[tool.deputy]`` in
``pyproject.toml``, found in the working directory or named with
``--config``. Command-line flags override it.

```toml
account = "111122223333"
trusted_accounts = ["444455556666"]
trusted_orgs = ["o-a1b2c3d4e5"]
service = ["events.amazonaws.com"]   # narrow to these deputies (default: every deputy)
action = ["sns:Publish"]             # and these actions (default: every action granted)
require_keys = ["aws:SourceAccount"]
source_service = "rekognition"
strict_attribution = false
timeout = 5
certify = false                  # re-check every proof with cvc5 (--certify)
input_format = "cloudformation"
exclude = ["legacy", "infra/old/*.json"]   # not read in a directory walk

[[suppress]]                     # [[tool.deputy.suppress]] in pyproject.toml
path = "infra/legacy/*.yaml"     # a glob on the file path, and/or
resource = "LegacyRole"          # a logical ID, Terraform address or role name
reason = "vendor role, ticket SEC-123"   # required
expires = 2026-12-31             # optional; after it the finding fails again
```

A suppressed finding is reported (verdict unchanged, marked suppressed) and
does not fail the run. An expired suppression suppresses nothing, and each
finding it matches carries the reason it expired.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from verifier.errors import InputError, UsageError

SETTINGS = {
    "account": str, "trusted_accounts": list, "trusted_orgs": list, "service": (str, list), "action": (str, list),
    "require_keys": list, "source_service": str, "strict_attribution": bool, "timeout": (int, float),
    "certify": bool, "input_format": str, "jobs": int, "exclude": list, "suppress": list, "deputy": list,
}
SUPPRESSION_KEYS = ("path", "resource", "reason", "expires")
SCOPED = ("service", "action", "trusted_accounts", "trusted_orgs", "require_keys", "source_service",
          "strict_attribution")
"""Threat-model settings a ``[[deputy]]`` table may give for some resources or paths."""

DEFAULTS = {"trusted_account": [], "trusted_org": [], "require_key": [], "service": [], "action": [],
            "source_service": None, "strict_attribution": False, "timeout": 5.0, "account": None,
            "certify": False, "input_format": None, "jobs": None, "exclude": []}

# configuration setting -> command-line destination
_SETTING_FLAGS = {"account": "account", "trusted_accounts": "trusted_account", "trusted_orgs": "trusted_org",
                  "service": "service", "action": "action", "require_keys": "require_key",
                  "source_service": "source_service", "strict_attribution": "strict_attribution",
                  "timeout": "timeout", "certify": "certify", "input_format": "input_format", "jobs": "jobs", "exclude": "exclude"}


def merge_settings(args, config: Config) -> None:
    """Fill in every option the command line left unset: from the
    configuration file, else the built-in default. Flags win."""
    from verifier.sources import FORMATS

    for setting, dest in _SETTING_FLAGS.items():
        if getattr(args, dest, None) is None and setting in config.settings:
            setattr(args, dest, config.settings[setting])
    for dest, default in DEFAULTS.items():
        if getattr(args, dest, None) is None:
            setattr(args, dest, list(default) if isinstance(default, list) else default)
    if args.jobs is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1", "deputy check")
    for dest in ("service", "action"):  # one value or a list, in a file as on the command line
        if isinstance(getattr(args, dest), str):
            setattr(args, dest, [getattr(args, dest)])
    if args.input_format not in (None, *FORMATS):
        raise UsageError(f"input_format {args.input_format!r} in {config.path} is not one of "
                         + ", ".join(FORMATS), "deputy check")


@dataclass(frozen=True)
class Suppression:
    reason: str
    path: str | None = None
    resource: str | None = None
    expires: dt.date | None = None
    where: str = ""

    def matches(self, result) -> bool:
        return _scope_matches(self.path, self.resource, result.path, (result.source or {}).get("resource"))

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and today > self.expires


@dataclass(frozen=True)
class Scope:
    """A ``[[deputy]]`` table: threat-model settings for the policies of
    some files (a glob on the path) and/or resources (a logical ID,
    Terraform address or role name)."""

    settings: tuple
    path: str | None = None
    resource: str | None = None
    where: str = ""

    def matches(self, file: str, resource: str | None) -> bool:
        return _scope_matches(self.path, self.resource, file, resource)


@dataclass
class Config:
    path: str | None = None
    settings: dict = field(default_factory=dict)
    suppressions: list[Suppression] = field(default_factory=list)
    scopes: list[Scope] = field(default_factory=list)


def find(explicit: str | None, cwd: str | None = None) -> Config:
    """The configuration named by ``--config``, else ``deputy.toml``, else
    ``[tool.deputy]`` of ``pyproject.toml`` in ``cwd``; empty if none."""
    cwd = cwd or os.getcwd()
    if explicit:
        if not os.path.isfile(explicit):
            raise InputError("no such configuration file", explicit)
        return load(explicit)
    own = os.path.join(cwd, "deputy.toml")
    if os.path.isfile(own):
        return load(own)
    project = os.path.join(cwd, "pyproject.toml")
    if os.path.isfile(project):
        config = load(project)
        if config.path:
            return config
    return Config()


def load(path: str) -> Config:
    import tomllib

    from verifier.policy import jsontree, parser

    text = parser.decode(jsontree.read_file(path), path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"\(at line (\d+), column (\d+)\)", message)
        line, column = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
        raise InputError(f"invalid TOML: {message[:match.start()].strip() if match else message}", path,
                         line, column) from None
    prefix = ""
    if os.path.basename(path) == "pyproject.toml":
        data = data.get("tool", {}).get("deputy")
        if data is None:
            return Config()
        prefix = "tool.deputy."
    return _build(path, text, data, prefix)


def _build(path: str, text: str, data: dict, prefix: str) -> Config:
    for key, value in data.items():
        if key not in SETTINGS:
            raise InputError(f"unknown setting {prefix}{key!r}; expected one of {', '.join(SETTINGS)}", path,
                             *_line_of(text, key))
        if not isinstance(value, SETTINGS[key]) or (SETTINGS[key] is not bool and isinstance(value, bool)):
            raise InputError(f"{prefix}{key} has the wrong type ({type(value).__name__})", path,
                             *_line_of(text, key))
        if isinstance(value, list) and key not in ("suppress", "deputy") and not all(isinstance(v, str) for v in value):
            raise InputError(f"{prefix}{key} must be a list of strings", path, *_line_of(text, key))
    suppressions = [_suppression(path, entry, line, prefix)
                    for entry, line in zip(data.get("suppress", []), _table_lines(text, prefix, "suppress"))]
    scopes = [_scope(path, entry, line, prefix) for entry, line in zip(data.get("deputy", []),
                                                                        _table_lines(text, prefix, "deputy"))]
    settings = {k: v for k, v in data.items() if k not in ("suppress", "deputy")}
    return Config(path, settings, suppressions, scopes)


def _table_lines(text: str, prefix: str, name: str):
    """The line of each ``[[name]]`` table, then 0 for any beyond (a table
    written inline)."""
    for match in re.finditer(r"^[ \t]*\[\[\s*" + re.escape(prefix) + name + r"\s*\]\]", text, re.MULTILINE):
        yield text.count("\n", 0, match.start()) + 1
    while True:
        yield 0


def _scope(path: str, entry, line: int, prefix: str) -> Scope:
    where = f"{path}:{line}" if line else path
    if not isinstance(entry, dict):
        raise InputError(f"each {prefix}deputy entry must be a table", path, line, 1)
    unknown = set(entry) - {"path", "resource", *SCOPED}
    if unknown:
        raise InputError(f"unknown key {sorted(unknown)[0]!r} in a [[{prefix}deputy]] table; expected path, "
                         "resource, " + ", ".join(SCOPED), path, line, 1)
    if entry.get("path") is None and entry.get("resource") is None:
        raise InputError(f"a [[{prefix}deputy]] table needs a path glob or a resource", path, line, 1)
    for key, value in entry.items():
        kinds = (str,) if key in ("path", "resource", "source_service") else SETTINGS[key]
        if not isinstance(value, kinds) or (kinds is not bool and isinstance(value, bool)) or \
                (isinstance(value, list) and not all(isinstance(v, str) for v in value)):
            raise InputError(f"{key} in a [[{prefix}deputy]] table has the wrong type ({type(value).__name__})",
                             path, line, 1)
    settings = {k: v for k, v in entry.items() if k in SCOPED}
    _validated(settings, f"in the [[{prefix}deputy]] table at {where}")
    return Scope(tuple(sorted(settings.items(), key=lambda kv: kv[0])), entry.get("path"), entry.get("resource"),
                 where)


def _suppression(path: str, entry, line: int, prefix: str) -> Suppression:
    where = f"{path}:{line}" if line else path
    if not isinstance(entry, dict):
        raise InputError(f"each {prefix}suppress entry must be a table", path, line, 1)
    unknown = set(entry) - set(SUPPRESSION_KEYS)
    if unknown:
        raise InputError(f"unknown key {sorted(unknown)[0]!r} in a suppression; expected "
                         + ", ".join(SUPPRESSION_KEYS), path, line, 1)
    reason = entry.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise InputError("a suppression needs a reason (reason = \"...\")", path, line, 1)
    if entry.get("path") is None and entry.get("resource") is None:
        raise InputError("a suppression needs a path glob or a resource", path, line, 1)
    for key in ("path", "resource"):
        if key in entry and not isinstance(entry[key], str):
            raise InputError(f"a suppression's {key} must be a string", path, line, 1)
    expires = entry.get("expires")
    if isinstance(expires, str):
        try:
            expires = dt.date.fromisoformat(expires)
        except ValueError:
            raise InputError(f"expires {expires!r} is not a date such as 2026-12-31", path, line, 1) from None
    elif isinstance(expires, dt.datetime):
        expires = expires.date()
    elif expires is not None and not isinstance(expires, dt.date):
        raise InputError("expires must be a date such as 2026-12-31", path, line, 1)
    return Suppression(reason.strip(), entry.get("path"), entry.get("resource"), expires, where)


def apply(results, suppressions: list[Suppression], today: dt.date | None = None) -> list[str]:
    """Mark each non-safe result that a suppression matches; return notes
    for the user (expired and unused suppressions)."""
    from verifier.results import Verdict

    today = today or dt.date.today()
    used: set[int] = set()
    notes = []
    for result in results:
        if result.verdict is Verdict.SAFE:
            continue
        for index, s in enumerate(suppressions):
            if not s.matches(result):
                continue
            used.add(index)
            record = {"reason": s.reason, "expires": s.expires.isoformat() if s.expires else None,
                      "config": s.where}
            if s.expired(today):
                record["expired"] = (f"the suppression at {s.where} expired on {s.expires.isoformat()} "
                                     f"({s.reason}); the finding counts again: fix it or renew the suppression")
                notes.append(f"{result.where()}: {record['expired']}")
            result.suppression = record
            if not s.expired(today):
                break
    notes += [f"suppression at {s.where} matched no finding ({s.reason})" for i, s in enumerate(suppressions)
              if i not in used]
    return notes


def _scope_matches(path_glob: str | None, resource_glob: str | None, file: str, resource: str | None) -> bool:
    if resource_glob is not None and (resource is None or not fnmatchcase(resource, resource_glob)):
        return False
    return path_glob is None or _path_matches(file, path_glob)


def _path_matches(path: str, pattern: str) -> bool:
    candidates = {path, os.path.normpath(path)}
    try:
        candidates.add(os.path.relpath(path))
    except ValueError:
        pass
    return any(fnmatchcase(c.replace(os.sep, "/"), pattern) for c in candidates)


def _line_of(text: str, key: str) -> tuple[int, int]:
    match = re.search(r"^([ \t]*)" + re.escape(key) + r"\s*=", text, re.MULTILINE)
    if not match:
        return 0, 0
    return text.count("\n", 0, match.start()) + 1, len(match.group(1)) + 1


# -- settings to a threat model -----------------------------------------------------

_ACCOUNT = re.compile(r"[0-9]{12}")
_ORG = re.compile(r"o-[a-z0-9]{10,32}")
# AWS's service principals are NAME.amazonaws.com (regional forms insert the
# Region), NAME.amazonaws.com.cn in China and a few NAME.amazon.com (Alexa);
# a flag naming any other domain asks about a principal AWS never sends, so
# its "safe" would answer a question nobody meant (a typo such as .co).
_SERVICE = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:amazonaws\.com(?:\.cn)?|amazon\.com)", re.IGNORECASE)
_ACTION = re.compile(r"[A-Za-z0-9-]+:[A-Za-z0-9]+")


def _validated(settings: dict, where: str, flags: bool = False) -> dict:
    """``settings`` (names as in deputy.toml) checked, each value put in the
    form the threat model takes; a value that cannot be right is refused
    with one line naming it, never read as something else."""
    def name(key: str) -> str:
        return ("--" + _FLAG_NAMES.get(key, key).replace("_", "-")) if flags else key

    def refuse(key: str, value, expected: str):
        suffix = f" {where}" if where else ""
        raise UsageError(f"{name(key)} {value!r}{suffix} is not {expected}", "deputy check")

    out = dict(settings)
    for key in ("trusted_accounts", "trusted_orgs", "require_keys", "service", "action"):
        if isinstance(out.get(key), str):
            out[key] = [out[key]]
    for value in out.get("trusted_accounts", []):
        if not _ACCOUNT.fullmatch(value):
            refuse("trusted_accounts", value, "a 12-digit AWS account ID")
    for value in out.get("trusted_orgs", []):
        if not _ORG.fullmatch(value):
            refuse("trusted_orgs", value, "an organization ID such as o-a1b2c3d4e5")
    for value in out.get("require_keys", []):
        from verifier.policy import keys

        if not keys.can_be_present(keys.fold(value)):
            refuse("require_keys", value, "a condition key such as aws:SourceAccount")
    for value in out.get("service", []):
        if not _SERVICE.fullmatch(value):
            refuse("service", value, "a service principal such as events.amazonaws.com (a name ending in "
                   ".amazonaws.com, .amazonaws.com.cn or .amazon.com; no wildcards)")
    for value in out.get("action", []):
        if not _ACTION.fullmatch(value):
            refuse("action", value, "an action such as sns:Publish (a service prefix, a colon, a name; no "
                   "wildcards)")
    return out


_FLAG_NAMES = {"trusted_accounts": "trusted-account", "trusted_orgs": "trusted-org", "require_keys": "require-key"}


def threat_model(account: str | None, settings: dict, flags: bool = False):
    """The threat model the settings describe (``settings`` named as in
    deputy.toml; ``flags``: name them as command-line flags in messages).
    Without an account the owner is empty: each input must then state it
    (a role ARN) or a placeholder is chosen for it
    (``verifier.sources.owner``)."""
    from verifier.prove.threat import ThreatModel

    if account and not _ACCOUNT.fullmatch(account):
        raise UsageError(f"{'--account' if flags else 'account'} {account!r} is not a 12-digit AWS account ID",
                         "deputy check")
    return _scoped(ThreatModel(owner=account or ""), settings, flags)


class ModelFor:
    """The threat model of each policy found: the base one, with the
    settings of the first ``[[deputy]]`` table whose path and resource
    match it."""

    def __init__(self, base, scopes: list[Scope]):
        self.base, self.scopes = base, scopes
        self._built: dict[str, object] = {}

    def __call__(self, file: str, resource: str | None):
        scope = next((s for s in self.scopes if s.matches(file, resource)), None)
        if scope is None:
            return self.base
        if scope.where not in self._built:
            self._built[scope.where] = _scoped(self.base, dict(scope.settings))
        return self._built[scope.where]


def _scoped(base, settings: dict, flags: bool = False):
    """``base`` with the threat-model settings of ``settings`` in place."""
    from dataclasses import replace

    from verifier.policy import actions
    from verifier.prove.threat import global_name

    values = _validated(settings, "", flags)
    changes = {}
    if "service" in values:
        changes["services"] = tuple(dict.fromkeys(global_name(s) for s in values["service"]))
    if "action" in values:
        changes["actions"] = tuple(dict.fromkeys(actions.spelled(a) or a for a in values["action"]))
    for key, field_name in (("trusted_accounts", "trusted_accounts"), ("trusted_orgs", "trusted_orgs")):
        if key in values:
            changes[field_name] = frozenset(values[key])
    if "require_keys" in values:
        changes["required_keys"] = tuple(values["require_keys"])
    for key in ("source_service", "strict_attribution"):
        if key in values:
            changes[key] = values[key]
    return replace(base, **changes)
