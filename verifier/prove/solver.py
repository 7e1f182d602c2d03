"""The one place that calls the solver.

Fixed seeds, an explicit time limit on every call, and three answers:
``sat`` with a model, ``unsat`` with the assumptions it used, or ``unknown``
with z3's reason. A z3 exception is an ``unknown``, never a crash and never a
verdict.

Questions arrive as ``logic`` formulas. A session first replaces each string
atom by its meaning over the string classes (``mapping``, from
``StringSpace.finalize``), then hands the result to z3.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass, field

import z3

from verifier import deadline
from verifier.encoder import logic as F
from verifier.errors import InternalError
from verifier.prove import certify
from verifier.prove.smtlib import SmtText

SEED = 0


@dataclass
class Outcome:
    status: str  # "sat" | "unsat" | "unknown"
    read: object = None  # read(formula) -> bool | int, in the model (sat only)
    core: list = field(default_factory=list)  # the assumptions an unsat answer used
    reason: str = ""
    solver: str = "z3"  # who answered: "z3", "z3 and cvc5" (certified), "cvc5" (z3 could not)


class Session:
    """A solver holding one policy's constraints; questions are asked with
    push/pop or with assumptions, so shared constraints are asserted once."""

    def __init__(self, timeout_ms: int, mapping: dict | F.Substitution | None = None):
        self._lent = _Lent.borrow()
        self._solver = self._lent.solver
        self._timeout = max(1, int(timeout_ms))
        self._lent.set("timeout", self._timeout)
        self._lent.set("rlimit", 0)
        self._budget = 0
        # A run's sessions may share one substitution (its memo with it).
        self._substitution = mapping if isinstance(mapping, F.Substitution) else F.Substitution(mapping or {})
        self._text = SmtText(self._lent.prefix())
        self._levels: list[list[F.Term]] = [[]]  # what is asserted, per push level: for a second solver

    def close(self) -> None:
        """Withdraw everything this session asserted and give its solver
        back for the next session; the session is not to be used after."""
        lent, self._lent = self._lent, None
        if lent is not None:
            lent.give_back()

    def formula(self, term: F.Term) -> F.Term:
        """``term`` with every string atom replaced by its meaning."""
        return self._substitution(term)

    def add(self, *terms: F.Term) -> None:
        formulas = [f for f in (self.formula(t) for t in terms) if f is not F.TRUE]
        if not formulas:
            return
        self._levels[-1] += formulas
        try:
            if not self._lent.sent and _small(formulas):
                # z3 makes its SMT-LIB reader once per solver, at about a
                # millisecond: not worth it for a handful of terms, unless
                # the solver (lent, perhaps) has one already; then a script
                # costs less than building the terms one call at a time.
                self._solver.add(*[self._text.api(f) for f in formulas])
            else:
                script = self._text.script(formulas)
                self._lent.sent += len(script)
                self._solver.from_string(script)
        except z3.Z3Exception as exc:
            self._lent.spoiled = True
            raise InternalError(f"z3 refused deputy's formula: {exc}") from exc

    def push(self) -> None:
        self._solver.push()
        self._levels.append([])

    def pop(self) -> None:
        self._solver.pop()
        self._levels.pop()

    @contextmanager
    def scope(self):
        """Constraints added inside are withdrawn on leaving; read any model
        before leaving."""
        self.push()
        try:
            yield self
        finally:
            self.pop()

    def check(self, assumptions=(), timeout_ms: int | None = None, budget: int = 0, proof: bool = True) -> Outcome:
        """``assumptions`` are formulas; the boolean variables (``logic.Bool``)
        among them are the ones an unsat core may name (any other formula only
        where ``proof`` is False). Never longer than the policy's time leaves
        (``verifier.deadline``). ``budget``: z3's resource limit for this call
        (0: none), a bound that, unlike the time limit, does not depend on how
        busy the machine is. ``proof`` False: an UNSAT answer proves nothing
        to a user (a counterexample's readability wish that does not fit, a
        smaller value of a counterexample), so ``--certify`` leaves it alone."""
        left = deadline.remaining_ms()
        if left is not None:
            if left <= 0:
                return Outcome("unknown", reason=deadline.reason())
            timeout_ms = min(left, self._timeout if timeout_ms is None else timeout_ms)
        if timeout_ms is not None and max(1, int(timeout_ms)) != self._timeout:
            self._timeout = max(1, int(timeout_ms))
            self._lent.set("timeout", self._timeout)
        if budget != self._budget:
            self._budget = budget
            self._lent.set("rlimit", budget)
        outcome = self._z3(list(assumptions))
        if outcome.status == "unknown":
            self._lent.spoiled = True  # a solver stopped midway is not lent again
        if proof and certify.enabled() and outcome.status != "sat":
            return self.second_opinion(outcome, list(assumptions))
        return outcome

    def _z3(self, assumptions: list) -> Outcome:
        literals = {self._text.symbol(a): a for a in assumptions if a.op == "bvar"}
        try:
            others = [self._text.api(self.formula(a)) for a in assumptions if a.op != "bvar"]
            answer = self._solver.check(*[z3.Bool(name) for name in literals], *others)
        except z3.Z3Exception as exc:
            return Outcome("unknown", reason=f"solver error: {exc}")
        if answer == z3.sat:
            return Outcome("sat", read=self._reader(self._solver.model()))
        if answer == z3.unsat:
            # Named by their declarations: printing a compound assumption costs milliseconds.
            core = [literals[n] for c in self._solver.unsat_core() if (n := _literal_name(c)) in literals]
            return Outcome("unsat", core=core)
        reason = self._solver.reason_unknown()
        if reason in ("timeout", "canceled"):
            reason = "the solver ran out of time"
        return Outcome("unknown", reason=reason or "the solver gave no answer")

    def second_opinion(self, outcome: Outcome, assumptions: list) -> Outcome:
        """``--certify``: cvc5 on the same question, after z3 said UNSAT (the
        proof stands only if cvc5 agrees) or could not answer (cvc5's
        answer is taken instead, a portfolio)."""
        left = deadline.remaining_ms()
        if left is not None and left <= 0:
            answer = certify.Answer("unknown", reason=deadline.reason())  # cvc5 not asked: no time left
        else:
            script = self._text.standalone([f for level in self._levels for f in level], assumptions)
            answer = certify.solve(script, self._timeout if left is None else min(left, self._timeout))
        if outcome.status == "unsat":
            if answer.status == "unsat":
                return Outcome("unsat", core=outcome.core, solver="z3 and cvc5")
            return Outcome("unknown", solver="z3 and cvc5",
                           reason=f"the solvers disagree: z3 says unsat, cvc5 {_said(answer)}")
        if answer.status == "unsat":
            return Outcome("unsat", core=list(assumptions), solver="cvc5")
        if answer.status == "sat":
            return Outcome("sat", read=self._values_reader(answer.values), solver="cvc5")
        return Outcome("unknown", solver="z3 and cvc5",
                       reason=f"z3: {outcome.reason}; cvc5 {_said(answer)}")

    def _reader(self, model: z3.ModelRef):
        # Each variable is read from the model when a formula first needs it:
        # most answers are never read, and the rest read a few of many.
        values = _ModelValues(self._text, model)

        def read(term: F.Term):
            return F.evaluate(self.formula(term), values)
        return read

    def _values_reader(self, values: dict):
        assignment = self._text.named(values)
        return lambda term: F.evaluate(self.formula(term), assignment)


class _Lent:
    """A z3 solver lent to one session at a time.

    A new solver costs most of a millisecond before it has asked anything:
    the SMT-LIB reader ``from_string`` makes for it, the first time, and
    the solver's teardown; a policy's questions open one to three sessions.
    So a solver is lent again once a session is closed: each session works
    one push level above the solver's base, which holds nothing, and its
    closing pops every level, so nothing it asserted is left. The reader
    keeps what was declared and defined (a pop of the solver does not reach
    it), so each session names its symbols with a prefix of its own, as on
    a fresh solver. A solver that answered unknown or raised is dropped, not
    lent again; so is one that has served ``REUSES`` sessions or read
    ``SENT`` characters of scripts. That bounds what the reader holds, and
    what every model carries: each ``define-fun`` a solver ever read stays
    in its models (the reader's model converter; neither a pop nor a
    ``(reset)`` removes it), so reading a model costs more with every
    session the solver served. A forked worker never uses its parent's
    solvers."""

    REUSES = 8
    SENT = 2_000_000
    _free: list[_Lent] = []

    def __init__(self):
        self.solver = z3.Solver()
        self.solver.set("random_seed", SEED)
        self.params: dict[str, int] = {"rlimit": 0}
        self.sessions = 0
        self.sent = 0  # characters of SMT-LIB read, over every session
        self.spoiled = False
        self.pid = os.getpid()

    @classmethod
    def borrow(cls) -> _Lent:
        pid = os.getpid()
        while cls._free:
            lent = cls._free.pop()
            if lent.pid == pid:
                break
        else:
            lent = cls()
        lent.sessions += 1
        lent.solver.push()
        return lent

    def prefix(self) -> str:
        return f"s{self.sessions}_"

    def set(self, name: str, value: int) -> None:
        if self.params.get(name) != value:
            self.params[name] = value
            self.solver.set(name, value)

    def give_back(self) -> None:
        if self.spoiled or self.sessions >= self.REUSES or self.sent >= self.SENT or self.pid != os.getpid():
            return
        try:
            self.solver.pop(self.solver.num_scopes())
        except z3.Z3Exception:
            return
        self._free.append(self)


class _ModelValues(dict):
    """The values of a model by variable name, each read from z3 on first
    use (``get``, as ``logic.evaluate`` asks); a variable the solver never
    saw gets the default."""

    def __init__(self, text: SmtText, model: z3.ModelRef):
        super().__init__()
        self._text = text
        self._model = model

    def get(self, name, default=None):
        if name not in self:
            value = self._text.value(self._model, name)
            self[name] = default if value is None else value
        return self[name]


def _literal_name(term: z3.ExprRef) -> str | None:
    return term.decl().name() if z3.is_const(term) else None


def _small(formulas: list[F.Term], limit: int = 24) -> bool:
    """Whether the formulas have at most ``limit`` nodes (shared ones
    counted each time they occur; the count stops at the limit)."""
    count = 0
    stack = list(formulas)
    while stack:
        count += 1
        if count > limit:
            return False
        stack.extend(a for a in stack.pop().args if isinstance(a, F.Term))
    return True


def _said(answer) -> str:
    return {"sat": "says sat", "unknown": f"could not decide: {answer.reason}",
            "error": f"failed: {answer.reason}"}.get(answer.status, answer.status)


_FALSE_REFUTED: bool | None = None


def refutes_false() -> bool:
    """z3's answer on a question whose constraints folded to false. Every
    such question is the same formula, so z3 is asked once per process and
    its answer kept (a new solver costs a millisecond to start; most
    policies ask this twice)."""
    global _FALSE_REFUTED
    if _FALSE_REFUTED is None:
        empty = z3.Solver()
        empty.set("timeout", 1000)
        try:
            answer = empty.check(z3.BoolVal(False)) == z3.unsat
        except z3.Z3Exception:
            return False
        _FALSE_REFUTED = answer
    return _FALSE_REFUTED and (not certify.enabled() or certify.refutes_false())


def configure() -> None:
    """Global settings that make runs repeatable."""
    z3.set_param("smt.random_seed", SEED)
    z3.set_param("sat.random_seed", SEED)


configure()
