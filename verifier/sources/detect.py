"""Which kind of input a file is, from its content, and its policies.

JSON-looking content (first character ``{`` or ``[``) or a ``.json`` name is
read by the JSON layer; anything else as YAML. Then the top-level keys
decide (``shape``, which a directory walk uses too: ``walk.py``):
``Statement`` a policy, ``Resources`` or ``AWSTemplateFormatVersion`` a
CloudFormation template, ``format_version`` with ``terraform_version`` or
plan sections a Terraform plan, ``RoleDetailList`` an account export. A
JSON document that is none of these is read as a policy, so that a file
named on the command line gets the policy reader's own error.
"""

from __future__ import annotations

import re

from verifier.policy import jsontree, parser
from verifier.errors import InputError
from verifier.policy.jsontree import JObject
from verifier.sources import Found, member_value

LARGE_BYTES = 64 << 20
"""Terraform plans and account exports of real accounts exceed the 1 MiB a
policy or template may have; they alone may be this large."""

LARGE_DEPTH = 96

_LARGE_SNIFF = re.compile(rb'"(format_version|terraform_version|RoleDetailList)"\s*:')


def read(path: str) -> bytes:
    return jsontree.read_file(path, LARGE_BYTES)


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
    """The format a document's shape says; a document of no known shape is
    read as a policy (JSON) or a template (YAML), so that a file named on
    the command line gets that reader's own error."""
    if isinstance(root, JObject):
        names = {m.name for m in root.members}
        version = member_value(root, "Version")
        kind = shape(names, getattr(version, "value", None), _typed(member_value(root, "Resources")))
        if kind is not None:
            return kind
        if "Resources" in names:  # a template with a broken Resources: the template reader says what is wrong
            return "cloudformation"
    return "policy" if json else "cloudformation"


POLICY_VERSIONS = ("2012-10-17", "2008-10-17")
PLAN_SECTIONS = frozenset({"terraform_version", "planned_values", "resource_changes", "values", "prior_state"})


def shape(names: set[str], version, typed_resources: bool) -> str | None:
    """Which input a JSON or YAML object is, from its top-level member
    names alone (detection by shape, never by file name), or None.
    ``version``: the value of its ``Version``; ``typed_resources``: its
    ``Resources`` is a mapping of entries whose ``Type`` names a
    CloudFormation type (``AWS::...``). A policy with a misspelt element
    (``statement``) or only its ``Version`` is still a policy, so that it
    is reported, not skipped."""
    if any(name.lower() == "statement" for name in names) or version in POLICY_VERSIONS:
        return "policy"
    if "AWSTemplateFormatVersion" in names or ("Resources" in names and typed_resources):
        return "cloudformation"
    if "format_version" in names and names & PLAN_SECTIONS:
        return "terraform"
    if "RoleDetailList" in names:
        return "account-export"
    return None


def _typed(resources) -> bool:
    if not isinstance(resources, JObject):
        return False
    types = [member_value(m.value, "Type") for m in resources.members]
    return any("::" in (getattr(t, "value", None) or "") for t in types)


def find(path: str, forced: str | None, account: str | None, avoid: set[str],
         notices: list | None = None, data: bytes | None = None) -> list[Found]:
    """The policies of one file (or of ``data``, named ``path``); a file
    that cannot be read is one ``Found`` carrying the error. ``notices``
    receives the file's warnings (``sources.Notice``)."""
    from verifier.sources import account_export, cloudformation, terraform

    try:
        data = read(path) if data is None else data
        fmt, root = parse(path, data, forced)
        if fmt == "policy" and len(data) > jsontree.MAX_BYTES:
            parser.parse_bytes(data, path)  # a policy keeps its own limit: raises the size error
        if fmt == "policy":
            return [Found(path, "policy", node=root, span=root.span, error=_no_owner(path, root, account))]
        if fmt == "cloudformation":
            return cloudformation.extract(path, root, account, avoid, notices)
        if fmt == "terraform":
            return terraform.extract(path, root, account)
        return account_export.extract(path, root)
    except InputError as exc:
        return [Found(path, forced or "unknown", error=exc)]


def _no_owner(path: str, root, account: str | None) -> InputError | None:
    """A policy document does not say which account owns it: without
    ``--account`` that file alone is an error (the others are checked)."""
    if account:
        return None
    if not any(m.name == "Statement" for m in getattr(root, "members", ())):
        return None  # not a policy at all (package.json named on the command line): its parse error says so
    span = root.span
    return InputError("a policy file does not say which account owns it; give --account (the owner's 12-digit "
                      "account)", path, span.line, span.column)
