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

from dataclasses import dataclass, field

import z3

from verifier.encoder import logic as F

SEED = 0


@dataclass
class Outcome:
    status: str  # "sat" | "unsat" | "unknown"
    read: object = None  # read(formula) -> bool | int, in the model (sat only)
    core: list = field(default_factory=list)  # the assumptions an unsat answer used
    reason: str = ""


class Session:
    """A solver holding one policy's constraints; questions are asked with
    push/pop or with assumptions, so shared constraints are asserted once."""

    def __init__(self, timeout_ms: int, mapping: dict | None = None):
        self._solver = z3.Solver()
        self._solver.set("random_seed", SEED)
        self._solver.set("timeout", max(1, int(timeout_ms)))
        self._mapping = mapping or {}
        self._memo: dict = {}
        self._to_z3 = F.Z3()

    def formula(self, term: F.Term) -> F.Term:
        """``term`` with every string atom replaced by its meaning."""
        return F.substitute(term, self._mapping, self._memo) if self._mapping else term

    def add(self, *terms: F.Term) -> None:
        for term in terms:
            term = self.formula(term)
            if term is not F.TRUE:
                self._solver.add(self._to_z3(term))

    def push(self) -> None:
        self._solver.push()

    def pop(self) -> None:
        self._solver.pop()

    def check(self, assumptions=(), timeout_ms: int | None = None) -> Outcome:
        """``assumptions`` are boolean variables (``logic.Bool``)."""
        if timeout_ms is not None:
            self._solver.set("timeout", max(1, int(timeout_ms)))
        by_name = {a.args[0]: a for a in assumptions}
        try:
            answer = self._solver.check(*[self._to_z3(a) for a in assumptions])
        except z3.Z3Exception as exc:
            return Outcome("unknown", reason=f"solver error: {exc}")
        if answer == z3.sat:
            return Outcome("sat", read=self._reader(self._solver.model()))
        if answer == z3.unsat:
            core = [by_name[str(c)] for c in self._solver.unsat_core() if str(c) in by_name]
            return Outcome("unsat", core=core)
        reason = self._solver.reason_unknown()
        if reason in ("timeout", "canceled"):
            reason = "the solver ran out of time"
        return Outcome("unknown", reason=reason or "the solver gave no answer")

    def _reader(self, model: z3.ModelRef):
        def read(term: F.Term):
            return F.evaluate(self.formula(term), model, self._to_z3)
        return read


def configure() -> None:
    """Global settings that make runs repeatable."""
    z3.set_param("smt.random_seed", SEED)
    z3.set_param("sat.random_seed", SEED)


configure()
