"""The one exception tree.

Findings about a policy are data (diagnostics, verdicts; a construct deputy
does not model is a diagnostic and an ``unknown`` verdict); exceptions are
for input that cannot be read and for states that mean deputy itself is
wrong. Every message is one line and, where a place is known, names the
file, line and column.
"""

from __future__ import annotations


class DeputyError(Exception):
    """Base of every error deputy raises on purpose."""


class InputError(DeputyError):
    """Input that is not what it must be: not JSON, not a policy, not a
    request. Rendered as ``source:line:column: message``."""

    def __init__(self, message: str, source: str = "<input>", line: int = 0, column: int = 0):
        super().__init__(message)
        self.message = message
        self.source = source
        self.line = line
        self.column = column

    def __str__(self) -> str:
        if self.line:
            return f"{self.source}:{self.line}:{self.column}: {self.message}"
        return f"{self.source}: {self.message}"


class InternalError(DeputyError):
    """A state that means deputy itself is wrong (for example a
    counterexample the evaluator does not confirm). Ends as ``unknown``."""


class UsageError(InputError):
    """A command-line value or setting that cannot be right."""


class BudgetExceeded(DeputyError):
    """The work an input asks for passes one of deputy's bounds (the states
    of a product of automata, the ways a pattern can cut an ARN). Ends as
    ``unknown`` with this message, never as a verdict."""
