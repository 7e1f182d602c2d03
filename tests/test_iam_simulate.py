"""Differential test against an evaluator nobody here wrote:
@cloud-copilot/iam-simulate (pinned in tests/differential/package.json).

Thousands of random (policy, request) pairs from a fixed seed, over service
principals, the confused-deputy keys and every operator family. The two
evaluators must agree on every pair, except pairs that exercise one of the
known, commented divergences of tests/differential/divergences.py (each
decided by a SEMANTICS.md rule). At least MIN_COMPARED pairs must be free of
every divergence, so the allow-list cannot swallow the test.
"""

from __future__ import annotations

import json
import os

import pytest

from tests.differential import divergences, generate, oracle
from verifier.evaluator import Decision, evaluate
from verifier.policy.loading import load_text
from verifier.request import make_request

SEED = int(os.environ.get("DEPUTY_DIFFERENTIAL_SEED", "20261128"))
CASES = int(os.environ.get("DEPUTY_DIFFERENTIAL_CASES", "5000"))
MIN_COMPARED = 2000


@pytest.fixture(scope="module")
def decisions():
    try:
        oracle.ensure_installed()
    except oracle.Unavailable as exc:
        pytest.skip(f"the outside evaluator cannot run here: {exc}")
    pairs = generate.cases(SEED, CASES)
    theirs = oracle.decide([(p, {**r, "resource": oracle.ROLE}) for p, r in pairs])
    return pairs, theirs


def ours(policy: dict, request: dict) -> str:
    evaluation = evaluate(load_text(json.dumps(policy)).policy,
                          make_request(request["principal"], request["action"], request["context"], oracle.ROLE))
    return evaluation.decision.value


def test_iam_simulate_accepts_every_case(decisions):
    pairs, theirs = decisions
    errors = [(p, t["detail"]) for p, t in zip(pairs, theirs) if t["decision"] == "error"]
    assert not errors, errors[:3]


def test_decisions_agree_outside_known_divergences(decisions):
    pairs, theirs = decisions
    compared, unexplained = 0, []
    for (policy, request), answer in zip(pairs, theirs):
        mine = ours(policy, request)
        assert mine != Decision.UNKNOWN.value, (policy, request)
        known = divergences.explain(policy, request)
        if not known:
            compared += 1
        if (mine == "allow") != (answer["decision"] == "allow") and not known:
            unexplained.append({"policy": policy, "request": request, "deputy": mine, "iam-simulate": answer})
    assert not unexplained, json.dumps(unexplained[:3], indent=1)
    assert compared >= MIN_COMPARED, f"only {compared} of {len(pairs)} cases were free of known divergences"


def test_every_divergence_is_exercised(decisions):
    # An allow-list entry nothing exercises is dead weight or a typo.
    pairs, _ = decisions
    used = {name for p, r in pairs for name in divergences.explain(p, r)}
    assert used == {d.__name__ for d in divergences.ALLOWED}
