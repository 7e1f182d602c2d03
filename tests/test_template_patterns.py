"""AWS's own documented cross-service patterns in a template whose source
resources it defines: exact verdicts (safe where the source is pinned,
vulnerable where not), never unknown; and what stays unknown, named."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_sources_cloudformation import results
from verifier.evaluator import Decision, evaluate
from verifier.policy.loading import load_text
from verifier.request import Request

DATA = Path(__file__).resolve().parent / "data" / "sources"
PATTERNS = DATA / "cfn-aws-patterns.yaml"
OWNER = "111122223333"

DEPUTIES = {
    ("sns.amazonaws.com", "sqs:SendMessage"): {"SnsToSqsPinned": "safe", "SnsToSqsOpen": "vulnerable"},
    ("s3.amazonaws.com", "lambda:InvokeFunction"): {"S3ToLambdaPinned": "safe", "S3ToLambdaArnOnly": "vulnerable",
                                                    "S3ToLambdaOpen": "vulnerable"},
    ("events.amazonaws.com", "lambda:InvokeFunction"): {"EventsToLambdaPinned": "safe",
                                                        "EventsToLambdaOpen": "vulnerable"},
    ("sns.amazonaws.com", "lambda:InvokeFunction"): {"SnsToLambdaPinned": "safe", "SnsToLambdaOpen": "vulnerable"},
}


@pytest.mark.parametrize("account", [OWNER, None])
@pytest.mark.parametrize("deputy", sorted(DEPUTIES))
def test_documented_patterns_get_exact_verdicts(deputy, account):
    service, action = deputy
    argv = ["--account", account] if account else []
    code, found = results(str(PATTERNS), *argv, "--service", service, "--action", action)
    expected = {name: "safe" for name in found} | DEPUTIES[deputy]  # other deputies' policies grant it nothing
    assert {name: r["verdict"] for name, r in found.items()} == expected
    assert code == 1


def test_pinned_safe_rests_on_the_widened_arn_of_the_stacks_account():
    code, found = results(str(PATTERNS), "--account", OWNER, "--service", "events.amazonaws.com", "--action",
                          "lambda:InvokeFunction")
    assumptions = found["EventsToLambdaPinned"]["assumptions"]
    assert any(f"'arn:aws:events:us-east-1:{OWNER}:rule/*'" in a for a in assumptions)
    assert any("AWS::Region" in a for a in assumptions)


def test_a_bucket_arn_alone_is_vulnerable_whatever_the_bucket_is_named():
    code, found = results(str(PATTERNS), "--account", OWNER, "--service", "s3.amazonaws.com", "--action",
                          "lambda:InvokeFunction")
    result = found["S3ToLambdaArnOnly"]
    context = result["counterexample"]["context"]
    assert context["aws:SourceArn"] == "arn:aws:s3:::unknown-ref-of-Uploads"
    assert context["aws:SourceAccount"] != OWNER
    assert any("whatever the name is" in a for a in result["assumptions"])
    # the printed request replays against the policy with any bucket name in place of the stand-in
    for name in ("uploads-1a2b", "prod-logs", "x"):
        policy = load_text('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": '
                           '"s3.amazonaws.com"}, "Action": "lambda:InvokeFunction", "Resource": "*", "Condition": '
                           '{"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::%s"}}}]}' % name).policy
        request = _request(result["counterexample"], {"aws:SourceArn": f"arn:aws:s3:::{name}"})
        assert evaluate(policy, request).decision is Decision.ALLOW


def _request(doc: dict, changes: dict) -> Request:
    from verifier.request import make_request

    return make_request(doc["principal"], doc["action"], {**doc["context"], **changes}, doc.get("resource"))


def template(tmp_path, body: str) -> str:
    path = tmp_path / "t.yaml"
    path.write_text("Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n  Bucket:\n    Type: AWS::S3::Bucket\n"
                    "  Dist:\n    Type: AWS::CloudFront::Distribution\n" + body)
    return str(path)


def bucket_policy(statements: str) -> str:
    return ("  Policy:\n    Type: AWS::S3::BucketPolicy\n    Properties:\n      Bucket: !Ref Bucket\n"
            "      PolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n" + statements)


OAC = """          - Effect: Allow
            Principal: {Service: cloudfront.amazonaws.com}
            Action: s3:GetObject
            Resource: !Sub "${Bucket.Arn}/*"
            Condition:
              StringEquals:
                AWS:SourceArn: !Sub "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Dist}"
