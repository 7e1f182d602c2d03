"""SEMANTICS.md section 9: every tricky case, with its exact verdict.

Owner 111122223333, attacker 999999999999, deputy rekognition.amazonaws.com,
action sts:AssumeRole, default threat model unless a case says otherwise.
Every vulnerable verdict's counterexample is replayed by ``support.check``.
"""

from __future__ import annotations

import pytest

from tests.support import ATTACKER, DEPUTY, OWNER, check, policy, statement, trust
from verifier.results import Verdict

SAFE, VULNERABLE = Verdict.SAFE, Verdict.VULNERABLE
USELESS = "blocks the service itself"

SA = "aws:SourceAccount"
ARN = "aws:SourceArn"
DENY_ALL = {"Effect": "Deny", "Principal": "*", "Action": "*"}


def deny(condition):
    return {**DENY_ALL, "Condition": condition}


CASES = [
    ("S9-01-no-condition", trust(), {}, VULNERABLE, None),
    ("S9-02-ifexists", trust({"StringEqualsIfExists": {SA: OWNER}}), {}, VULNERABLE, None),
    ("S9-03-forallvalues", trust({"ForAllValues:StringEquals": {SA: OWNER}}), {}, VULNERABLE, None),
    ("S9-04-foranyvalue-like-stringequals", trust({"ForAnyValue:StringEquals": {SA: OWNER}}), {}, SAFE, None),
    ("S9-05-stringnotequals-attacker", trust({"StringNotEquals": {SA: ATTACKER}}), {}, VULNERABLE, None),
    ("S9-06-notequals-list-is-nor",
     policy(statement(), deny({"StringNotEquals": {SA: [OWNER, "444455556666"]}})),
     {"trusted_accounts": frozenset({"444455556666"})}, SAFE, None),
    ("S9-07-values-ored", trust({"StringEquals": {SA: [OWNER, ATTACKER]}}), {}, VULNERABLE,
     lambda r: r.get(SA) == (ATTACKER,)),
    ("S9-08-like-star", trust({"StringLike": {SA: "1111222233*"}}), {}, VULNERABLE, None),
    ("S9-08-like-question", trust({"StringLike": {SA: "11112222333?"}}), {}, VULNERABLE, None),
    ("S9-09-stringequals-star-literal", trust({"StringEquals": {SA: "*"}}), {}, SAFE, USELESS),
    ("S9-10-arnequals-wildcards", trust({"ArnEquals": {ARN: "arn:aws:rekognition:*:*:*"}}), {}, VULNERABLE, None),
    ("S9-11-stringlike-crosses-colons", trust({"StringLike": {ARN: f"arn:aws:rekognition:*:{OWNER}:*"}}), {},
     VULNERABLE, lambda r: f":{OWNER}:" in r.get(ARN)[0]),
    ("S9-12-arnlike-pins-account", trust({"ArnLike": {ARN: f"arn:aws:rekognition:*:{OWNER}:*"}}), {}, SAFE, None),
    ("S9-12-arnlike-short-pattern", trust({"ArnLike": {ARN: "arn:aws:rekognition:*"}}), {}, VULNERABLE, None),
    ("S9-13-s3-arn-has-no-account", trust({"ArnLike": {ARN: "arn:aws:s3:::bucket"}}), {}, VULNERABLE, None),
    ("S9-14-contradictory-conditions",
     trust({"StringEquals": {SA: OWNER}, "ArnLike": {ARN: f"arn:aws:rekognition:*:{ATTACKER}:*"}}), {},
     SAFE, USELESS),
    ("S9-15-split-across-statements",
     policy(statement(condition={"StringEquals": {SA: OWNER}}),
            statement(condition={"ArnLike": {ARN: f"arn:aws:rekognition:*:{ATTACKER}:*"}})), {}, VULNERABLE, None),
    ("S9-16-key-case", trust({"StringEquals": {"AWS:SOURCEACCOUNT": OWNER}}), {}, SAFE, None),
    ("S9-17-misspelt-key-equals", trust({"StringEquals": {"aws:SourceAcount": OWNER}}), {}, SAFE, USELESS),
    ("S9-17-misspelt-key-notequals", trust({"StringNotEquals": {"aws:SourceAcount": ATTACKER}}), {},
     VULNERABLE, None),
    ("S9-18-variable-2012", trust({"StringEquals": {SA: "${aws:SourceAccount}"}}), {}, VULNERABLE, None),
    ("S9-18-variable-2008-is-text",
     policy(statement(condition={"StringEquals": {SA: "${aws:SourceAccount}"}}), version="2008-10-17"), {},
     SAFE, USELESS),
    ("S9-18-variable-no-version-is-text",
     policy(statement(condition={"StringEquals": {SA: "${aws:SourceAccount}"}}), version=None), {},
     SAFE, USELESS),
    ("S9-19-self-referential-arn", trust({"ArnLike": {ARN: "arn:aws:rekognition:*:${aws:SourceAccount}:*"}}), {},
     VULNERABLE, None),
    ("S9-20-principal-account-variable", trust({"StringEquals": {SA: "${aws:PrincipalAccount}"}}), {},
     VULNERABLE, None),
    ("S9-21-star-principal-service-name",
     policy(statement(principal="*", condition={"StringEquals": {"aws:PrincipalServiceName": DEPUTY}})), {},
     VULNERABLE, None),
    ("S9-22-is-aws-service-only",
     policy(statement(principal="*", condition={"Bool": {"aws:PrincipalIsAWSService": "true"}})), {},
     VULNERABLE, None),
    ("S9-23-deny-closes-gap", policy(statement(), deny({"StringNotEquals": {SA: OWNER}})), {}, SAFE, None),
    ("S9-24-deny-ifexists", policy(statement(), deny({"StringNotEqualsIfExists": {SA: OWNER}})), {}, SAFE, None),
    ("S9-25-deny-foranyvalue", policy(statement(), deny({"ForAnyValue:StringNotEquals": {SA: OWNER}})), {},
     VULNERABLE, lambda r: r.get(SA) is None),
    ("S9-26-deny-null-guard",
     policy(statement(), deny({"StringNotEquals": {SA: OWNER}, "Null": {SA: "false"}})), {}, VULNERABLE,
     lambda r: r.get(SA) is None and r.get(ARN) is not None),
    ("S9-27-deny-aws-star",
     policy(statement(), {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "*",
                          "Condition": {"StringNotEquals": {SA: OWNER}}}), {}, VULNERABLE, None),
    ("S9-28-allow-aws-star", policy(statement(principal={"AWS": "*"})), {}, VULNERABLE, None),
    ("S9-29-notprincipal", policy({"Effect": "Allow", "NotPrincipal": {"AWS": OWNER}, "Action": "sts:AssumeRole"}),
     {}, VULNERABLE, None),
    ("S9-30-regional-name", policy(statement(principal={"Service": "rekognition.us-east-1.amazonaws.com"})), {},
     VULNERABLE, None),
    ("S9-30-capitalised-name", policy(statement(principal={"Service": "Rekognition.amazonaws.com"})), {},
     VULNERABLE, None),
    ("S9-31-action-case-wildcard", policy(statement(action="STS:Assume*")), {}, VULNERABLE, None),
    ("S9-31-action-question-mark", policy(statement(action="sts:Assume?ole")), {}, VULNERABLE, None),
    ("S9-31-action-star", policy(statement(action="*")), {}, VULNERABLE, None),
    ("S9-31-notaction", policy({"Effect": "Allow", "Principal": {"Service": DEPUTY},
                                "NotAction": "sts:TagSession"}), {}, VULNERABLE, None),
    ("S9-32-mixed-principals-share-conditions",
     policy(statement(principal={"Service": DEPUTY, "AWS": f"arn:aws:iam::{OWNER}:user/u"},
                      condition={"StringEquals": {SA: OWNER}})), {}, SAFE, None),
    ("S9-33-null-true-second-allow",
     policy(statement(condition={"StringEquals": {SA: OWNER}}), statement(condition={"Null": {SA: "true"}})),
     {}, VULNERABLE, lambda r: r.get(SA) is None),
    ("S9-33-null-true-with-required-key",
     policy(statement(condition={"StringEquals": {SA: OWNER}}), statement(condition={"Null": {SA: "true"}})),
     {"required_keys": (SA,)}, SAFE, None),
    ("S9-34-config-literal-star",
     trust({"StringEquals": {ARN: f"arn:aws:config:us-east-1:{ATTACKER}:*"}}), {}, VULNERABLE,
     lambda r: r.get(ARN) == (f"arn:aws:config:us-east-1:{ATTACKER}:*",)),
    ("S9-35-empty-condition", policy(statement(condition={})), {}, VULNERABLE, None),
    ("S9-35-empty-value-list", trust({"StringEquals": {SA: []}}), {}, VULNERABLE, None),
    ("S9-36-unquoted-account", '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": '
     '{"Service": "rekognition.amazonaws.com"}, "Action": "sts:AssumeRole", "Condition": {"StringEquals": '
     '{"aws:SourceAccount": 111122223333}}}]}', {}, SAFE, None),
]


