"""Which counterexample deputy prints (issue 12, part 4): the verdict is the
solver's, but the request is chosen to be one AWS would accept. Each case
is checked on both paths a counterexample comes from: the concrete
candidates (``witness``, tried first) and the solver's model (a condition
on a key no candidate sets sends the question there).

- A Service name the policy spells (``name.REGION.amazonaws.com``) is
  admitted under every reading; the global name only under A16. The
  printed principal is the spelled one, and no reading is named.
"""

from __future__ import annotations

import json

import pytest

from verifier.policy.loading import load_text
from verifier.prove.prover import check_policy
from verifier.prove.threat import ThreatModel
from verifier.results import Verdict

OWNER = "111122223333"
SOLVER_PATH = {"StringEquals": {"aws:RequestTag/team": "blue"}}  # no canonical candidate sets this key


def _policy(statement: dict, solver: bool) -> dict:
    statement = {"Effect": "Allow", **statement}
    if solver:
        statement["Condition"] = SOLVER_PATH
    return {"Version": "2012-10-17", "Statement": [statement]}


def _vulnerable(policy: dict, solver: bool, **model) -> list:
    result = check_policy(load_text(json.dumps(policy)), ThreatModel(owner=OWNER, **model), 30)
    answers = [a.result for a in result.deputies or () if a.result.verdict is Verdict.VULNERABLE]
    assert answers, result
    for r in answers:
        assert ("evaluator" in r.solver) is not solver, r.solver  # the path meant is the path taken
    return answers


def _readings(result) -> list[str]:
    return [a for a in result.assumptions if "allowed on this reading" in a]


@pytest.mark.parametrize("solver", [False, True], ids=["witness", "solver"])
def test_a_regional_service_name_is_printed_as_spelled_with_no_reading(solver):
    policy = _policy({"Principal": {"Service": "rekognition.us-east-1.amazonaws.com"},
                      "Action": "sts:AssumeRole"}, solver)
    (r,) = _vulnerable(policy, solver)
    request = r.counterexample.to_json()
    assert request["principal"] == "rekognition.us-east-1.amazonaws.com"
    assert request["context"]["aws:PrincipalServiceName"] == "rekognition.us-east-1.amazonaws.com"
    assert not _readings(r), r.assumptions


@pytest.mark.parametrize("solver", [False, True], ids=["witness", "solver"])
def test_a_name_only_a_reading_admits_is_printed_with_that_reading(solver):
    """A Service name in upper case admits the deputy only under A6: the
    counterexample needs that reading, and says so."""
    policy = _policy({"Principal": {"Service": "Rekognition.amazonaws.com"}, "Action": "sts:AssumeRole"}, solver)
    (r,) = _vulnerable(policy, solver)
    assert r.counterexample.principal == "rekognition.amazonaws.com"
    assert any("A16" in a for a in _readings(r)), r.assumptions
