"""Unit tables for the concrete evaluator, one parametrized group per rule of
SEMANTICS.md (sections 2-7), per conservative reading of section 8, and per
tricky case of section 9. Every expected decision was derived by hand from
SEMANTICS.md and the readings documented in verifier/evaluator/*.

Condition rows built with ``when(..., "Allow", ...)`` put the condition in the
only Allow statement: ALLOW when it holds, IMPLICIT when not. Rows built with
``when(..., "Deny", ...)`` put it in a Deny "*" beside an unconditioned Allow:
DENY when it holds, ALLOW when not.
"""

from __future__ import annotations

import json

import pytest

from tests.builders import (
    ALLOW, ASSUME, ATTACKER, ATTACKER_ARN, ATTACKER_ROLE, DENY, DEPUTY, FOREIGN, FOREIGN_ARN_ONLY,
    IMPLICIT, KEYLESS, OTHER, OWNER, OWNER_ARN, OWNER_REQUEST, OWNER_ROLE, ROW, SERVICE, UNKNOWN,
    allow_if, case, decide, deny_if, policy, service_context, statement, when,
)


def cond(operator: str, key: str, value) -> dict:
    return {operator: {key: value}}


def account(value) -> dict:
    return {"aws:SourceAccount": value}


def source_arn(value) -> dict:
    return {"aws:SourceArn": value}


def tag(value, name="team") -> dict:
    return {f"aws:PrincipalTag/{name}": value}


def unquoted(doc: dict, literal: str) -> str:
    """The policy text with the string value "@" replaced by a bare JSON literal
    (Python would print 1.50 as 1.5)."""
    return json.dumps(doc).replace('"@"', literal)


def check(doc, context, expected, caller) -> None:
    assert decide(doc, context, **caller) is expected


SA = "aws:SourceAccount"
ARN = "aws:SourceArn"
TEAM = "aws:PrincipalTag/team"
TAGS = "aws:TagKeys"
OWNER_ARN_PATTERN = f"arn:aws:rekognition:*:{OWNER}:*"
S3_GET = "s3:GetObject"

# --- section 1 rules that change an evaluation -----------------------------------

G2 = [
    case("G2-2008-variable-is-literal-text",
         policy(statement(condition=cond("StringEquals", SA, "${aws:PrincipalAccount}")), version="2008-10-17"),
         {SA: "${aws:PrincipalAccount}"}, ALLOW),
    case("G2-2008-variable-not-substituted",
         policy(statement(condition=cond("StringEquals", SA, "${aws:PrincipalAccount}")), version="2008-10-17"),
         {SA: OWNER, "aws:PrincipalAccount": OWNER}, IMPLICIT),
    case("G2-no-version-variable-not-substituted",
         policy(statement(condition=cond("StringEquals", SA, "${aws:PrincipalAccount}")), version=None),
         {SA: OWNER, "aws:PrincipalAccount": OWNER}, IMPLICIT),
    case("G2-no-version-variable-is-literal-text",
         policy(statement(condition=cond("StringEquals", SA, "${aws:PrincipalAccount}")), version=None),
         {SA: "${aws:PrincipalAccount}"}, ALLOW),
    case("G2-2012-variable-substituted",
         allow_if(cond("StringEquals", SA, "${aws:PrincipalAccount}")),
         {SA: OWNER, "aws:PrincipalAccount": OWNER}, ALLOW),
    case("G2-2012-variable-not-literal",
         allow_if(cond("StringEquals", SA, "${aws:PrincipalAccount}")),
         {SA: "${aws:PrincipalAccount}"}, IMPLICIT),
]


@pytest.mark.parametrize(ROW, G2)
def test_g2_version_and_variables(doc, context, expected, caller):
    check(doc, context, expected, caller)


G3 = [
    case("G3-statement-as-object",
         {"Version": "2012-10-17", "Statement": statement()}, {}, ALLOW),
    case("G3-statement-as-object-not-applying",
         {"Version": "2012-10-17", "Statement": statement(action="sts:TagSession")}, {}, IMPLICIT),
]


@pytest.mark.parametrize(ROW, G3)
def test_g3_statement_forms(doc, context, expected, caller):
    check(doc, context, expected, caller)


G5 = [
    case("G5-action-list", policy(statement(action=[ASSUME])), {}, ALLOW),
    case("G5-principal-service-list", policy(statement(principal={"Service": [SERVICE]})), {}, ALLOW),
    case("G5-condition-value-list", allow_if(cond("StringEquals", SA, [OWNER])), account(OWNER), ALLOW),
    case("G5-unquoted-number-owner", allow_if(cond("StringEquals", SA, int(OWNER))), account(OWNER), ALLOW),
    case("G5-unquoted-number-foreign", allow_if(cond("StringEquals", SA, int(OWNER))), account(ATTACKER),
         IMPLICIT),
    case("G5-unquoted-decimal-keeps-text", unquoted(allow_if(cond("StringEquals", TEAM, "@")), "1.50"), tag("1.5"),
         IMPLICIT),
    case("G5-unquoted-decimal-literal-match", unquoted(allow_if(cond("StringEquals", TEAM, "@")), "1.50"),
         tag("1.50"), ALLOW),
    case("G5-unquoted-exponent-keeps-text", unquoted(allow_if(cond("StringEquals", TEAM, "@")), "1e3"),
         tag("1000"), IMPLICIT),
    case("G5-unquoted-true-bool", allow_if(cond("Bool", "aws:SecureTransport", True)),
         {"aws:SecureTransport": "true"}, ALLOW),
    case("G5-unquoted-false-bool", allow_if(cond("Bool", "aws:SecureTransport", False)),
         {"aws:SecureTransport": "true"}, IMPLICIT),
]


@pytest.mark.parametrize(ROW, G5)
def test_g5_scalar_or_list_and_literal_text(doc, context, expected, caller):
    check(doc, context, expected, caller)


MIXED = {"Service": ["ecs.amazonaws.com", "elasticloadbalancing.amazonaws.com"]}
SERVICE_AND_USER = {"Service": SERVICE, "AWS": f"arn:aws:iam::{OWNER}:user/u"}
G6 = [
    case("G6-service-list-first", policy(statement(principal=MIXED)), {}, ALLOW, principal="ecs.amazonaws.com"),
    case("G6-service-list-second", policy(statement(principal=MIXED)), {}, ALLOW,
         principal="elasticloadbalancing.amazonaws.com"),
    case("G6-service-list-other", policy(statement(principal=MIXED)), {}, IMPLICIT),
    case("G6-kinds-ored-service", policy(statement(principal=SERVICE_AND_USER)), {}, ALLOW),
    case("G6-kinds-ored-user", policy(statement(principal=SERVICE_AND_USER)), {}, ALLOW,
         principal=f"arn:aws:iam::{OWNER}:user/u"),
    case("G6-kinds-ored-other-user", policy(statement(principal=SERVICE_AND_USER)), {}, IMPLICIT,
         principal=f"arn:aws:iam::{OWNER}:user/v"),
]


@pytest.mark.parametrize(ROW, G6)
def test_g6_principal_forms(doc, context, expected, caller):
    check(doc, context, expected, caller)


# --- section 2: one policy ----------------------------------------------------------

E1 = [
    case("E1-action-mismatch", policy(statement(action="sts:TagSession")), {}, IMPLICIT),
    case("E1-action-match", policy(statement(action="sts:TagSession")), {}, ALLOW, action="sts:TagSession"),
    case("E1-principal-mismatch", policy(statement(principal={"Service": "s3.amazonaws.com"})), {}, IMPLICIT),
    case("E1-condition-false", allow_if(cond("StringEquals", SA, OWNER)), account(ATTACKER), IMPLICIT),
    case("E1-all-parts-match", allow_if(cond("StringEquals", SA, OWNER)), account(OWNER), ALLOW),
]


@pytest.mark.parametrize(ROW, E1)
def test_e1_applicability(doc, context, expected, caller):
    check(doc, context, expected, caller)


DENY_FOREIGN = statement("Deny", principal="*", condition=cond("StringNotEquals", SA, OWNER))
E2 = [
    case("E2-deny-beats-allow", policy(statement(), DENY_FOREIGN), account(ATTACKER), DENY),
    case("E2-deny-first-same-result", policy(DENY_FOREIGN, statement()), account(ATTACKER), DENY),
    case("E2-allow-when-deny-not-applying", policy(statement(), DENY_FOREIGN), account(OWNER), ALLOW),
    case("E2-unconditioned-deny", policy(statement(), statement("Deny")), {}, DENY),
    case("E2-nothing-applies-implicit", policy(statement(principal={"Service": "s3.amazonaws.com"})), {},
         IMPLICIT),
    case("E2-any-applicable-allow", policy(statement(action="sts:TagSession"), statement()), {}, ALLOW),
]


@pytest.mark.parametrize(ROW, E2)
def test_e2_decision(doc, context, expected, caller):
    check(doc, context, expected, caller)


ONLY_DENY = policy(statement("Deny", principal="*", condition=cond("StringEquals", SA, ATTACKER)))
E3 = [
    case("E3-deny-only-not-applying-implicit", ONLY_DENY, account(OWNER), IMPLICIT),
    case("E3-deny-only-applying-explicit", ONLY_DENY, account(ATTACKER), DENY),
    case("E3-deny-only-keyless-implicit", ONLY_DENY, {}, IMPLICIT),
]


@pytest.mark.parametrize(ROW, E3)
def test_e3_explicit_allow_needed(doc, context, expected, caller):
    check(doc, context, expected, caller)


E4 = [
    case("E4-empty-principal-allow", policy(statement(principal={})), {}, IMPLICIT),
    case("E4-empty-principal-allow-iam", policy(statement(principal={})), {}, IMPLICIT, principal=OWNER_ROLE),
    case("E4-empty-action-allow", policy(statement(action=[])), {}, IMPLICIT),
    case("E4-empty-principal-deny", policy(statement(), statement("Deny", principal={})), {}, ALLOW),
    case("E4-empty-action-deny", policy(statement(), statement("Deny", action=[])), {}, ALLOW),
]


@pytest.mark.parametrize(ROW, E4)
def test_e4_empty_principal_or_action(doc, context, expected, caller):
    check(doc, context, expected, caller)


# --- section 3: principals ----------------------------------------------------------

P1 = [
    case("P1-service-matches-deputy", policy(statement()), {}, ALLOW),
    case("P1-other-service-listed", policy(statement(principal={"Service": "s3.amazonaws.com"})), {}, IMPLICIT),
    case("P1-other-service-calls", policy(statement()), {}, IMPLICIT, principal="s3.amazonaws.com"),
    case("P1-service-does-not-match-role", policy(statement()), {}, IMPLICIT, principal=OWNER_ROLE),
]


@pytest.mark.parametrize(ROW, P1)
def test_p1_service_principals(doc, context, expected, caller):
    check(doc, context, expected, caller)


REGIONAL = "rekognition.us-east-1.amazonaws.com"
ALLOW_ANYONE = statement(principal="*")
P2 = [
    case("P2-A16-regional-listed-global-calls-allow", policy(statement(principal={"Service": REGIONAL})), {},
         ALLOW),
    case("P2-A16-global-listed-regional-calls-allow",
         policy(statement(principal={"Service": "s3.amazonaws.com"})), {}, ALLOW,
         principal="s3.ap-east-1.amazonaws.com"),
    case("P2-A16-other-region-calls-allow", policy(statement(principal={"Service": REGIONAL})), {}, ALLOW,
         principal="rekognition.eu-west-1.amazonaws.com"),
    case("P2-A16-regional-other-service-allow", policy(statement(principal={"Service": "s3.amazonaws.com"})),
         {}, IMPLICIT, principal=REGIONAL),
    case("P2-A16-global-listed-regional-calls-deny", policy(ALLOW_ANYONE, statement("Deny", principal=DEPUTY)),
         {}, ALLOW, principal=REGIONAL),
    case("P2-A16-regional-listed-global-calls-deny",
         policy(ALLOW_ANYONE, statement("Deny", principal={"Service": REGIONAL})), {}, ALLOW),
    case("P2-A16-regional-exact-deny",
         policy(ALLOW_ANYONE, statement("Deny", principal={"Service": REGIONAL})), {}, DENY, principal=REGIONAL),
]


@pytest.mark.parametrize(ROW, P2)
def test_p2_a16_regional_names(doc, context, expected, caller):
    check(doc, context, expected, caller)


IS_SERVICE = cond("Bool", "aws:PrincipalIsAWSService", "true")
P3 = [
    case("P3-star-allows-service", policy(ALLOW_ANYONE), {}, ALLOW),
    case("P3-star-allows-foreign-role", policy(ALLOW_ANYONE), {}, ALLOW, principal=ATTACKER_ROLE),
    case("P3-star-deny-applies-to-service",
         policy(statement(), statement("Deny", principal="*", condition=IS_SERVICE)),
         {"aws:PrincipalIsAWSService": "true"}, DENY),
    case("P3-star-deny-service-guard-false",
         policy(ALLOW_ANYONE, statement("Deny", principal="*", condition=IS_SERVICE)),
         {"aws:PrincipalIsAWSService": "false"}, ALLOW, principal=OWNER_ROLE),
]


@pytest.mark.parametrize(ROW, P3)
def test_p3_star(doc, context, expected, caller):
    check(doc, context, expected, caller)


AWS_STAR = {"AWS": "*"}
P4 = [
    case("P4-A1-aws-star-allow-service", policy(statement(principal=AWS_STAR)), {}, ALLOW),
    case("P4-A1-aws-star-allow-role", policy(statement(principal=AWS_STAR)), {}, ALLOW, principal=ATTACKER_ROLE),
    case("P4-A1-aws-star-deny-skips-service", policy(statement(), statement("Deny", principal=AWS_STAR)), {},
         ALLOW),
    case("P4-A1-aws-star-deny-covers-role", policy(ALLOW_ANYONE, statement("Deny", principal=AWS_STAR)), {},
         DENY, principal=ATTACKER_ROLE),
]


