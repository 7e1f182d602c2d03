"""A second solver for every proof (``--certify``): cvc5 on z3's script.

A *safe* verdict is an UNSAT answer, and without this it rests on z3 alone.
With certification on, every UNSAT answer of a session is re-checked by
cvc5 on the same SMT-LIB script (the formulas reach z3 as that text
already): the proof stands only when cvc5 says UNSAT too. A disagreement, a
cvc5 error or a cvc5 timeout makes the answer ``unknown``, naming both
answers. And where z3 answers ``unknown`` (a timeout, say), cvc5 is asked
before giving up: a portfolio, as AWS's Zelkova runs several solvers.

cvc5 (BSD licence) is a dependency of deputy; if it cannot be imported,
``enable`` says so and certification stays off.
"""

from __future__ import annotations

from dataclasses import dataclass, field

_ENABLED = False


class Unavailable(Exception):
    """cvc5 cannot be imported here; the message says why."""


def enable(flag: bool = True) -> None:
    """Turn certification on (or off) for this process and the worker
    processes it starts; raise ``Unavailable`` when cvc5 cannot be loaded."""
    global _ENABLED
    if flag:
        _load()
    _ENABLED = flag


def enabled() -> bool:
    return _ENABLED


def _load():
    try:
        import cvc5
    except ImportError as exc:
        raise Unavailable(f"--certify needs the cvc5 package (pip install cvc5), which cannot be imported: {exc}") \
            from exc
    return cvc5


@dataclass
class Answer:
    """cvc5's answer: ``sat`` (with ``values``: symbol -> bool or int),
    ``unsat``, ``unknown`` or ``error``, with a reason for the last two."""

    status: str
    values: dict = field(default_factory=dict)
    reason: str = ""


def solve(script: str, timeout_ms: int) -> Answer:
    """cvc5's answer on a whole SMT-LIB script (declarations, definitions,
    assertions; no ``check-sat``), within ``timeout_ms``. Never raises."""
    try:
        cvc5 = _load()
    except Unavailable as exc:
        return Answer("error", reason=str(exc))
    solver = cvc5.Solver(cvc5.TermManager())
    try:
        solver.setOption("produce-models", "true")
        solver.setOption("tlimit-per", str(max(1, int(timeout_ms))))
        solver.setLogic("QF_LIA")
        parser = cvc5.InputParser(solver)
        parser.setStringInput(cvc5.InputLanguage.SMT_LIB_2_6, script, "deputy")
        symbols = parser.getSymbolManager()
        while True:
            command = parser.nextCommand()
            if command.isNull():
                break
            command.invoke(solver, symbols)
        result = solver.checkSat()
        if result.isUnsat():
            return Answer("unsat")
        if result.isSat():
            return Answer("sat", values={str(t): _value(solver.getValue(t)) for t in symbols.getDeclaredTerms()})
        why = str(result.getUnknownExplanation())
        return Answer("unknown", reason="it ran out of time" if "TIME" in why.upper() else f"unknown ({why})")
    except (RuntimeError, ValueError) as exc:  # cvc5 reports errors as RuntimeError
        return Answer("error", reason=f"error: {exc}")


def _value(term):
    if term.getSort().isBoolean():
        return term.getBooleanValue()
    return int(term.getIntegerValue())


_FALSE_REFUTED: bool | None = None


def refutes_false() -> bool:
    """cvc5's answer on the constant ``false`` (asked once per process)."""
    global _FALSE_REFUTED
    if _FALSE_REFUTED is None:
        _FALSE_REFUTED = solve("(assert false)", 1000).status == "unsat"
    return _FALSE_REFUTED