"""


def test_string_equals_on_an_arn_of_the_stacks_account_is_read_as_a_pattern_and_proved(tmp_path):
    # CloudFront origin access control, the shape of corpus cfn/0025.yaml: was unknown
    path = template(tmp_path, bucket_policy(OAC))
    code, found = results(path, "--account", OWNER, "--service", "cloudfront.amazonaws.com", "--action",
                          "s3:GetObject")
    assert (code, found["Policy"]["verdict"]) == (0, "safe")
    assert any("StringEquals AWS:SourceArn is read as StringLike" in a for a in found["Policy"]["assumptions"])


def test_equality_read_as_a_pattern_never_makes_a_foreign_literal_trusted(tmp_path):
    # the literal foreign value beside the unknown one stays in the pattern list
    statements = OAC.replace('AWS:SourceArn: !Sub', 'AWS:SourceArn:\n                  - '
                             'arn:aws:cloudfront::444455556666:distribution/EVIL\n                  - !Sub')
    code, found = results(template(tmp_path, bucket_policy(statements)), "--account", OWNER, "--service",
                          "cloudfront.amazonaws.com", "--action", "s3:GetObject")
    result = found["Policy"]
    assert result["verdict"] == "vulnerable"
    context = {k.lower(): v for k, v in result["counterexample"]["context"].items()}
    assert context["aws:sourcearn"] == "arn:aws:cloudfront::444455556666:distribution/EVIL"


DENY_UNLESS_TOPIC = """          - Effect: Allow
            Principal: {Service: sns.amazonaws.com}
            Action: s3:PutObject
            Resource: !Sub "${Bucket.Arn}/*"
          - Effect: Deny
            Principal: "*"
            Action: s3:PutObject
            Resource: "*"
            Condition:
              %s:
                aws:SourceArn: !Ref Topic
"""


@pytest.mark.parametrize("operator, verdict", [("ArnNotEquals", "safe"), ("StringNotEquals", "safe"),
                                               ("ArnEquals", "unknown"), ("StringEquals", "unknown")])
def test_deny_side_unknown_values(tmp_path, operator, verdict):
    # a negated operator in a Deny reads the value as a superset too; a
    # positive one would have to be guessed, so it stays unknown, named
    code, found = results(template(tmp_path, bucket_policy(DENY_UNLESS_TOPIC % operator)), "--account", OWNER,
                          "--service", "sns.amazonaws.com", "--action", "s3:PutObject")
    result = found["Policy"]
    assert result["verdict"] == verdict, result["message"]
    if verdict == "unknown":
        assert "!Ref Topic" in result["message"] and "line 25, column 32" in result["message"]


def test_name_dependent_deny_keeps_a_bucket_arn_only_permission_unknown(tmp_path):
    # whether the Deny applies depends on the bucket's name: no retargeting
    body = bucket_policy("""          - Effect: Allow
            Principal: {Service: s3.amazonaws.com}
            Action: s3:PutObject
            Resource: "*"
            Condition:
              ArnLike:
                aws:SourceArn: !GetAtt Bucket.Arn
          - Effect: Deny
            Principal: "*"
            Action: s3:PutObject
            Resource: "*"
            Condition:
              ArnLike:
                aws:SourceArn: arn:aws:s3:::prod-*
