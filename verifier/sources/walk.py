"""Which files a ``deputy check`` of directories reads.

A file named on the command line is read whatever it is (a file that is
not a policy is an error there). A directory is walked, and of the JSON and
YAML files in it only those whose content is a policy, a CloudFormation
template, a Terraform plan or state, or an account export are read; the
others are skipped and counted, with the reason (``Scan.skipped``).
Detection is by shape, never by name (``detect.shape``): ``package.json``
is skipped because it has no policy's elements, a policy named
``package.json`` is read.

Never walked: the directories of ``EXCLUDED_DIRS`` (dependencies, virtual
environments, build output), directories and files that an ``--exclude``
glob matches, and, inside a git work tree, what ``.gitignore`` ignores
(asked of git itself, so its rules are git's; without git, nothing is
ignored). ``deputy fix``'s own temporary files are never read.

A walked file that cannot be parsed is skipped unless its text looks like a
policy (a ``Statement`` or template key at the top), in which case it is
read, so that its error is reported: a broken policy must not be skipped
in silence.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
from dataclasses import dataclass, field

from verifier.errors import InputError
from verifier.sources import detect

EXCLUDED_DIRS = frozenset({".git", "node_modules", ".venv", "venv", "cdk.out", ".terraform", "__pycache__"})
JSON_SUFFIXES = (".json",)
YAML_SUFFIXES = (".yaml", ".yml", ".template")
TEMP_PREFIX = ".deputy-fix-"
"""``deputy fix --write`` writes its repaired policy to such a file first
(``debug.writing.TEMP_PREFIX``; the walk cannot import it, being a stage
before it)."""

GIT_TIMEOUT = 30.0


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


@dataclass
class Scan:
    """The files to read, in order, and the walked files that were skipped
    because they are not policies."""

    files: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def scan(paths: list[str], exclude: tuple[str, ...] | list[str] = (), skip_other: bool = False) -> Scan:
    """Files as given; globs expanded; directories walked; in order.
    ``skip_other``: a file given by name is read only if it is shaped like
    a policy, template, plan or export, and skipped otherwise, as a walk
    skips it (a hook that passes every changed file); by default it is read,
    so a file that is none of these is an error."""
    import glob

    out = Scan()
    for path in paths:
        if not os.path.exists(path) and glob.has_magic(path):
            matches = sorted(glob.glob(path, recursive=True))
            if not matches:
                out.files.append(path)  # reported as unreadable
            for match in matches:
                if os.path.isdir(match):
                    _walk(match, exclude, out)
                elif not _excluded_path(match, exclude):
                    _keep_or_skip(match, out)
        elif os.path.isdir(path):
            _walk(path, exclude, out)
        elif skip_other and os.path.isfile(path):
            if not _excluded_path(path, exclude) and not os.path.basename(path).startswith(TEMP_PREFIX):
                _keep_or_skip(path, out)
        else:
            out.files.append(path)
    return out


def _walk(top: str, exclude, out: Scan) -> None:
    ignored = git_ignored(top)
    for root, dirs, files in os.walk(top):
        rel_root = os.path.relpath(root, top)
        rel_root = "" if rel_root == "." else rel_root.replace(os.sep, "/") + "/"
        dirs[:] = sorted(d for d in dirs if d not in EXCLUDED_DIRS and not _matches(rel_root + d, d, exclude)
                         and (rel_root + d + "/") not in ignored)
        for name in sorted(files):
            rel = rel_root + name
            if name.startswith(TEMP_PREFIX) or rel in ignored or _matches(rel, name, exclude):
                continue
            if name.lower().endswith(JSON_SUFFIXES + YAML_SUFFIXES):
                _keep_or_skip(os.path.join(root, name), out)


def _keep_or_skip(path: str, out: Scan) -> None:
    reason = not_a_policy(path)
    if reason is None:
        out.files.append(path)
    else:
        out.skipped.append(Skipped(path, reason))


def _matches(rel: str, name: str, patterns) -> bool:
    """A glob without ``/`` matches a file or directory name anywhere; one
    with ``/`` matches the path from the walked directory."""
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if "/" in pattern:
            if fnmatch.fnmatchcase(rel, pattern.removeprefix("./")):
                return True
        elif fnmatch.fnmatchcase(name, pattern):
            return True
    return False


def _excluded_path(path: str, patterns) -> bool:
    """For a file a glob found: the walk's rules, applied to its path."""
    parts = os.path.normpath(path).replace(os.sep, "/").split("/")
    if parts[-1].startswith(TEMP_PREFIX) or any(part in EXCLUDED_DIRS for part in parts[:-1]):
        return True
    rel = "/".join(parts)
    return any(_matches(rel, part, patterns) for part in parts)


