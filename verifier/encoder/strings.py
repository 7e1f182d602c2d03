"""Strings for the solver, exactly, as membership classes.

z3's string theory answers the questions deputy asks slowly and erratically
(hundreds of milliseconds, or a timeout, for "a 12-digit string other than
111122223333"). But every string in a request is only ever tested for
membership in regular languages built from the policy, and for equality
with another string where a policy variable stands for a key. So each string
variable is encoded by *which* of its languages it belongs to:

* every test ``x ∈ L`` becomes a boolean atom;
* ``finalize`` explores the product automaton of all of ``x``'s languages
  and finds every combination of memberships that some string realizes,
  with a witness string for each (``realizable``);
* the variable becomes a choice among those combinations (an integer), and
  each atom is true exactly for the combinations that contain it;
* an equality between two variables is exact too: it may hold only for
  pairs of combinations one string realizes together, and fail only where
  the two combinations are not both the same single string;
* so is "``whole`` is ``part`` with a prefix and a suffix of given
  languages" (``within``: a policy variable inside a pattern), where it is
  only ever asserted, never denied: it may hold only for pairs of
  combinations two such strings realize (``concat``).

This is exact, not an approximation: the product exploration visits every
reachable state, so a combination is ruled out only if no string realizes
it. z3 then decides the whole question over booleans and integers, and a
model's strings are the witnesses.

A term is a ``Var``, a ``Const``, or a ``Pick`` between two terms on a
boolean (used where one key's value is another's when both are present).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from verifier.encoder import automata, concat
from verifier.encoder import lang as L
from verifier.encoder.classes import STATE_BUDGET, realizable, settled_by_domain
from verifier.errors import BudgetExceeded
from verifier.encoder import logic as F


@dataclass(frozen=True)
class Var:
    name: str


@dataclass(frozen=True)
class Const:
    text: str


@dataclass(frozen=True)
class Pick:
    condition: F.Term
    then: object
    otherwise: object


@dataclass
class _Slot:
    """One string variable: its languages and atoms, and after ``finalize``
    its classes (combinations) with a witness and a count (1 or 2+) each."""

    var: Var
    languages: list[L.Lang] = field(default_factory=list)
    atoms: dict[L.Lang, F.Term] = field(default_factory=dict)
    choice: F.Term | None = None
    vectors: list[frozenset] = field(default_factory=list)
    witnesses: list[str] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)


@dataclass
class _Joint:
    """An exact equality between two tested variables."""

    a: Var
    b: Var
    atom: F.Term
    together: dict[tuple[int, int], str] = field(default_factory=dict)


@dataclass
class _Within:
    """``whole`` is ``before + part + after`` where ``atom`` holds."""

    whole: Var
    part: Var
    before: L.Lang
    after: L.Lang
    atom: F.Term
    together: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)


class StringSpace:
    """The string variables of one encoding and every test made on them."""

    def __init__(self):
        self._slots: dict[Var, _Slot] = {}
        self._finalized = False
        self._equalities: dict[tuple[Var, Var], F.Term] = {}
        self._copies: dict[Var, tuple[Var, F.Term]] = {}
        self._joints: dict[Var, _Joint] = {}
        self._withins: list[_Within] = []
        self._within_of: dict[Var, _Within] = {}
        self.unchecked: list[str] = []
        self._domains: dict[Var, tuple[L.Lang, tuple]] = {}
        self._members: dict[tuple, F.Term] = {}  # the same test recurs, once per value of a long list
        self._vectors: dict[tuple, frozenset] = {}  # (variable, text) -> the languages it is in (witness)
        self._domain_atoms: list[F.Term] = []
        self._excluded_atoms: list[F.Term] = []

    def var(self, name: str) -> Var:
        v = Var(name)
        self._slots.setdefault(v, _Slot(v))
        return v

    def restrict(self, var: Var, language: L.Lang, excluded: tuple = ()) -> None:
        """Declare that every request asked about has ``var`` in ``language``
        and in none of the ``excluded`` languages (the caller asserts those
        memberships in every question: ``domain_constraints``). Tests that
        every such string passes, or none does, then fold to constants as
        they are made, and ``finalize`` keeps only the classes inside the
        domain."""
        self._domain_atoms.append(self.member(var, language))
        self._excluded_atoms += [self.member(var, e) for e in excluded]
        self._domains[var] = (language, tuple(excluded))

    def domain_constraints(self) -> list[F.Term]:
        """What ``restrict`` declared, as formulas every question asserts."""
        return self._domain_atoms + [F.Not(a) for a in self._excluded_atoms]

    def member(self, term, language: L.Lang) -> F.Term:
        """The atom "``term`` is in ``language``"."""
        key = (term, language)
        found = self._members.get(key)
        if found is None:
            found = self._members[key] = self._member(term, language)
        return found

    def _member(self, term, language: L.Lang) -> F.Term:
        if isinstance(term, Const):
            return F.BoolVal(automata.matches(language, term.text))
        if isinstance(term, Pick):
            return F.If(term.condition, self.member(term.then, language), self.member(term.otherwise, language))
        slot = self._slots[term]
        atom = slot.atoms.get(language)
        if atom is None and term in self._domains:
            domain, excluded = self._domains[term]
            settled = settled_by_domain(domain, language, excluded)
            if settled is not None:
                return F.BoolVal(settled)
        if atom is None:
            self._not_finalized()
            atom = F.Bool(f"{term.name}∈{len(slot.atoms)}")
            slot.atoms[language] = atom
            slot.languages.append(language)
        return atom

    def equals(self, term, text: str) -> F.Term:
        return self.member(term, L.literal(text))

    def same(self, a, b) -> F.Term:
        """The atom "``a`` and ``b`` are the same string"."""
        if isinstance(a, Pick):
            return F.If(a.condition, self.same(a.then, b), self.same(a.otherwise, b))
        if isinstance(b, Pick):
            return F.If(b.condition, self.same(a, b.then), self.same(a, b.otherwise))
        if isinstance(a, Const):
            return self.equals(b, a.text)
        if isinstance(b, Const):
            return self.equals(a, b.text)
        if a == b:
            return F.TRUE
        key = (a, b) if a.name <= b.name else (b, a)
        atom = self._equalities.get(key)
        if atom is None:
            self._not_finalized()
            atom = self._equalities[key] = F.Bool(f"{key[0].name}={key[1].name}")
        return atom

    def within(self, whole, before: L.Lang, part, after: L.Lang) -> F.Term:
        """An atom that implies "``whole`` is a string of ``before``, then
        ``part``, then a string of ``after``". Exact where both are known
        strings or one is; between two variables it is exact only where it
        appears positively (asserted true, never denied): the caller's
        promise. Each variable may stand in one such relation (or one
        equality); beyond that the atom stays free (``unchecked``)."""
        if isinstance(whole, Pick):
            return F.If(whole.condition, self.within(whole.then, before, part, after),
                        self.within(whole.otherwise, before, part, after))
        if isinstance(part, Pick):
            return F.If(part.condition, self.within(whole, before, part.then, after),
                        self.within(whole, before, part.otherwise, after))
        if isinstance(part, Const):
            return self.member(whole, L.seq(before, L.literal(part.text), after))
        if isinstance(whole, Const):
            text = whole.text
            pieces = {text[i:j] for i in range(len(text) + 1) if automata.matches(before, text[:i])
                      for j in range(i, len(text) + 1) if automata.matches(after, text[j:])}
            return self.member(part, L.alt(*[L.literal(p) for p in sorted(pieces)]))
        self._not_finalized()
        atom = F.Bool(f"{whole.name}∋{part.name}#{len(self._withins)}")
        self._withins.append(_Within(whole, part, before, after, atom))
        return atom

    def is_free(self, var: Var) -> bool:
        """Whether nothing tests this variable (it may hold any string)."""
        return not self._slots[var].languages and not any(var in pair for pair in self._equalities)

    def _not_finalized(self) -> None:
        if self._finalized:
            raise RuntimeError("a string test was added after the classes were computed")

    # -- classes --------------------------------------------------------------

    def finalize(self, required: list[F.Term] = ()) -> tuple[dict[F.Term, F.Term], list[F.Term]]:
        """Compute every variable's classes. Call once, after the last test.

        ``required`` lists atoms every request in the question satisfies (its
        domain): classes where one is false are dropped before anything else,
        so atoms that then hold in every class, or in none, become
        constants. Returns the replacement of each atom by a formula over its
        variable's class, and the constraints of exact equalities.
        """
        self._finalized = True
        required_ids = {id(a) for a in [*required, *self._domain_atoms]}
        excluded_ids = {id(a) for a in self._excluded_atoms}
        joints = self._plan_equalities()
        withins = self._plan_withins()
        mapping: dict[F.Term, F.Term] = {}
        counted = {v for j in joints for v in (j.a, j.b)}
        for slot in self._slots.values():
            if slot.var not in self._copies:
                self._classes(slot, slot.var in counted, required_ids, excluded_ids)
                mapping.update(self._atom_meanings(slot))
        constraints = []
        for joint in joints:
            constraints += self._joint(joint)
        for relation in withins:
            constraints += self._within(relation)
        return mapping, constraints

    def _degrees(self, pairs) -> dict[Var, int]:
        """How many of the relations ``pairs`` each variable is in."""
        degree: dict[Var, int] = {}
        for pair in pairs:
            for v in pair:
                degree[v] = degree.get(v, 0) + 1
        return degree

    def _plan_withins(self) -> list[_Within]:
        # A variable in an equality keeps it exact; a ``within`` on it then stays free.
        degree = self._degrees([*self._equalities, *[(w.whole, w.part) for w in self._withins]])
        planned = []
        for relation in self._withins:
            if degree[relation.whole] == 1 and degree[relation.part] == 1 and relation.whole != relation.part:
                planned.append(relation)
                self._within_of[relation.whole] = self._within_of[relation.part] = relation
            else:
                self.unchecked.append(f"{relation.whole.name} around {relation.part.name}")  # atom stays free
        return planned

    def _within(self, relation: _Within) -> list[F.Term]:
        whole, part = self._slots[relation.whole], self._slots[relation.part]
        found = concat.together(whole.languages, relation.before, part.languages, relation.after)
        if found is None:
            raise _too_large()
        index_whole = {v: i for i, v in enumerate(whole.vectors)}
        index_part = {v: i for i, v in enumerate(part.vectors)}
        for (vector_whole, vector_part), texts in found.items():
            i, j = index_whole.get(vector_whole), index_part.get(vector_part)
            if i is not None and j is not None:  # (classes dropped by required tests have no index)
                relation.together.setdefault((i, j), texts)
        pairs = [F.And(_is(whole.choice, i), _is(part.choice, j)) for i, j in relation.together]
        return [F.Implies(relation.atom, F.Or(pairs))]

    def _plan_equalities(self) -> list[_Joint]:
        degree = self._degrees(self._equalities)
        joints = []
        for (a, b), atom in self._equalities.items():
            free = next((v for v in (b, a) if degree[v] == 1 and not self._slots[v].languages), None)
            other = a if free is b else b
            if free is not None and other not in self._copies:
                self._copies[free] = (other, atom)  # a copy of, or anything but, the other
            elif degree[a] == 1 and degree[b] == 1:
                joint = _Joint(a, b, atom)
                self._joints[a] = self._joints[b] = joint
                joints.append(joint)
            else:
                self.unchecked.append(f"{a.name} = {b.name}")  # atom stays free
        return joints

    def _classes(self, slot: _Slot, counted: bool, required: set[int], excluded: set[int] = frozenset()) -> None:
        if not slot.languages:
            slot.vectors, slot.witnesses, slot.counts, slot.choice = [frozenset()], [""], [2], F.IntVal(0)
            return
        needed = frozenset(i for i, language in enumerate(slot.languages) if id(slot.atoms[language]) in required)
        banned = frozenset(i for i, language in enumerate(slot.languages) if id(slot.atoms[language]) in excluded)
        found = realizable(slot.languages, counted=counted, required=needed)
        if found is None:
            raise _too_large()
        kept = [(v, w) for v, w in found.items() if needed <= v and not banned & v]
        slot.vectors = [v for v, _ in kept]
        slot.witnesses = [w[0] for _, w in kept]
        slot.counts = [w[1] for _, w in kept]
        slot.choice = F.Int(f"{slot.var.name}#class") if len(kept) > 1 else F.IntVal(0)

    def _atom_meanings(self, slot: _Slot) -> dict[F.Term, F.Term]:
        if slot.choice is None:
            return {}
        total = len(slot.vectors)
        if total == 0:
            # No string satisfies the required tests: the question has no request.
            return {atom: F.FALSE for atom in slot.atoms.values()}
        members: list[list[int]] = [[] for _ in slot.languages]
        for j, vector in enumerate(slot.vectors):
            for index in vector:
                members[index].append(j)
        return {slot.atoms[language]: _one_of(slot.choice, sorted(members[index]), total)
                for index, language in enumerate(slot.languages)}

    def domains(self) -> list[F.Term]:
        """The bounds of every class choice (asserted with the question)."""
        out = []
        for slot in self._slots.values():
            if slot.choice is not None and slot.choice.op == "ivar":
                out += [F.Compare(slot.choice, ">=", 0), F.Compare(slot.choice, "<", len(slot.vectors))]
            elif slot.choice is not None and not slot.vectors:
                out.append(F.FALSE)
        return out

    def _joint(self, joint: _Joint) -> list[F.Term]:
        a, b = self._slots[joint.a], self._slots[joint.b]
        if a.choice is None or b.choice is None:
            self.unchecked.append(f"{joint.a.name} = {joint.b.name}")
            return []
        both = realizable(a.languages + b.languages)
        if both is None:
            raise _too_large()
        split = len(a.languages)
        index_a = {v: i for i, v in enumerate(a.vectors)}
        index_b = {v: i for i, v in enumerate(b.vectors)}
        for vector, (witness, _) in both.items():
            i = index_a.get(frozenset(i for i in vector if i < split))
            j = index_b.get(frozenset(i - split for i in vector if i >= split))
            if i is not None and j is not None:  # (classes dropped by required tests have no index)
                joint.together.setdefault((i, j), witness)
        equal_pairs = [F.And(_is(a.choice, i), _is(b.choice, j)) for i, j in joint.together]
        # Two different strings exist unless both classes are one and the same string.
        inseparable = [F.And(_is(a.choice, i), _is(b.choice, j))
                       for i in range(len(a.vectors)) for j in range(len(b.vectors))
                       if a.counts[i] == 1 and b.counts[j] == 1 and a.witnesses[i] == b.witnesses[j]]
        return [F.Implies(joint.atom, F.Or(equal_pairs)), F.Implies(F.Not(joint.atom), F.Not(F.Or(inseparable)))]

    # -- reading a model ---------------------------------------------------------

    def value(self, term, read) -> str:
        """The string a model gives a term; ``read(formula)`` evaluates a
        formula in the model."""
        if isinstance(term, Const):
            return term.text
        if isinstance(term, Pick):
            return self.value(term.then if read(term.condition) else term.otherwise, read)
        if term in self._copies:
            other, atom = self._copies[term]
            copied = self.value(other, read)
            return copied if read(atom) else copied + "-other"
        if term in self._joints:
            return self._joint_value(self._joints[term], term, read)
        relation = self._within_of.get(term)
        if relation is not None and read(relation.atom):
            texts = relation.together[(read(self._slots[relation.whole].choice), read(self._slots[relation.part].choice))]
            return texts[0] if term == relation.whole else texts[1]
        return self._own_value(self._slots[term], read)

    def witness(self, term: Var, read, prefer: list[str] = ()) -> str:
        """Like ``value``, but the first of ``prefer`` that lies in the same
        class, if any (a readable string instead of the shortest)."""
        slot = self._slots.get(term)
        if slot is None or term in self._copies or term in self._joints or term in self._within_of \
                or slot.choice is None:
            return self.value(term, read)
        vector = slot.vectors[read(slot.choice)]
        for text in prefer:
            if self._vector_of(slot, text) == vector:
                return text
        return self.value(term, read)

    def _vector_of(self, slot: _Slot, text: str) -> frozenset:
        """The languages of ``slot`` that hold ``text`` (remembered: a
        counterexample is decoded more than once, against the same names)."""
        key = (slot.var, text)
        found = self._vectors.get(key)
        if found is None:
            found = self._vectors[key] = frozenset(i for i, lang in enumerate(slot.languages)
                                                   if automata.matches(lang, text))
        return found

    def _own_value(self, slot: _Slot, read) -> str:
        if slot.choice is None:
            wanted = frozenset(i for i, a in enumerate(slot.atoms.values()) if read(a))
            found = realizable(slot.languages, want=wanted)
            return next(iter(found.values()))[0] if found else ""
        return slot.witnesses[read(slot.choice)]

    def _joint_value(self, joint: _Joint, term: Var, read) -> str:
        a, b = self._slots[joint.a], self._slots[joint.b]
        i, j = read(a.choice), read(b.choice)
        if read(joint.atom):
            return joint.together[(i, j)]
        text_a, text_b = a.witnesses[i], b.witnesses[j]
        if text_a == text_b:
            # Find another string in one of the two classes.
            if a.counts[i] > 1:
                text_a = _another(a, i, text_b)
            else:
                text_b = _another(b, j, text_a)
        return text_a if term == joint.a else text_b


def _too_large() -> BudgetExceeded:
    # Never a verdict on a partial exploration, nor on tests left free:
    # the size bound ends the question as unknown, with its reason.
    return BudgetExceeded(f"the string constraints of this policy exceed {STATE_BUDGET:,} states "
                          "(automaton states of its patterns, explored together)")


def _another(slot: _Slot, index: int, avoid: str) -> str:
    languages = slot.languages + [L.literal(avoid)]
    found = realizable(languages, want=slot.vectors[index])
    return next(iter(found.values()))[0] if found else avoid


def _is(choice: F.Term, j: int) -> F.Term:
    return F.Compare(choice, "==", j)


def _one_of(choice: F.Term, members: list[int], total: int) -> F.Term:
    if not members:
        return F.FALSE
    if len(members) == total:
        return F.TRUE
    if len(members) * 2 > total:
        return F.And([F.Compare(choice, "!=", j) for j in sorted(set(range(total)) - set(members))])
    return F.Or([_is(choice, j) for j in members])
