"""No proof rests on a value deputy cannot read (issue: vacuous proofs).

Every place where the encoder once turned a form it did not understand into
"matches nothing" on the side that admits requests, with the policy that
came out "safe" through it. Each is now modelled (API Gateway's
``execute-api:/`` shorthand) or read on the side that admits more, stated
among the verdict's assumptions (SEMANTICS.md section 8); the prover's
counterexample replays through the evaluator (``support.check``).
"""

from __future__ import annotations

import pytest

from tests.support import OWNER, check, policy, statement
from verifier.results import Verdict

INVOKE = "execute-api:Invoke"
EVENTS = "events.amazonaws.com"
API = {"service": EVENTS, "action": INVOKE}


def api_policy(*more, resource="execute-api:/*", condition=None) -> dict:
    return policy(statement(principal="*", action=INVOKE, Resource=resource, condition=condition), *more)


def test_api_gateway_shorthand_is_not_a_vacuous_proof():
    # AWS's own API Gateway example shape: with "Principal": "*" any service
    # acting for any account gets in; deputy once called this safe.
    result = check(api_policy(), **API)
    assert result.verdict is Verdict.VULNERABLE
    resource = result.counterexample.resource
    pieces = resource.split(":", 5)
    assert pieces[0] == "arn" and pieces[2] == "execute-api" and "/" in pieces[5], resource
    assert not any("section 8" in a for a in result.assumptions), "the shorthand is modelled, not read widely"


def test_api_gateway_shorthand_proof_rests_on_the_condition():
    pinned = {"StringEquals": {"aws:SourceAccount": OWNER}}
    result = check(api_policy(condition=pinned), **API)
    assert result.verdict is Verdict.SAFE
    # Not vacuous: the owner's own request through the shorthand is allowed.
    assert not any("blocks the service itself" in w for w in result.warnings), result.warnings


def test_api_gateway_shorthand_deny_notresource_limits_the_deny():
    # Deny everything outside stage prod: the foreign request to prod stays
    # allowed. Reading the NotResource value as matching nothing would make
    # the Deny cover prod too, and the policy "safe".
    deny = statement("Deny", principal="*", action=INVOKE, NotResource="execute-api:/prod/*")
    result = check(api_policy(deny), **API)
    assert result.verdict is Verdict.VULNERABLE
    assert "/prod/" in result.counterexample.resource


def test_api_gateway_shorthand_deny_on_the_stage_closes_it():
    deny = statement("Deny", principal="*", action=INVOKE, Resource="execute-api:/*",
                     condition={"StringNotEquals": {"aws:SourceAccount": OWNER}})
    result = check(api_policy(deny), **API)
    assert result.verdict is Verdict.SAFE


@pytest.mark.parametrize("doc, what", [
    (policy(statement(action="s3:GetObject", Resource="my-bucket")), "'my-bucket'"),
    (policy(statement(action="s3:GetObject", Resource="arn:aws:s3")), "'arn:aws:s3'"),
    (policy(statement(action="AssumeRole")), "'AssumeRole'"),
    (policy(statement(principal={"Service": "rekognition"})), "'rekognition'"),
    (policy(statement(principal={"AWS": "rekognition.amazonaws.com"})), "'rekognition.amazonaws.com'"),
], ids=["resource-not-arn", "resource-short-arn", "action-without-prefix", "service-without-domain",
        "service-under-aws"])
def test_an_unread_allow_value_admits_more_and_says_so(doc, what):
    action = "s3:GetObject" if "Resource" in doc["Statement"][0] else "sts:AssumeRole"
    result = check(doc, action=action)
    assert result.verdict is Verdict.VULNERABLE
    assert any(what in a and "section 8" in a for a in result.assumptions), result.assumptions


@pytest.mark.parametrize("deny", [
    statement("Deny", principal="*", action="s3:GetObject", NotResource="my-bucket"),
    statement("Deny", principal="*", action="s3:GetObject", Resource="arn:aws:*"),
    statement("Deny", principal="*", action=None, NotAction="s3"),
    statement("Deny", principal={"Service": "rekognition"}, action="s3:GetObject"),
], ids=["deny-notresource-not-arn", "deny-resource-short-arn", "deny-notaction-without-prefix",
        "deny-service-without-domain"])
def test_an_unread_deny_value_denies_less(deny):
    # The Deny would close the policy if deputy read its odd value as
    # covering the request; read on the side that admits more, it does not.
    doc = policy(statement(action="s3:GetObject", Resource="*"), deny)
    assert check(doc, action="s3:GetObject").verdict is Verdict.VULNERABLE


def test_a_readable_policy_states_no_reading():
    result = check(policy(statement(action="s3:GetObject", Resource="arn:aws:s3:::b/*")), action="s3:GetObject")
    assert result.verdict is Verdict.VULNERABLE
    assert not any("section 8" in a for a in result.assumptions)
