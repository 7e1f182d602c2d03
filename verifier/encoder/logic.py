"""The encoder's formulas: a small hash-consed logic that simplifies as it is
built, and is handed to the solver once, at the end.

Building z3 terms through its Python API costs tens of microseconds each, and
most of a policy's formula is decided before the solver is needed (a
statement for another service, an action that is not the deputy's, a string
test whose outcome is the same for every request in the model space). So the
encoder builds these terms instead; every constructor applies only
equivalence-preserving rewrites (constant folding, flattening, duplicate and
complement detection), and the solver module gets what is left. The
solver still decides every question: a formula that folds to ``FALSE`` is
asserted as such and z3 answers UNSAT.

Terms are interned (a table emptied at each epoch, ``new_epoch``, and at a
bound), so equal terms made in one epoch are the same object and ``is``
compares them.
"""

from __future__ import annotations

import itertools


class Term:
    __slots__ = ("op", "args", "serial")

    def __init__(self, op: str, args: tuple, serial: int):
        self.op = op
        self.args = args
        self.serial = serial  # creation order: a deterministic order for arguments

    def __repr__(self) -> str:
        if self.op in ("bvar", "ivar"):
            return self.args[0]
        if self.op in ("true", "false"):
            return self.op
        return f"{self.op}{self.args!r}"


_TABLE: dict = {}
_SERIAL = itertools.count()
_TABLE_BOUND = 500_000


def _make(op: str, args: tuple) -> Term:
    # The table holds its terms (until the next epoch), so an id in a key
    # always means the same term: no weak references to make and follow.
    key = (op, tuple(id(a) if isinstance(a, Term) else a for a in args))
    found = _TABLE.get(key)
    if found is None:
        found = Term(op, args, next(_SERIAL))
        if len(_TABLE) >= _TABLE_BOUND:
            _forget()
        _TABLE[key] = found
    return found


def _forget() -> None:
    """Empty the table, keeping TRUE and FALSE: terms made before are no
    longer shared with new ones (sharing saves work; it decides nothing).
    Called at the bound, for callers that never start an epoch."""
    _TABLE.clear()
    for t in _KEEP:
        _TABLE[(t.op, ())] = t


TRUE = _make("true", ())
FALSE = _make("false", ())
_KEEP = (TRUE, FALSE)  # never collected
_FIRST_SERIAL = next(_SERIAL)


def new_epoch() -> None:
    """Start numbering terms afresh. Arguments are ordered by creation, and
    that order reaches the solver and so its models: a new epoch per policy
    keeps deputy's side of a counterexample independent of the policies the
    process checked before. (z3's own term ids still carry history, which
    ``verifier.prove.canonical`` makes harmless.) Terms made before keep
    working but are no longer shared with new ones."""
    global _SERIAL
    _forget()
    _SERIAL = itertools.count(_FIRST_SERIAL)


def BoolVal(value: bool) -> Term:  # noqa: N802 - mirrors z3's names on purpose
    return TRUE if value else FALSE


def Bool(name: str) -> Term:  # noqa: N802
    return _make("bvar", (name,))


def Int(name: str) -> Term:  # noqa: N802
    return _make("ivar", (name,))


def is_true(t: Term) -> bool:
    return t is TRUE


def is_false(t: Term) -> bool:
    return t is FALSE


def Not(t: Term) -> Term:  # noqa: N802
    if t is TRUE:
        return FALSE
    if t is FALSE:
        return TRUE
    if t.op == "not":
        return t.args[0]
    return _make("not", (t,))


def And(*terms) -> Term:  # noqa: N802
    return _junction("and", terms, FALSE, TRUE)


def Or(*terms) -> Term:  # noqa: N802
    return _junction("or", terms, TRUE, FALSE)


def _junction(op: str, terms, absorbing: Term, neutral: Term) -> Term:
    flat: dict[int, Term] = {}
    stack = list(terms[0]) if len(terms) == 1 and isinstance(terms[0], (list, tuple)) else list(terms)
    stack.reverse()
    while stack:
        t = stack.pop()
        if t is absorbing:
            return absorbing
        if t is neutral:
            continue
        if t.op == op:
            stack.extend(reversed(t.args))
            continue
        flat.setdefault(id(t), t)
    for t in flat.values():
        if t.op == "not" and id(t.args[0]) in flat:
            return absorbing  # x and not x / x or not x
    if not flat:
        return neutral
    if len(flat) == 1:
        return next(iter(flat.values()))
    return _make(op, tuple(sorted(flat.values(), key=_serial)))


def FactoredOr(terms: list[Term]) -> Term:  # noqa: N802
    """``Or(terms)`` with the conjuncts every term shares taken out in front:
    (C and R1) or (C and R2) == C and (R1 or R2). A condition with thousands
    of values on an ARN key gives thousands of conjunctions that differ in
    one part; factored, the solver and the substitutions see one."""
    if len(terms) < 2:
        return Or(*terms)
    parts = [t.args if t.op == "and" else (t,) for t in terms]
    common = set(map(id, parts[0]))
    for p in parts[1:]:
        common &= set(map(id, p))
        if not common:
            return Or(*terms)
    shared = [a for a in parts[0] if id(a) in common]
    rests = [And(*[a for a in p if id(a) not in common]) for p in parts]
    return And(*shared, Or(*rests))


def _serial(t: Term) -> int:
    return t.serial


