"""Differential test (b): on random small policies, the prover's verdict
agrees with a brute-force search over every deputy request built from a
small vocabulary, in both directions: a foreign request the search finds
allowed makes the verdict vulnerable, and every vulnerable verdict's
counterexample replays (``support.check``)."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings

from tests import strategies
from tests.support import check, examples, model
from verifier.prove import threat
from verifier.evaluator import Decision, evaluate
from verifier.policy.loading import load_text
from verifier.results import Verdict

REQUESTS = list(strategies.every_deputy_request())
# A policy with a Resource element is asked about requests to a resource (a
# trust policy's requests name none): the same source keys, with each
# resource of the vocabulary, the other keys left out to keep the search small.
WITH_RESOURCE = [dataclasses.replace(r, resource=resource) for r in REQUESTS
                 if r.get("aws:PrincipalAccount") is None and r.get("aws:TagKeys") is None
                 for resource in strategies.REQUEST_RESOURCES if resource is not None]


def foreign_allowed(pol, tm):
    has_resource = any(s.resources is not None for s in pol.statements)
    for request in WITH_RESOURCE if has_resource else REQUESTS:
        if threat.classify(request, tm).kind != "foreign":
            continue
        if evaluate(pol, request).decision is Decision.ALLOW:
            return request
    return None


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict-attribution"])
@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=strategies.policy_text(keys=strategies.SEARCH_KEYS))
def test_verdict_agrees_with_search(text, strict):
    tm = model(strict_attribution=strict)
    result = check(text, strict_attribution=strict)
    assert result.verdict in (Verdict.SAFE, Verdict.VULNERABLE), result.message
    witness = foreign_allowed(load_text(text).policy, tm)
    if witness is not None:
        assert result.verdict is Verdict.VULNERABLE, (text, witness.to_json())


def test_search_vocabulary_is_consistent():
    # Every searched request must satisfy the threat model, or the search
    # would count requests the prover rightly ignores.
    tm = model()
    assert REQUESTS
    assert all(threat.classify(r, tm).problems == () for r in REQUESTS)
