"""A concrete request: who asks to do what, with which context keys.

The JSON form is the one ``deputy eval --request`` reads and the one the
prover prints as a counterexample, so that a printed counterexample can be fed
back as it is::

    {"principal": "rekognition.amazonaws.com", "action": "sts:AssumeRole",
     "resource": "arn:aws:s3:::bucket/key",            (optional)
     "context": {"aws:SourceAccount": "111122223333",
                 "aws:SourceOrgPaths": ["o-a1b2c3d4e5/r-ab12/"]}}

A key absent from ``context`` is absent from the request. A string is a
single value; a list is a set of values (an empty list is refused: SEMANTICS
writes a present key as a non-empty set).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from verifier.policy import keys, parser
from verifier.errors import InputError
from verifier.policy.jsontree import JArray, JNode, JObject, JScalar, describe


@dataclass(frozen=True)
class ContextValue:
    """One key's values, with the key spelt as the request spelt it."""

    name: str
    values: tuple[str, ...]
    is_list: bool = False


@dataclass(frozen=True)
class Request:
    principal: str
    action: str
    resource: str | None = None
    context: tuple[ContextValue, ...] = ()
    _index: dict = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_index", {keys.fold(c.name): c for c in self.context})

    def get(self, key: str) -> tuple[str, ...] | None:
        """The values of a key (any case, C2), or None when it is absent."""
        entry = self._index.get(keys.fold(key))
        return entry.values if entry else None

    def to_json(self) -> dict:
        """The JSON form described in the module docstring."""
        out: dict = {"principal": self.principal, "action": self.action}
        if self.resource is not None:
            out["resource"] = self.resource
        out["context"] = {
            c.name: (list(c.values) if c.is_list or len(c.values) != 1 else c.values[0])
            for c in self.context
        }
        return out

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False)


def make_request(principal: str, action: str, context: dict | None = None,
                 resource: str | None = None) -> Request:
    """Build a request from Python values (strings, or lists for sets)."""
    entries = []
    for name, value in (context or {}).items():
        if isinstance(value, (list, tuple)):
            entries.append(ContextValue(name, tuple(value), True))
        else:
            entries.append(ContextValue(name, (value,), False))
    return Request(principal, action, resource, tuple(entries))


def parse_request(text: str, source: str = "<request>") -> Request:
    """Parse the JSON form, or raise ``InputError`` with a location."""
    return build_request(parser.parse_text(text, source), source)


def read_request(path: str) -> Request:
    return build_request(parser.read_file(path), path)


_FIELDS = ("principal", "action", "resource", "context")


def build_request(node: JNode, source: str) -> Request:
    def fail(message, at):
        span = getattr(at, "span", at)
        return InputError(message, source, span.line, span.column)

    if not isinstance(node, JObject):
        raise fail(f"a request must be a JSON object, found {describe(node)}", node)
    members = {}
    for member in node.members:
        if member.name not in _FIELDS:
            raise fail(f"unknown request field {member.name!r}; expected one of {', '.join(_FIELDS)}",
                       member.name_span)
        members[member.name] = member.value
    for required in ("principal", "action"):
        if required not in members:
            raise fail(f"the request has no {required!r} field", node)
    principal = _string(members["principal"], "principal", fail)
    action = _string(members["action"], "action", fail)
    resource = _string(members["resource"], "resource", fail) if "resource" in members else None
    context = _context(members.get("context"), fail)
    return Request(principal, action, resource, context)


def _string(node: JNode, what: str, fail) -> str:
    if isinstance(node, JScalar) and node.kind == "string":
        return node.value
    raise fail(f"{what} must be a string, found {describe(node)}", node)


def _context(node: JNode | None, fail) -> tuple[ContextValue, ...]:
    if node is None:
        return ()
    if not isinstance(node, JObject):
        raise fail(f"context must be an object of condition keys, found {describe(node)}", node)
    seen: dict[str, str] = {}
    entries = []
    for member in node.members:
        folded = keys.fold(member.name)
        if folded in seen:
            raise fail(f"context key {member.name!r} repeats {seen[folded]!r}: key names ignore case (C2)",
                       member.name_span)
        if not keys.can_be_present(folded):
            guess = keys.near_miss(folded)
            why = f"AWS sets no such key (did you mean {guess!r}?)" if guess else \
                "keys are namespaced, as in aws:SourceAccount"
            raise fail(f"context key {member.name!r} is not a condition key: {why}", member.name_span)
        seen[folded] = member.name
        entries.append(_context_value(member.name, member.value, fail))
    return tuple(entries)


def _context_value(name: str, node: JNode, fail) -> ContextValue:
    if isinstance(node, JArray):
        if not node.items:
            raise fail(f"context key {name!r} has an empty list; leave the key out to make it absent", node)
        return ContextValue(name, tuple(_scalar(item, name, fail) for item in node.items), True)
    return ContextValue(name, (_scalar(node, name, fail),), False)


def _scalar(node: JNode, name: str, fail) -> str:
    # Numbers and booleans stand for their source text, as in policies (G5).
    if isinstance(node, JScalar) and node.kind in ("string", "number", "bool"):
        return node.value
    raise fail(f"the value of context key {name!r} must be a string or a list of strings, "
               f"found {describe(node)}", node)