def Implies(a: Term, b: Term) -> Term:  # noqa: N802
    return Or(Not(a), b)


def If(c: Term, a: Term, b: Term) -> Term:  # noqa: N802
    """Boolean if-then-else."""
    if c is TRUE:
        return a
    if c is FALSE:
        return b
    if a is b:
        return a
    return Or(And(c, a), And(Not(c), b))


def Iff(a: Term, b: Term) -> Term:  # noqa: N802
    if a is b:
        return TRUE
    if b is TRUE:
        return a
    if b is FALSE:
        return Not(a)
    if a is TRUE:
        return b
    if a is FALSE:
        return Not(b)
    return And(Or(Not(a), b), Or(a, Not(b)))


_ORDERS = {"<": lambda x, y: x < y, "<=": lambda x, y: x <= y, "==": lambda x, y: x == y,
           ">": lambda x, y: x > y, ">=": lambda x, y: x >= y, "!=": lambda x, y: x != y}


def Compare(var: Term, op: str, value: int) -> Term:  # noqa: N802
    """``var op value`` for an integer variable and a constant."""
    if var.op == "iconst":
        return BoolVal(_ORDERS[op](var.args[0], value))
    return _make("cmp", (var, op, int(value)))


def IntVal(value: int) -> Term:  # noqa: N802
    return _make("iconst", (int(value),))


def units(terms) -> dict[Term, Term] | None:
    """The variables the conjunction of ``terms`` fixes by itself (a
    conjunct that is a boolean variable or its negation), each mapped to
    TRUE or FALSE; None when two conjuncts contradict each other. Putting
    them into any conjunct (``substitute``) keeps the conjunction's
    meaning."""
    out: dict[Term, Term] = {}
    stack = list(terms)
    while stack:
        t = stack.pop()
        if t.op == "and":
            stack.extend(t.args)
            continue
        if t.op == "bvar":
            var, value = t, TRUE
        elif t.op == "not" and t.args[0].op == "bvar":
            var, value = t.args[0], FALSE
        else:
            continue
        if out.setdefault(var, value) is not value:
            return None
    return out


def smaller_than(term: Term, limit: int) -> bool:
    """Whether ``term`` has fewer than ``limit`` distinct nodes (counting
    stops there: a cheap test before a pass over a term that may be huge)."""
    seen: set[int] = set()
    stack = [term]
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        if len(seen) >= limit:
            return False
        stack.extend(a for a in t.args if isinstance(a, Term))
    return True


def substitute(term: Term, mapping: dict[Term, Term], memo: dict | None = None) -> Term:
    """``term`` with leaves replaced per ``mapping`` (keyed by identity), rebuilt
    through the simplifying constructors."""
    return Substitution(mapping, memo)(term)


class Substitution:
    """``substitute`` with one mapping, applied to many terms: the mapping is
    indexed once and results are remembered across calls."""

    def __init__(self, mapping: dict[Term, Term], memo: dict | None = None):
        self._mapping = mapping  # keeps the keys alive, so their ids stay theirs
        self._by_id = {id(k): v for k, v in mapping.items()}
        self._memo = {} if memo is None else memo

    def __call__(self, term: Term) -> Term:
        return _subst(term, self._by_id, self._memo) if self._by_id else term


def _subst(term: Term, mapping: dict, memo: dict) -> Term:
    # The memo holds the term itself beside the result: a term that died
    # could otherwise leave its id to a new term and a stale answer behind.
    found = memo.get(id(term))
    if found is not None and found[0] is term:
        return found[1]
    replaced = mapping.get(id(term))
    if replaced is not None:
        result = replaced
    elif term.op in ("and", "or"):
        parts = [_subst(a, mapping, memo) for a in term.args]
        if all(p is a for p, a in zip(parts, term.args)):
            # Nothing below changed, and a term is already what its
            # constructor makes of its arguments: not rebuilt (sorting and
            # interning a list of 10,000 values again costs that much).
            result = term
        else:
            result = And(parts) if term.op == "and" else Or(parts)
    elif term.op == "not":
        inner = _subst(term.args[0], mapping, memo)
        result = term if inner is term.args[0] else Not(inner)
    elif term.op == "cmp":
        var = _subst(term.args[0], mapping, memo)
        result = Compare(var, term.args[1], term.args[2])
    else:
        result = term
    memo[id(term)] = (term, result)
    return result


def evaluate(term: Term, assignment: dict[str, bool | int]) -> bool | int:
    """The value of ``term`` when its variables take ``assignment``'s values;
    a variable not listed is false or 0 (any value suits a variable the
    solver left out of its model)."""
    memo: dict[int, bool | int] = {}

    def value(t: Term):
        found = memo.get(id(t))
        if found is not None:
            return found
        op = t.op
        if op == "true":
            result = True
        elif op == "false":
            result = False
        elif op == "bvar":
            result = bool(assignment.get(t.args[0], False))
        elif op == "ivar":
            result = int(assignment.get(t.args[0], 0))
        elif op == "iconst":
            result = t.args[0]
        elif op == "not":
            result = not value(t.args[0])
        elif op == "and":
            result = all(value(a) for a in t.args)
        elif op == "or":
            result = any(value(a) for a in t.args)
        elif op == "cmp":
            result = _ORDERS[t.args[1]](value(t.args[0]), t.args[2])
        else:
            raise TypeError(f"cannot evaluate {t!r}")
        memo[id(t)] = result
        return result

    return value(term)
