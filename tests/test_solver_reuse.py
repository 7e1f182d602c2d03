"""Sessions lend z3 solvers to each other (``solver._Lent``): a closed
session leaves nothing asserted for the next, names nothing the next one
names, and a solver that stopped midway, is still in use, or has served
its share of sessions is not lent again."""

from __future__ import annotations

import pytest

from verifier.encoder import logic as F
from verifier.prove import solver
from verifier.prove.solver import Session


@pytest.fixture(autouse=True)
def _empty_pool(monkeypatch):
    monkeypatch.setattr(solver._Lent, "_free", [])


def _big(name: str, width: int = 30) -> F.Term:
    """A formula large enough to reach z3 as an SMT-LIB script (the
    ``from_string`` path, whose declarations outlive a pop)."""
    xs = [F.Bool(f"{name}{i}") for i in range(width)]
    return F.And(*[F.Or(a, F.Not(b)) for a, b in zip(xs, xs[1:])], xs[0])


def test_a_closed_session_leaves_nothing_asserted_for_the_next():
    first = Session(1000)
    first.add(_big("v"), F.Not(F.Bool("w")), F.Compare(F.Int("n"), ">", 5))
    assert first.check().status == "sat"
    assert first.check([F.Bool("w")]).status == "unsat"
    used = first._solver
    first.close()
    assert len(used.assertions()) == 0 and used.num_scopes() == 0

    second = Session(1000)
    assert second._solver is used  # lent again
    # the same names, now unconstrained, of other sorts: nothing of the first session is left
    second.add(F.Bool("w"), F.Not(F.Bool("v0")), F.Compare(F.Int("v1"), "<", 0), _big("n"))
    outcome = second.check()
    assert outcome.status == "sat"
    assert outcome.read(F.Bool("w")) is True and outcome.read(F.Bool("v0")) is False
    second.close()


def test_a_session_still_open_does_not_share_its_solver():
    first = Session(1000)
    first.add(F.Bool("a"))
    second = Session(1000)
    assert second._solver is not first._solver
    second.add(F.Not(F.Bool("a")))
    assert second.check().status == "sat" and first.check().status == "sat"
    first.close()
    second.close()


def test_a_solver_that_answered_unknown_is_not_lent_again():
    first = Session(1000)
    first.add(_big("p", 200), *[F.Or(F.Compare(F.Int(f"i{k}"), ">", k), F.Bool(f"p{k}")) for k in range(200)])
    assert first.check(budget=1).status == "unknown"
    used = first._solver
    first.close()
    assert Session(1000)._solver is not used


def test_a_solver_serves_a_bounded_number_of_sessions(monkeypatch):
    monkeypatch.setattr(solver._Lent, "REUSES", 3)
    seen = []
    for _ in range(4):
        session = Session(1000)
        session.add(_big("x"))
        assert session.check().status == "sat"
        seen.append(session._solver)
        session.close()
    assert seen[0] is seen[1] is seen[2] and seen[3] is not seen[0]


def test_a_forked_process_does_not_use_its_parents_solvers(monkeypatch):
    first = Session(1000)
    used = first._solver
    first.close()
    monkeypatch.setattr(solver.os, "getpid", lambda: -1)
    assert Session(1000)._solver is not used


def test_limits_set_by_one_session_do_not_reach_the_next():
    first = Session(1000)
    first.add(_big("q"))
    first.check(budget=10_000_000, timeout_ms=3)
    first.close()
    second = Session(4000)
    assert second._lent.params == {"rlimit": 0, "timeout": 4000}
    second.close()


def test_a_solver_that_read_much_is_not_lent_again(monkeypatch):
    monkeypatch.setattr(solver._Lent, "SENT", 3000)
    first = Session(1000)
    first.add(_big("r", 10))
    used = first._solver
    first.close()
    second = Session(1000)
    assert second._solver is used
    second.add(_big("r", 100))
    second.close()
    assert Session(1000)._solver is not used
