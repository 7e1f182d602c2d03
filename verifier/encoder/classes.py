"""The class computation behind ``verifier.encoder.strings``: which
combinations of memberships in a list of regular languages some string
realizes, each with a witness.

``realizable`` explores the product of the languages' automata (a trie for
the literal ones), visiting every reachable state within a budget, so a
combination is ruled out only if no string realizes it. Character ranges
are cut into the intervals the automata tell apart, and each witness uses
a readable character of its interval where one exists.
"""

from __future__ import annotations

from functools import lru_cache

from verifier import deadline
from verifier.encoder import automata
from verifier.encoder import lang as L


STATE_BUDGET = 1_000_000
"""How far the product of one variable's automata is explored, counted in
the states of its parts (a product state of k live automata counts k):
both the memory and the time of the exploration grow with this count. Real
policies stay under a few thousand; past the budget, ``realizable`` says
None and the question is unknown (``strings.StringSpace``), never decided
on a partial exploration."""


def settled_by_domain(domain: L.Lang, language: L.Lang, excluded: tuple = ()) -> bool | None:
    """True if every string of ``domain`` outside the ``excluded`` languages
    is in ``language``, False if none is, None if some are (or the
    exploration is too large to tell, or the domain has no string)."""
    text = L.literal_text(language)
    if text is not None:  # one string: run it, no product needed
        if not automata.matches(domain, text) or any(automata.matches(e, text) for e in excluded):
            return False
        return True if L.literal_text(domain) == text else None
    alone = _settled(domain, language, None)
    if alone is not None or not excluded:
        return alone  # all of the domain or none of it: its part outside ``excluded`` too
    # Inside one excluded language: what the domain and ``language`` share
    # is left out of the domain (a statement for a deputy asked about on
    # its own, in the question of every other service principal).
    if any(_settled(domain, language, e) is False for e in excluded):
        return False
    return None


@lru_cache(maxsize=8192)
def _settled(domain: L.Lang, language: L.Lang, excluded: L.Lang | None) -> bool | None:
    found = realizable([domain, language] + ([excluded] if excluded is not None else []), required=frozenset({0}))
    if found is None:
        return None
    outside = [v for v in found if 2 not in v]
    if not outside:
        return None
    inside = {1 in vector for vector in outside}
    return inside.pop() if len(inside) == 1 else None


def realizable(languages: list[L.Lang], budget: int = STATE_BUDGET, want: frozenset | None = None,
               counted: bool = False, required: frozenset = frozenset()) -> dict[frozenset, tuple[str, int]] | None:
    """Every set of language indexes that is exactly the set some string is
    in, with a shortest such string and how many strings do it (1, or 2 for
    "more than one"); None if the exploration exceeds ``budget``
    (``STATE_BUDGET``); ``deadline.TimeLimit`` once the policy's time is up.
    With ``required``, only the sets that hold those indexes. With ``want``,
    only that set, found as soon as one string realizes it (counts are then
    not computed)."""
    if want is not None:
        return _explore(tuple(languages), budget, want, False, frozenset())
    return _realizable(tuple(languages), budget, counted, required)


@lru_cache(maxsize=4096)
def _realizable(languages: tuple, budget: int, counted: bool, required: frozenset):
    # The same languages recur across policies (the domains of the threat
    # model, common patterns); their classes never change.
    return _explore(languages, budget, None, counted, required)


def _explore(languages: tuple, budget: int, want: frozenset | None, counted: bool, required: frozenset):
    parts, owners = _parts(languages, required)
    # Required languages that are automata of their own: once one of them
    # is dead in a state, nothing beyond that state is wanted.
    must_live = {p for p, owner in enumerate(owners) if owner in required}
    start = tuple((p, part.start) for p, part in enumerate(parts))
    seen = {start: ""}
    size, explored = len(start), 0
    edges: list[tuple] = []
    frontier = [start]
    steps, cuts = [part.step for part in parts], [part.cuts for part in parts]
    while frontier:
        next_frontier = []
        for state in frontier:
            explored += 1
            if explored % 256 == 0:
                deadline.check()
            if want is not None and _vector(parts, owners, state) == want:
                return {want: (seen[state], 1)}
            # Only the labels leaving this state's parts can tell characters
            # apart here: a few intervals instead of the whole alphabet's.
            points = frozenset().union(*[cuts[p](s) for p, s in state])
            for code, width in _partition(points):
                nxt = tuple([(p, t) for p, s in state if (t := steps[p](s, code)) >= 0])
                if must_live and not must_live <= {p for p, _ in nxt}:
                    # Dead parts never revive, so no wanted state lies
                    # beyond this one, nor is reached through it.
                    continue
                if nxt not in seen:
                    seen[nxt] = seen[state] + chr(code)
                    size += len(nxt)
                    next_frontier.append(nxt)
                if counted:
                    edges.append((state, nxt, width))
            if size > budget:
                return None
        frontier = next_frontier
    if want is not None:
        return {}
    counts = _string_counts(start, edges) if counted else {}
    found: dict[frozenset, tuple[str, int]] = {}
    for state, text in seen.items():  # BFS order: the first witness is a shortest one
        vector = _vector(parts, owners, state)
        if not required <= vector:
            continue
        count = counts.get(state, 2)
        if vector in found:
            found[vector] = (found[vector][0], 2)
        else:
            found[vector] = (text, count)
    return found


