"""Which kind of input a file is, from its content, and its policies.

JSON-looking content (first character ``{`` or ``[``) or a ``.json`` name is
read by the JSON layer; anything else as YAML. Then the top-level keys
decide: ``Statement`` a policy, ``Resources`` or ``AWSTemplateFormatVersion``
a CloudFormation template, ``format_version`` with ``terraform_version`` or
plan sections a Terraform plan, ``RoleDetailList`` an account export. A JSON
document that is none of these is read as a policy, so it gets the policy
reader's own error, exactly as before sources existed.
"""

from __future__ import annotations

import os
import re

from verifier.policy import jsontree, parser
from verifier.errors import InputError
from verifier.policy.jsontree import JObject
from verifier.sources import Found

LARGE_BYTES = 64 << 20
"""Terraform plans and account exports of real accounts exceed the 1 MiB a
policy or template may have; they alone may be this large."""

LARGE_DEPTH = 96

_LARGE_SNIFF = re.compile(rb'"(format_version|terraform_version|RoleDetailList)"\s*:')
TEMPLATE_SUFFIXES = (".yaml", ".yml", ".template")


def read(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(LARGE_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", path) from None


def looks_like_json(data: bytes, path: str) -> bool:
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return head in (b"{", b"[") or path.lower().endswith(".json")


def parse(path: str, data: bytes, forced: str | None = None):
    """``(format, root node)`` of one file; raise ``InputError``."""
    if looks_like_json(data, path) or forced in ("policy", "terraform", "account-export"):
        large = forced in ("terraform", "account-export") or (
            forced is None and _LARGE_SNIFF.search(data[:65536]) is not None)
        if large:
            root = parser.parse_bytes(data, path, LARGE_BYTES, LARGE_DEPTH)
        else:
            root = parser.parse_bytes(data, path)
        return forced or kind_of(root, json=True), root
    from verifier.sources.yamltree import parse_yaml

    try:
        if len(data) > jsontree.MAX_BYTES:
            raise ValueError
        text = data.decode("utf-8")
    except (UnicodeDecodeError, ValueError):
        parser.parse_bytes(data, path)  # raises the size or UTF-8 error, with its position
        raise InputError("input cannot be read", path) from None
    root = parse_yaml(text.removeprefix("\ufeff"), path)
    return forced or kind_of(root, json=False), root


def kind_of(root, json: bool) -> str:
    names = {m.name for m in root.members} if isinstance(root, JObject) else set()
    if "Statement" in names:
        return "policy"
    if "AWSTemplateFormatVersion" in names or "Resources" in names:
        return "cloudformation"
    if "format_version" in names and names & {"terraform_version", "planned_values", "resource_changes", "values"}:
        return "terraform"
    if "RoleDetailList" in names:
        return "account-export"
    return "policy" if json else "cloudformation"


def find(path: str, forced: str | None, account: str | None, avoid: set[str]) -> list[Found]:
    """The policies of one file; a file that cannot be read is one ``Found``
    carrying the error."""
    from verifier.sources import account_export, cloudformation, terraform

    try:
        data = read(path)
        fmt, root = parse(path, data, forced)
        if fmt == "policy" and len(data) > jsontree.MAX_BYTES:
            parser.parse_bytes(data, path)  # a policy keeps its own limit: raises the size error
        if fmt == "policy":
            return [Found(path, "policy", node=root, span=root.span)]
        if fmt == "cloudformation":
            return cloudformation.extract(path, root, account, avoid)
        if fmt == "terraform":
            return terraform.extract(path, root)
        return account_export.extract(path, root)
    except InputError as exc:
        return [Found(path, forced or "unknown", error=exc)]


def expand(paths: list[str]) -> list[str]:
    """Files as given; globs expanded; directories walked for ``*.json``
    and for CloudFormation templates (``*.yaml``, ``*.yml``, ``*.template``
    that name ``AWSTemplateFormatVersion`` or ``Resources``), sorted."""
    import glob

    out = []
    for path in paths:
        if not os.path.exists(path) and glob.has_magic(path):
            matches = sorted(glob.glob(path, recursive=True))
            out += expand(matches) if matches else [path]
        elif os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs.sort()
                out += [os.path.join(root, f) for f in sorted(files) if _wanted(os.path.join(root, f))]
        else:
            out.append(path)
    return out


_TEMPLATE_MARK = re.compile(rb"^\s*[\"']?(AWSTemplateFormatVersion|Resources)[\"']?\s*:", re.MULTILINE)


def _wanted(path: str) -> bool:
    lower = path.lower()
    if lower.endswith(".json"):
        return True
    if lower.endswith(TEMPLATE_SUFFIXES):
        try:
            with open(path, "rb") as handle:
                return _TEMPLATE_MARK.search(handle.read(1 << 20)) is not None
        except OSError:
            return True  # let the reader report it
    return False

