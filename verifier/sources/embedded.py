"""A policy written as a JSON string inside another document (a Terraform
plan's ``assume_role_policy``, an account export's URL-encoded document).

Positions inside the string mean nothing in the file a person opens, so
every node of the embedded policy is placed at the string itself; an error
inside the string names the string's place and, in the message, the line
and column inside the string.
"""

from __future__ import annotations

from verifier.policy import parser
from verifier.policy.ast import Span
from verifier.errors import InputError
from verifier.policy.jsontree import JArray, JMember, JObject, JScalar


def parse_embedded(text: str, at: Span, path: str, what: str):
    try:
        node = parser.parse_text(text, what)
    except InputError as exc:
        inside = f" (line {exc.line}, column {exc.column} of the string)" if exc.line else ""
        raise InputError(f"{what}: the policy string is not a readable policy: {exc.message}{inside}", path,
                         at.line, at.column) from None
    return relocate(node, at)


def relocate(node, at: Span):
    if isinstance(node, JObject):
        return JObject(tuple(JMember(m.name, at, relocate(m.value, at)) for m in node.members), at)
    if isinstance(node, JArray):
        return JArray(tuple(relocate(i, at) for i in node.items), at)
    if isinstance(node, JScalar):
        return JScalar(node.kind, node.value, at)
    return node
