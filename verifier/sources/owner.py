"""A placeholder for the owner's account when the input does not state it.

A template says ``${AWS::AccountId}`` where the real policy has the account
the stack is deployed in. Any 12-digit account can stand for it, provided
nothing else in the input can tell the placeholder from the real one: if a
literal or a pattern in the input named the placeholder, the placeholder
(trusted, being the owner) would make that literal look trusted when for the
real owner it is foreign, and a ``safe`` verdict could be false. So the
placeholder is chosen among candidates that no string of the input contains,
and that no wildcard pattern of the input (or ``:``-separated part of one)
matches, except patterns made only of ``*`` and ``?``, which match every
account alike. With no such candidate, there is no placeholder and the user
must give ``--account``.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

CANDIDATES = ("111122223333", "123456789012", "210987654321", "999988887777", "135792468024",
              "864209753186", "502938471652", "777766665555")


def strings(node) -> list[str]:
    """Every scalar text in a tree of positioned nodes (names too)."""
    from verifier.policy.jsontree import JArray, JObject, JScalar
    from verifier.sources import JUnresolved

    out, stack = [], [node]
    while stack:
        n = stack.pop()
        if isinstance(n, JObject):
            for m in n.members:
                out.append(m.name)
                stack.append(m.value)
        elif isinstance(n, JArray):
            stack.extend(n.items)
        elif isinstance(n, JScalar) and n.value is not None:
            out.append(n.value)
        elif isinstance(n, JUnresolved):
            out.append(n.what)
    return out


SENTINEL = "DeputyOwnerAccountMarker"
"""Stands for the owner's account while a template is resolved, until the
placeholder is chosen; the parts of a string around it are what the
template states literally. It is plain text, so that it survives inside a
policy written as a JSON string; a template whose own text holds it is
refused (``cloudformation.extract``), so it cannot collide with input text."""


def placeholder(texts: list[str], avoid: set[str] = frozenset()) -> str | None:
    """The first candidate nothing in ``texts`` can tell apart from any
    other account, or None. Where a text holds ``SENTINEL`` (the owner
    itself), only the literal parts around it count."""
    pieces = []
    for text in texts:
        pieces += text.split(SENTINEL) if SENTINEL in text else [text]
    for candidate in CANDIDATES:
        if candidate not in avoid and _fresh(candidate, pieces):
            return candidate
    return None


def fill(node, account: str):
    """``node`` with ``SENTINEL`` replaced by ``account`` everywhere."""
    from dataclasses import replace

    from verifier.policy.jsontree import JArray, JMember, JObject, JScalar
    from verifier.sources import JUnresolved

    if isinstance(node, JObject):
        return JObject(tuple(JMember(m.name.replace(SENTINEL, account), m.name_span, fill(m.value, account))
                             for m in node.members), node.span)
    if isinstance(node, JArray):
        return JArray(tuple(fill(i, account) for i in node.items), node.span)
    if isinstance(node, JScalar) and node.value and SENTINEL in node.value:
        return JScalar(node.kind, node.value.replace(SENTINEL, account), node.span)
    if isinstance(node, JUnresolved):
        widened = node.widened.replace(SENTINEL, account) if node.widened else node.widened
        hole = node.hole
        if node.widened and hole > 0:  # the sentinel and the account differ in length
            hole = len(node.widened[:hole].replace(SENTINEL, account))
        instance = node.instance.replace(SENTINEL, account) if node.instance else node.instance
        return replace(node, what=node.what.replace(SENTINEL, account), widened=widened, hole=hole,
                       instance=instance)
    return node


def _fresh(candidate: str, texts: list[str]) -> bool:
    for text in texts:
        if candidate in text:
            return False
        if "*" in text or "?" in text:
            for piece in [text, *text.split(":"), *text.split("/")]:
                if piece and set(piece) - {"*", "?"} and fnmatchcase(candidate, piece.replace("[", "[[]")):
                    return False
    return True


def assumption(account: str) -> str:
    return (f"the owner's account is not stated (give --account); the placeholder {account} stands for it, "
            "chosen so that nothing in the input names or matches it")
