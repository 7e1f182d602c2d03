"""Which classes of two strings can stand in ``whole = p + part + s`` with
``p`` in one language and ``s`` in another: the joint exploration behind a
policy variable inside a pattern (``arn:aws:s3:::logs/${aws:SourceAccount}/*``).

``together`` runs the automata of both strings' languages over one string
read in three phases: the prefix (the whole's automata and the prefix
language's), the part (the whole's and the part's automata on the same
characters), the suffix (the whole's and the suffix language's). Every
state reached is visited, so a pair of membership sets is found exactly
when some pair of strings realizes it with the relation holding; each comes
with such a pair of strings.
"""

from __future__ import annotations

from collections import deque

from verifier import deadline
from verifier.encoder import automata
from verifier.encoder import lang as L
from verifier.encoder.classes import STATE_BUDGET

_READABLE = [ord(c) for c in "abcdefghijklmnopqrstuvwxyz0123456789-_./:"] + list(range(0x21, 0x7F))


def together(whole: list[L.Lang], before: L.Lang, part: list[L.Lang], after: L.Lang,
             budget: int = STATE_BUDGET) -> dict[tuple[frozenset, frozenset], tuple[str, str]] | None:
    """(memberships of the whole, memberships of the part) -> (whole, part)
    strings realizing them with ``whole`` in ``before + part + after``;
    None if the exploration exceeds ``budget`` states; ``deadline.TimeLimit``
    once the policy's time is up."""
    outer = [automata.dfa(x) for x in whole]
    inner = [automata.dfa(x) for x in part]
    edges = (automata.dfa(before), automata.dfa(after))
    start = (0, tuple(a.start for a in outer), tuple(a.start for a in inner), edges[0].start)
    seen = {start: ("", "")}
    todo = deque([start])
    found: dict = {}
    explored = 0
    while todo:
        state = todo.popleft()
        explored += 1
        if explored % 256 == 0:
            deadline.check()
        texts = seen[state]
        for nxt, extra in _moves(state, outer, inner, edges):
            texts_next = (texts[0] + extra, texts[1] + (extra if state[0] == 1 and extra else ""))
            if nxt not in seen:
                seen[nxt] = texts_next
                todo.append(nxt)
        if len(seen) > budget:
            return None
    for (phase, outs, ins, edge), texts in seen.items():
        if phase == 2 and edges[1].accepting[edge]:
            found.setdefault((_vector(outer, outs), _vector(inner, ins)), texts)
    return found


def _moves(state, outer, inner, edges):
    """The states one step (a character, or a change of phase) away."""
    phase, outs, ins, edge = state
    if phase == 0 and edges[0].accepting[edge]:
        yield (1, outs, ins, -1), ""
    if phase == 1:
        yield (2, outs, ins, edges[1].start), ""
    reading = [*zip(outer, outs)]
    if phase == 1:
        reading += list(zip(inner, ins))
    else:
        reading.append((edges[0] if phase == 0 else edges[1], edge))
    points = set()
    for automaton, s in reading:
        if s >= 0:
            points |= automaton.cuts(s)
    for code in _representatives(points):
        new_outs = tuple(a.step(s, code) if s >= 0 else -1 for a, s in zip(outer, outs))
        if phase == 1:
            yield (1, new_outs, tuple(a.step(s, code) if s >= 0 else -1 for a, s in zip(inner, ins)), -1), chr(code)
            continue
        automaton = edges[0] if phase == 0 else edges[1]
        step = automaton.step(edge, code)
        if step >= 0:
            yield (phase, new_outs, ins, step), chr(code)


def _representatives(points: set[int]) -> list[int]:
    bounds = sorted(points | {0, L.MAX_CODE + 1})
    out = []
    for low, high in zip(bounds, bounds[1:]):
        code = next((c for c in _READABLE if low <= c < high), low)
        if 0xD800 <= code <= 0xDFFF:  # no request string holds a surrogate
            code = 0xE000 if high > 0xE000 else None
        if code is not None:
            out.append(code)
    return out


def _vector(automata_: list, states: tuple) -> frozenset:
    return frozenset(i for i, (a, s) in enumerate(zip(automata_, states)) if s >= 0 and a.accepting[s])