@pytest.mark.parametrize("text, changes, verdict, extra", [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_tricky_case(text, changes, verdict, extra):
    result = check(text, **changes)
    assert result.verdict is verdict, (result.message, result.counterexample and result.counterexample.to_json())
    useless = any(USELESS in w for w in result.warnings)
    if extra == USELESS:
        assert useless, result.warnings
    elif verdict is SAFE:
        assert not useless, result.warnings
    if callable(extra):
        assert extra(result.counterexample), result.counterexample.to_json()


def test_S9_36_lost_leading_zero_never_matches():
    # 012345678901 written as a JSON number loses its leading zero.
    text = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": '
            '"rekognition.amazonaws.com"}, "Action": "sts:AssumeRole", "Condition": {"StringEquals": '
            '{"aws:SourceAccount": 12345678901}}}]}')
    from tests.support import model
    from verifier.policy.loading import load_text
    from verifier.prove.prover import check_policy

    result = check_policy(load_text(text), model().__class__(owner="012345678901"), timeout=20)
    assert result.verdict is SAFE
    assert any(USELESS in w for w in result.warnings)


def test_S9_unattributed_request_is_reported_not_counted():
    # A2: every source key that is present must name the owner, so a request
    # naming no account is allowed: not foreign by default, but reported
    # with the request. (aws:SourceOwner is a source key too, K9: leaving it
    # out would let a foreign SourceOwner in alone.)
    pinned = {"StringEqualsIfExists": {SA: OWNER, "aws:SourceOwner": OWNER},
              "ArnLikeIfExists": {ARN: f"arn:aws:rekognition:*:{OWNER}:*"}}
    result = check(trust(pinned))
    assert result.verdict is SAFE
    assert result.unattributed is not None
    assert result.unattributed.get(SA) is None
    strict = check(trust(pinned), strict_attribution=True)
    assert strict.verdict is VULNERABLE
    without_owner = check(trust({"StringEqualsIfExists": {SA: OWNER}, "ArnLikeIfExists": {
        ARN: f"arn:aws:rekognition:*:{OWNER}:*"}}))
    assert without_owner.verdict is VULNERABLE
    assert without_owner.counterexample.get("aws:SourceOwner") is not None
