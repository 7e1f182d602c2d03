"""``aws iam get-account-authorization-details`` output: every role's trust
policy, with the owner's account taken from the role's ARN."""

from __future__ import annotations

import re
from urllib.parse import unquote

from verifier.errors import InputError
from verifier.policy.jsontree import JArray, JObject, JScalar
from verifier.sources import Found, member_value, scalar_text
from verifier.sources.embedded import parse_embedded
from verifier.policy.wellformed import PolicyKind

_ROLE_ARN = re.compile(r"arn:[a-z0-9-]+:iam::([0-9]{12}):role/")


def extract(path: str, root) -> list[Found]:
    roles = member_value(root, "RoleDetailList")
    if not isinstance(roles, JArray):
        where = getattr(roles, "span", root.span)
        raise InputError("the export has no RoleDetailList array", path, where.line, where.column)
    return [_role(path, role) for role in roles.items]


def _role(path: str, role) -> Found:
    name = scalar_text(member_value(role, "RoleName")) or "?"
    found = Found(path, "account-export", name, kind=PolicyKind.TRUST, span=role.span)
    arn = scalar_text(member_value(role, "Arn")) or ""
    match = _ROLE_ARN.match(arn)
    document = member_value(role, "AssumeRolePolicyDocument")
    try:
        if not match:
            raise InputError(f"role {name}: Arn {arn!r} is not a role ARN, so the owner's account is unknown",
                             path, role.span.line, role.span.column)
        found.owner = match.group(1)
        if isinstance(document, JScalar) and document.kind == "string":
            text = document.value.strip()
            found.node = parse_embedded(unquote(text) if text.startswith("%7B") or "%22" in text else text,
                                        document.span, path, f"role {name} AssumeRolePolicyDocument")
        elif isinstance(document, JObject):
            found.node = document
        else:
            raise InputError(f"role {name} has no AssumeRolePolicyDocument", path, role.span.line,
                             role.span.column)
        found.span = document.span
    except InputError as exc:
        found.error = exc
    return found


