"""Project configuration: ``deputy.toml``, or ``[tool.deputy]`` in
``pyproject.toml``, found in the working directory or named with
``--config``. Command-line flags override it.

```toml
account = "111122223333"
trusted_accounts = ["444455556666"]
trusted_orgs = ["o-a1b2c3d4e5"]
service = "rekognition.amazonaws.com"
action = "sts:AssumeRole"
require_keys = ["aws:SourceAccount"]
source_service = "rekognition"
strict_attribution = false
timeout = 5
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
    "account": str, "trusted_accounts": list, "trusted_orgs": list, "service": str, "action": str,
    "require_keys": list, "source_service": str, "strict_attribution": bool, "timeout": (int, float),
    "input_format": str, "jobs": int, "exclude": list, "suppress": list,
}
SUPPRESSION_KEYS = ("path", "resource", "reason", "expires")

DEFAULTS = {"trusted_account": [], "trusted_org": [], "require_key": [], "service": None, "action": None,
            "source_service": None, "strict_attribution": False, "timeout": 5.0, "account": None,
            "input_format": None, "jobs": 1, "exclude": []}

# configuration setting -> command-line destination
_SETTING_FLAGS = {"account": "account", "trusted_accounts": "trusted_account", "trusted_orgs": "trusted_org",
                  "service": "service", "action": "action", "require_keys": "require_key",
                  "source_service": "source_service", "strict_attribution": "strict_attribution",
                  "timeout": "timeout", "input_format": "input_format", "jobs": "jobs", "exclude": "exclude"}


def merge_settings(args, config: Config) -> None:
    """Fill in every option the command line left unset: from the
    configuration file, else the built-in default. Flags win."""
    from verifier.defaults import DEFAULT_ACTION, DEFAULT_SERVICE
    from verifier.sources import FORMATS

    for setting, dest in _SETTING_FLAGS.items():
        if getattr(args, dest, None) is None and setting in config.settings:
            setattr(args, dest, config.settings[setting])
    for dest, default in DEFAULTS.items():
        if getattr(args, dest, None) is None:
            setattr(args, dest, list(default) if isinstance(default, list) else default)
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1", "deputy check")
    args.service = DEFAULT_SERVICE if args.service is None else args.service
    args.action = DEFAULT_ACTION if args.action is None else args.action
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
        resource = (result.source or {}).get("resource")
        if self.resource is not None and (resource is None or not fnmatchcase(resource, self.resource)):
            return False
        if self.path is not None and not _path_matches(result.path, self.path):
            return False
        return True

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and today > self.expires


@dataclass
class Config:
    path: str | None = None
    settings: dict = field(default_factory=dict)
    suppressions: list[Suppression] = field(default_factory=list)


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

    try:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8")
        data = tomllib.loads(text)
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", path) from None
    except UnicodeDecodeError:
        raise InputError("the configuration is not UTF-8", path) from None
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
        if SETTINGS[key] is list and key != "suppress" and not all(isinstance(v, str) for v in value):
            raise InputError(f"{prefix}{key} must be a list of strings", path, *_line_of(text, key))
    tables = [m.start() for m in re.finditer(r"^[ \t]*\[\[\s*" + re.escape(prefix) + r"suppress\s*\]\]", text,
                                             re.MULTILINE)]
    suppressions = []
    for index, entry in enumerate(data.get("suppress", [])):
        line = text.count("\n", 0, tables[index]) + 1 if index < len(tables) else 0
        suppressions.append(_suppression(path, entry, line, prefix))
    settings = {k: v for k, v in data.items() if k != "suppress"}
    return Config(path, settings, suppressions)


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
