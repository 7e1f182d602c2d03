"""What an unresolved value does to a verdict.

Only two places let deputy go on soundly without knowing a value:

* ``Sid`` and ``Id``: they name things and mean nothing to evaluation; a
  placeholder name stands in.
* an entry of ``Resource`` in an ``Allow`` statement: read as ``"*"``. A
  wider Allow admits a superset of requests, so a proof of ``safe`` for the
  wider policy holds for the real one; a ``vulnerable`` verdict says which
  reading it used (in the assumptions). NOT in a ``Deny`` (a wider Deny
  denies more, which could hide a request the real policy allows), nor in
  ``NotResource`` (a wider NotResource list narrows the statement).

Anywhere else (Principal, Action, Effect, Condition, Version, a whole
statement) the value decides the verdict, so the verdict is ``unknown``
naming every such value. The placeholder left in the node there only keeps
the document readable for the error checks; no verdict is drawn from it.
"""

from __future__ import annotations

from verifier.jsontree import JArray, JMember, JNode, JObject, JScalar
from verifier.sources import JUnresolved


def settle(node) -> tuple[JNode, list[str], list[str]]:
    """``(node without JUnresolved, assumptions, fatal)``: ``fatal`` names
    every unresolved value that makes the verdict unknown."""
    walker = _Walker()
    out = walker.walk(node, (), None)
    return out, walker.assumptions, walker.fatal


def contains_unresolved(node) -> bool:
    if isinstance(node, JUnresolved):
        return True
    if isinstance(node, JObject):
        return any(contains_unresolved(m.value) for m in node.members)
    if isinstance(node, JArray):
        return any(contains_unresolved(i) for i in node.items)
    return False


class _Walker:
    def __init__(self):
        self.assumptions: list[str] = []
        self.fatal: list[str] = []
        self.sids = 0

    def walk(self, node, path: tuple, effect: str | None):
        if isinstance(node, JUnresolved):
            return self.replace(node, path, effect)
        if isinstance(node, JObject):
            if _is_statement_path(path):
                effect = _effect(node)
            return JObject(tuple(JMember(m.name, m.name_span, self.walk(m.value, path + (m.name,), effect))
                                 for m in node.members), node.span)
        if isinstance(node, JArray):
            return JArray(tuple(self.walk(item, path + (i,), effect) for i, item in enumerate(node.items)),
                          node.span)
        return node

    def replace(self, node: JUnresolved, path: tuple, effect: str | None) -> JScalar:
        names = [p for p in path if isinstance(p, str)]
        element = names[-1] if names else "the policy"
        where = f"line {node.span.line}, column {node.span.column}"
        if element in ("Sid", "Id") and len(names) <= 2:
            self.sids += 1
            return JScalar("string", f"Unresolved{self.sids}", node.span)
        if element == "Resource" and len(names) == 2 and effect == "Allow":
            self.assumptions.append(f"{where}: Resource {node.what} is read as \"*\" (an Allow over more "
                                    "resources can only admit more requests)")
            return JScalar("string", "*", node.span)
        self.fatal.append(f"{node.what} at {where} (in {_describe(names)})")
        return JScalar("string", "${deputy:unresolved}", node.span)


def _is_statement_path(path: tuple) -> bool:
    return path == ("Statement",) or (len(path) == 2 and path[0] == "Statement" and isinstance(path[1], int))


def _effect(statement: JObject) -> str | None:
    for m in statement.members:
        if m.name == "Effect" and isinstance(m.value, JScalar):
            return m.value.value
    return None


def _describe(names: list[str]) -> str:
    if not names:
        return "the policy document"
    if names[0] == "Statement" and len(names) > 1:
        return "the statement's " + ".".join(names[1:])
    return ".".join(names)