_TRIE = -1
"""The owner of a part that holds several literal languages at once."""


def _parts(languages: tuple, required: frozenset = frozenset()) -> tuple[list, list[int]]:
    """The automata to explore together, and the language each one decides
    (``_TRIE`` for the trie). Literal languages, typically a condition's
    list of values, share one trie: a product with one automaton per value
    would carry thousands of parts through every state. So do unions of
    literal strings (a list of readable names) that are not ``required``:
    their own automaton would be built anew, state set by state set, for
    every new list. The trie's states are the prefixes, which is what the
    parts it replaces would say, so the exploration is the same."""
    texts = [L.literal_text(lang) for lang in languages]
    literal = [i for i, t in enumerate(texts) if t is not None]
    if len(literal) < 2:
        literal = []
    unions = {i: found for i, lang in enumerate(languages) if texts[i] is None and i not in required
              and (found := L.finite_texts(lang)) is not None}
    in_trie = set(literal) | set(unions)
    owners = [i for i in range(len(languages)) if i not in in_trie]
    parts: list = [automata.dfa(languages[i]) for i in owners]
    if in_trie:
        parts.append(_Trie([(texts[i], i) for i in literal]
                           + [(text, i) for i, found in unions.items() for text in found]))
        owners.append(_TRIE)
    return parts, owners


def _vector(parts: list, owners: list[int], state) -> frozenset:
    out = []
    for p, s in state:
        owner = owners[p]
        if owner == _TRIE:
            out += parts[p].owners[s]
        elif parts[p].accepting[s]:
            out.append(owner)
    return frozenset(out)


class _Trie:
    """A deterministic automaton for a set of strings: states are prefixes,
    and a state ends the literal languages whose text it spells (equal
    languages can appear twice)."""

    def __init__(self, texts: list[tuple[str, int]]):
        self.children: list[dict[int, int]] = [{}]
        self.owners: list[list[int]] = [[]]
        self._cuts: list[frozenset | None] = [None]
        self.start = 0
        for text, index in texts:
            node = 0
            for c in text:
                nxt = self.children[node].get(ord(c))
                if nxt is None:
                    nxt = self.children[node][ord(c)] = len(self.children)
                    self.children.append({})
                    self.owners.append([])
                    self._cuts.append(None)
                node = nxt
            self.owners[node].append(index)

    def step(self, state: int, code: int) -> int:
        return self.children[state].get(code, -1)

    def cuts(self, state: int) -> frozenset:
        found = self._cuts[state]
        if found is None:
            found = self._cuts[state] = frozenset(p for c in self.children[state] for p in (c, c + 1))
        return found


def _string_counts(start, edges) -> dict:
    """How many strings lead to each product state, capped at 2: the least
    solution of count(t) = min(2, [t is start] + sum of count(s) * width
    over the edges s -> t). A state's count rises at most twice, so each
    rise is passed on along the state's own edges, once (a worklist), not
    by sweeping every edge until nothing changes: the same least solution
    (the sums only grow), in time linear in the edges."""
    outgoing: dict = {}
    for source, target, size in edges:
        outgoing.setdefault(source, []).append((target, size))
    counts = {start: 1}
    todo = [(start, 1)]  # a state and how much its count rose
    while todo:
        state, rise = todo.pop()
        for target, size in outgoing.get(state, ()):
            old = counts.get(target, 0)
            if old < 2:
                counts[target] = new = min(2, old + rise * size)
                if new > old:
                    todo.append((target, new - old))
    return counts


_NICE = [ord(c) for c in "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_./"] + \
        list(range(0x21, 0x7F)) + [0x20]


_SURROGATES = (0xD800, 0xDFFF)


@lru_cache(maxsize=65536)
def _partition(points: frozenset[int]) -> tuple[tuple[int, int], ...]:
    """The intervals between cut points, each as a readable representative
    character and how many characters it holds (1, or 2 for more),
    surrogates left out: no request string contains one."""
    bounds = sorted(points | {0, L.MAX_CODE + 1})
    out = []
    for low, high in zip(bounds, bounds[1:]):
        size = _size_without_surrogates(low, high - 1)
        if size:
            out.append((_representative(low, high - 1), min(size, 2)))
    return tuple(out)


def _size_without_surrogates(low: int, high: int) -> int:
    overlap = max(0, min(high, _SURROGATES[1]) - max(low, _SURROGATES[0]) + 1)
    return high - low + 1 - overlap


def _representative(low: int, high: int) -> int:
    for code in _NICE:
        if low <= code <= high:
            return code
    if not _SURROGATES[0] <= low <= _SURROGATES[1]:
        return low
    return _SURROGATES[1] + 1
