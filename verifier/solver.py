"""The one place that calls the solver.

Fixed seeds, an explicit time limit on every call, and three answers:
``sat`` with a model, ``unsat`` with the assumptions it used, or ``unknown``
with z3's reason. A z3 exception is an ``unknown``, never a crash and never a
verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import z3

SEED = 0


@dataclass
class Outcome:
    status: str  # "sat" | "unsat" | "unknown"
    model: z3.ModelRef | None = None
    core: list = field(default_factory=list)
    reason: str = ""


class Session:
    """A solver with the constraints of one question; checks may add
    assumptions (for unsat cores and soft preferences) without re-adding them."""

    def __init__(self, timeout_ms: int):
        self._solver = z3.Solver()
        self._solver.set("random_seed", SEED)
        self._solver.set("timeout", max(1, int(timeout_ms)))

    def add(self, *constraints: z3.BoolRef) -> None:
        self._solver.add(*constraints)

    def push(self) -> None:
        self._solver.push()

    def pop(self) -> None:
        self._solver.pop()

    def check(self, assumptions=(), timeout_ms: int | None = None) -> Outcome:
        if timeout_ms is not None:
            self._solver.set("timeout", max(1, int(timeout_ms)))
        try:
            answer = self._solver.check(*assumptions)
        except z3.Z3Exception as exc:
            return Outcome("unknown", reason=f"solver error: {exc}")
        if answer == z3.sat:
            return Outcome("sat", model=self._solver.model())
        if answer == z3.unsat:
            return Outcome("unsat", core=list(self._solver.unsat_core()))
        reason = self._solver.reason_unknown()
        if reason in ("timeout", "canceled"):
            reason = "the solver ran out of time"
        return Outcome("unknown", reason=reason or "the solver gave no answer")


def configure() -> None:
    """Global settings that make runs repeatable."""
    z3.set_param("smt.random_seed", SEED)
    z3.set_param("sat.random_seed", SEED)


configure()
