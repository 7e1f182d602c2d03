"""The time one policy's check may take (``--timeout``), for everything in
it, not only the solver.

z3's own time limit bounds z3; the automata, the string classes, the
many deputies of a policy and the re-proofs of ``--explain`` are Python
work before and around it. ``checking`` opens a ``limit`` around each
policy; the solver gets at most the time that remains (``remaining_ms``),
and the loops that can grow with hostile input call ``check``, which
raises ``TimeLimit`` once the time is up. ``TimeLimit`` is a
``BudgetExceeded``: the question it interrupts is ``unknown``, never a
verdict.

One process checks one policy at a time (worker processes have their own
copy of this module's state), so the limit is a plain module variable.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

from verifier.errors import BudgetExceeded

_until: float | None = None
_seconds: float = 0.0
_flag: str = "--timeout"


class TimeLimit(BudgetExceeded):
    """The policy's time (``--timeout``) ran out before its question was decided."""


@contextmanager
def limit(seconds: float, named: float | None = None, flag: str = "--timeout"):
    """Give the work inside at most ``seconds`` (or what an enclosing
    limit leaves, if that is less); ``named``: the limit as the user set
    it, for messages (``seconds`` may be what is left of it); ``flag``:
    the option that sets it, for messages (``deputy fix --budget`` bounds
    a whole repair, each policy check in it keeping its ``--timeout``)."""
    global _until, _seconds, _flag
    saved = _until, _seconds, _flag
    until = time.monotonic() + seconds
    if _until is None or until < _until:
        _until, _seconds, _flag = until, seconds if named is None else named, flag
    try:
        yield
    finally:
        _until, _seconds, _flag = saved


def remaining_ms() -> int | None:
    """Milliseconds left, or None when no limit is set."""
    if _until is None:
        return None
    return int((_until - time.monotonic()) * 1000)


def expired() -> bool:
    return _until is not None and time.monotonic() > _until


def reason() -> str:
    return f"the time limit of {_seconds:g} s ({_flag}) was reached"


def check() -> None:
    """Raise ``TimeLimit`` if the time is up."""
    if expired():
        raise TimeLimit(reason())
