"""The reference semantics: a concrete decision for one request.

No z3 here, and no code shared with ``verifier.encoder``: the two implement
SEMANTICS.md independently so that each checks the other.
"""

from verifier.evaluator.decision import Check, Decision, Evaluation, StatementTrace, evaluate

__all__ = ["Check", "Decision", "Evaluation", "StatementTrace", "evaluate"]
