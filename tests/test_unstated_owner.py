"""A template or plan that does not state the owner's account: a placeholder
stands for it, and no verdict may depend on which account that is.

The owner decides which resources are the owner's (THREAT_MODEL.md point
2). A topic policy whose Resource writes out account 123456789012 grants
nothing on the placeholder's topics, and everything on that account's,
which is most likely the owner's: read with the placeholder alone it was
proved safe, and with ``--account 123456789012`` it is vulnerable (a false
"safe"). Now "safe" is proved with the resource in any account, and a
verdict that holds only for some owners is unknown ("give --account").
"""

from __future__ import annotations

import pytest

from tests.test_sources_cloudformation import results

WRITTEN = "123456789012"

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  TopicPolicy:
    Type: AWS::SNS::TopicPolicy
    Properties:
      Topics:
        - RESOURCE
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: events.amazonaws.com}
            Action: sns:Publish
            Resource: RESOURCE
CONDITION"""

PINNED = """\
            Condition:
              StringEquals: {aws:SourceAccount: !Ref AWS::AccountId}
"""


def by_parameter(template: str, resource: str) -> str:
    """The template with its Topics given by a parameter: the topic's own
    ARN, which would state the owner, is then unknown."""
    return template.replace(f"      Topics:\n        - {resource}", "      Topics:\n        - !Ref AlertsTopicArn") \
        + "Parameters:\n  AlertsTopicArn: {Type: String}\n"


def _template(tmp_path, resource: str, condition: str = "") -> str:
    path = tmp_path / "topic.yaml"
    path.write_text(TEMPLATE.replace("RESOURCE", resource).replace("CONDITION", condition))
    return str(path)


def test_a_resource_in_a_written_out_account_is_not_proved_safe_without_the_owner(tmp_path):
    arn = f"arn:aws:sns:us-east-1:{WRITTEN}:alerts"
    path = _template(tmp_path, arn)
    with open(path) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write(by_parameter(text, arn))
    code, found = results(path)
    result = found["TopicPolicy"]
    assert (code, result["verdict"]) == (3, "unknown")
    assert "give --account" in result["message"]
    # With the owner stated, the same template is vulnerable: the unknown was not a false alarm.
    code, found = results(path, "--account", WRITTEN)
    assert (code, found["TopicPolicy"]["verdict"]) == (1, "vulnerable")


def test_the_topics_own_arn_states_the_owner(tmp_path):
    # As a plan's resource identifier does: the topic's ARN names its owner.
    path = _template(tmp_path, f"arn:aws:sns:us-east-1:{WRITTEN}:alerts")
    code, found = results(path)
    result = found["TopicPolicy"]
    assert (code, result["verdict"]) == (1, "vulnerable")
    assert result["counterexample"]["context"]["aws:SourceAccount"] != WRITTEN
    assert f"the owner's account is {WRITTEN}, from the Topics of TopicPolicy in the template; --account overrides " \
           "it" in result["assumptions"]
    # pinned to that account, it is proved safe for it
    path = _template(tmp_path, f"arn:aws:sns:us-east-1:{WRITTEN}:alerts",
                     PINNED.replace("!Ref AWS::AccountId", f"'{WRITTEN}'"))
    code, found = results(path)
    assert (code, found["TopicPolicy"]["verdict"]) == (0, "safe")


def test_an_identifier_does_not_state_the_owner_where_the_policy_names_the_stacks_account(tmp_path):
    # The stack may be deployed in another account than the topic's: with
    # AWS::AccountId in the policy, the placeholder stands for the owner.
    path = _template(tmp_path, f"arn:aws:sns:us-east-1:{WRITTEN}:alerts", PINNED)
    code, found = results(path)
    assumptions = found["TopicPolicy"]["assumptions"]
    assert not any("from the Topics" in a for a in assumptions)
    assert any("placeholder" in a for a in assumptions)


def test_the_stacks_own_account_is_vulnerable_whoever_owns_it(tmp_path):
    path = _template(tmp_path, "!Sub arn:aws:sns:${AWS::Region}:${AWS::AccountId}:alerts")
    code, found = results(path)
    result = found["TopicPolicy"]
    assert (code, result["verdict"]) == (1, "vulnerable")
    assert result["counterexample"]["context"]["aws:SourceAccount"] != WRITTEN


@pytest.mark.parametrize("resource", ["!Sub arn:aws:sns:${AWS::Region}:${AWS::AccountId}:alerts",
                                      f"arn:aws:sns:us-east-1:{WRITTEN}:alerts", "'*'"])
def test_a_pinned_policy_is_safe_whoever_owns_the_resource(tmp_path, resource):
    path = _template(tmp_path, resource, PINNED)
    code, found = results(path)
    result = found["TopicPolicy"]
    assert (code, result["verdict"]) == (0, "safe")
    assert any("the request's resource is an ARN in any account" in a for a in result["assumptions"])


PERMISSION = f"""\
Resources:
  Perm:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: arn:aws:lambda:us-east-1:{WRITTEN}:function:f
      Action: lambda:InvokeFunction
      Principal: s3.amazonaws.com
      SourceArn: arn:aws:s3:::my-bucket
SOURCE"""

QUEUE = f"""\
Resources:
  QueuePolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [https://sqs.us-east-1.amazonaws.com/{WRITTEN}/jobs]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {{Service: sns.amazonaws.com}}
            Action: sqs:SendMessage
            Resource: arn:aws:sqs:us-east-1:{WRITTEN}:jobs
SOURCE"""


@pytest.mark.parametrize("template, pinned", [
    (PERMISSION, f'      SourceAccount: "{WRITTEN}"\n'),
    (QUEUE, f"            Condition: {{StringEquals: {{aws:SourceAccount: '{WRITTEN}'}}}}\n"),
], ids=["lambda-function-arn", "queue-url"])
def test_a_function_arn_or_queue_url_states_the_owner(tmp_path, template, pinned):
    path = tmp_path / "t.yaml"
    path.write_text(template.replace("SOURCE", pinned))
    code, found = results(str(path))
    (result,) = found.values()
    assert (code, result["verdict"]) == (0, "safe"), result["message"]
    assert any(f"the owner's account is {WRITTEN}, from the" in a for a in result["assumptions"])
    path.write_text(template.replace("SOURCE", ""))
    code, found = results(str(path))
    (result,) = found.values()
    assert (code, result["verdict"]) == (1, "vulnerable")
    assert result["counterexample"]["context"]["aws:SourceAccount"] != WRITTEN
