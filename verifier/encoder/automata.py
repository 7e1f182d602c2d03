"""Automata of the encoder's languages: Thompson NFAs over character
intervals, their lazily built DFAs, and product automata of intersections.

``verifier.encoder.lang`` says what a language is; this module says how a
string is run through one (``matches``) and gives ``verifier.encoder.classes``
the deterministic automata whose product it explores. Kept apart from the
evaluator's matcher, so that each checks the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from verifier.encoder.lang import MAX_CODE, literal_text, Alt, Chars, Intersection, Lang, Native, Rep, Seq


@dataclass
class NFA:
    """Thompson automaton: one start, one accepting state; edges labelled
    with character intervals or epsilon."""

    start: int = 0
    accept: int = 0
    epsilon: list[list[int]] = field(default_factory=list)
    edges: list[list[tuple[Chars, int]]] = field(default_factory=list)

    def new_state(self) -> int:
        self.epsilon.append([])
        self.edges.append([])
        return len(self.epsilon) - 1

    def closure(self, states) -> frozenset[int]:
        out = set(states)
        todo = list(states)
        while todo:
            for nxt in self.epsilon[todo.pop()]:
                if nxt not in out:
                    out.add(nxt)
                    todo.append(nxt)
        return frozenset(out)

    def step(self, states: frozenset[int], code: int) -> frozenset[int]:
        out = [t for s in states for label, t in self.edges[s] if contains(label, code)]
        return self.closure(out) if out else frozenset()

    def matches(self, text: str) -> bool:
        states = self.closure([self.start])
        for c in text:
            states = self.step(states, ord(c))
            if not states:
                return False
        return self.accept in states


class DFA:
    """The subset construction of an NFA, built lazily as it is explored:
    states are small integers, so product states hash cheaply."""

    def __init__(self, automaton: NFA):
        self.nfa = automaton
        self.ids: dict[frozenset, int] = {}
        self.sets: list[frozenset] = []
        self.accepting: list[bool] = []
        self.moves: list[dict[int, int]] = []  # per state: character -> next state
        self.cut_points: list[frozenset[int] | None] = []
        self.start = self._id(automaton.closure([automaton.start]))

    def _id(self, states: frozenset) -> int:
        found = self.ids.get(states)
        if found is None:
            found = self.ids[states] = len(self.sets)
            self.sets.append(states)
            self.accepting.append(self.nfa.accept in states)
            self.cut_points.append(None)
            self.moves.append({})
        return found

    def cuts(self, state: int) -> frozenset[int]:
        """Where the labels leaving ``state`` begin and end: characters
        between two neighbouring cuts all lead to the same next state."""
        found = self.cut_points[state]
        if found is None:
            points = set()
            for s in self.sets[state]:
                for label, _ in self.nfa.edges[s]:
                    for low, high in label.intervals:
                        points.add(low)
                        points.add(high + 1)
            found = self.cut_points[state] = frozenset(points)
        return found

    def step(self, state: int, code: int) -> int:
        """The next state, or -1 once no string can be accepted."""
        row = self.moves[state]  # a dict per state: no key tuple to build at every step
        found = row.get(code)
        if found is None:
            nxt = self.nfa.step(self.sets[state], code)
            found = row[code] = self._id(nxt) if nxt else -1
        return found


@lru_cache(maxsize=65536)
def dfa(lang: Lang) -> DFA:
    if isinstance(lang, Native):
        return lang.automaton()
    return DFA(nfa(lang))


def contains(label: Chars, code: int) -> bool:
    for low, high in label.intervals:
        if low <= code <= high:
            return True
        if code < low:
            return False
    return False


@lru_cache(maxsize=65536)
def nfa(lang: Lang) -> NFA:
    """The automaton of a language (cached: languages repeat across atoms)."""
    automaton = NFA()
    start, accept = _build(automaton, lang)
    automaton.start, automaton.accept = start, accept
    return automaton


def matches(lang: Lang, text: str) -> bool:
    """Whether ``text`` is in ``lang``: run through the language's cached
    DFA (or its own automaton, ``Native``), whose moves are remembered (the
    NFA's answer, without computing the same state sets again for every
    string). A plain string is compared as one: building an automaton for
    each of 10,000 values of a condition, to run one string, costs more."""
    text_of = literal_text(lang)
    if text_of is not None:
        return text == text_of
    automaton = dfa(lang)
    state = automaton.start
    for c in text:
        state = automaton.step(state, ord(c))
        if state < 0:
            return False
    return automaton.accepting[state]


def _build(a: NFA, lang: Lang) -> tuple[int, int]:
    if isinstance(lang, Chars):
        s, t = a.new_state(), a.new_state()
        if lang.intervals:
            a.edges[s].append((lang, t))
        return s, t
    if isinstance(lang, Seq):
        s = a.new_state()
        current = s
        for item in lang.items:
            i, o = _build(a, item)
            a.epsilon[current].append(i)
            current = o
        return s, current
    if isinstance(lang, Alt):
        s, t = a.new_state(), a.new_state()
        for option in lang.options:
            i, o = _build(a, option)
            a.epsilon[s].append(i)
            a.epsilon[o].append(t)
        return s, t
    if isinstance(lang, Rep):
        return _build_rep(a, lang)
    if isinstance(lang, Intersection):
        return _build_product(a, lang)
    raise TypeError(f"not a language: {lang!r}")


def _build_rep(a: NFA, lang: Rep) -> tuple[int, int]:
    s = a.new_state()
    current = s
    for _ in range(lang.low):
        i, o = _build(a, lang.item)
        a.epsilon[current].append(i)
        current = o
    if lang.high is None:
        i, o = _build(a, lang.item)
        a.epsilon[current].append(i)
        a.epsilon[o].append(i)
        t = a.new_state()
        a.epsilon[current].append(t)
        a.epsilon[o].append(t)
        return s, t
    t = a.new_state()
    a.epsilon[current].append(t)
    for _ in range(lang.high - lang.low):
        i, o = _build(a, lang.item)
        a.epsilon[current].append(i)
        a.epsilon[o].append(t)
        current = o
    return s, t


def _build_product(a: NFA, lang: Intersection) -> tuple[int, int]:
    """Inline the product of the parts' automata (small in practice: it is
    used only for A7's few-colon alternative)."""
    parts = [nfa(p) for p in lang.parts]
    start_key = tuple(p.closure([p.start]) for p in parts)
    ids: dict[tuple, int] = {start_key: a.new_state()}
    accept = a.new_state()
    todo = [start_key]
    while todo:
        key = todo.pop()
        here = ids[key]
        if all(p.accept in k for p, k in zip(parts, key)):
            a.epsilon[here].append(accept)
        for label in _joint_labels(parts, key):
            code = label.intervals[0][0]
            nxt = tuple(p.step(k, code) for p, k in zip(parts, key))
            if not all(nxt):
                continue
            if nxt not in ids:
                ids[nxt] = a.new_state()
                todo.append(nxt)
            a.edges[here].append((label, ids[nxt]))
    return ids[start_key], accept


def _joint_labels(parts: list[NFA], key: tuple) -> list[Chars]:
    cuts = {0, MAX_CODE + 1}
    for p, states in zip(parts, key):
        for s in states:
            for label, _ in p.edges[s]:
                for low, high in label.intervals:
                    cuts.update((low, high + 1))
    points = sorted(cuts)
    return [Chars(((lo, hi - 1),)) for lo, hi in zip(points, points[1:])]
