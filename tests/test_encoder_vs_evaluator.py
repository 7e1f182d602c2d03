"""Differential test (a): on random policies and requests, the encoding with
the concrete request substituted decides as the evaluator does.

The two share no matching code (see test_architecture), so agreement here
checks each against the other on every operator family, wildcard, case rule
and section 8 reading the strategies reach.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from tests import strategies
from tests.support import Unbindable, encoded_decision, examples
from verifier.evaluator import Decision, evaluate
from verifier.policy.loading import load_text


@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(strategies.policy_text(), strategies.request())
def test_encoding_decides_like_the_evaluator(text, request):
    pol = load_text(text).policy
    evaluation = evaluate(pol, request)
    assert evaluation.decision is not Decision.UNKNOWN, "the strategies only draw modelled constructs"
    try:
        symbolic = encoded_decision(pol, request)
    except Unbindable as exc:  # pragma: no cover - the strategies stay in the domain
        raise AssertionError(f"request outside the encoder's domain: {exc}") from None
    assert symbolic == (evaluation.decision is Decision.ALLOW), (text, request.to_json(), evaluation)
