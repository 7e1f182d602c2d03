"""Strings for the solver, exactly, as membership classes.

z3's string theory answers the questions deputy asks slowly and erratically
(hundreds of milliseconds, or a timeout, for "a 12-digit string other than
111122223333"). But every string in a request is only ever tested for
membership in regular languages built from the policy. So each string
variable is encoded by *which* of its languages it belongs to:

* every test ``x ∈ L`` becomes a boolean atom;
* ``finalize`` explores the product automaton of all of ``x``'s languages
  and finds every combination of memberships that some string realizes,
  with a witness string for each;
* the variable becomes a choice among those combinations (an integer), and
  each atom is true exactly for the combinations that contain it.

This is exact, not an approximation: the product exploration visits every
reachable state, so a combination is ruled out only if no string realizes
it. z3 then decides the whole question over booleans and integers, and a
model's string is the witness of its combination.

A term is a ``Var``, a ``Const``, or a ``Pick`` between two terms on a
boolean (used where one key's value is another's when both are present).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import z3

from verifier.encoder import lang as L

STATE_BUDGET = 200_000
"""Product states explored per variable before giving up (the variable's
tests then become free atoms and the verdict can only be unknown or a
replayed counterexample)."""


@dataclass(frozen=True)
class Var:
    name: str


@dataclass(frozen=True)
class Const:
    text: str


@dataclass(frozen=True)
class Pick:
    condition: z3.BoolRef
    then: object
    otherwise: object

    def __hash__(self):
        return hash((self.condition.get_id(), self.then, self.otherwise))

    def __eq__(self, other):
        return (isinstance(other, Pick) and self.condition.eq(other.condition)
                and self.then == other.then and self.otherwise == other.otherwise)


Term = object  # Var | Const | Pick


@dataclass
class _Slot:
    """One string variable: its languages, atoms, and after ``finalize`` its classes."""

    var: Var
    languages: list[L.Lang] = field(default_factory=list)
    atoms: dict[L.Lang, z3.BoolRef] = field(default_factory=dict)
    choice: z3.ArithRef | None = None
    witnesses: list[str] = field(default_factory=list)
    overflow: bool = False


class StringSpace:
    """The string variables of one encoding and every test made on them."""

    def __init__(self, prefix: str = ""):
        self._prefix = prefix
        self._slots: dict[Var, _Slot] = {}
        self._finalized = False
        self._equalities: dict[tuple[Var, Var], z3.BoolRef] = {}
        self._copies: dict[Var, tuple[Var, z3.BoolRef]] = {}
        self.overflowed: list[str] = []
        self.unchecked: list[str] = []

    def var(self, name: str) -> Var:
        v = Var(self._prefix + name)
        self._slots.setdefault(v, _Slot(v))
        return v

    def member(self, term: Term, language: L.Lang) -> z3.BoolRef:
        """The atom "``term`` is in ``language``"."""
        if isinstance(term, Const):
            return z3.BoolVal(L.matches(language, term.text))
        if isinstance(term, Pick):
            return z3.If(term.condition, self.member(term.then, language),
                         self.member(term.otherwise, language))
        slot = self._slots[term]
        atom = slot.atoms.get(language)
        if atom is None:
            if self._finalized:
                raise RuntimeError("a string test was added after the classes were computed")
            atom = z3.Bool(f"{term.name}∈{len(slot.atoms)}")
            slot.atoms[language] = atom
            slot.languages.append(language)
        return atom

    def equals(self, term: Term, text: str) -> z3.BoolRef:
        return self.member(term, L.literal(text))

    def same(self, a: Term, b: Term) -> z3.BoolRef:
        """The atom "``a`` and ``b`` are the same string".

        Exact when one side is a constant, or when one side is a variable
        nothing else tests (it then simply copies, or differs from, the
        other). Otherwise the atom is left free (listed in ``unchecked``): a
        proof still holds, and a counterexample must replay to count.
        """
        if isinstance(a, Pick):
            return z3.If(a.condition, self.same(a.then, b), self.same(a.otherwise, b))
        if isinstance(b, Pick):
            return z3.If(b.condition, self.same(a, b.then), self.same(a, b.otherwise))
        if isinstance(a, Const):
            return self.equals(b, a.text)
        if isinstance(b, Const):
            return self.equals(a, b.text)
        if a == b:
            return z3.BoolVal(True)
        key = (a, b) if a.name <= b.name else (b, a)
        atom = self._equalities.get(key)
        if atom is None:
            if self._finalized:
                raise RuntimeError("a string test was added after the classes were computed")
            atom = z3.Bool(f"{key[0].name}={key[1].name}")
            self._equalities[key] = atom
        return atom

    # -- classes --------------------------------------------------------------

    def finalize(self) -> list[z3.BoolRef]:
        """Compute every variable's classes; the constraints that tie its
        atoms to its class choice. Call once, after the last test."""
        self._finalized = True
        self._resolve_equalities()
        out: list[z3.BoolRef] = []
        for slot in self._slots.values():
            if slot.var not in self._copies:
                out += self._classes(slot)
        return out

    def _resolve_equalities(self) -> None:
        uses: dict[Var, int] = {}
        for a, b in self._equalities:
            uses[a] = uses.get(a, 0) + 1
            uses[b] = uses.get(b, 0) + 1
        for (a, b), atom in self._equalities.items():
            free = next((v for v in (b, a) if uses[v] == 1 and not self._slots[v].languages
                         and v not in self._copies), None)
            other = a if free is b else b
            if free is None or other in self._copies:
                self.unchecked.append(f"{a.name} = {b.name}")
                continue
            self._copies[free] = (other, atom)

    def _classes(self, slot: _Slot) -> list[z3.BoolRef]:
        if not slot.languages:
            slot.witnesses, slot.choice = [""], z3.IntVal(0)
            return []
        found = realizable(slot.languages)
        if found is None:
            slot.overflow = True
            self.overflowed.append(slot.var.name)
            return []  # atoms stay free: a proof then holds whatever they are
        vectors = list(found)
        slot.witnesses = [found[v] for v in vectors]
        slot.choice = z3.Int(f"{slot.var.name}#class")
        out = [slot.choice >= 0, slot.choice < len(vectors)]
        for index, language in enumerate(slot.languages):
            members = [j for j, v in enumerate(vectors) if index in v]
            out.append(slot.atoms[language] == _one_of(slot.choice, members, len(vectors)))
        return out

    def value(self, term: Term, model: z3.ModelRef) -> str:
        """The string a model gives a term."""
        if isinstance(term, Const):
            return term.text
        if isinstance(term, Pick):
            chosen = z3.is_true(model.eval(term.condition, model_completion=True))
            return self.value(term.then if chosen else term.otherwise, model)
        if term in self._copies:
            other, atom = self._copies[term]
            copied = self.value(other, model)
            return copied if z3.is_true(model.eval(atom, model_completion=True)) else copied + "-other"
        slot = self._slots[term]
        if slot.choice is None:
            return _overflow_witness(slot, model)
        index = model.eval(slot.choice, model_completion=True).as_long()
        return slot.witnesses[index]

    def is_free(self, var: Var) -> bool:
        """Whether nothing tests this variable (it may hold any string)."""
        return not self._slots[var].languages


def _one_of(choice: z3.ArithRef, members: list[int], total: int) -> z3.BoolRef:
    if not members:
        return z3.BoolVal(False)
    if len(members) == total:
        return z3.BoolVal(True)
    if len(members) * 2 > total:
        others = sorted(set(range(total)) - set(members))
        return z3.And(*[choice != j for j in others])
    return z3.Or(*[choice == j for j in members])


def _overflow_witness(slot: _Slot, model: z3.ModelRef) -> str:
    """A string for a variable whose classes were not computed: any string
    that matches exactly the model's atoms, if a short search finds one."""
    wanted = [z3.is_true(model.eval(a, model_completion=True)) for a in slot.atoms.values()]
    found = realizable(slot.languages, budget=STATE_BUDGET, want=frozenset(i for i, w in enumerate(wanted) if w))
    return next(iter(found.values())) if found else ""


