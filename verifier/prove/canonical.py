"""The one model a counterexample is read from, whatever z3 found first.

z3 numbers its terms in one context per process, so which of several models
it returns depends on what the process asked before: checking a policy
alone, among other files, or in a worker could print different (equally
valid) requests. Here the model is made canonical: each variable the
decoder reads is fixed, in the order the decoder reads it, at its least
value (false before true; for an integer 0, 1, 2, ... then -1, -2, ...)
among the models that agree with the values fixed before it. Every step
is a satisfiability question, so the result depends on the formulas only,
never on the solver's history. Each step is bounded by z3's resource limit
(``BUDGET``), not by the clock alone, so a busy machine does not change
the answer; a step the solver cannot answer within it keeps the value it
has (only then can two runs differ).

A safe verdict's Deny statements are canonical the same way: starting from
every Deny, each is dropped, in order, when the question stays UNSAT
without it.
"""

from __future__ import annotations

import itertools

from verifier.encoder import logic as F
from verifier.errors import InternalError
from verifier.prove.solver import Outcome, Session

BUDGET = 1_000_000
"""z3's resource units for one step of choosing a readable or least model
(a step typically takes a few thousand; the time limit stays as a bound
of last resort)."""


def least(session: Session, outcome: Outcome, decode, timeout_ms: int):
    """``decode(read)`` on the least model above, where ``read(term)``
    evaluates a formula in a model. Call inside one of the session's
    scopes, which must still hold the question: the values fixed on the
    way are asserted there.

    ``decode`` reads variables in an order that depends on the values it
    has read. The model at hand is usually the least already, and one
    question shows it: is there a model that agrees with it on some first
    variables read and is smaller on the next? Where there is, the earliest
    such variable is found, the ones before it are fixed, it is fixed at
    its least value, and the rest is decoded again."""
    model, done = outcome.read, 0  # ``done``: variables read first, fixed in the session
    for round_ in itertools.count():
        trace: list[F.Term] = []
        found = decode(_Tracing(session, model, trace))
        position, smaller = _earliest_improvement(session, trace, done, model, f"smaller!{round_}", timeout_ms)
        if smaller is None:
            return found
        session.add(*[_equal(v, model(v)) for v in trace[done:position]])
        var = trace[position]
        session.add(_equal(var, _least(session, var, smaller.read(var), timeout_ms)))
        model, done = _model_now(session, timeout_ms).read, position + 1


def _earliest_improvement(session: Session, trace: list, done: int, model, name: str, timeout_ms: int):
    """The first position from ``done`` on where a model that agrees with
    ``model`` before it is smaller, with such a model; (None, None) if
    there is none. Each question asks about a shorter prefix than the one
    before."""
    end, found = len(trace), None
    for step in itertools.count():
        # Asked through a flag: the formula reaches z3 as text, not term by term.
        flag = F.Bool(f"{name}.{step}")
        session.add(F.Implies(flag, _improvement(trace[done:end], model)))
        smaller = session.check([flag], timeout_ms=timeout_ms, budget=BUDGET, proof=False)
        if smaller.status != "sat":
            return (end, found) if found is not None else (None, None)
        end = next(i for i in range(done, end) if smaller.read(trace[i]) != model(trace[i]))
        found = smaller
        if end == done:
            return end, found


class _Tracing:
    """``read`` in one model, recording each variable as it is first read
    (those of one formula in the order of their names)."""

    def __init__(self, session: Session, model, trace: list):
        self._session, self._model, self._trace = session, model, trace
        self._values: dict[str, bool | int] = {}

    def __call__(self, term: F.Term) -> bool | int:
        formula = self._session.formula(term)
        for var in sorted(_variables(formula), key=_name):
            if _name(var) not in self._values:
                self._values[_name(var)] = self._model(var)
                self._trace.append(var)
        return F.evaluate(formula, self._values)


def _model_now(session: Session, timeout_ms: int) -> Outcome:
    outcome = session.check(timeout_ms=timeout_ms, budget=BUDGET, proof=False)
    if outcome.status != "sat":
        raise InternalError(f"a model agreeing with the values fixed so far is lost ({outcome.status})")
    return outcome


def _improvement(trace: list[F.Term], model) -> F.Term:
    """Some model agrees with ``model`` on a prefix of ``trace`` and is
    smaller on the next variable."""
    term = F.FALSE
    for var in reversed(trace):
        value = model(var)
        term = F.Or(_below(var, value), F.And(_equal(var, value), term))
    return term