def git_ignored(top: str) -> set[str]:
    """The paths under ``top`` (relative to it, directories ending in
    ``/``) that git ignores, when ``top`` is inside a git work tree; else
    empty. Tracked files are never ignored (git's own rule)."""
    import subprocess  # here: a check of named files never runs git, and need not import it

    try:
        done = subprocess.run(["git", "-C", top, "ls-files", "--others", "--ignored", "--exclude-standard",
                               "--directory", "-z"], capture_output=True, timeout=GIT_TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError):
        return set()  # no git: nothing is ignored
    if done.returncode != 0:
        return set()  # not a work tree
    return {p for p in done.stdout.decode("utf-8", "surrogateescape").split("\0") if p}


# -- what a walked file is ----------------------------------------------------------

_JSON_HINT = re.compile(rb"statement|resources|awstemplateformatversion|roledetaillist|format_version|"
                        rb"2012-10-17|2008-10-17|\\u", re.IGNORECASE)
"""A JSON file none of these appear in cannot have a policy's shape (its
keys would have to be spelt with escapes, which ``\\u`` catches)."""

_JSON_LOOKS = re.compile(rb'"(?:statement|AWSTemplateFormatVersion|RoleDetailList|format_version)"\s*:|'
                         rb'"Version"\s*:\s*"20(?:12|08)-10-17"', re.IGNORECASE)
_YAML_TOP = re.compile(rb"^[\"']?(AWSTemplateFormatVersion|Resources)[\"']?[ \t]*:", re.MULTILINE)
_YAML_TYPE = re.compile(rb"^[ \t]+[\"']?Type[\"']?[ \t]*:[ \t]*[\"']?[A-Za-z0-9]+::", re.MULTILINE)


def not_a_policy(path: str) -> str | None:
    """Why a walked file is not read, or None to read it."""
    try:
        data = detect.read(path)
    except InputError:
        return None  # the reader reports it (a FIFO is never opened for reading, so never waited on)
    if detect.looks_like_json(data, path):
        return _json_reason(data)
    return _yaml_reason(data)


def _json_reason(data: bytes) -> str | None:
    if not _JSON_HINT.search(data):
        return "a JSON document that is not a policy, template, plan or account export"
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        if _JSON_LOOKS.search(data):
            return None  # looks like a broken policy: read it, so that its error is reported
        return "not JSON deputy can read, and nothing in it looks like a policy"
    if not isinstance(document, dict):
        return "a JSON document that is not an object, so not a policy"
    resources = document.get("Resources")
    typed = isinstance(resources, dict) and any(
        isinstance(r, dict) and isinstance(r.get("Type"), str) and "::" in r["Type"] for r in resources.values())
    version = document.get("Version")
    if detect.shape(set(document), version if isinstance(version, str) else None, typed) is None:
        return "a JSON document that is not a policy, template, plan or account export"
    return None


def _yaml_reason(data: bytes) -> str | None:
    """A YAML template's top-level keys start at column 0 (a block
    mapping); a template's resources have a ``Type: AWS::...``."""
    marks = {m.group(1) for m in _YAML_TOP.finditer(data)}
    if b"AWSTemplateFormatVersion" in marks or (b"Resources" in marks and _YAML_TYPE.search(data)):
        return None
    return "a YAML document that is not a CloudFormation template"
