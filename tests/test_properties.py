"""Properties over generated documents: printing a parsed policy and parsing
it again gives the same policy; the evaluator, the encoder and the prover
never raise on a well-formed policy and any request."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings

from tests import strategies
from tests.support import examples, model
from verifier.policy import parser, printer, wellformed
from verifier.encoder import encode
from verifier.evaluator import evaluate
from verifier.policy.loading import load_text
from verifier.prove.prover import check_policy
from verifier.results import Verdict


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(strategies.any_document())
def test_print_then_parse_round_trips(doc):
    first = parser.parse_policy(json.dumps(doc))
    text = printer.dumps(first)
    again = parser.parse_policy(text)
    assert again == first
    assert printer.dumps(again) == text
    # Compact output says the same thing.
    assert parser.parse_policy(printer.dumps(first, indent=None)) == first


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(strategies.any_document(), strategies.any_request())
def test_evaluator_never_raises(doc, request):
    pol = parser.parse_policy(json.dumps(doc))
    if wellformed.errors(wellformed.check(pol)):
        return
    evaluation = evaluate(pol, request)
    assert len(evaluation.statements) == len(pol.statements)


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(strategies.any_document())
def test_encoder_and_prover_never_raise(doc):
    text = json.dumps(doc)
    pol = parser.parse_policy(text)
    if wellformed.errors(wellformed.check(pol)):
        return
    encode(pol).request.space.finalize()
    result = check_policy(load_text(text), model(), timeout=10)
    assert result.verdict in (Verdict.SAFE, Verdict.VULNERABLE, Verdict.UNKNOWN)