def realizable(languages: list[L.Lang], budget: int = STATE_BUDGET,
               want: frozenset | None = None) -> dict[frozenset, str] | None:
    """Every set of language indexes that is exactly the set some string is
    in, with a shortest such string; None if the exploration exceeds
    ``budget`` states. With ``want``, stop at the first string realizing it.
    """
    if want is None:
        return _realizable(tuple(languages), budget)
    return _explore(tuple(languages), budget, want)


@lru_cache(maxsize=4096)
def _realizable(languages: tuple, budget: int):
    # The same languages recur across policies (the domains of the threat
    # model, common patterns); their classes never change.
    return _explore(languages, budget, None)


def _explore(languages: tuple, budget: int, want: frozenset | None):
    automata = [L.dfa(lang) for lang in languages]
    reps = _minterms([a.nfa for a in automata])
    start = tuple((i, a.start) for i, a in enumerate(automata))
    seen = {start: ""}
    found: dict[frozenset, str] = {}
    frontier = [start]
    while frontier:
        next_frontier = []
        for state in frontier:
            text = seen[state]
            vector = frozenset(i for i, s in state if automata[i].accepting[s])
            if vector not in found:
                found[vector] = text
                if want is not None and vector == want:
                    return {vector: text}
            for code in reps:
                nxt = tuple((i, t) for i, s in state if (t := automata[i].step(s, code)) >= 0)
                if nxt not in seen:
                    seen[nxt] = text + chr(code)
                    next_frontier.append(nxt)
            if len(seen) > budget:
                return None
        frontier = next_frontier
    if want is not None:
        return {}
    return found


_NICE = [ord(c) for c in "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_./"] + \
        list(range(0x21, 0x7F)) + [0x20]


def _minterms(automata: list[L.NFA]) -> list[int]:
    """Cut the alphabet into intervals no label splits; one readable
    representative character per interval."""
    cuts = {0, L.MAX_CODE + 1}
    for a in automata:
        for edges in a.edges:
            for label, _ in edges:
                for low, high in label.intervals:
                    cuts.add(low)
                    cuts.add(high + 1)
    points = sorted(cuts)
    return [_representative(low, high - 1) for low, high in zip(points, points[1:])]


def _representative(low: int, high: int) -> int:
    for code in _NICE:
        if low <= code <= high:
            return code
    if low <= 0xD7FF or high < 0xD800:
        return low
    return max(low, 0xE000) if high >= 0xE000 else low
