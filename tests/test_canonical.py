"""``prove.canonical``: the model a counterexample is read from, and the Deny
statements a proof names, depend on the formulas alone, never on which
model or core z3 happens to return first. Checked against brute force on
small random formulas, from several starting models each."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support import examples
from verifier.encoder import logic as F
from verifier.prove import canonical
from verifier.prove.solver import Session

BOOLS = ["b0", "b1", "b2"]
INTS = ["i0", "i1"]
VALUES = range(-2, 3)
ORDERS = ["<", "<=", "==", "!=", ">", ">="]


def literals():
    boolean = st.tuples(st.just("bool"), st.sampled_from(BOOLS), st.booleans())
    integer = st.tuples(st.just("int"), st.sampled_from(INTS), st.sampled_from(ORDERS), st.sampled_from(VALUES))
    return st.one_of(boolean, integer)


def clauses():
    return st.lists(st.lists(literals(), min_size=1, max_size=3), min_size=0, max_size=5)


def term(literal) -> F.Term:
    if literal[0] == "bool":
        var = F.Bool(literal[1])
        return var if literal[2] else F.Not(var)
    return F.Compare(F.Int(literal[1]), literal[2], literal[3])


def holds(literal, env) -> bool:
    if literal[0] == "bool":
        return env[literal[1]] == literal[2]
    return F._ORDERS[literal[2]](env[literal[1]], literal[3])


def formula(cnf) -> F.Term:
    domain = [F.And(F.Compare(F.Int(n), ">=", VALUES[0]), F.Compare(F.Int(n), "<=", VALUES[-1])) for n in INTS]
    return F.And(*domain, *[F.Or(*[term(lit) for lit in clause]) for clause in cnf])


def models(cnf) -> list[dict]:
    out = []
    for bits in itertools.product([False, True], repeat=len(BOOLS)):
        for numbers in itertools.product(VALUES, repeat=len(INTS)):
            env = {**dict(zip(BOOLS, bits)), **dict(zip(INTS, numbers))}
            if all(any(holds(lit, env) for lit in clause) for clause in cnf):
                out.append(env)
    return out


def decode(read) -> tuple:
    """Reads in an order that depends on what it has read, like
    ``counterexample.decode``."""
    if read(F.Bool("b0")):
        return ("b0", read(F.Int("i0")), read(F.Bool("b1")))
    return ("not b0", read(F.Int("i1")), read(F.Bool("b2")), read(F.Int("i0")))


def rank(value):
    """The order ``canonical`` uses: false before true; 0, 1, 2, ... then -1, -2, ...."""
    if isinstance(value, bool):
        return int(value)
    return (value < 0, abs(value))


def brute_least(cnf):
    candidates = models(cnf)

    def read(var):
        name = var.args[0]
        nonlocal candidates
        best = min((env[name] for env in candidates), key=rank)
        candidates = [env for env in candidates if env[name] == best]
        return best
    return decode(read)


@settings(max_examples=examples(60), deadline=None)
@given(clauses(), st.lists(literals(), min_size=1, max_size=4))
def test_the_least_model_is_the_same_from_any_starting_model(cnf, starts):
    if not models(cnf):
        return
    expected = brute_least(cnf)
    session = Session(2000)
    session.add(formula(cnf))
    for start in starts + [("bool", "b0", True)]:
        with session.scope():
            outcome = session.check([term(start)])
            if outcome.status != "sat":
                continue
            assert canonical.least(session, outcome, decode, 2000) == expected, (cnf, start)


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(st.lists(literals(), min_size=1, max_size=2), min_size=1, max_size=4), clauses())
def test_the_deny_guards_a_proof_names_are_the_same_whatever_core_z3_returns(denies, cnf):
    # Each "Deny" rules out the requests its clause holds for; the question
    # is UNSAT when no model of ``cnf`` escapes every Deny.
    guards = [F.Bool(f"g{i}") for i in range(len(denies))]

    def unsat(kept):
        return not any(all(not all(holds(lit, env) for lit in denies[i]) for i in kept) for env in models(cnf))
    if not unsat(range(len(denies))):
        return
    expected = list(range(len(denies)))
    for i in range(len(denies)):
        trial = [k for k in expected if k != i]
        if unsat(trial):
            expected = trial
    session = Session(2000)
    session.add(formula(cnf), *[F.Implies(g, F.Not(F.And(*[term(lit) for lit in d]))) for g, d in zip(guards, denies)])
    outcome = session.check(guards)
    assert outcome.status == "unsat"
    for core in (outcome.core, guards):
        kept = canonical.least_core(session, guards, core, 2000)
        assert [guards.index(g) for g in kept] == expected


@settings(max_examples=examples(80), deadline=None)
@given(clauses(), st.lists(st.lists(literals(), min_size=1, max_size=2), min_size=1, max_size=8))
def test_wishes_are_kept_as_asking_one_at_a_time_would(cnf, wishes):
    if not models(cnf):
        return
    flags = [F.Bool(f"w{i}") for i in range(len(wishes))]
    session = Session(2000)
    session.add(formula(cnf), *[F.Implies(f, F.Or(*[term(lit) for lit in w])) for f, w in zip(flags, wishes)])
    expected = []
    for i, wish in enumerate(wishes):
        trial = expected + [i]
        if any(all(any(holds(lit, env) for lit in wishes[k]) for k in trial) for env in models(cnf)):
            expected = trial
    best, kept = canonical.greedy(session, flags, 2000)
    assert [flags.index(f) for f in kept] == expected
    assert not kept or (best is not None and all(best.read(f) for f in kept))
