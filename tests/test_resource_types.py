"""The resource-type table: what Ref and Fn::GetAtt of a resource of the
same template read as (its ARN in the stack's account, the name unknown),
one test per row, and the verdicts that follow from it."""

from __future__ import annotations

import pytest

from tests.test_sources_cloudformation import results
from verifier.policy.jsontree import JObject
from verifier.sources import JUnresolved, resource_types
from verifier.sources.intrinsics import Resolver

OWNER = "111122223333"

# Written out by hand from the "Return values" section of each type's page
# (not derived from the table): the value, the pattern it reads as, and
# whether a condition pinning aws:SourceArn to it keeps foreign accounts out.
EXPECTED = {
    "AWS::SNS::Topic": ("Ref", f"arn:aws:sns:us-east-1:{OWNER}:*", "safe"),
    "AWS::SQS::Queue": ("Arn", f"arn:aws:sqs:us-east-1:{OWNER}:*", "safe"),
    "AWS::S3::Bucket": ("Arn", "arn:aws:s3:::*", "vulnerable"),  # a bucket ARN names no account
    "AWS::Lambda::Function": ("Arn", f"arn:aws:lambda:us-east-1:{OWNER}:function:*", "safe"),
    "AWS::Events::Rule": ("Arn", f"arn:aws:events:us-east-1:{OWNER}:rule/*", "safe"),
    "AWS::Events::EventBus": ("Arn", f"arn:aws:events:us-east-1:{OWNER}:event-bus/*", "safe"),
    "AWS::IAM::Role": ("Arn", f"arn:aws:iam::{OWNER}:role/*", "safe"),
    "AWS::KMS::Key": ("Arn", f"arn:aws:kms:us-east-1:{OWNER}:key/*", "safe"),
    "AWS::CloudTrail::Trail": ("Arn", f"arn:aws:cloudtrail:us-east-1:{OWNER}:trail/*", "safe"),
    "AWS::Logs::LogGroup": ("Arn", f"arn:aws:logs:us-east-1:{OWNER}:log-group:*:*", "safe"),
    "AWS::StepFunctions::StateMachine": ("Ref", f"arn:aws:states:us-east-1:{OWNER}:stateMachine:*", "safe"),
    "AWS::Kinesis::Stream": ("Arn", f"arn:aws:kinesis:us-east-1:{OWNER}:stream/*", "safe"),
    "AWS::KinesisFirehose::DeliveryStream": ("Arn", f"arn:aws:firehose:us-east-1:{OWNER}:deliverystream/*",
                                             "safe"),
    "AWS::DynamoDB::Table": ("Arn", f"arn:aws:dynamodb:us-east-1:{OWNER}:table/*", "safe"),
    "AWS::SecretsManager::Secret": ("Ref", f"arn:aws:secretsmanager:us-east-1:{OWNER}:secret:*", "safe"),
    "AWS::ECR::Repository": ("Arn", f"arn:aws:ecr:us-east-1:{OWNER}:repository/*", "safe"),
    # Ref of these two is an ID: the ARN is written around it with !Sub
    "AWS::CloudFront::Distribution": ("Sub", f"arn:aws:cloudfront::{OWNER}:distribution/*", "safe"),
    "AWS::ApiGateway::RestApi": ("Sub", f"arn:aws:execute-api:us-east-1:{OWNER}:*/*", "safe"),
}
SUB = {"AWS::CloudFront::Distribution": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Res}",
       "AWS::ApiGateway::RestApi": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Res}/*"}


def test_every_row_has_a_test_and_cites_its_return_values_section():
    assert set(EXPECTED) == set(resource_types.TYPES)
    for rtype, entry in resource_types.TYPES.items():
        page = "aws-resource-" + rtype.removeprefix("AWS::").replace("::", "-").lower()
        assert entry.source == ("https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/"
                                f"{page}.html#{page}-return-values"), rtype


def _value(rtype: str, how: str) -> str:
    if how == "Ref":
        return "!Ref Res"
    if how == "Sub":
        return f"!Sub '{SUB[rtype]}'"
    return f"!GetAtt Res.{how}"


def _template(rtype: str, how: str) -> str:
    return f"""Resources:
  Res:
    Type: {rtype}
  Permission:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: arn:aws:lambda:us-east-1:{OWNER}:function:f
      Principal: events.amazonaws.com
      SourceArn: {_value(rtype, how)}
"""


@pytest.mark.parametrize("rtype", sorted(EXPECTED))
def test_row_reads_as_an_arn_of_the_stacks_account_with_the_name_unknown(rtype, tmp_path):
    how, pattern, verdict = EXPECTED[rtype]
    path = tmp_path / "t.yaml"
    path.write_text(_template(rtype, how))
    code, found = results(str(path), "--account", OWNER, "--service", "events.amazonaws.com", "--action",
                          "lambda:InvokeFunction")
    result = found["Permission"]
    assert any(f"is read as the pattern {pattern!r}" in a for a in result["assumptions"]), result
    assert result["verdict"] == verdict, result["message"]
    if verdict == "vulnerable":
        # allowed whatever the name is: the request names the resource itself
        arn = result["counterexample"]["context"]["aws:SourceArn"]
        assert arn.startswith(pattern.rstrip("*")) and "unknown-" in arn


@pytest.mark.parametrize("rtype", sorted(EXPECTED))
def test_row_values_directly(rtype):
    how, pattern, _ = EXPECTED[rtype]
    resources = JObject((), None)
    resolver = Resolver(resources, OWNER)
    resolver.resources = {"Res": _typed(rtype)}
    if how == "Sub":
        return  # a !Sub of the ID: covered end to end above
    value = resolver.resource_value("Res", None if how == "Ref" else how, "x", None)
    assert isinstance(value, JUnresolved) and value.arn
    assert value.widened == pattern
    assert value.instance == pattern.replace("*", "unknown-name-of-Res", 1)
    assert value.widened[:value.hole] == pattern[:pattern.index("*")]  # the name is the first unknown part


def _typed(rtype: str):
    from verifier.policy.ast import Span
    from verifier.policy.jsontree import JMember, JScalar

    span = Span(1, 1, 1, 1)
    return JObject((JMember("Type", span, JScalar("string", rtype, span)),), span)


def test_a_type_not_in_the_table_stays_wholly_unknown(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(_template("AWS::Glue::Job", "Ref").replace("!Ref Res", "!GetAtt Res.Arn"))
    code, found = results(str(path), "--account", OWNER, "--service", "events.amazonaws.com", "--action",
                          "lambda:InvokeFunction")
    result = found["Permission"]
    assert result["verdict"] == "unknown" and "Res.Arn" in result["message"]