@pytest.mark.parametrize(ROW, P4)
def test_p4_a1_aws_star(doc, context, expected, caller):
    check(doc, context, expected, caller)


def only(principal: dict) -> dict:
    return policy(statement(principal=principal))


P5 = [
    case("P5-account-number-not-service", only({"AWS": OWNER}), {}, IMPLICIT),
    case("P5-account-number-covers-role", only({"AWS": OWNER}), {}, ALLOW, principal=OWNER_ROLE),
    case("P5-account-number-other-account", only({"AWS": OWNER}), {}, IMPLICIT, principal=ATTACKER_ROLE),
    case("P5-account-root-not-service", only({"AWS": f"arn:aws:iam::{OWNER}:root"}), {}, IMPLICIT),
    case("P5-account-root-covers-role", only({"AWS": f"arn:aws:iam::{OWNER}:root"}), {}, ALLOW,
         principal=OWNER_ROLE),
    case("P5-role-arn-not-service", only({"AWS": OWNER_ROLE}), {}, IMPLICIT),
    case("P5-role-arn-matches-role", only({"AWS": OWNER_ROLE}), {}, ALLOW, principal=OWNER_ROLE),
    case("P5-unique-id-not-service", only({"AWS": "AROAEXAMPLEID1234567"}), {}, IMPLICIT),
    # Not an AWS principal form at all: read to admit more (section 8), below.
    case("P5-federated-provider-never-service", only({"Federated": "cognito-identity.amazonaws.com"}), {}, IMPLICIT),
    case("P5-federated-with-service-text", only({"Federated": SERVICE}), {}, IMPLICIT),
    case("P5-federated-provider-not-service", only({"Federated": f"arn:aws:iam::{OWNER}:saml-provider/idp"}),
         {}, IMPLICIT),
    case("P5-canonical-user-not-service",
         only({"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}), {},
         IMPLICIT),
    case("P5-F2-leading-zero-kept", only({"AWS": "012345678901"}), {}, ALLOW,
         principal="arn:aws:iam::012345678901:role/r"),
    case("P5-F2-unquoted-lost-zero", only({"AWS": 12345678901}), {}, IMPLICIT,
         principal="arn:aws:iam::012345678901:role/r"),
]


@pytest.mark.parametrize(ROW, P5)
def test_p5_iam_principals_never_services(doc, context, expected, caller):
    check(doc, context, expected, caller)


P6 = [
    case("P6-partial-service-wildcard-allow", only({"Service": "*.amazonaws.com"}), {}, ALLOW),
    case("P6-partial-wildcard-allow-matches-all", only({"Service": "rekognition.*"}), {}, ALLOW,
         principal="s3.amazonaws.com"),
    case("P6-partial-account-wildcard-allow", only({"AWS": "arn:aws:iam::*:root"}), {}, ALLOW),
    case("P6-partial-service-wildcard-deny", policy(statement(), statement("Deny", principal={
        "Service": "*.amazonaws.com"})), {}, ALLOW),
    case("P6-partial-account-wildcard-deny",
         policy(ALLOW_ANYONE, statement("Deny", principal={"AWS": "arn:aws:iam::*:root"})), {}, ALLOW,
         principal=f"arn:aws:iam::{ATTACKER}:root"),
]


@pytest.mark.parametrize(ROW, P6)
def test_p6_partial_wildcards(doc, context, expected, caller):
    check(doc, context, expected, caller)


def not_principal(effect: str, exempt: dict) -> dict:
    return statement(effect, principal=None, NotPrincipal=exempt)


P7 = [
    case("P7-allow-notprincipal-covers-service", policy(not_principal("Allow", {"AWS": OWNER})), {}, ALLOW),
    case("P7-allow-notprincipal-exempts-listed", policy(not_principal("Allow", {"AWS": OWNER})), {}, IMPLICIT,
         principal=OWNER_ROLE),
    case("P7-allow-notprincipal-covers-other-role", policy(not_principal("Allow", {"AWS": OWNER})), {}, ALLOW,
         principal=ATTACKER_ROLE),
    case("P7-deny-notprincipal-exempts-listed", policy(ALLOW_ANYONE, not_principal("Deny", DEPUTY)), {}, ALLOW),
    case("P7-deny-notprincipal-other-service", policy(ALLOW_ANYONE, not_principal("Deny", DEPUTY)), {}, DENY,
         principal="s3.amazonaws.com"),
    case("P7-deny-notprincipal-role", policy(ALLOW_ANYONE, not_principal("Deny", DEPUTY)), {}, DENY,
         principal=ATTACKER_ROLE),
    case("P7-empty-notprincipal-allow-covers-all", policy(not_principal("Allow", {})), {}, ALLOW),
    case("P7-empty-notprincipal-deny-covers-none", policy(statement(), not_principal("Deny", {})), {}, ALLOW),
    case("P7-A1-allow-notprincipal-aws-star-service-not-exempt", policy(not_principal("Allow", AWS_STAR)), {},
         ALLOW),
    case("P7-A1-allow-notprincipal-aws-star-role-exempt", policy(not_principal("Allow", AWS_STAR)), {},
         IMPLICIT, principal=ATTACKER_ROLE),
    case("P7-A1-deny-notprincipal-aws-star-service-exempt", policy(statement(), not_principal("Deny", AWS_STAR)),
         {}, ALLOW),
    case("P7-P6-allow-notprincipal-partial-exempts-none",
         policy(not_principal("Allow", {"Service": "*.amazonaws.com"})), {}, ALLOW),
    case("P7-P6-deny-notprincipal-partial-exempts-all",
         policy(statement(), not_principal("Deny", {"Service": "*.amazonaws.com"})), {}, ALLOW),
    case("P7-A16-allow-notprincipal-regional-not-exempt",
         policy(not_principal("Allow", {"Service": REGIONAL})), {}, ALLOW),
    case("P7-A16-deny-notprincipal-regional-exempt",
         policy(statement(), not_principal("Deny", {"Service": REGIONAL})), {}, ALLOW),
]


@pytest.mark.parametrize(ROW, P7)
def test_p7_notprincipal(doc, context, expected, caller):
    check(doc, context, expected, caller)


UPPER = {"Service": "REKOGNITION.amazonaws.com"}
P8 = [
    case("P8-A6-odd-case-allow-matches", only(UPPER), {}, ALLOW),
    case("P8-A6-odd-case-deny-no-match", policy(statement(), statement("Deny", principal=UPPER)), {}, ALLOW),
    case("P8-A6-exact-case-deny-matches", policy(statement(), statement("Deny", principal=DEPUTY)), {}, DENY),
    case("P8-A6-odd-case-allow-notprincipal-not-exempt", policy(not_principal("Allow", UPPER)), {}, ALLOW),
    case("P8-A6-exact-allow-notprincipal-exempt", policy(not_principal("Allow", DEPUTY)), {}, IMPLICIT),
    case("P8-A6-odd-case-deny-notprincipal-exempt", policy(statement(), not_principal("Deny", UPPER)), {}, ALLOW),
    case("P8-A6-deny-notprincipal-other-not-exempt",
         policy(statement(), not_principal("Deny", {"Service": "s3.amazonaws.com"})), {}, DENY),
]


@pytest.mark.parametrize(ROW, P8)
def test_p8_a6_service_name_case(doc, context, expected, caller):
    check(doc, context, expected, caller)


# --- section 4: actions and resources -----------------------------------------------

def acting(action=ASSUME, **elements) -> dict:
    return policy(statement(action=action, **elements))


AC1 = [
    case("AC1-exact", acting("sts:AssumeRole"), {}, ALLOW),
    case("AC1-case-insensitive", acting("STS:assumerole"), {}, ALLOW),
    case("AC1-service-star", acting("sts:*"), {}, ALLOW),
    case("AC1-question-mark", acting("sts:Assume?ole"), {}, ALLOW),
    case("AC1-star-all", acting("*"), {}, ALLOW),
    case("AC1-star-matches-empty", acting("sts:Assume*Role"), {}, ALLOW),
    case("AC1-question-needs-one-char", acting("sts:Assume?Role"), {}, IMPLICIT),
    case("AC1-prefix-is-not-match", acting("sts:AssumeRol"), {}, IMPLICIT),
    case("AC1-longer-pattern", acting("sts:AssumeRoleWith*"), {}, IMPLICIT),
    case("AC1-other-service", acting("s3:*"), {}, IMPLICIT),
]


@pytest.mark.parametrize(ROW, AC1)
def test_ac1_action_patterns(doc, context, expected, caller):
    check(doc, context, expected, caller)


AC2 = [
    case("AC2-notaction-other", acting(None, NotAction="sts:TagSession"), {}, ALLOW),
    case("AC2-notaction-excludes", acting(None, NotAction="sts:Assume*"), {}, IMPLICIT),
    case("AC2-notaction-case-insensitive", acting(None, NotAction=["sts:TagSession", "STS:ASSUMEROLE"]), {},
         IMPLICIT),
    case("AC2-notaction-in-deny", policy(statement(), statement("Deny", action=None, NotAction="sts:TagSession")),
         {}, DENY),
]


@pytest.mark.parametrize(ROW, AC2)
def test_ac2_notaction(doc, context, expected, caller):
    check(doc, context, expected, caller)


AC3 = [
    case("AC3-list-with-tagsession", acting(["sts:AssumeRole", "sts:TagSession"]), {}, ALLOW),
    case("AC3-list-other-action-checked", acting(["sts:AssumeRole", "sts:TagSession"]), {}, ALLOW,
         action="sts:TagSession"),
    case("AC3-list-without-assumerole", acting(["sts:TagSession", "sts:SetContext"]), {}, IMPLICIT),
]


@pytest.mark.parametrize(ROW, AC3)
def test_ac3_trust_action_lists(doc, context, expected, caller):
    check(doc, context, expected, caller)


def on(effect: str, **resource) -> dict:
    """A statement about s3:GetObject with a Resource or NotResource."""
    return statement(effect, action=S3_GET, **resource)


def resources(effect: str, **resource) -> dict:
    """A resource policy; a Deny row also allows every resource."""
    if effect == "Allow":
        return policy(on("Allow", **resource))
    return policy(on("Allow", Resource="*"), on("Deny", **resource))


def res(case_id, effect, resource_element: dict, resource, expected, context=None):
    return case(case_id, resources(effect, **resource_element), context or {}, expected, action=S3_GET,
                resource=resource)


NESTED = {"Resource": "arn:aws:s3:::b/*/test/*"}
MID_STAR = "arn:aws:logs:us-east-1:111122223333:log-group:g*x"
LOG = "arn:aws:logs:us-east-1:111122223333:log-group:"
BY_ACCOUNT = {"Resource": "arn:aws:s3:::b/${aws:SourceAccount}/*"}
BY_TAG = {"Resource": "arn:aws:s3:::b/${aws:PrincipalTag/p}"}
R1 = [
    res("R1-star-crosses-slash", "Allow", NESTED, "arn:aws:s3:::b/1/2/test/x", ALLOW),
    res("R1-needs-segment", "Allow", NESTED, "arn:aws:s3:::b/test/x", IMPLICIT),
    res("R1-star-crosses-slash-deny", "Deny", NESTED, "arn:aws:s3:::b/1/2/test/x", DENY),
    res("R1-needs-segment-deny", "Deny", NESTED, "arn:aws:s3:::b/test/x", ALLOW),
    res("R1-case-sensitive", "Allow", {"Resource": "arn:aws:s3:::B/*"}, "arn:aws:s3:::b/x", IMPLICIT),
    res("R1-case-sensitive-deny", "Deny", {"Resource": "arn:aws:s3:::B/*"}, "arn:aws:s3:::b/x", ALLOW),
    res("R1-question-one-char", "Allow", {"Resource": "arn:aws:s3:::b/?"}, "arn:aws:s3:::b/x", ALLOW),
    res("R1-question-not-two", "Allow", {"Resource": "arn:aws:s3:::b/?"}, "arn:aws:s3:::b/xy", IMPLICIT),
    res("R1-star-alone", "Allow", {"Resource": "*"}, "arn:aws:sqs:us-east-1:111122223333:q", ALLOW),
    res("R1-lenient-inner-star-allow", "Allow", {"Resource": MID_STAR}, LOG + "g:1:x", ALLOW),
    res("R1-strict-inner-star-deny-no-colon", "Deny", {"Resource": MID_STAR}, LOG + "g:1:x", ALLOW),
    res("R1-strict-inner-star-deny-in-segment", "Deny", {"Resource": MID_STAR}, LOG + "gabcx", DENY),
    res("R1-strict-notresource-allow", "Allow", {"NotResource": MID_STAR}, LOG + "g:1:x", ALLOW),
    res("R1-strict-notresource-allow-excluded", "Allow", {"NotResource": MID_STAR}, LOG + "gabcx", IMPLICIT),
    res("R1-lenient-notresource-deny-excluded", "Deny", {"NotResource": MID_STAR}, LOG + "g:1:x", ALLOW),
    res("R1-lenient-notresource-deny-other", "Deny", {"NotResource": MID_STAR}, "arn:aws:s3:::other", DENY),
    res("R1-lenient-question-allow", "Allow", {"Resource": "arn:aws:s3:::a?b"}, "arn:aws:s3:::a:b", ALLOW),
    res("R1-strict-question-deny-no-colon", "Deny", {"Resource": "arn:aws:s3:::a?b"}, "arn:aws:s3:::a:b", ALLOW),
    res("R1-strict-question-deny-other-char", "Deny", {"Resource": "arn:aws:s3:::a?b"}, "arn:aws:s3:::a/b",
        DENY),
    res("R1-strict-final-star-crosses-colons", "Deny", {"Resource": LOG + "*"}, LOG + "g:log-stream:s", DENY),
    res("R1-strict-segment-final-star-crosses-colon", "Deny",
        {"Resource": "arn:aws:sqs:*:111122223333:q"}, "arn:aws:sqs:us-east-1:999999999999:111122223333:q", DENY),
    res("R1-notresource-excludes", "Allow", {"NotResource": "arn:aws:s3:::b/secret/*"}, "arn:aws:s3:::b/secret/k",
        IMPLICIT),
    res("R1-notresource-other", "Allow", {"NotResource": "arn:aws:s3:::b/secret/*"}, "arn:aws:s3:::b/public/k",
        ALLOW),
    res("R1-no-resource-in-request-allow", "Allow", {"Resource": "arn:aws:s3:::b/*"}, None, ALLOW),
    res("R1-no-resource-in-request-deny", "Deny", {"Resource": "arn:aws:s3:::b/*"}, None, ALLOW),
    case("R1-no-resource-element-allow", policy(statement()), {}, ALLOW, resource=OWNER_ROLE),
    case("R1-no-resource-element-deny", policy(statement(), statement("Deny")), {}, DENY, resource=OWNER_ROLE),
    res("R1-variable-substituted", "Allow", BY_ACCOUNT, "arn:aws:s3:::b/111122223333/k", ALLOW, account(OWNER)),
    res("R1-variable-other-value", "Allow", BY_ACCOUNT, "arn:aws:s3:::b/999999999999/k", IMPLICIT,
        account(OWNER)),
    res("R1-V2-valueless-allow-matches-nothing", "Allow", BY_ACCOUNT, "arn:aws:s3:::b/${aws:SourceAccount}/k",
        IMPLICIT),
    res("R1-A18-valueless-deny-not-applying", "Deny", BY_ACCOUNT, "arn:aws:s3:::b/${aws:SourceAccount}/k", ALLOW),
    res("R1-variable-substituted-deny", "Deny", BY_ACCOUNT, "arn:aws:s3:::b/111122223333/k", DENY,
        account(OWNER)),
    res("R1-variable-before-fifth-colon-literal", "Allow",
        {"Resource": "arn:aws:sqs:us-east-1:${aws:SourceAccount}:q"}, "arn:aws:sqs:us-east-1:111122223333:q",
        IMPLICIT, account(OWNER)),
    res("R1-variable-before-fifth-colon-literal-match", "Allow",
        {"Resource": "arn:aws:sqs:us-east-1:${aws:SourceAccount}:q"},
        "arn:aws:sqs:us-east-1:${aws:SourceAccount}:q", ALLOW, account(OWNER)),
    res("R1-substituted-wildcard-allow-active", "Allow", BY_TAG, "arn:aws:s3:::b/anything", ALLOW,
        tag("*", "p")),
    res("R1-substituted-wildcard-deny-literal", "Deny", BY_TAG, "arn:aws:s3:::b/anything", ALLOW, tag("*", "p")),
    res("R1-substituted-wildcard-deny-literal-match", "Deny", BY_TAG, "arn:aws:s3:::b/*", DENY, tag("*", "p")),
    res("R1-V1-escaped-star-literal", "Allow", {"Resource": "arn:aws:s3:::b/${*}"}, "arn:aws:s3:::b/x", IMPLICIT),
    res("R1-V1-escaped-star-literal-match", "Allow", {"Resource": "arn:aws:s3:::b/${*}"}, "arn:aws:s3:::b/*",
        ALLOW),
    case("R1-G2-2008-resource-variable-literal",
         policy(on("Allow", **BY_ACCOUNT), version="2008-10-17"), account(OWNER), IMPLICIT, action=S3_GET,
         resource="arn:aws:s3:::b/111122223333/k"),
    case("R1-G2-2008-resource-variable-literal-match",
         policy(on("Allow", **BY_ACCOUNT), version="2008-10-17"), account(OWNER), ALLOW, action=S3_GET,
         resource="arn:aws:s3:::b/${aws:SourceAccount}/k"),
]


@pytest.mark.parametrize(ROW, R1)
def test_r1_resources(doc, context, expected, caller):
    check(doc, context, expected, caller)


API_ARN = f"arn:aws:execute-api:us-east-1:{OWNER}:a1b2c3d4e5"
INVOKE = "execute-api:Invoke"


def api(case_id, effect, element: dict, resource, expected):
    """An API Gateway resource policy row (execute-api:Invoke)."""
    allow = statement(action=INVOKE, principal="*", Resource="execute-api:/*")
    doc = policy(statement(action=INVOKE, principal="*", **element)) if effect == "Allow" else \
        policy(allow, statement("Deny", action=INVOKE, principal="*", **element))
    return case(case_id, doc, {}, expected, action=INVOKE, resource=resource)


R1_FORMS = [
    # API Gateway's shorthand: the ARNs of the API the policy is attached to,
    # whose partition, Region, account and ID the request's resource names.
    api("R1-api-shorthand-all", "Allow", {"Resource": "execute-api:/*"}, f"{API_ARN}/prod/GET/pets", ALLOW),
    api("R1-api-shorthand-stage", "Allow", {"Resource": "execute-api:/prod/*"}, f"{API_ARN}/prod/GET/pets", ALLOW),
    api("R1-api-shorthand-other-stage", "Allow", {"Resource": "execute-api:/prod/*"}, f"{API_ARN}/test/GET/pets",
        IMPLICIT),
    api("R1-api-shorthand-method", "Allow", {"Resource": "execute-api:/*/POST/*"}, f"{API_ARN}/prod/GET/pets",
        IMPLICIT),
    api("R1-api-shorthand-not-other-service", "Allow", {"Resource": "execute-api:/*"},
        "arn:aws:s3:::execute-api/x", IMPLICIT),
    api("R1-api-shorthand-needs-api-id", "Allow", {"Resource": "execute-api:/*"},
        f"arn:aws:execute-api:us-east-1:{OWNER}:/prod", IMPLICIT),
    api("R1-api-shorthand-deny", "Deny", {"Resource": "execute-api:/prod/*"}, f"{API_ARN}/prod/GET/pets", DENY),
    api("R1-api-shorthand-deny-other", "Deny", {"Resource": "execute-api:/prod/*"}, f"{API_ARN}/test/GET/x",
        ALLOW),
    api("R1-api-shorthand-notresource-deny", "Deny", {"NotResource": "execute-api:/prod/*"},
        f"{API_ARN}/test/GET/x", DENY),
    api("R1-api-shorthand-notresource-deny-excluded", "Deny", {"NotResource": "execute-api:/prod/*"},
        f"{API_ARN}/prod/GET/x", ALLOW),
    api("R1-api-shorthand-notresource-allow-undocumented", "Allow", {"NotResource": "execute-api:/admin/*"},
        f"{API_ARN}/admin/GET/x", ALLOW),
    api("R1-api-strict-inner-star-deny-no-colon", "Deny", {"Resource": "execute-api:/p*d/GET"},
        f"{API_ARN}/p:d/GET", ALLOW),
    api("R1-api-lenient-inner-star-allow", "Allow", {"Resource": "execute-api:/p*d/GET"}, f"{API_ARN}/p:d/GET",
        ALLOW),
    # A value that is not an ARN pattern: AWS may refuse it or read it in a way
    # deputy does not know; read on the side that admits more (section 8).
    res("S8-resource-unread-allow", "Allow", {"Resource": "bucket"}, "arn:aws:s3:::other/x", ALLOW),
    res("S8-resource-unread-deny", "Deny", {"Resource": "bucket"}, "arn:aws:s3:::bucket", ALLOW),
    res("S8-resource-short-arn-allow", "Allow", {"Resource": "arn:aws:s3"}, "arn:aws:s3:::b", ALLOW),
    res("S8-resource-short-arn-deny", "Deny", {"Resource": "arn:aws:*"}, "arn:aws:s3:::b", ALLOW),
    res("S8-notresource-unread-allow", "Allow", {"NotResource": "bucket"}, "arn:aws:s3:::bucket", ALLOW),
    res("S8-notresource-unread-deny", "Deny", {"NotResource": "bucket"}, "arn:aws:s3:::bucket", ALLOW),
    res("S8-unread-beside-arn-deny", "Deny", {"Resource": ["bucket", "arn:aws:s3:::b"]}, "arn:aws:s3:::b", DENY),
]


@pytest.mark.parametrize(ROW, R1_FORMS)
def test_r1_resource_forms(doc, context, expected, caller):
    check(doc, context, expected, caller)


UNREAD = [
    case("S8-action-unread-allow", policy(statement(action="AssumeRole")), {}, ALLOW),
    case("S8-action-unread-deny", policy(statement(), statement("Deny", action="AssumeRole")), {}, ALLOW),
    case("S8-action-unread-beside-real-deny", policy(statement(), statement("Deny", action=["x", ASSUME])), {},
         DENY),
    case("S8-notaction-unread-allow", policy(statement(action=None, NotAction="AssumeRole")), {}, ALLOW),
    case("S8-notaction-unread-deny", policy(statement(), statement("Deny", action=None, NotAction="sts")), {},
         ALLOW),
    case("S8-action-empty-name", policy(statement(action="sts:")), {}, ALLOW),
    case("S8-service-unread-allow", only({"Service": "rekognition"}), {}, ALLOW),
    case("S8-service-unread-deny", policy(statement(), statement("Deny", principal={"Service": "rekognition"})),
         {}, ALLOW),
    case("S8-aws-service-text-allow", only({"AWS": SERVICE}), {}, ALLOW),
    case("S8-aws-service-text-deny", policy(statement(), statement("Deny", principal={"AWS": SERVICE})), {},
         ALLOW),
    case("S8-aws-account-still-read", only({"AWS": OWNER}), {}, IMPLICIT),
    case("S8-aws-cloudfront-identity-read", only({"AWS": "arn:aws:iam::cloudfront:user/CloudFront Origin Access "
                                                         "Identity E2EXAMPLE"}), {}, IMPLICIT),
]


@pytest.mark.parametrize(ROW, UNREAD)
def test_section_8_values_deputy_cannot_read(doc, context, expected, caller):
    check(doc, context, expected, caller)



# --- section 5: conditions -----------------------------------------------------------

BOTH_KEYS = {"StringEquals": {SA: OWNER}, "ArnLike": {ARN: OWNER_ARN_PATTERN}}
TWO_KEYS = {"StringEquals": {SA: OWNER, "aws:PrincipalServiceName": SERVICE}}
C1 = [
    when("C1-operators-anded-both", "Allow", BOTH_KEYS, account(OWNER) | source_arn(OWNER_ARN), ALLOW),
    when("C1-operators-anded-arn-fails", "Allow", BOTH_KEYS, account(OWNER) | source_arn(ATTACKER_ARN), IMPLICIT),
    when("C1-operators-anded-account-fails", "Allow", BOTH_KEYS, account(ATTACKER) | source_arn(OWNER_ARN),
         IMPLICIT),
    when("C1-keys-anded-both", "Allow", TWO_KEYS, account(OWNER) | {"aws:PrincipalServiceName": SERVICE}, ALLOW),
    when("C1-keys-anded-one-fails", "Allow", TWO_KEYS,
         account(OWNER) | {"aws:PrincipalServiceName": "s3.amazonaws.com"}, IMPLICIT),
    when("C1-values-ored-second", "Allow", cond("StringEquals", SA, [OWNER, OTHER]), account(OTHER), ALLOW),
    when("C1-values-ored-none", "Allow", cond("StringEquals", SA, [OWNER, OTHER]), account(ATTACKER), IMPLICIT),
    when("C1-negated-nor-first", "Allow", cond("StringNotEquals", SA, [OWNER, OTHER]), account(OWNER), IMPLICIT),
    when("C1-negated-nor-second", "Allow", cond("StringNotEquals", SA, [OWNER, OTHER]), account(OTHER), IMPLICIT),
    when("C1-negated-nor-neither", "Allow", cond("StringNotEquals", SA, [OWNER, OTHER]), account(ATTACKER), ALLOW),
    when("C1-negated-nor-deny-listed", "Deny", cond("StringNotEquals", SA, [OWNER, OTHER]), account(OTHER), ALLOW),
    when("C1-negated-nor-deny-unlisted", "Deny", cond("StringNotEquals", SA, [OWNER, OTHER]), account(ATTACKER),
         DENY),
    when("C1-notlike-nor", "Allow", cond("StringNotLike", TEAM, ["a*", "b*"]), tag("bx"), IMPLICIT),
    when("C1-notlike-nor-neither", "Allow", cond("StringNotLike", TEAM, ["a*", "b*"]), tag("cx"), ALLOW),
]


@pytest.mark.parametrize(ROW, C1)
def test_c1_block_logic(doc, context, expected, caller):
    check(doc, context, expected, caller)


C2 = [
    when("C2-upper-key-owner", "Allow", cond("StringEquals", "AWS:SOURCEACCOUNT", OWNER), account(OWNER), ALLOW),
    when("C2-upper-key-foreign", "Allow", cond("StringEquals", "AWS:SOURCEACCOUNT", OWNER), account(ATTACKER),
         IMPLICIT),
    when("C2-request-key-case", "Allow", cond("StringEquals", "aws:sourceaccount", OWNER),
         {"AWS:SourceAccount": OWNER}, ALLOW),
    when("C2-upper-key-deny", "Deny", cond("StringNotEquals", "AWS:SOURCEACCOUNT", OWNER), account(ATTACKER),
         DENY),
    when("C2-value-case-matters", "Allow", cond("StringEquals", "aws:PrincipalServiceName",
                                                "Rekognition.amazonaws.com"),
         {"aws:PrincipalServiceName": SERVICE}, IMPLICIT),
]


@pytest.mark.parametrize(ROW, C2)
def test_c2_key_names_ignore_case(doc, context, expected, caller):
    check(doc, context, expected, caller)


C3 = [
    when("C3-equals-exact", "Allow", cond("StringEquals", ARN, OWNER_ARN), source_arn(OWNER_ARN), ALLOW),
    when("C3-equals-case-sensitive", "Allow", cond("StringEquals", ARN, OWNER_ARN),
         source_arn(OWNER_ARN.replace("/sp", "/SP")), IMPLICIT),
    when("C3-ignorecase", "Allow", cond("StringEqualsIgnoreCase", TEAM, "Blue"), tag("bLUE"), ALLOW),
    when("C3-ignorecase-other", "Allow", cond("StringEqualsIgnoreCase", TEAM, "Blue"), tag("Green"), IMPLICIT),
    when("C3-not-ignorecase-same", "Allow", cond("StringNotEqualsIgnoreCase", TEAM, "Blue"), tag("BLUE"),
         IMPLICIT),
    when("C3-not-ignorecase-other", "Allow", cond("StringNotEqualsIgnoreCase", TEAM, "Blue"), tag("green"), ALLOW),
    when("C3-like-star-crosses-colon-slash", "Allow", cond("StringLike", ARN, "arn:aws:rekognition:*"),
         source_arn(ATTACKER_ARN), ALLOW),
    when("C3-like-star-empty", "Allow", cond("StringLike", TEAM, "a*b"), tag("ab"), ALLOW),
    when("C3-like-question-one", "Allow", cond("StringLike", TEAM, "a?c"), tag("abc"), ALLOW),
    when("C3-like-question-not-zero", "Allow", cond("StringLike", TEAM, "a?c"), tag("ac"), IMPLICIT),
    when("C3-like-question-not-two", "Allow", cond("StringLike", TEAM, "a?c"), tag("abbc"), IMPLICIT),
    when("C3-like-case-sensitive", "Allow", cond("StringLike", TEAM, "A*"), tag("abc"), IMPLICIT),
    when("C3-equals-star-literal", "Allow", cond("StringEquals", TEAM, "*"), tag("anything"), IMPLICIT),
    when("C3-equals-star-literal-match", "Allow", cond("StringEquals", TEAM, "*"), tag("*"), ALLOW),
    when("C3-equals-question-literal", "Allow", cond("StringEquals", TEAM, "a?c"), tag("abc"), IMPLICIT),
    when("C3-notlike-foreign", "Allow", cond("StringNotLike", ARN, OWNER_ARN_PATTERN), source_arn(ATTACKER_ARN),
         ALLOW),
    when("C3-notlike-owner", "Allow", cond("StringNotLike", ARN, OWNER_ARN_PATTERN), source_arn(OWNER_ARN),
         IMPLICIT),
    when("C3-like-deny", "Deny", cond("StringLike", ARN, "arn:aws:rekognition:*:999999999999:*"),
         source_arn(ATTACKER_ARN), DENY),
]


@pytest.mark.parametrize(ROW, C3)
def test_c3_string_operators(doc, context, expected, caller):
    check(doc, context, expected, caller)


C4_PATTERN = "arn:aws:svc:*:111122223333:finance/*"
C4_VALUE = "arn:aws:svc:us-east-2:999999999999:store/abc:111122223333:finance/d"
LOG_STREAM = "arn:aws:logs:us-east-1:111122223333:log-group:g:log-stream:s"
C4 = [
    when("C4-example-stringlike-matches", "Allow", cond("StringLike", ARN, C4_PATTERN), source_arn(C4_VALUE), ALLOW),
    when("C4-example-arnlike-no-match", "Allow", cond("ArnLike", ARN, C4_PATTERN), source_arn(C4_VALUE), IMPLICIT),
    when("C4-example-arnequals-no-match", "Allow", cond("ArnEquals", ARN, C4_PATTERN), source_arn(C4_VALUE),
         IMPLICIT),
    when("C4-example-arnnotlike-deny", "Deny", cond("ArnNotLike", ARN, C4_PATTERN), source_arn(C4_VALUE), DENY),
    when("C4-arnequals-takes-wildcards", "Allow", cond("ArnEquals", ARN, OWNER_ARN_PATTERN), source_arn(OWNER_ARN),
         ALLOW),
    when("C4-arnlike-per-part", "Allow",
         cond("ArnLike", ARN, "arn:aws:rekognition:us-*:111122223333:streamprocessor/*"), source_arn(OWNER_ARN), ALLOW),
    when("C4-arnlike-question", "Allow", cond("ArnLike", ARN, "arn:aws:rekognition:us-east-?:111122223333:*"),
         source_arn(OWNER_ARN), ALLOW),
    when("C4-arnlike-case-sensitive", "Allow",
         cond("ArnLike", ARN, "arn:aws:rekognition:*:111122223333:STREAMPROCESSOR/*"), source_arn(OWNER_ARN),
         IMPLICIT),
    when("C4-arnlike-resource-keeps-colons", "Allow", cond("ArnLike", ARN, "arn:aws:logs:*:111122223333:log-group:*"),
         source_arn(LOG_STREAM), ALLOW),
    when("C4-arnnotequals-foreign", "Allow", cond("ArnNotEquals", ARN, "arn:aws:rekognition:*:999999999999:*"),
         source_arn(ATTACKER_ARN), IMPLICIT),
    when("C4-arnnotequals-owner", "Allow", cond("ArnNotEquals", ARN, "arn:aws:rekognition:*:999999999999:*"),
         source_arn(OWNER_ARN), ALLOW),
    when("C4-arnnotlike-deny-foreign", "Deny", cond("ArnNotLike", ARN, OWNER_ARN_PATTERN), source_arn(ATTACKER_ARN),
         DENY),
    when("C4-arnnotlike-deny-owner", "Deny", cond("ArnNotLike", ARN, OWNER_ARN_PATTERN), source_arn(OWNER_ARN),
         ALLOW),
]


@pytest.mark.parametrize(ROW, C4)
def test_c4_arn_operators(doc, context, expected, caller):
    check(doc, context, expected, caller)


MFA = "aws:MultiFactorAuthAge"
NOW = "aws:CurrentTime"
IP = "aws:SourceIp"
BLOB = "aws:PrincipalTag/blob"


def mfa(value) -> dict:
    return {MFA: value}


def now(value) -> dict:
    return {NOW: value}


def ip(value) -> dict:
    return {IP: value}


C5 = [
    when("C5-numeric-equals", "Allow", cond("NumericEquals", MFA, "10"), mfa("10"), ALLOW),
    when("C5-numeric-equals-other", "Allow", cond("NumericEquals", MFA, "10"), mfa("11"), IMPLICIT),
    when("C5-numeric-not-equals", "Allow", cond("NumericNotEquals", MFA, "10"), mfa("11"), ALLOW),
    when("C5-numeric-not-equals-same", "Allow", cond("NumericNotEquals", MFA, "10"), mfa("10"), IMPLICIT),
    when("C5-numeric-less-is-numeric", "Allow", cond("NumericLessThan", MFA, "10"), mfa("9"), ALLOW),
    when("C5-numeric-less-strict", "Allow", cond("NumericLessThan", MFA, "10"), mfa("10"), IMPLICIT),
    when("C5-numeric-less-equals", "Allow", cond("NumericLessThanEquals", MFA, "10"), mfa("10"), ALLOW),
    when("C5-numeric-less-equals-above", "Allow", cond("NumericLessThanEquals", MFA, "10"), mfa("11"), IMPLICIT),
    when("C5-numeric-greater", "Allow", cond("NumericGreaterThan", MFA, "10"), mfa("11"), ALLOW),
    when("C5-numeric-greater-strict", "Allow", cond("NumericGreaterThan", MFA, "10"), mfa("10"), IMPLICIT),
    when("C5-numeric-greater-equals", "Allow", cond("NumericGreaterThanEquals", MFA, "10"), mfa("10"), ALLOW),
    when("C5-numeric-greater-equals-below", "Allow", cond("NumericGreaterThanEquals", MFA, "10"), mfa("9"),
         IMPLICIT),
    when("C5-numeric-decimal", "Allow", cond("NumericGreaterThan", MFA, "1.5"), mfa("1.25"), IMPLICIT),
    when("C5-numeric-decimal-above", "Allow", cond("NumericGreaterThan", MFA, "1.5"), mfa("1.75"), ALLOW),
    when("C5-numeric-negative", "Allow", cond("NumericLessThan", MFA, "-1"), mfa("-2"), ALLOW),
    when("C5-numeric-deny", "Deny", cond("NumericLessThan", MFA, "10"), mfa("9"), DENY),
    when("C5-date-greater", "Allow", cond("DateGreaterThan", NOW, "2020-01-01T00:00:01Z"),
         now("2020-01-01T00:00:02Z"), ALLOW),
    when("C5-date-greater-strict", "Allow", cond("DateGreaterThan", NOW, "2020-01-01T00:00:01Z"),
         now("2020-01-01T00:00:01Z"), IMPLICIT),
    when("C5-date-greater-before", "Allow", cond("DateGreaterThan", NOW, "2020-01-01T00:00:01Z"),
         now("2019-12-31T23:59:59Z"), IMPLICIT),
    when("C5-date-epoch-policy", "Allow", cond("DateLessThan", NOW, "1577836800"), now("2019-12-31T23:59:59Z"),
         ALLOW),
    when("C5-date-epoch-policy-equal-instant", "Allow", cond("DateLessThan", NOW, "1577836800"),
         now("2020-01-01T00:00:00Z"), IMPLICIT),
    when("C5-date-epoch-request", "Allow", cond("DateLessThanEquals", NOW, "2020-01-01T00:00:00Z"),
         now("1577836800"), ALLOW),
    when("C5-date-equals-across-zones", "Allow", cond("DateEquals", NOW, "2020-01-01T00:00:00Z"),
         now("2020-01-01T02:00:00+02:00"), ALLOW),
    when("C5-date-minutes-form", "Allow", cond("DateEquals", NOW, "2020-01-01T00:00Z"),
         now("2020-01-01T00:00:00Z"), ALLOW),
    when("C5-date-not-equals", "Allow", cond("DateNotEquals", NOW, "2020-01-01T00:00:00Z"),
         now("2020-01-02T00:00:00Z"), ALLOW),
    when("C5-date-not-equals-same", "Allow", cond("DateNotEquals", NOW, "2020-01-01T00:00:00Z"),
         now("2020-01-01T00:00:00Z"), IMPLICIT),
    when("C5-date-fraction-after", "Allow", cond("DateGreaterThanEquals", NOW, "2020-01-01T00:00:00Z"),
         now("2020-01-01T00:00:00.5Z"), ALLOW),
    when("C5-date-fraction-before", "Allow", cond("DateGreaterThanEquals", NOW, "2020-01-01T00:00:00Z"),
         now("2019-12-31T23:59:59.9Z"), IMPLICIT),
    when("C5-date-deny", "Deny", cond("DateGreaterThan", NOW, "2020-01-01T00:00:01Z"),
         now("2021-01-01T00:00:00Z"), DENY),
    when("C5-bool-true", "Allow", cond("Bool", "aws:SecureTransport", "true"), {"aws:SecureTransport": "true"},
         ALLOW),
    when("C5-bool-true-vs-false", "Allow", cond("Bool", "aws:SecureTransport", "true"),
         {"aws:SecureTransport": "false"}, IMPLICIT),
    when("C5-bool-false", "Allow", cond("Bool", "aws:SecureTransport", "false"), {"aws:SecureTransport": "false"},
         ALLOW),
    when("C5-binary-equals", "Allow", cond("BinaryEquals", BLOB, "aGVsbG8="), {BLOB: "aGVsbG8="}, ALLOW),
    when("C5-binary-other", "Allow", cond("BinaryEquals", BLOB, "aGVsbG8="), {BLOB: "d29ybGQ="}, IMPLICIT),
    when("C5-ip-in-cidr", "Allow", cond("IpAddress", IP, "203.0.113.0/24"), ip("203.0.113.5"), ALLOW),
    when("C5-ip-outside-cidr", "Allow", cond("IpAddress", IP, "203.0.113.0/24"), ip("198.51.100.1"), IMPLICIT),
    when("C5-ip-bare-is-32", "Allow", cond("IpAddress", IP, "203.0.113.5"), ip("203.0.113.5"), ALLOW),
    when("C5-ip-bare-is-32-other", "Allow", cond("IpAddress", IP, "203.0.113.5"), ip("203.0.113.6"), IMPLICIT),
    when("C5-ip-v6", "Allow", cond("IpAddress", IP, "2001:db8::/32"), ip("2001:db8::1"), ALLOW),
    when("C5-ip-v6-outside", "Allow", cond("IpAddress", IP, "2001:db8::/32"), ip("2001:db9::1"), IMPLICIT),
    when("C5-ip-list-ored", "Allow", cond("IpAddress", IP, ["203.0.113.0/24", "198.51.100.0/24"]),
         ip("198.51.100.7"), ALLOW),
    when("C5-not-ip-outside", "Allow", cond("NotIpAddress", IP, "203.0.113.0/24"), ip("198.51.100.1"), ALLOW),
    when("C5-not-ip-inside", "Allow", cond("NotIpAddress", IP, "203.0.113.0/24"), ip("203.0.113.5"), IMPLICIT),
    when("C5-ip-deny", "Deny", cond("IpAddress", IP, "203.0.113.0/24"), ip("203.0.113.5"), DENY),
]


@pytest.mark.parametrize(ROW, C5)
def test_c5_typed_operators(doc, context, expected, caller):
    check(doc, context, expected, caller)


C6 = [
    when("C6-ifexists-absent-allow", "Allow", cond("StringEqualsIfExists", SA, OWNER), {}, ALLOW),
    when("C6-ifexists-present-match", "Allow", cond("StringEqualsIfExists", SA, OWNER), account(OWNER), ALLOW),
    when("C6-ifexists-present-no-match", "Allow", cond("StringEqualsIfExists", SA, OWNER), account(ATTACKER),
         IMPLICIT),
    when("C6-ifexists-absent-deny", "Deny", cond("StringNotEqualsIfExists", SA, OWNER), {}, DENY),
    when("C6-ifexists-deny-owner", "Deny", cond("StringNotEqualsIfExists", SA, OWNER), account(OWNER), ALLOW),
    when("C6-ifexists-deny-foreign", "Deny", cond("StringNotEqualsIfExists", SA, OWNER), account(ATTACKER), DENY),
    when("C6-numeric-ifexists-absent", "Allow", cond("NumericLessThanIfExists", MFA, "10"), {}, ALLOW),
    when("C6-numeric-ifexists-present", "Allow", cond("NumericLessThanIfExists", MFA, "10"), mfa("11"), IMPLICIT),
    when("C6-arnlike-ifexists-absent", "Allow", cond("ArnLikeIfExists", ARN, OWNER_ARN_PATTERN), {}, ALLOW),
    when("C6-arnlike-ifexists-foreign", "Allow", cond("ArnLikeIfExists", ARN, OWNER_ARN_PATTERN),
         source_arn(ATTACKER_ARN), IMPLICIT),
    when("C6-bool-ifexists-absent", "Allow", cond("BoolIfExists", "aws:SecureTransport", "true"), {}, ALLOW),
    when("C6-bool-ifexists-present-false", "Allow", cond("BoolIfExists", "aws:SecureTransport", "true"),
         {"aws:SecureTransport": "false"}, IMPLICIT),
    when("C6-ip-ifexists-absent-deny", "Deny", cond("IpAddressIfExists", IP, "203.0.113.0/24"), {}, DENY),
    when("C6-date-ifexists-absent-deny", "Deny", cond("DateGreaterThanIfExists", NOW, "2020-01-01T00:00:00Z"), {},
         DENY),
]


@pytest.mark.parametrize(ROW, C6)
def test_c6_ifexists(doc, context, expected, caller):
    check(doc, context, expected, caller)


C7 = [
    when("C7-null-true-absent", "Allow", cond("Null", SA, "true"), {}, ALLOW),
    when("C7-null-true-present", "Allow", cond("Null", SA, "true"), account(OWNER), IMPLICIT),
    when("C7-null-false-present", "Allow", cond("Null", SA, "false"), account(OWNER), ALLOW),
    when("C7-null-false-absent", "Allow", cond("Null", SA, "false"), {}, IMPLICIT),
    when("C7-null-true-absent-deny", "Deny", cond("Null", SA, "true"), {}, DENY),
    when("C7-null-true-present-deny", "Deny", cond("Null", SA, "true"), account(ATTACKER), ALLOW),
    when("C7-null-false-present-deny", "Deny", cond("Null", SA, "false"), account(ATTACKER), DENY),
    when("C7-G5-null-unquoted-true", "Allow", cond("Null", SA, True), {}, ALLOW),
    when("C7-null-both-values-ored-absent", "Allow", cond("Null", SA, ["true", "false"]), {}, ALLOW),
    when("C7-null-both-values-ored-present", "Allow", cond("Null", SA, ["true", "false"]), account(OWNER), ALLOW),
    when("C7-forany-null-allow-collapses-true", "Allow", cond("ForAnyValue:Null", SA, "false"), account(OWNER),
         ALLOW),
    when("C7-forany-null-allow-absent", "Allow", cond("ForAnyValue:Null", SA, "false"), {}, ALLOW),
    when("C7-forall-null-allow-collapses-true", "Allow", cond("ForAllValues:Null", SA, "true"), account(OWNER),
         ALLOW),
    when("C7-forall-null-deny-collapses-false", "Deny", cond("ForAllValues:Null", SA, "true"), {}, ALLOW),
    when("C7-forany-null-deny-collapses-false", "Deny", cond("ForAnyValue:Null", SA, "false"), account(ATTACKER),
         ALLOW),
    when("C7-A12-null-odd-value-allow", "Allow", cond("Null", SA, "True"), account(OWNER), ALLOW),
]


@pytest.mark.parametrize(ROW, C7)
def test_c7_null(doc, context, expected, caller):
    check(doc, context, expected, caller)


# Section 5.1: one row per operator of the table, key absent. The condition's
# value when the key is absent; unambiguous rows give the same value on both sides.
ABSENT_KEY = "aws:PrincipalTag/missing"
ABSENT_TABLE = [
    ("StringEquals", "x", False), ("StringEqualsIgnoreCase", "x", False), ("StringLike", "x*", False),
    ("NumericEquals", "10", False), ("NumericLessThan", "10", False), ("NumericLessThanEquals", "10", False),
    ("NumericGreaterThan", "10", False), ("NumericGreaterThanEquals", "10", False),
    ("DateEquals", "2020-01-01T00:00:00Z", False), ("DateLessThan", "2020-01-01T00:00:00Z", False),
    ("DateLessThanEquals", "2020-01-01T00:00:00Z", False), ("DateGreaterThan", "2020-01-01T00:00:00Z", False),
    ("DateGreaterThanEquals", "2020-01-01T00:00:00Z", False), ("Bool", "true", False),
    ("BinaryEquals", "aGVsbG8=", False), ("IpAddress", "203.0.113.0/24", False),
    ("ArnEquals", "arn:aws:s3:::b", False), ("ArnLike", "arn:aws:s3:::*", False),
    ("StringNotEquals", "x", True), ("StringNotEqualsIgnoreCase", "x", True), ("StringNotLike", "x*", True),
    ("ArnNotEquals", "arn:aws:s3:::b", True), ("ArnNotLike", "arn:aws:s3:::*", True),
    ("NumericNotEquals", "10", True), ("DateNotEquals", "2020-01-01T00:00:00Z", True),
    ("NotIpAddress", "203.0.113.0/24", True),
    ("StringEqualsIfExists", "x", True), ("NumericEqualsIfExists", "10", True), ("BoolIfExists", "true", True),
    ("Null", "true", True), ("Null", "false", False),
    ("ForAnyValue:StringEquals", "x", False), ("ForAnyValue:ArnLike", "arn:aws:s3:::*", False),
]
ABSENT = [
    row
    for operator, value, holds in ABSENT_TABLE
    for row in (
        when(f"5.1-{operator}-{value}-absent-allow", "Allow", cond(operator, ABSENT_KEY, value), account(OWNER),
             ALLOW if holds else IMPLICIT),
        when(f"5.1-{operator}-{value}-absent-deny", "Deny", cond(operator, ABSENT_KEY, value), account(OWNER),
             DENY if holds else ALLOW),
    )
]


@pytest.mark.parametrize(ROW, ABSENT)
def test_5_1_key_absent(doc, context, expected, caller):
    check(doc, context, expected, caller)


PATHS = "aws:PrincipalServiceNamesList"
SO1 = [
    when("SO1-plain-list-on-single-key", "Allow", cond("StringEquals", SA, [OWNER, OTHER]), account(OWNER), ALLOW),
    when("SO1-forany-on-single-key", "Allow", cond("ForAnyValue:StringEquals", SA, OWNER), account(OWNER), ALLOW),
    when("SO1-forany-on-single-key-foreign", "Allow", cond("ForAnyValue:StringEquals", SA, OWNER),
         account(ATTACKER), IMPLICIT),
    when("SO1-forall-on-single-key-foreign", "Allow", cond("ForAllValues:StringEquals", SA, OWNER),
         account(ATTACKER), IMPLICIT),
]


@pytest.mark.parametrize(ROW, SO1)
def test_so1_cardinality(doc, context, expected, caller):
    check(doc, context, expected, caller)


def tags(*values) -> dict:
    return {TAGS: list(values)}


SO2 = [
    when("SO2-forall-subset", "Allow", cond("ForAllValues:StringEquals", TAGS, ["a", "b"]), tags("a"), ALLOW),
    when("SO2-forall-equal-set", "Allow", cond("ForAllValues:StringEquals", TAGS, ["a", "b"]), tags("a", "b"),
         ALLOW),
    when("SO2-forall-one-outside", "Allow", cond("ForAllValues:StringEquals", TAGS, ["a", "b"]), tags("a", "c"),
         IMPLICIT),
    when("SO2-forall-negated-none-listed", "Allow", cond("ForAllValues:StringNotEquals", TAGS, ["x", "y"]),
         tags("a", "b"), ALLOW),
    when("SO2-forall-negated-one-listed", "Allow", cond("ForAllValues:StringNotEquals", TAGS, ["x", "y"]),
         tags("a", "x"), IMPLICIT),
    when("SO2-forall-deny-subset", "Deny", cond("ForAllValues:StringEquals", TAGS, ["a", "b"]), tags("b"), DENY),
    when("SO2-forall-deny-one-outside", "Deny", cond("ForAllValues:StringEquals", TAGS, ["a", "b"]),
         tags("a", "c"), ALLOW),
    when("SO2-forall-like", "Allow", cond("ForAllValues:StringLike", PATHS, "rekognition.*"),
         {PATHS: [SERVICE, REGIONAL]}, ALLOW),
    when("SO2-forall-like-one-outside", "Allow", cond("ForAllValues:StringLike", PATHS, "rekognition.*"),
         {PATHS: [SERVICE, "s3.amazonaws.com"]}, IMPLICIT),
]


@pytest.mark.parametrize(ROW, SO2)
def test_so2_forallvalues(doc, context, expected, caller):
    check(doc, context, expected, caller)


ORG_PATHS = "aws:PrincipalOrgPaths"
SO3 = [
    when("SO3-forany-one-matches", "Allow", cond("ForAnyValue:StringEquals", TAGS, ["a"]), tags("b", "a"), ALLOW),
    when("SO3-forany-none-matches", "Allow", cond("ForAnyValue:StringEquals", TAGS, ["a"]), tags("b"), IMPLICIT),
    when("SO3-forany-absent-allow", "Allow", cond("ForAnyValue:StringEquals", TAGS, ["a"]), {}, IMPLICIT),
    when("SO3-forany-deny-one-matches", "Deny", cond("ForAnyValue:StringEquals", TAGS, "a"), tags("b", "a"), DENY),
    when("SO3-forany-absent-deny-fails-to-deny", "Deny", cond("ForAnyValue:StringEquals", TAGS, "a"), {}, ALLOW),
    when("SO3-forany-negated-some-unlisted", "Allow", cond("ForAnyValue:StringNotEquals", TAGS, "a"),
         tags("a", "b"), ALLOW),
    when("SO3-forany-negated-all-listed", "Allow", cond("ForAnyValue:StringNotEquals", TAGS, "a"), tags("a"),
         IMPLICIT),
    when("SO3-forany-negated-deny-some-unlisted", "Deny", cond("ForAnyValue:StringNotEquals", TAGS, "a"),
         tags("a", "b"), DENY),
    when("SO3-forany-negated-deny-all-listed", "Deny", cond("ForAnyValue:StringNotEquals", TAGS, "a"), tags("a"),
         ALLOW),
    when("SO3-forany-like-org-paths", "Allow", cond("ForAnyValue:StringLike", ORG_PATHS, "o-a1b2c3d4e5/*"),
         {ORG_PATHS: ["o-zzzzzzzzzz/r-ab12/", "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/"]}, ALLOW),
]


@pytest.mark.parametrize(ROW, SO3)
def test_so3_foranyvalue(doc, context, expected, caller):
    check(doc, context, expected, caller)


ORG = "aws:SourceOrgPaths"
SO4 = [
    # With a set qualifier or IfExists, SO4 is exact: ForAnyValue [] never
    # holds, ForAllValues [] and IfExists [] hold only when the key is absent.
    when("SO4-forany-empty-allow-present", "Allow", cond("ForAnyValue:StringEquals", ORG, []),
         {ORG: ["o-a1b2c3d4e5/r-ab12/"]}, IMPLICIT),
    when("SO4-forany-empty-allow-absent", "Allow", cond("ForAnyValue:StringEquals", ORG, []), {}, IMPLICIT),
    when("SO4-forany-empty-deny", "Deny", cond("ForAnyValue:StringEquals", ORG, []),
         {ORG: ["o-a1b2c3d4e5/r-ab12/"]}, ALLOW),
    when("SO4-forall-empty-allow-present", "Allow", cond("ForAllValues:StringEquals", TAGS, []), tags("a"),
         IMPLICIT),
    when("SO4-forall-empty-allow-absent", "Allow", cond("ForAllValues:StringEquals", TAGS, []), {}, ALLOW),
    when("SO4-forall-empty-deny-absent", "Deny", cond("ForAllValues:StringEquals", TAGS, []), {}, DENY),
    when("SO4-forall-empty-deny-present", "Deny", cond("ForAllValues:StringEquals", TAGS, []), tags("a"), ALLOW),
    when("SO4-ifexists-empty-allow-present", "Allow", cond("StringEqualsIfExists", SA, []), account(ATTACKER),
         IMPLICIT),
    when("SO4-ifexists-empty-allow-absent", "Allow", cond("StringEqualsIfExists", SA, []), {}, ALLOW),
    when("SO4-ifexists-empty-deny-absent", "Deny", cond("StringNotEqualsIfExists", SA, []), {}, DENY),
    # A plain operator: A9, read on the side that admits more.
    when("SO4-A9-plain-empty-allow-present", "Allow", cond("StringEquals", SA, []), account(ATTACKER), ALLOW),
    when("SO4-A9-plain-empty-allow-absent", "Allow", cond("StringEquals", SA, []), {}, ALLOW),
    when("SO4-A9-negated-empty-deny", "Deny", cond("StringNotEquals", SA, []), account(ATTACKER), ALLOW),
    when("SO4-A9-numeric-empty-allow", "Allow", cond("NumericLessThan", MFA, []), mfa("99"), ALLOW),
]


@pytest.mark.parametrize(ROW, SO4)
def test_so4_a9_empty_value_lists(doc, context, expected, caller):
    check(doc, context, expected, caller)


# --- section 5.3: variables -------------------------------------------------------

RESOURCE_ACCOUNT = "aws:ResourceAccount"
V1 = [
    when("V1-substituted", "Allow", cond("StringEquals", SA, "${aws:ResourceAccount}"),
         account(OWNER) | {RESOURCE_ACCOUNT: OWNER}, ALLOW),
    when("V1-substituted-other", "Allow", cond("StringEquals", SA, "${aws:ResourceAccount}"),
         account(ATTACKER) | {RESOURCE_ACCOUNT: OWNER}, IMPLICIT),
    when("V1-key-case-insensitive", "Allow", cond("StringEquals", SA, "${AWS:RESOURCEACCOUNT}"),
         account(OWNER) | {RESOURCE_ACCOUNT: OWNER}, ALLOW),
    when("V1-default-used", "Allow", cond("StringEquals", TEAM, "${aws:PrincipalTag/dept, 'none'}"),
         tag("none"), ALLOW),
    when("V1-default-ignored-when-present", "Allow", cond("StringEquals", TEAM, "${aws:PrincipalTag/dept, 'none'}"),
         tag("none") | tag("x", "dept"), IMPLICIT),
    when("V1-default-ignored-value-used", "Allow", cond("StringEquals", TEAM, "${aws:PrincipalTag/dept, 'none'}"),
         tag("x") | tag("x", "dept"), ALLOW),
    when("V1-escaped-star-literal", "Allow", cond("StringLike", ARN, "arn:aws:x:*:111122223333:n${*}"),
         source_arn("arn:aws:x:us-east-1:111122223333:nabc"), IMPLICIT),
    when("V1-escaped-star-literal-match", "Allow", cond("StringLike", ARN, "arn:aws:x:*:111122223333:n${*}"),
         source_arn("arn:aws:x:us-east-1:111122223333:n*"), ALLOW),
    when("V1-escaped-question-literal", "Allow", cond("StringLike", TEAM, "a${?}"), tag("ab"), IMPLICIT),
    when("V1-escaped-question-literal-match", "Allow", cond("StringLike", TEAM, "a${?}"), tag("a?"), ALLOW),
    when("V1-escaped-dollar-literal", "Allow", cond("StringEquals", TEAM, "${$}{x}"), tag("${x}"), ALLOW),
    when("V1-key-without-colon-never-present", "Allow", cond("StringEquals", SA, "${account_id}"),
         account("${account_id}"), IMPLICIT),
    when("V1-key-without-colon-default", "Allow", cond("StringEquals", SA, "${account_id, '111122223333'}"),
         account(OWNER), ALLOW),
    when("V1-equals-substituted-star-not-wildcard", "Allow", cond("StringEquals", SA, "${aws:PrincipalTag/p}"),
         account(OWNER) | tag("*", "p"), IMPLICIT),
    when("V1-like-substituted-wildcard-allow-active", "Allow", cond("StringLike", SA, "${aws:PrincipalTag/p}"),
         account(OWNER) | tag("1111*", "p"), ALLOW),
    when("V1-like-substituted-wildcard-deny-literal", "Deny", cond("StringLike", SA, "${aws:PrincipalTag/p}"),
         account(OWNER) | tag("1111*", "p"), ALLOW),
    when("V1-like-substituted-wildcard-deny-literal-match", "Deny", cond("StringLike", SA, "${aws:PrincipalTag/p}"),
         account("1111*") | tag("1111*", "p"), DENY),
    when("V1-notlike-substituted-wildcard-allow-literal", "Allow",
         cond("StringNotLike", SA, "${aws:PrincipalTag/p}"), account(OWNER) | tag("1111*", "p"), ALLOW),
    when("V1-notlike-substituted-wildcard-deny-active", "Deny", cond("StringNotLike", SA, "${aws:PrincipalTag/p}"),
         account(OWNER) | tag("1111*", "p"), ALLOW),
    when("V1-notlike-substituted-wildcard-deny-foreign", "Deny",
         cond("StringNotLike", SA, "${aws:PrincipalTag/p}"), account(ATTACKER) | tag("1111*", "p"), DENY),
    when("V1-arnlike-variable", "Allow", cond("ArnLike", ARN, "arn:aws:rekognition:*:${aws:ResourceAccount}:*"),
         source_arn(OWNER_ARN) | {RESOURCE_ACCOUNT: OWNER}, ALLOW),
    when("V1-arnlike-variable-foreign", "Allow", cond("ArnLike", ARN, "arn:aws:rekognition:*:${aws:ResourceAccount}:*"),
         source_arn(ATTACKER_ARN) | {RESOURCE_ACCOUNT: OWNER}, IMPLICIT),
]


@pytest.mark.parametrize(ROW, V1)
def test_v1_variables(doc, context, expected, caller):
    check(doc, context, expected, caller)


VALUELESS = "${aws:PrincipalTag/team}"
V2 = [
    when("V2-valueless-positive-allow-matches-nothing", "Allow", cond("StringEquals", SA, VALUELESS),
         account(OWNER), IMPLICIT),
    when("V2-valueless-negated-allow-matches", "Allow", cond("StringNotEquals", SA, VALUELESS), account(OWNER),
         ALLOW),
    when("V2-valueless-beside-other-value", "Allow", cond("StringEquals", SA, [OWNER, VALUELESS]), account(OWNER),
         ALLOW),
    when("V2-valueless-like-allow", "Allow", cond("StringLike", SA, VALUELESS + "*"), account(OWNER), IMPLICIT),
    when("V2-A18-valueless-negated-deny-not-applying", "Deny", cond("StringNotEquals", SA, VALUELESS),
         account(ATTACKER), ALLOW),
    when("V2-A18-valueless-positive-deny-not-applying", "Deny", cond("StringLike", SA, "*" + VALUELESS),
         account(ATTACKER), ALLOW),
    when("V2-A18-valueless-arn-deny-not-applying", "Deny",
         cond("ArnNotLike", ARN, "arn:aws:rekognition:*:${aws:ResourceAccount}:*"), source_arn(ATTACKER_ARN),
         ALLOW),
    when("V2-A18-key-without-colon-deny", "Deny", cond("StringNotEquals", SA, "${account_id}"), account(ATTACKER),
         ALLOW),
]


@pytest.mark.parametrize(ROW, V2)
def test_v2_a18_valueless_variables(doc, context, expected, caller):
    check(doc, context, expected, caller)


# --- section 6: confused-deputy keys ---------------------------------------------

OWNER_ACCOUNT_ONLY = cond("StringEquals", SA, OWNER)
S3_SOURCE = {"StringEquals": {SA: OWNER}, "ArnLike": {ARN: "arn:aws:s3:::bucket"}}
K1 = [
    when("K1-owner", "Allow", OWNER_ACCOUNT_ONLY, OWNER_REQUEST, ALLOW),
    when("K1-foreign", "Allow", OWNER_ACCOUNT_ONLY, FOREIGN, IMPLICIT),
    when("K1-keyless", "Allow", OWNER_ACCOUNT_ONLY, KEYLESS, IMPLICIT),
]
K2 = [
    when("K2-arn-owner", "Allow", cond("ArnLike", ARN, OWNER_ARN_PATTERN), OWNER_REQUEST, ALLOW),
    when("K2-arn-foreign", "Allow", cond("ArnLike", ARN, OWNER_ARN_PATTERN), FOREIGN, IMPLICIT),
    when("K2-arn-without-account-owner", "Allow", S3_SOURCE, service_context(OWNER, "arn:aws:s3:::bucket"), ALLOW),
    when("K2-arn-without-account-foreign", "Allow", S3_SOURCE, service_context(ATTACKER, "arn:aws:s3:::bucket"),
         IMPLICIT),
]
CONFIG_OWNER = "arn:aws:config:us-east-1:111122223333:*"
K3 = [
    when("K3-literal-star-value", "Allow", cond("StringEquals", ARN, CONFIG_OWNER), source_arn(CONFIG_OWNER), ALLOW),
    when("K3-equals-star-is-literal", "Allow", cond("StringEquals", ARN, CONFIG_OWNER),
         source_arn("arn:aws:config:us-east-1:111122223333:x"), IMPLICIT),
]
K4 = [
    when("K4-org-id-absent", "Allow", cond("StringEquals", "aws:SourceOrgID", "o-abc123defg"), OWNER_REQUEST,
         IMPLICIT),
    when("K4-org-id-present", "Allow", cond("StringEquals", "aws:SourceOrgID", "o-abc123defg"),
         service_context(OWNER, extra={"aws:SourceOrgID": "o-abc123defg"}), ALLOW),
    when("K4-org-paths", "Allow", cond("ForAnyValue:StringLike", ORG, "o-a1b2c3d4e5/*"),
         service_context(OWNER, extra={ORG: ["o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/"]}), ALLOW),
]
K5 = [
    case("K5-service-name-direct-call",
         policy(statement(principal="*", condition=cond("StringEquals", "aws:PrincipalServiceName", SERVICE))),
         KEYLESS, ALLOW),
    case("K5-service-name-absent-for-iam",
         policy(statement(principal="*", condition=cond("StringEquals", "aws:PrincipalServiceName", SERVICE))),
         {"aws:PrincipalIsAWSService": "false"}, IMPLICIT, principal=OWNER_ROLE),
    case("K5-is-service-false-for-role", policy(statement(principal="*", condition=IS_SERVICE)),
         {"aws:PrincipalIsAWSService": "false"}, IMPLICIT, principal=OWNER_ROLE),
    case("K5-names-list", policy(statement(principal="*", condition=cond("ForAnyValue:StringEquals", PATHS,
                                                                           SERVICE))),
         KEYLESS, ALLOW),
]
K6 = [
    when("K6-principal-account-as-given", "Allow", cond("StringEquals", "aws:PrincipalAccount", OWNER),
         service_context(extra={"aws:PrincipalAccount": OWNER}), ALLOW),
    when("K6-principal-account-other", "Allow", cond("StringEquals", "aws:PrincipalAccount", OWNER),
         service_context(extra={"aws:PrincipalAccount": ATTACKER}), IMPLICIT),
    when("K6-principal-account-absent", "Allow", cond("StringEquals", "aws:PrincipalAccount", OWNER), KEYLESS,
         IMPLICIT),
]
INCIDENTS = "arn:aws:ssm-incidents:*:111122223333:incident-record/myresponseplan/*"
INCIDENTS_TRUST = policy(statement(principal={"Service": "ssm-incidents.amazonaws.com"},
                                   condition=cond("ArnLike", ARN, INCIDENTS)))
K7 = [
    case("K7-ssm-incidents-owner", INCIDENTS_TRUST,
         source_arn("arn:aws:ssm-incidents:us-east-1:111122223333:incident-record/myresponseplan/abc"), ALLOW,
         principal="ssm-incidents.amazonaws.com"),
    case("K7-ssm-incidents-foreign", INCIDENTS_TRUST,
         source_arn("arn:aws:ssm-incidents:us-east-1:999999999999:incident-record/myresponseplan/abc"), IMPLICIT,
         principal="ssm-incidents.amazonaws.com"),
]
PERIMETER = policy(statement(), statement("Deny", principal="*", condition={
    "StringNotEqualsIfExists": {SA: OWNER}, "Null": {SA: "false"}, "Bool": {"aws:PrincipalIsAWSService": "true"}}))
S3_NOTIFY = {"ArnLike": {ARN: "arn:aws:s3:*:*:bucket"}, "StringEquals": {SA: OWNER}}
K8 = [
    case("K8-perimeter-deny-foreign", PERIMETER, FOREIGN, DENY),
    case("K8-perimeter-deny-skips-keyless", PERIMETER, KEYLESS, ALLOW),
    case("K8-perimeter-deny-skips-arn-only", PERIMETER, FOREIGN_ARN_ONLY, ALLOW),
    case("K8-perimeter-deny-owner", PERIMETER, OWNER_REQUEST, ALLOW),
    when("K8-s3-notification-owner", "Allow", S3_NOTIFY, service_context(OWNER, "arn:aws:s3:::bucket"), ALLOW),
    when("K8-s3-notification-foreign", "Allow", S3_NOTIFY, service_context(ATTACKER, "arn:aws:s3:::bucket"),
         IMPLICIT),
]


@pytest.mark.parametrize(ROW, K1 + K2 + K3 + K4 + K5 + K6 + K7 + K8)
def test_k_confused_deputy_keys(doc, context, expected, caller):
    check(doc, context, expected, caller)


# --- section 7: formats ------------------------------------------------------------

F1 = [
    when("F1-resource-with-colons", "Allow", cond("ArnLike", ARN, "arn:aws:logs:us-east-1:111122223333:log-group:g:*"),
         source_arn(LOG_STREAM), ALLOW),
    when("F1-resource-with-colons-other-account", "Allow",
         cond("ArnLike", ARN, "arn:aws:logs:us-east-1:111122223333:log-group:g:*"),
         source_arn("arn:aws:logs:us-east-1:999999999999:log-group:g:x"), IMPLICIT),
    when("F1-partition-wildcard", "Allow", cond("ArnLike", ARN, "arn:*:s3:::b"), source_arn("arn:aws-cn:s3:::b"),
         ALLOW),
    when("F1-partition-exact", "Allow", cond("ArnLike", ARN, "arn:aws:s3:::b"), source_arn("arn:aws-us-gov:s3:::b"),
         IMPLICIT),
    when("F1-empty-region", "Allow", cond("ArnLike", ARN, OWNER_ROLE), source_arn(OWNER_ROLE), ALLOW),
    when("F1-resource-part-keeps-slash-and-colon", "Allow", cond("ArnLike", ARN, "arn:aws:s3:::b*"),
         source_arn("arn:aws:s3:::b/k:x"), ALLOW),
]
F2 = [
    when("F2-leading-zero", "Allow", cond("StringEquals", SA, "012345678901"), account("012345678901"), ALLOW),
    when("F2-unquoted-lost-zero", "Allow", cond("StringEquals", SA, 12345678901), account("012345678901"), IMPLICIT),
]


@pytest.mark.parametrize(ROW, F1 + F2)
def test_f_formats(doc, context, expected, caller):
    check(doc, context, expected, caller)


# --- section 8: conservative readings ----------------------------------------------

SHORT = "arn:aws:rekognition:*"
A7 = [
    when("A7-short-pattern-allow-glob", "Allow", cond("ArnLike", ARN, SHORT), source_arn(ATTACKER_ARN), ALLOW),
    when("A7-short-pattern-allow-glob-no-match", "Allow", cond("ArnLike", ARN, SHORT), source_arn("arn:aws:s3:::b"),
         IMPLICIT),
    when("A7-star-pattern-allow-any-value", "Allow", cond("ArnLike", ARN, "*"), source_arn("not-an-arn"), ALLOW),
    when("A7-short-pattern-deny-no-match", "Deny", cond("ArnLike", ARN, SHORT), source_arn(ATTACKER_ARN), ALLOW),
    when("A7-star-pattern-deny-no-match", "Deny", cond("ArnLike", ARN, "*"), source_arn(ATTACKER_ARN), ALLOW),
    when("A7-short-arnequals-allow", "Allow", cond("ArnEquals", ARN, SHORT), source_arn(ATTACKER_ARN), ALLOW),
    when("A7-short-notlike-allow-strict", "Allow", cond("ArnNotLike", ARN, SHORT), source_arn(ATTACKER_ARN), ALLOW),
    when("A7-short-notlike-deny-lenient", "Deny", cond("ArnNotLike", ARN, SHORT), source_arn(ATTACKER_ARN), ALLOW),
    when("A7-short-notlike-deny-outside-glob", "Deny", cond("ArnNotLike", ARN, SHORT), source_arn("arn:aws:s3:::b"),
         DENY),
]


@pytest.mark.parametrize(ROW, A7)
def test_a7_short_arn_patterns(doc, context, expected, caller):
    check(doc, context, expected, caller)


A3 = [
    when("A3-forall-absent-allow", "Allow", cond("ForAllValues:StringEquals", SA, OWNER), {}, ALLOW),
    when("A3-forall-negated-absent-allow", "Allow", cond("ForAllValues:StringNotLike", SA, "1111*"), {}, ALLOW),
    when("A3-forall-absent-deny", "Deny", cond("ForAllValues:StringNotEquals", SA, OWNER), {}, ALLOW),
    when("A3-forall-arnlike-absent-deny", "Deny", cond("ForAllValues:ArnLike", ARN, "arn:aws:s3:::*"), {}, ALLOW),
    when("A3-forall-ifexists-absent-allow", "Allow", cond("ForAllValues:StringEqualsIfExists", SA, OWNER), {},
         ALLOW),
    when("A3-forall-ifexists-absent-deny", "Deny", cond("ForAllValues:StringEqualsIfExists", SA, OWNER), {}, ALLOW),
]
A4 = [
    when("A4-forany-negated-absent-allow", "Allow", cond("ForAnyValue:StringNotEquals", SA, OWNER), {}, ALLOW),
    when("A4-forany-negated-absent-deny", "Deny", cond("ForAnyValue:StringNotEquals", SA, OWNER), {}, ALLOW),
    when("A4-forany-ifexists-absent-allow", "Allow", cond("ForAnyValue:StringEqualsIfExists", SA, OWNER), {}, ALLOW),
    when("A4-forany-ifexists-absent-deny", "Deny", cond("ForAnyValue:StringEqualsIfExists", SA, OWNER), {}, ALLOW),
    when("A4-forany-arnnotlike-absent-deny", "Deny", cond("ForAnyValue:ArnNotLike", ARN, OWNER_ARN_PATTERN), {},
         ALLOW),
]


@pytest.mark.parametrize(ROW, A3 + A4)
def test_a3_a4_set_operators_absent_key(doc, context, expected, caller):
    check(doc, context, expected, caller)


A5 = [
    when("A5-plain-some-value-allow", "Allow", cond("StringEquals", TAGS, "a"), tags("a", "b"), ALLOW),
    when("A5-plain-no-value-allow", "Allow", cond("StringEquals", TAGS, "a"), tags("b", "c"), IMPLICIT),
    when("A5-plain-not-every-value-deny", "Deny", cond("StringEquals", TAGS, "a"), tags("a", "b"), ALLOW),
    when("A5-plain-every-value-deny", "Deny", cond("StringEquals", TAGS, ["a", "b"]), tags("a", "b"), DENY),
    when("A5-negated-some-value-allow", "Allow", cond("StringNotEquals", TAGS, "a"), tags("a", "b"), ALLOW),
    when("A5-negated-no-value-allow", "Allow", cond("StringNotEquals", TAGS, "a"), tags("a"), IMPLICIT),
    when("A5-negated-not-every-value-deny", "Deny", cond("StringNotEquals", TAGS, "a"), tags("a", "b"), ALLOW),
    when("A5-negated-every-value-deny", "Deny", cond("StringNotEquals", TAGS, "a"), tags("b", "c"), DENY),
    when("A5-single-key-several-values-allow", "Allow", OWNER_ACCOUNT_ONLY, account([OWNER, ATTACKER]), ALLOW),
    when("A5-single-key-several-values-deny", "Deny", cond("StringNotEquals", SA, OWNER), account([OWNER, ATTACKER]),
         ALLOW),
]


@pytest.mark.parametrize(ROW, A5)
def test_a5_several_request_values(doc, context, expected, caller):
    check(doc, context, expected, caller)


A6 = [
    when("A6-odd-case-operator-allow", "Allow", cond("stringequals", SA, OWNER), account(OWNER), ALLOW),
    when("A6-odd-case-operator-allow-no-match", "Allow", cond("stringequals", SA, OWNER), account(ATTACKER),
         IMPLICIT),
    when("A6-odd-case-negated-allow", "Allow", cond("STRINGNOTEQUALS", SA, OWNER), account(ATTACKER), ALLOW),
    when("A6-odd-case-qualifier-allow", "Allow", cond("forAnyValue:stringEquals", TAGS, "a"), tags("a"), ALLOW),
    when("A6-odd-case-operator-deny-false", "Deny", cond("stringNotEquals", SA, OWNER), account(ATTACKER), ALLOW),
    when("A6-odd-case-positive-deny-false", "Deny", cond("Stringequals", SA, ATTACKER), account(ATTACKER), ALLOW),
    when("A6-unknown-operator-allow", "Allow", cond("StringEqualz", SA, OWNER), account(OWNER), UNKNOWN),
    when("A6-unknown-operator-deny", "Deny", cond("StringEqualz", SA, OWNER), account(OWNER), UNKNOWN),
    when("A6-C6-null-ifexists-unknown", "Allow", cond("NullIfExists", SA, "true"), {}, UNKNOWN),
    when("A6-unknown-beside-false-allow", "Allow", {"StringEqualz": {SA: OWNER}, "StringEquals": {SA: OWNER}},
         account(ATTACKER), IMPLICIT),
    when("A6-unknown-beside-false-deny", "Deny", {"StringEqualz": {SA: OWNER}, "StringEquals": {SA: OWNER}},
         account(ATTACKER), ALLOW),
    case("A6-unknown-deny-nothing-allowed",
         policy(statement(principal={"Service": "s3.amazonaws.com"}),
                statement("Deny", principal="*", condition=cond("StringEqualz", SA, OWNER))),
         account(OWNER), IMPLICIT),
]


@pytest.mark.parametrize(ROW, A6)
def test_a6_operator_names(doc, context, expected, caller):
    check(doc, context, expected, caller)


A8 = [
    when("A8-bool-variable-allow-true", "Allow", cond("Bool", "aws:SecureTransport", "${aws:PrincipalTag/flag}"),
         {"aws:SecureTransport": "false"} | tag("true", "flag"), ALLOW),
    when("A8-bool-variable-deny-false", "Deny", cond("Bool", "aws:SecureTransport", "${aws:PrincipalTag/flag}"),
         {"aws:SecureTransport": "true"} | tag("true", "flag"), ALLOW),
]


@pytest.mark.parametrize(ROW, A8)
def test_a8_bool_variables(doc, context, expected, caller):
    check(doc, context, expected, caller)


A9 = [
    case("A9-empty-condition-allow", allow_if({}), FOREIGN, ALLOW),
    case("A9-empty-condition-deny", deny_if({}), FOREIGN, ALLOW),
    case("A9-empty-operator-block-allow", allow_if({"StringEquals": {}}), FOREIGN, ALLOW),
    case("A9-empty-operator-block-deny", deny_if({"StringEquals": {}}), FOREIGN, ALLOW),
]


@pytest.mark.parametrize(ROW, A9)
def test_a9_empty_condition(doc, context, expected, caller):
    check(doc, context, expected, caller)


A11 = [
    when("A11-unicode-fold-allow", "Allow", cond("StringEqualsIgnoreCase", TEAM, "STRASSE"), tag("straße"), ALLOW),
    when("A11-ascii-fold-deny", "Deny", cond("StringEqualsIgnoreCase", TEAM, "STRASSE"), tag("straße"), ALLOW),
    when("A11-ascii-fold-deny-match", "Deny", cond("StringEqualsIgnoreCase", TEAM, "STRASSE"), tag("strasse"), DENY),
    when("A11-sigma-fold-allow", "Allow", cond("StringEqualsIgnoreCase", TEAM, "ΟΔΟΣ"), tag("οδος"), ALLOW),
    when("A11-negated-allow-ascii", "Allow", cond("StringNotEqualsIgnoreCase", TEAM, "STRASSE"), tag("straße"), ALLOW),
    when("A11-negated-deny-unicode", "Deny", cond("StringNotEqualsIgnoreCase", TEAM, "STRASSE"), tag("straße"),
         ALLOW),
    when("A11-negated-deny-other", "Deny", cond("StringNotEqualsIgnoreCase", TEAM, "STRASSE"), tag("weg"), DENY),
]


@pytest.mark.parametrize(ROW, A11)
def test_a11_ignorecase_folding(doc, context, expected, caller):
    check(doc, context, expected, caller)


IS_AWS = "aws:PrincipalIsAWSService"
A12 = [
    when("A12-bool-capital-allow", "Allow", cond("Bool", IS_AWS, "True"), {IS_AWS: "false"}, ALLOW),
    when("A12-bool-capital-deny", "Deny", cond("Bool", IS_AWS, "True"), {IS_AWS: "true"}, ALLOW),
    when("A12-numeric-exponent-allow", "Allow", cond("NumericEquals", MFA, "1e3"), mfa("5"), ALLOW),
    when("A12-numeric-exponent-deny", "Deny", cond("NumericEquals", MFA, "1e3"), mfa("1000"), ALLOW),
    when("A12-numeric-list-one-bad-allow", "Allow", cond("NumericEquals", MFA, ["10", "1e3"]), mfa("5"), ALLOW),
    when("A12-numeric-list-one-bad-deny", "Deny", cond("NumericEquals", MFA, ["10", "1e3"]), mfa("10"), ALLOW),
    when("A12-date-no-zone-allow", "Allow", cond("DateGreaterThan", NOW, "2020-01-01T00:00:00"),
         now("2019-01-01T00:00:00Z"), ALLOW),
    when("A12-date-no-zone-deny", "Deny", cond("DateLessThan", NOW, "2020-01-01T00:00:00"),
         now("2019-01-01T00:00:00Z"), ALLOW),
    when("A12-date-only-allow", "Allow", cond("DateGreaterThan", NOW, "2020-01-01"), now("2019-01-01T00:00:00Z"),
         ALLOW),
    when("A12-date-only-deny", "Deny", cond("DateLessThan", NOW, "2020-01-01"), now("2019-01-01T00:00:00Z"), ALLOW),
    when("A12-epoch-12-digits-allow", "Allow", cond("DateLessThan", NOW, "1577836800000"),
         now("2030-01-01T00:00:00Z"), ALLOW),
    when("A12-epoch-12-digits-deny", "Deny", cond("DateGreaterThan", NOW, "1577836800000"),
         now("2030-01-01T00:00:00Z"), ALLOW),
    when("A12-cidr-host-bits-allow", "Allow", cond("IpAddress", IP, "203.0.113.5/24"), ip("198.51.100.1"), ALLOW),
    when("A12-cidr-host-bits-deny", "Deny", cond("IpAddress", IP, "203.0.113.5/24"), ip("203.0.113.7"), ALLOW),
    when("A12-not-ip-host-bits-allow", "Allow", cond("NotIpAddress", IP, "203.0.113.5/24"), ip("203.0.113.7"), ALLOW),
    when("A12-not-ip-host-bits-deny", "Deny", cond("NotIpAddress", IP, "203.0.113.5/24"), ip("198.51.100.1"), ALLOW),
    when("A12-C5-ip-wildcard-allow", "Allow", cond("IpAddress", IP, "203.0.113.*"), ip("198.51.100.1"), ALLOW),
    when("A12-C5-ip-wildcard-deny", "Deny", cond("IpAddress", IP, "203.0.113.*"), ip("203.0.113.9"), ALLOW),
]


@pytest.mark.parametrize(ROW, A12)
def test_a12_non_canonical_values(doc, context, expected, caller):
    check(doc, context, expected, caller)


# --- section 9: tricky cases -----------------------------------------------------------
# Vulnerable cases show a foreign request (999999999999 wherever the policy
# allows one from that account) that is allowed; safe cases show the foreign
# requests denied and, where the policy is useful, the owner's request allowed.

NOT_ATTACKER = cond("StringNotEquals", SA, ATTACKER)
NOT_LISTED = statement("Deny", principal="*", condition=cond("StringNotEquals", SA, [OWNER, OTHER]))
CROSSING = f"arn:aws:rekognition:us-east-1:{ATTACKER}:x:{OWNER}:y"
USELESS = {"StringEquals": {SA: OWNER}, "ArnLike": {ARN: "arn:aws:rekognition:*:999999999999:*"}}


def self_equal(version) -> dict:
    return policy(statement(condition=cond("StringEquals", SA, "${aws:SourceAccount}")), version=version)


TRICKY = [
    case("9.1-no-condition-foreign", policy(statement()), FOREIGN, ALLOW),
    when("9.2-ifexists-foreign-arn-only", "Allow", cond("StringEqualsIfExists", SA, OWNER), FOREIGN_ARN_ONLY, ALLOW),
    when("9.2-ifexists-foreign-account", "Allow", cond("StringEqualsIfExists", SA, OWNER), FOREIGN, IMPLICIT),
    when("9.3-forall-foreign-arn-only", "Allow", cond("ForAllValues:StringEquals", SA, OWNER), FOREIGN_ARN_ONLY,
         ALLOW),
    when("9.4-forany-foreign", "Allow", cond("ForAnyValue:StringEquals", SA, OWNER), FOREIGN, IMPLICIT),
    when("9.4-forany-foreign-arn-only", "Allow", cond("ForAnyValue:StringEquals", SA, OWNER), FOREIGN_ARN_ONLY,
         IMPLICIT),
    when("9.4-forany-owner", "Allow", cond("ForAnyValue:StringEquals", SA, OWNER), OWNER_REQUEST, ALLOW),
    when("9.5-not-equals-attacker-foreign-arn-only", "Allow", NOT_ATTACKER, FOREIGN_ARN_ONLY, ALLOW),
    when("9.5-not-equals-attacker-other-account", "Allow", NOT_ATTACKER,
         service_context(OTHER, OWNER_ARN.replace(OWNER, OTHER)), ALLOW),
    when("9.5-not-equals-attacker-named", "Allow", NOT_ATTACKER, FOREIGN, IMPLICIT),
    case("9.6-not-equals-list-deny-foreign", policy(statement(), NOT_LISTED), FOREIGN, DENY),
    case("9.6-not-equals-list-deny-owner", policy(statement(), NOT_LISTED), OWNER_REQUEST, ALLOW),
    case("9.6-not-equals-list-deny-second", policy(statement(), NOT_LISTED), service_context(OTHER), ALLOW),
    when("9.7-equals-list-with-attacker", "Allow", cond("StringEquals", SA, [OWNER, ATTACKER]), FOREIGN, ALLOW),
    when("9.8-like-star-foreign", "Allow", cond("StringLike", SA, "1111222233*"), service_context("111122223344"),
         ALLOW),
    when("9.8-like-question-foreign", "Allow", cond("StringLike", SA, "11112222333?"),
         service_context("111122223334"), ALLOW),
    when("9.8-like-star-attacker", "Allow", cond("StringLike", SA, "1111222233*"), FOREIGN, IMPLICIT),
    when("9.9-equals-star-foreign", "Allow", cond("StringEquals", SA, "*"), FOREIGN, IMPLICIT),
    when("9.9-equals-star-owner-useless", "Allow", cond("StringEquals", SA, "*"), OWNER_REQUEST, IMPLICIT),
    when("9.10-arnequals-wildcards-foreign", "Allow", cond("ArnEquals", ARN, "arn:aws:rekognition:*:*:*"), FOREIGN,
         ALLOW),
    when("9.11-stringlike-crossing-foreign", "Allow", cond("StringLike", ARN, OWNER_ARN_PATTERN),
         service_context(ATTACKER, CROSSING), ALLOW),
    when("9.11-stringlike-owner", "Allow", cond("StringLike", ARN, OWNER_ARN_PATTERN), OWNER_REQUEST, ALLOW),
    when("9.12-arnlike-crossing-foreign", "Allow", cond("ArnLike", ARN, OWNER_ARN_PATTERN),
         service_context(ATTACKER, CROSSING), IMPLICIT),
    when("9.12-arnlike-foreign", "Allow", cond("ArnLike", ARN, OWNER_ARN_PATTERN), FOREIGN, IMPLICIT),
    when("9.12-arnlike-foreign-arn-only", "Allow", cond("ArnLike", ARN, OWNER_ARN_PATTERN), FOREIGN_ARN_ONLY,
         IMPLICIT),
    when("9.12-arnlike-owner", "Allow", cond("ArnLike", ARN, OWNER_ARN_PATTERN), OWNER_REQUEST, ALLOW),
    when("9.12-A7-arnlike-short-foreign", "Allow", cond("ArnLike", ARN, SHORT), FOREIGN, ALLOW),
    when("9.13-s3-arn-alone-foreign", "Allow", cond("ArnLike", ARN, "arn:aws:s3:::bucket"),
         service_context(ATTACKER, "arn:aws:s3:::bucket"), ALLOW),
    when("9.14-contradiction-foreign", "Allow", USELESS, FOREIGN, IMPLICIT),
    when("9.14-contradiction-foreign-account-only", "Allow", USELESS, service_context(ATTACKER), IMPLICIT),
    when("9.14-contradiction-owner-useless", "Allow", USELESS, OWNER_REQUEST, IMPLICIT),
    case("9.15-split-statements-foreign",
         policy(statement(condition=cond("StringEquals", SA, OWNER)),
                statement(condition=cond("ArnLike", ARN, "arn:aws:rekognition:*:999999999999:*"))),
         FOREIGN, ALLOW),
    when("9.16-upper-key-foreign", "Allow", cond("StringEquals", "AWS:SOURCEACCOUNT", OWNER), FOREIGN, IMPLICIT),
    when("9.16-upper-key-owner", "Allow", cond("StringEquals", "AWS:SOURCEACCOUNT", OWNER), OWNER_REQUEST, ALLOW),
    when("9.17-misspelt-equals-owner-useless", "Allow", cond("StringEquals", "aws:SourceAcount", OWNER),
         OWNER_REQUEST, IMPLICIT),
    when("9.17-misspelt-not-equals-foreign", "Allow", cond("StringNotEquals", "aws:SourceAcount", OWNER), FOREIGN,
         ALLOW),
    case("9.18-2008-literal-foreign", self_equal("2008-10-17"), FOREIGN, IMPLICIT),
    case("9.18-no-version-literal-foreign", self_equal(None), FOREIGN, IMPLICIT),
    case("9.18-2012-self-reference-foreign", self_equal("2012-10-17"), FOREIGN, ALLOW),
    when("9.19-self-referential-arn-foreign", "Allow",
         cond("ArnLike", ARN, "arn:aws:rekognition:*:${aws:SourceAccount}:*"), FOREIGN, ALLOW),
    when("9.20-principal-account-variable-foreign", "Allow", cond("StringEquals", SA, "${aws:PrincipalAccount}"),
         service_context(ATTACKER, ATTACKER_ARN, {"aws:PrincipalAccount": ATTACKER}), ALLOW),
    case("9.21-star-service-name-foreign",
         policy(statement(principal="*", condition=cond("StringEquals", "aws:PrincipalServiceName", SERVICE))),
         FOREIGN, ALLOW),
    case("9.22-is-service-only-foreign", policy(statement(principal="*", condition=IS_SERVICE)), FOREIGN, ALLOW),
    case("9.23-deny-not-owner-foreign", deny_if(cond("StringNotEquals", SA, OWNER)), FOREIGN, DENY),
    case("9.23-deny-not-owner-foreign-arn-only", deny_if(cond("StringNotEquals", SA, OWNER)), FOREIGN_ARN_ONLY, DENY),
    case("9.23-deny-not-owner-keyless", deny_if(cond("StringNotEquals", SA, OWNER)), KEYLESS, DENY),
    case("9.23-deny-not-owner-owner", deny_if(cond("StringNotEquals", SA, OWNER)), OWNER_REQUEST, ALLOW),
    case("9.24-deny-ifexists-foreign", deny_if(cond("StringNotEqualsIfExists", SA, OWNER)), FOREIGN, DENY),
    case("9.24-deny-ifexists-foreign-arn-only", deny_if(cond("StringNotEqualsIfExists", SA, OWNER)),
         FOREIGN_ARN_ONLY, DENY),
    case("9.24-deny-ifexists-owner", deny_if(cond("StringNotEqualsIfExists", SA, OWNER)), OWNER_REQUEST, ALLOW),
    case("9.25-deny-forany-foreign-arn-only-slips", deny_if(cond("ForAnyValue:StringNotEquals", SA, OWNER)),
         FOREIGN_ARN_ONLY, ALLOW),
    case("9.25-deny-forany-foreign", deny_if(cond("ForAnyValue:StringNotEquals", SA, OWNER)), FOREIGN, DENY),
    case("9.25-deny-forany-owner", deny_if(cond("ForAnyValue:StringNotEquals", SA, OWNER)), OWNER_REQUEST, ALLOW),
    case("9.26-null-guard-foreign-arn-only-slips",
         deny_if({"StringNotEquals": {SA: OWNER}, "Null": {SA: "false"}}), FOREIGN_ARN_ONLY, ALLOW),
    case("9.26-null-guard-foreign", deny_if({"StringNotEquals": {SA: OWNER}, "Null": {SA: "false"}}), FOREIGN, DENY),
    case("9.26-null-guard-owner", deny_if({"StringNotEquals": {SA: OWNER}, "Null": {SA: "false"}}), OWNER_REQUEST,
         ALLOW),
    case("9.27-deny-aws-star-foreign",
         policy(statement(), statement("Deny", principal=AWS_STAR, condition=cond("StringNotEquals", SA, OWNER))),
         FOREIGN, ALLOW),
    case("9.28-allow-aws-star-foreign", policy(statement(principal=AWS_STAR)), FOREIGN, ALLOW),
    case("9.29-notprincipal-account-foreign", policy(not_principal("Allow", {"AWS": OWNER})), FOREIGN, ALLOW),
    case("9.30-regional-name-foreign", policy(statement(principal={"Service": REGIONAL})), FOREIGN, ALLOW),
    case("9.30-capitalised-name-foreign", policy(statement(principal={"Service": "Rekognition.amazonaws.com"})),
         FOREIGN, ALLOW),
    case("9.31-action-upper-star-foreign", acting("STS:Assume*"), FOREIGN, ALLOW),
    case("9.31-action-question-foreign", acting("sts:Assume?ole"), FOREIGN, ALLOW),
    case("9.31-action-star-foreign", acting("*"), FOREIGN, ALLOW),
    case("9.31-notaction-foreign", acting(None, NotAction="sts:TagSession"), FOREIGN, ALLOW),
    case("9.32-mixed-principals-foreign", policy(statement(principal=SERVICE_AND_USER, condition=OWNER_ACCOUNT_ONLY)),
         FOREIGN, IMPLICIT),
    case("9.32-mixed-principals-owner", policy(statement(principal=SERVICE_AND_USER, condition=OWNER_ACCOUNT_ONLY)),
         OWNER_REQUEST, ALLOW),
    case("9.32-mixed-principals-user-bound-too",
         policy(statement(principal=SERVICE_AND_USER, condition=OWNER_ACCOUNT_ONLY)), {}, IMPLICIT,
         principal=f"arn:aws:iam::{OWNER}:user/u"),
    case("9.33-null-true-statement-foreign-arn-only",
         policy(statement(condition=OWNER_ACCOUNT_ONLY), statement(condition=cond("Null", SA, "true"))),
         FOREIGN_ARN_ONLY, ALLOW),
    case("9.33-null-true-statement-foreign",
         policy(statement(condition=OWNER_ACCOUNT_ONLY), statement(condition=cond("Null", SA, "true"))),
         FOREIGN, IMPLICIT),
    case("9.33-null-true-statement-owner",
         policy(statement(condition=OWNER_ACCOUNT_ONLY), statement(condition=cond("Null", SA, "true"))),
         OWNER_REQUEST, ALLOW),
    when("9.34-config-literal-star-owner", "Allow", cond("StringEquals", ARN, CONFIG_OWNER),
         service_context(OWNER, CONFIG_OWNER), ALLOW),
    when("9.34-config-literal-star-foreign", "Allow", cond("StringEquals", ARN, CONFIG_OWNER),
         service_context(ATTACKER, "arn:aws:config:us-east-1:999999999999:*"), IMPLICIT),
    when("9.34-config-attacker-literal-star", "Allow",
         cond("StringEquals", ARN, "arn:aws:config:us-east-1:999999999999:*"),
         service_context(ATTACKER, "arn:aws:config:us-east-1:999999999999:*"), ALLOW),
    case("9.35-empty-condition-foreign", allow_if({}), FOREIGN, ALLOW),
    when("9.35-empty-value-list-foreign", "Allow", cond("StringEquals", SA, []), FOREIGN, ALLOW),
    when("9.36-unquoted-owner", "Allow", cond("StringEquals", SA, int(OWNER)), OWNER_REQUEST, ALLOW),
    when("9.36-unquoted-foreign", "Allow", cond("StringEquals", SA, int(OWNER)), FOREIGN, IMPLICIT),
    when("9.36-lost-leading-zero", "Allow", cond("StringEquals", SA, 12345678901), service_context("012345678901"),
         IMPLICIT),
]


@pytest.mark.parametrize(ROW, TRICKY)
def test_section_9_tricky_cases(doc, context, expected, caller):
    check(doc, context, expected, caller)


# --- the Rekognition confused-deputy guidance ---------------------------------------
# https://docs.aws.amazon.com/rekognition/latest/dg/cross-service-confused-deputy-prevention.html
# (corpus policies 0016 and 0017), placeholders filled with the owner's account,
# us-east-1 and a user of the owner's account.

REKOGNITION_STREAMING = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {
        "Service": "rekognition.amazonaws.com",
        "AWS": "arn:aws:iam::111122223333:user/video-user"
      },
      "Action": "sts:AssumeRole",
      "Condition": {
        "StringEquals": {
          "aws:SourceAccount": "111122223333"
        },
        "StringLike": {
          "aws:SourceArn": "arn:aws:rekognition:us-east-1:111122223333:streamprocessor/*"
        }
      }
    }
  ]
}"""

REKOGNITION_STORED_VIDEO = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {
        "Service": "rekognition.amazonaws.com",
        "AWS": "arn:aws:iam::111122223333:user/video-user"
      },
      "Action": "sts:AssumeRole",
      "Condition": {
        "StringEquals": {
          "aws:SourceAccount": "111122223333"
        }
      }
    }
  ]
}"""

REKOGNITION = [
    case(f"K8-rekognition-{name}-{who}", text, context, expected)
    for name, text in (("streaming", REKOGNITION_STREAMING), ("stored-video", REKOGNITION_STORED_VIDEO))
    for who, context, expected in (
        ("owner", OWNER_REQUEST, ALLOW),
        ("foreign", FOREIGN, IMPLICIT),
        ("foreign-account-only", service_context(ATTACKER), IMPLICIT),
        ("foreign-arn-only", FOREIGN_ARN_ONLY, IMPLICIT),
    )
]


@pytest.mark.parametrize(ROW, REKOGNITION)
def test_rekognition_guidance_policies(doc, context, expected, caller):
    check(doc, context, expected, caller)
