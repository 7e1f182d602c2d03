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


def _template(tmp_path, resource: str, condition: str = "") -> str:
    path = tmp_path / "topic.yaml"
    path.write_text(TEMPLATE.replace("RESOURCE", resource).replace("CONDITION", condition))
    return str(path)


def test_a_resource_in_a_written_out_account_is_not_proved_safe_without_the_owner(tmp_path):
    path = _template(tmp_path, f"arn:aws:sns:us-east-1:{WRITTEN}:alerts")
    code, found = results(path)
    result = found["TopicPolicy"]
    assert (code, result["verdict"]) == (3, "unknown")
    assert "give --account" in result["message"]
    # With the owner stated, the same template is vulnerable: the unknown was not a false alarm.
    code, found = results(path, "--account", WRITTEN)
    assert (code, found["TopicPolicy"]["verdict"]) == (1, "vulnerable")


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