""")
    code, found = results(template(tmp_path, body), "--account", OWNER, "--service", "s3.amazonaws.com",
                          "--action", "s3:PutObject")
    result = found["Policy"]
    assert result["verdict"] == "unknown" and "Bucket.Arn" in result["message"]


@pytest.mark.parametrize("value, named", [
    ("'{{resolve:ssm:/org/partner-account}}'", "/org/partner-account"),
    ("!ImportValue PartnerAccount", "another stack exports"),
    ("!Ref PartnerAccount", "SSM parameter '/org/partner'"),
])
def test_ssm_and_imported_values_stay_unknown_and_are_named(tmp_path, value, named):
    path = tmp_path / "t.yaml"
    path.write_text(f"""Parameters:
  PartnerAccount:
    Type: AWS::SSM::Parameter::Value<String>
    Default: /org/partner
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {{Service: rekognition.amazonaws.com}}
            Action: sts:AssumeRole
            Condition:
              StringEquals:
                aws:SourceAccount: {value}
""")
    code, found = results(str(path), "--account", OWNER)
    assert (code, found["Role"]["verdict"]) == (3, "unknown")
    assert named in found["Role"]["message"] and "line 16" in found["Role"]["message"]


def test_a_request_holding_the_never_value_proves_nothing():
    from verifier.request import make_request
    from verifier.sources import unresolved

    plain = make_request("sns.amazonaws.com", "sqs:SendMessage", {"aws:SourceAccount": "444455556666"})
    holding = make_request("sns.amazonaws.com", "sqs:SendMessage", {"aws:UserAgent": unresolved.NEVER})
    assert not unresolved.mentions_never(plain) and unresolved.mentions_never(holding)


PARTNER_OR_FOREIGN = """Parameters:
  Partner: {Type: String}
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {Service: rekognition.amazonaws.com}
            Action: sts:AssumeRole
            Condition:
              StringLike: {aws:SourceArn: !Sub 'arn:aws:rekognition:*:${Partner}:*'}
          - Effect: Allow
            Principal: {Service: rekognition.amazonaws.com}
            Action: sts:AssumeRole
            Condition:
              StringEquals: {aws:SourceAccount: '444455556666'}
"""
"""One Allow pinned to a parameter's account (unknown), one to a foreign account."""


def test_vulnerable_through_a_statement_without_unknown_values_is_confirmed(tmp_path):
    # the widened reading may find its request through the unknown value; the
    # subset reading (unknown values matching nothing) is vulnerable anyway
    path = tmp_path / "t.yaml"
    path.write_text(PARTNER_OR_FOREIGN)
    code, found = results(str(path), "--account", OWNER)
    result = found["Role"]
    assert (code, result["verdict"]) == (1, "vulnerable")
    assert result["counterexample"]["context"]["aws:SourceAccount"] == "444455556666"


def test_when_the_widened_request_needs_the_unknown_value_the_subset_reading_is_proved(tmp_path):
    # the superset's counterexample goes through the statement whose value is
    # unknown; it does not stand, but the subset reading is vulnerable itself
    from verifier import checking, partial
    from verifier.prove.threat import ThreatModel
    from verifier.request import make_request
    from verifier.results import Result, Verdict
    from verifier.sources import detect
    from verifier.sources.unresolved import settle

    path = tmp_path / "t.yaml"
    path.write_text(PARTNER_OR_FOREIGN)
    (found,) = detect.find(str(path), None, OWNER, set())
    model = ThreatModel(owner=OWNER)
    through_unknown = make_request("rekognition.amazonaws.com", "sts:AssumeRole", {
        "aws:PrincipalIsAWSService": "true", "aws:PrincipalServiceName": "rekognition.amazonaws.com",
        "aws:PrincipalServiceNamesList": ["rekognition.amazonaws.com"],
        "aws:SourceArn": "arn:aws:rekognition:us-east-1:999988887777:x"})
    widened = Result(str(path), Verdict.VULNERABLE, "", counterexample=through_unknown)
    confirmed = partial.confirm(found, settle(found.node), widened, model, 5.0, checking._prove, lambda policy, r: {})
    assert confirmed.verdict is Verdict.VULNERABLE
    assert confirmed.counterexample.get("aws:SourceAccount") == ("444455556666",)
    assert any("matching nothing" in a for a in confirmed.assumptions)
