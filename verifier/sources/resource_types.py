"""What ``Ref`` and ``Fn::GetAtt`` of a resource defined in the same
template return, by resource type.

A resource a template defines lives in the stack's account, partition and
Region, so its ARN is known except for its name (or ID), which
CloudFormation picks or the template sets at deployment. Each entry says
what ``Ref`` returns, what each supported attribute returns, and the ARN's
shape, with ``{partition}``, ``{region}``, ``{account}`` (the stack's) and
``{name}`` (the part known only after deployment). Each cites the
"Return values" section of the AWS CloudFormation template reference it is
read from; a type or attribute not listed stays wholly unknown.

The names and IDs these return contain none of ``*``, ``?`` or ``$`` (each
service's naming rules allow letters, digits and a few of ``-_.+=,@/|``),
so a name is never itself a wildcard or a policy variable; ``unresolved.py``
relies on that where it reads a policy "whatever the name is".
"""

from __future__ import annotations

from dataclasses import dataclass, field

ARN, NAME = "arn", "name"
"""What a return value is: the resource's ARN, or its name or ID (the
``{name}`` part alone, or an ID that names the resource)."""

_DOCS = "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/"


@dataclass(frozen=True)
class ResourceType:
    arn: str
    ref: str | None
    attributes: dict[str, str] = field(default_factory=dict)
    source: str = ""


def _doc(page: str) -> str:
    return f"{_DOCS}{page}.html#{page}-return-values"


TYPES: dict[str, ResourceType] = {
    "AWS::SNS::Topic": ResourceType(
        "arn:{partition}:sns:{region}:{account}:{name}", ARN, {"TopicArn": ARN, "TopicName": NAME},
        _doc("aws-resource-sns-topic")),
    "AWS::SQS::Queue": ResourceType(
        # Ref returns the queue URL, which is neither the ARN nor the name
        "arn:{partition}:sqs:{region}:{account}:{name}", None, {"Arn": ARN, "QueueName": NAME},
        _doc("aws-resource-sqs-queue")),
    "AWS::S3::Bucket": ResourceType(
        # an S3 bucket's ARN names no Region and no account (F1)
        "arn:{partition}:s3:::{name}", NAME, {"Arn": ARN}, _doc("aws-resource-s3-bucket")),
    "AWS::Lambda::Function": ResourceType(
        "arn:{partition}:lambda:{region}:{account}:function:{name}", NAME, {"Arn": ARN},
        _doc("aws-resource-lambda-function")),
    "AWS::Events::Rule": ResourceType(
        # a rule on a custom bus is rule/BUS/NAME: the unknown part covers both
        "arn:{partition}:events:{region}:{account}:rule/{name}", NAME, {"Arn": ARN},
        _doc("aws-resource-events-rule")),
    "AWS::Events::EventBus": ResourceType(
        "arn:{partition}:events:{region}:{account}:event-bus/{name}", NAME, {"Arn": ARN, "Name": NAME},
        _doc("aws-resource-events-eventbus")),
    "AWS::IAM::Role": ResourceType(
        # the unknown part is the role's path and name
        "arn:{partition}:iam::{account}:role/{name}", NAME, {"Arn": ARN}, _doc("aws-resource-iam-role")),
    "AWS::KMS::Key": ResourceType(
        "arn:{partition}:kms:{region}:{account}:key/{name}", NAME, {"Arn": ARN, "KeyId": NAME},
        _doc("aws-resource-kms-key")),
    "AWS::CloudTrail::Trail": ResourceType(
        "arn:{partition}:cloudtrail:{region}:{account}:trail/{name}", NAME, {"Arn": ARN},
        _doc("aws-resource-cloudtrail-trail")),
    "AWS::Logs::LogGroup": ResourceType(
        # the Arn attribute ends in ":*", as the documentation's example shows
        "arn:{partition}:logs:{region}:{account}:log-group:{name}:*", NAME, {"Arn": ARN},
        _doc("aws-resource-logs-loggroup")),
    "AWS::StepFunctions::StateMachine": ResourceType(
        "arn:{partition}:states:{region}:{account}:stateMachine:{name}", ARN, {"Arn": ARN},
        _doc("aws-resource-stepfunctions-statemachine")),
    "AWS::Kinesis::Stream": ResourceType(
        "arn:{partition}:kinesis:{region}:{account}:stream/{name}", NAME, {"Arn": ARN},
        _doc("aws-resource-kinesis-stream")),
    "AWS::KinesisFirehose::DeliveryStream": ResourceType(
        "arn:{partition}:firehose:{region}:{account}:deliverystream/{name}", NAME, {"Arn": ARN},
        _doc("aws-resource-kinesisfirehose-deliverystream")),
    "AWS::DynamoDB::Table": ResourceType(
        "arn:{partition}:dynamodb:{region}:{account}:table/{name}", NAME, {"Arn": ARN},
        _doc("aws-resource-dynamodb-table")),
    "AWS::SecretsManager::Secret": ResourceType(
        # the name ends in six random characters that Secrets Manager adds
        "arn:{partition}:secretsmanager:{region}:{account}:secret:{name}", ARN, {},
        _doc("aws-resource-secretsmanager-secret")),
    "AWS::ECR::Repository": ResourceType(
        "arn:{partition}:ecr:{region}:{account}:repository/{name}", NAME, {"Arn": ARN},
        _doc("aws-resource-ecr-repository")),
    "AWS::CloudFront::Distribution": ResourceType(
        # a distribution is global: its ARN names no Region
        "arn:{partition}:cloudfront::{account}:distribution/{name}", NAME, {},
        _doc("aws-resource-cloudfront-distribution")),
    "AWS::ApiGateway::RestApi": ResourceType(
        # Ref is the API's ID; the ARN of its methods (execute-api) starts with it
        "arn:{partition}:execute-api:{region}:{account}:{name}", NAME, {},
        _doc("aws-resource-apigateway-restapi")),
}


def returns(rtype: str | None, attribute: str | None) -> str | None:
    """``ARN``, ``NAME`` or None (unknown): what ``Ref`` (attribute None) or
    ``Fn::GetAtt`` of ``attribute`` returns for a resource of ``rtype``."""
    entry = TYPES.get(rtype or "")
    if entry is None:
        return None
    return entry.ref if attribute is None else entry.attributes.get(attribute)
