"""The AST back to policy JSON.

Reproduces what the document said: element order of the canonical layout,
scalar-or-list forms, and unquoted numbers and booleans (G5), so that
``parse(print(policy)) == policy``.
"""

from __future__ import annotations

import json

from verifier.policy.ast import Literal, Policy, PrincipalBlock, Statement, Text, Values


def to_json(policy: Policy) -> dict:
    """A JSON-ready structure; numbers and booleans become ``_Raw`` markers."""
    out: dict = {}
    if policy.version is not None:
        out["Version"] = _scalar(policy.version)
    if policy.id is not None:
        out["Id"] = _scalar(policy.id)
    statements = [_statement(s) for s in policy.statements]
    out["Statement"] = statements if policy.statement_is_list else statements[0]
    return out


def dumps(policy: Policy, indent: int | None = 2) -> str:
    """Policy JSON text."""
    return _write(to_json(policy), indent)


def _statement(s: Statement) -> dict:
    out: dict = {}
    if s.sid is not None:
        out["Sid"] = _scalar(s.sid)
    if s.effect is not None:
        out["Effect"] = _scalar(s.effect)
    for block, name in ((s.principal, "Principal"), (s.not_principal, "NotPrincipal")):
        if block is not None:
            out[name] = _principal(block)
    for block, name in ((s.action, "Action"), (s.not_action, "NotAction"),
                        (s.resource, "Resource"), (s.not_resource, "NotResource")):
        if block is not None:
            out[name] = _values(block.patterns)
    if s.condition is not None:
        out["Condition"] = {
            op.operator.value: {e.key.value: _values(e.values) for e in op.entries}
            for op in s.condition.operators
        }
    return out


def _principal(block: PrincipalBlock):
    if block.wildcard is not None:
        return _scalar(block.wildcard)
    return {e.kind.value: _values(e.values) for e in block.entries}


def _values(values: Values):
    items = [_scalar(t) for t in values.items]
    return items if values.is_list else items[0]


class _Raw(str):
    """Text to be written unquoted (a number or boolean literal)."""


def _scalar(text: Text):
    return _Raw(text.value) if text.literal is not Literal.STRING else text.value


def _write(o, indent: int | None, depth: int = 0) -> str:
    if isinstance(o, _Raw):
        return str(o)
    if isinstance(o, str):
        return json.dumps(o, ensure_ascii=False)
    pad, inner = _padding(indent, depth)
    if isinstance(o, dict):
        if not o:
            return "{}"
        sep = ": "
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}{sep}{_write(v, indent, depth + 1)}"
                 for k, v in o.items()]
        return "{" + _join(items, indent) + pad + "}"
    if not o:
        return "[]"
    items = [inner + _write(v, indent, depth + 1) for v in o]
    return "[" + _join(items, indent) + pad + "]"


def _padding(indent: int | None, depth: int) -> tuple[str, str]:
    if indent is None:
        return "", ""
    return "\n" + " " * (indent * depth), "\n" + " " * (indent * (depth + 1))


def _join(items: list[str], indent: int | None) -> str:
    return ("," if indent is not None else ", ").join(items)