def _below(var: F.Term, value: bool | int) -> F.Term:
    """``var`` comes before ``value`` in the order: false before true;
    0, 1, 2, ... before -1, -2, ...."""
    if var.op == "bvar":
        return F.Not(var) if value else F.FALSE
    if value >= 0:
        return F.And(F.Compare(var, ">=", 0), F.Compare(var, "<", value))
    return F.Or(F.Compare(var, ">=", 0), F.Compare(var, ">", value))


def _equal(var: F.Term, value: bool | int) -> F.Term:
    if var.op == "bvar":
        return var if value else F.Not(var)
    return F.Compare(var, "==", value)


def _least(session: Session, var: F.Term, now: bool | int, timeout_ms: int) -> bool | int:
    """The least value of ``var`` in the session, ``now`` being one."""
    def holds(term):
        nonlocal now
        outcome = session.check([term], timeout_ms=timeout_ms, budget=BUDGET, proof=False)
        if outcome.status == "sat":
            now = outcome.read(var)
        return outcome.status == "sat"

    if var.op == "bvar":
        return False if now and holds(F.Not(var)) else now
    if now < 0:
        holds(F.Compare(var, ">=", 0))
    if now > 0:
        low = 0
        while low < now:  # the least non-negative value, in [low, now]
            middle = (low + now) // 2
            if not holds(F.And(F.Compare(var, ">=", low), F.Compare(var, "<=", middle))):
                low = middle + 1
    elif now < 0:
        high = -1
        while now < high:  # no non-negative value: the greatest negative one, in [now, high]
            middle = (now + high + 1) // 2
            if not holds(F.And(F.Compare(var, ">=", middle), F.Compare(var, "<=", high))):
                high = middle - 1
    return now


def greedy(session: Session, flags: list[F.Term], timeout_ms: int) -> tuple[Outcome | None, list[F.Term]]:
    """The flags kept when each, in order, is kept if the session stays
    satisfiable assuming it with those kept before it, and a model of the
    kept ones (None if none was found). The same answer as asking one flag
    at a time, with fewer questions: the flags left are asked together, and
    where they do not fit, the unsat core bounds the first that does not
    (every flag before it fits, that one does not)."""
    kept: list[F.Term] = []
    best, start = None, 0
    while start < len(flags):
        end = len(flags)
        attempt = session.check(kept + flags[start:end], timeout_ms=timeout_ms, budget=BUDGET, proof=False)
        named = [start]  # flags of the last core, in order (a placeholder until there is one)
        while attempt.status == "unsat":
            core = {id(c) for c in attempt.core}
            named = [i for i in range(start, end) if id(flags[i]) in core]
            if not named or named[-1] == start:
                break
            end = named[-1]  # flags[end] does not fit after flags[start:end]; do those?
            attempt = session.check(kept + flags[start:end], timeout_ms=timeout_ms, budget=BUDGET, proof=False)
        if attempt.status == "sat":
            kept += flags[start:end]
            best, start = attempt, end + 1
        elif attempt.status == "unsat" and named:
            start += 1  # flags[start] alone with those kept is unsat
        else:  # no answer, or a core naming no flag: this flag alone
            single = session.check(kept + [flags[start]], timeout_ms=timeout_ms, budget=BUDGET, proof=False)
            if single.status == "sat":
                kept.append(flags[start])
                best = single
            start += 1
    return best, kept


def least_core(session: Session, guards: list[F.Term], core: list[F.Term], timeout_ms: int) -> list[F.Term]:
    """The guards an UNSAT answer needs, chosen canonically: from all of
    ``guards``, each dropped in turn where the question stays UNSAT
    without it (``core``, the solver's own, spares the questions whose
    answer it already implies)."""
    kept = list(guards)
    known = {id(g) for g in core}
    for guard in guards:
        trial = [g for g in kept if g is not guard]
        if id(guard) not in known:  # the known core is within ``trial``: still UNSAT
            kept = trial
            continue
        outcome = session.check(trial, timeout_ms=timeout_ms, budget=BUDGET, proof=False)
        if outcome.status == "unsat":
            kept = trial
            known = {id(g) for g in outcome.core}
    return kept


def _variables(formula: F.Term) -> set[F.Term]:
    out, seen, stack = set(), set(), [formula]
    while stack:
        term = stack.pop()
        if id(term) in seen:
            continue
        seen.add(id(term))
        if term.op in ("bvar", "ivar"):
            out.add(term)
        else:
            stack.extend(a for a in term.args if isinstance(a, F.Term))
    return out


def _name(var: F.Term) -> str:
    return var.args[0]
