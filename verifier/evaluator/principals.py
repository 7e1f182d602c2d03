"""Concrete principal matching (SEMANTICS.md section 3).

``lenient`` is the reading that matches more: it is used for a Principal
element in an Allow statement and for the exemption list of a NotPrincipal in
a Deny statement (P8 "the other way round"); the strict reading elsewhere.
"""

from __future__ import annotations

import re

from verifier.policy.ast import PrincipalBlock
from verifier.evaluator.matching import ascii_lower

_ACCOUNT = re.compile(r"[0-9]{12}")
_ACCOUNT_ROOT = re.compile(r"arn:[^:]+:iam::([0-9]{12}):root")
_REGIONAL = re.compile(r"([^.]+)\.[a-z]{2}(?:-[a-z]+)+-[0-9]+\.(amazonaws\.com(?:\.cn)?)")
# The forms AWS documents for Principal values (P1, P5); anything else is a
# form deputy cannot read as AWS does.
_SERVICE_NAME = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_AWS_PRINCIPAL = re.compile(r"[0-9]{12}|arn:[^:]+:(?:iam|sts)::[^:]+:.+|A[A-Z]{3}[A-Z0-9]{12,124}")


def is_service(principal: str) -> bool:
    """Service principals are DNS-like names (P1); every other principal is
    an ARN, an account number, a canonical user id or ``*``."""
    return "." in principal and not principal.startswith("arn:") and principal != "*"


def global_name(service: str) -> str:
    """``s3.ap-east-1.amazonaws.com`` names the same service as
    ``s3.amazonaws.com`` (P2)."""
    match = _REGIONAL.fullmatch(service)
    return f"{match.group(1)}.{match.group(2)}" if match else service


def block_matches(block: PrincipalBlock, principal: str, lenient: bool) -> tuple[bool, str]:
    """Whether the listed principals include ``principal`` (ignoring negation)."""
    if block.wildcard is not None:
        return _wildcard(block.wildcard.value, lenient, "")
    if not block.entries:
        return False, "the principal map is empty (E4)"
    for entry in block.entries:
        for value in entry.values.items:
            hit, why = _entry(entry.kind.value, value.value, principal, lenient)
            if hit:
                return True, why
    return False, f"{principal} is not listed"


def _wildcard(value: str, lenient: bool, kind: str) -> tuple[bool, str]:
    where = f"{kind}: " if kind else ""
    if value == "*" and not kind:
        return True, '"*" matches every principal (P3)'
    # P6: a wildcard anywhere else is not supported by AWS; a stored policy
    # that has one is read as matching all (lenient) or nothing (strict).
    if lenient:
        return True, f"{where}{value!r} is a partial wildcard, read as matching every principal (P6)"
    return False, f"{where}{value!r} is a partial wildcard, read as matching no principal (P6)"


def _entry(kind: str, value: str, principal: str, lenient: bool) -> tuple[bool, str]:
    if kind == "AWS" and value == "*":
        # A1: sources disagree on whether {"AWS": "*"} covers services.
        if not is_service(principal):
            return True, '{"AWS": "*"} matches every AWS principal (P4)'
        if lenient:
            return True, '{"AWS": "*"} is read as covering service principals here (A1)'
        return False, '{"AWS": "*"} is read as not covering service principals here (A1)'
    if "*" in value or "?" in value:
        return _wildcard(value, lenient, kind)
    readable = {"Service": _SERVICE_NAME, "AWS": _AWS_PRINCIPAL}.get(kind)
    if readable is not None and not readable.fullmatch(value) and is_service(principal):
        return _unread(kind, value, lenient)
    if kind == "Service":
        return _service(value, principal, lenient)
    if is_service(principal):
        return False, f"{kind} principals never match a service (P5)"
    if kind == "AWS" and _same_account(value, principal):
        return True, f"{principal} is in account {value} (P5)"
    if value == principal:
        return True, f"{kind} {value} matches"
    return False, f"{kind} {value} does not match"


def _unread(kind: str, value: str, lenient: bool) -> tuple[bool, str]:
    # Section 8: a value AWS would not accept may still be stored; deputy
    # cannot know whether it names a service, so for a service principal it
    # is read to admit more, like P6.
    if lenient:
        return True, (f"{kind}: {value!r} is not a principal form deputy can read; read as matching every "
                      "service principal")
    return False, f"{kind}: {value!r} is not a principal form deputy can read; read as matching no service principal"


def _service(value: str, principal: str, lenient: bool) -> tuple[bool, str]:
    if not is_service(principal):
        return False, f"Service {value} does not match a non-service principal"
    if value == principal:
        return True, f"Service {value} matches"
    # Service names are ASCII; only ASCII letters are folded.
    if lenient and ascii_lower(global_name(value)) == ascii_lower(global_name(principal)):
        return True, (f"Service {value} is read as naming {principal} "
                      "(case and regional form are undocumented: P2, P8, A6, A16)")
    return False, f"Service {value} does not match {principal}"


def _same_account(value: str, principal: str) -> bool:
    if _ACCOUNT.fullmatch(value):
        account = value
    else:
        root = _ACCOUNT_ROOT.fullmatch(value)
        if not root:
            return False
        account = root.group(1)
    parts = principal.split(":", 5)
    return principal == account or (len(parts) == 6 and parts[0] == "arn" and parts[4] == account)
