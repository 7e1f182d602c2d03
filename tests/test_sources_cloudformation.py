"""CloudFormation templates as input: which policies are found, where they
are reported (the template's own lines), and what unresolved values do."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.cli import main

DATA = Path(__file__).resolve().parent / "data" / "sources"
OWNER = "111122223333"


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def results(*argv) -> tuple[int, dict]:
    code, out, err = run("check", *argv, "--format", "json")
    assert "Traceback" not in err
    return code, {r["source"]["resource"]: r for r in json.loads(out)["results"]}


def line_of(path: Path, text: str) -> int:
    """The 1-based line of the first line of ``path`` containing ``text``."""
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if text in line:
            return number
    raise AssertionError(text)


def test_yaml_template_verdicts_and_template_lines():
    template = DATA / "cfn-trust.yaml"
    code, found = results(str(template), "--account", OWNER)
    assert code == 1
    assert set(found) == {"PinnedRole", "OpenRole", "ParameterRole", "ArnRole"}
    assert found["PinnedRole"]["verdict"] == "safe"
    assert found["OpenRole"]["verdict"] == "vulnerable"
    assert found["ArnRole"]["verdict"] == "safe"
    # the statement's line is the template's own line, not a re-serialised one
    assert found["PinnedRole"]["statements"][0]["line"] == line_of(template, "- Sid: AllowRekognition")
    assert found["PinnedRole"]["source"]["line"] == line_of(template, "- Sid: AllowRekognition")
    assert found["OpenRole"]["source"] == {
        "file": str(template), "format": "cloudformation", "resource": "OpenRole",
        "line": line_of(template, "Principal: {Service: rekognition.amazonaws.com}") - 1, "column": 13}


def test_unresolved_parameter_in_a_condition_is_unknown_never_safe():
    code, found = results(str(DATA / "cfn-trust.yaml"), "--account", OWNER)
    param = found["ParameterRole"]
    assert param["verdict"] == "unknown"
    assert "PartnerAccount" in param["message"] and "template parameter" in param["message"]
    line = line_of(DATA / 'cfn-trust.yaml', 'aws:SourceAccount: !Ref PartnerAccount')
    assert f"line {line}" in param["message"]
    assert param["source"]["line"] == line  # located at the unresolved value


def test_only_unknown_gives_exit_3(tmp_path):
    text = (DATA / "cfn-trust.yaml").read_text()
    start = text.index("  PinnedRole:")
    only_param = text[:start] + text[text.index("  ParameterRole:"):text.index("  ArnRole:")]
    path = tmp_path / "param.yaml"
    path.write_text(only_param)
    code, found = results(str(path), "--account", OWNER)
    assert code == 3 and [r["verdict"] for r in found.values()] == ["unknown"]


def test_account_id_without_account_uses_a_stated_placeholder():
    code, found = results(str(DATA / "cfn-trust.yaml"))
    pinned = found["PinnedRole"]
    assert pinned["verdict"] == "safe"
    assert any("placeholder 111122223333" in a for a in pinned["assumptions"])
    assert any("AWS::Region" in a for a in found["ArnRole"]["assumptions"])


def test_placeholder_avoids_accounts_the_template_names(tmp_path):
    text = (DATA / "cfn-trust.yaml").read_text().replace("!Ref PartnerAccount", '"111122223333"')
    path = tmp_path / "t.yaml"
    path.write_text(text)
    code, found = results(str(path))
    # 111122223333 is a literal of the template, so it cannot stand for the
    # unknown owner: the role that trusts it is not proved safe; nor is it
    # vulnerable, since 111122223333 may be the owner's own account
    assert found["ParameterRole"]["verdict"] == "unknown"
    assert "give --account" in found["ParameterRole"]["message"]
    assert any("placeholder 123456789012" in a for a in found["PinnedRole"]["assumptions"])


def test_json_template_resource_policies():
    code, found = results(str(DATA / "cfn-resources.json"), "--account", OWNER, "--service",
                          "logging.s3.amazonaws.com", "--action", "s3:PutObject")
    assert found["LogBucketPolicy"]["verdict"] == "safe"
    assert any('read as "*"' in a for a in found["LogBucketPolicy"]["assumptions"])
    # an unresolved Resource in a Deny cannot be widened: unknown
    assert found["DenyPolicy"]["verdict"] == "unknown"
    assert "LogBucket" in found["DenyPolicy"]["message"]
    assert found["LogBucketPolicy"]["statements"][0]["line"] == 13


def test_lambda_permission_becomes_its_statement():
    code, found = results(str(DATA / "cfn-lambda.yaml"), "--account", OWNER, "--service", "s3.amazonaws.com",
                          "--action", "lambda:InvokeFunction")
    assert found["Invoke"]["verdict"] == "safe"
    assert found["InvokeOpen"]["verdict"] == "vulnerable"
    assert code == 1


def test_lambda_permission_unresolved_source_arn_is_unknown(tmp_path):
    path = tmp_path / "l.yaml"
    path.write_text("Resources:\n  P:\n    Type: AWS::Lambda::Permission\n    Properties:\n"
                    "      Action: lambda:InvokeFunction\n      FunctionName: f\n"
                    "      Principal: s3.amazonaws.com\n      SourceArn: !GetAtt Bucket.Arn\n")
    code, found = results(str(path), "--account", OWNER, "--service", "s3.amazonaws.com", "--action",
                          "lambda:InvokeFunction")
    assert found["P"]["verdict"] == "unknown" and "Bucket.Arn" in found["P"]["message"]


@pytest.mark.parametrize("text, fragment", [
    ("Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: !Bogus x\n",
     ":5:33: unknown YAML tag '!Bogus'"),
    ("Resources:\n  R: [unclosed\n", ":3:1: invalid YAML"),
    ("Resources:\n  R:\n    Type: AWS::IAM::Role\n    Type: AWS::IAM::Role\n", ":4:5: duplicate key 'Type'"),
])
def test_bad_templates_are_one_line_errors(tmp_path, text, fragment):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    code, out, err = run("check", str(path), "--account", OWNER, "--format", "json")
    assert code == 2 and "Traceback" not in err
    (result,) = json.loads(out)["results"]
    assert result["verdict"] == "error"
    assert fragment in result["message"], result["message"]
    assert "\n" not in result["message"]


def test_statement_line_in_an_error_is_the_template_line(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n"
                    "        Statement:\n          - Effect: Allow\n            Principal: {Service: x}\n"
                    "            Actions: sts:AssumeRole\n")
    code, out, _ = run("check", str(path), "--account", OWNER)
    assert code == 2
    assert f"{path}:9:13: unknown element" in out


def test_directory_walk_finds_templates_but_not_other_yaml(tmp_path):
    (tmp_path / "t.yaml").write_text((DATA / "cfn-lambda.yaml").read_text())
    (tmp_path / "workflow.yml").write_text("on: push\njobs: {}\n")
    code, found = results(str(tmp_path), "--account", OWNER)
    assert set(found) == {"Invoke", "InvokeOpen"}


def test_glob(tmp_path):
    (tmp_path / "a.yaml").write_text((DATA / "cfn-lambda.yaml").read_text())
    code, out, _ = run("check", str(tmp_path / "*.yaml"), "--account", OWNER, "--format", "json")
    assert len(json.loads(out)["results"]) == 2


def test_policy_file_still_needs_account(tmp_path):
    path = tmp_path / "p.json"
    path.write_text('{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}}')
    code, out, err = run("check", str(path))
    # an error on that file (the others of a run are still checked: test_walk)
    assert code == 2 and "Traceback" not in err
    assert out.startswith(f"{path}: ERROR: {path}:1:1: ") and "give --account" in out


def test_input_format_override(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text((DATA / "cfn-lambda.yaml").read_text())
    code, out, _ = run("check", str(path), "--account", OWNER, "--input-format", "cloudformation",
                       "--format", "json")
    assert len(json.loads(out)["results"]) == 2


BUCKET_POLICY = """\
Resources:
  Bucket:
    Type: AWS::S3::Bucket
  Reader:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {{AWS: !Sub "arn:aws:iam::${{AWS::AccountId}}:root"}}
            Action: sts:AssumeRole
  Policy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Bucket
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {{Service: logging.s3.amazonaws.com, AWS: !GetAtt Reader.Arn}}
            Action: s3:PutObject
            Resource: !Sub "${{Bucket.Arn}}/*"
{allow_condition}
          - Sid: DenyInsecure
            Effect: Deny
            Principal: "*"
            Action: "s3:*"
            Resource: [!GetAtt Bucket.Arn, !Sub "${{Bucket.Arn}}/*"]
            Condition:
{deny_condition}
"""

S3 = ("--service", "logging.s3.amazonaws.com", "--action", "s3:PutObject")


def bucket_template(tmp_path, allow_condition="", deny_condition="") -> str:
    path = tmp_path / "bucket.yaml"
    path.write_text(BUCKET_POLICY.format(allow_condition=allow_condition, deny_condition=deny_condition))
    return str(path)


def test_unresolved_resource_of_a_deny_safe_without_it(tmp_path):
    """The common bucket policy: an Allow pinned to the owner, and a Deny of
    insecure transport over the bucket's ARN (known only after deployment)."""
    path = bucket_template(tmp_path, "            Condition: {StringEquals: {aws:SourceAccount: !Ref AWS::AccountId}}",
                           "              Bool: {aws:SecureTransport: 'false'}")
    code, found = results(path, "--account", OWNER, *S3)
    policy = found["Policy"]
    assert policy["verdict"] == "safe", policy["message"]
    assert any("were left out" in a for a in policy["assumptions"])
    assert any("no such principal is a service principal" in a for a in policy["assumptions"])
    assert policy["statements"][0]["index"] == 0


def test_unresolved_resource_of_a_deny_vulnerable_with_it_everywhere(tmp_path):
    path = bucket_template(tmp_path, "", "              Bool: {aws:SecureTransport: 'false'}")
    code, found = results(path, "--account", OWNER, *S3)
    policy = found["Policy"]
    assert policy["verdict"] == "vulnerable"
    assert any("applying to every resource" in a for a in policy["assumptions"])


def test_unresolved_resource_of_a_deny_that_decides_is_unknown(tmp_path):
    path = bucket_template(tmp_path, "",
                           "              StringNotEquals: {aws:SourceAccount: !Ref AWS::AccountId}")
    code, found = results(path, "--account", OWNER, *S3)
    policy = found["Policy"]
    assert policy["verdict"] == "unknown"
    assert "Deny statement(s) at line 24" in policy["message"] and "Bucket.Arn" in policy["message"]
    assert code == 3


def test_a_parameter_in_principal_aws_is_unknown(tmp_path):
    text = BUCKET_POLICY.format(allow_condition="", deny_condition="              Bool: {aws:SecureTransport: 'false'}")
    text = "Parameters:\n  Partner: {Type: String}\n" + text.replace("!GetAtt Reader.Arn", "!Ref Partner")
    path = tmp_path / "p.yaml"
    path.write_text(text)
    code, found = results(str(path), "--account", OWNER, *S3)
    # a parameter may be "*", which would admit the service
    assert found["Policy"]["verdict"] == "unknown" and "Partner" in found["Policy"]["message"]


WIDEN = """\
Parameters:
  Acct: {{Type: String}}
Resources:
  Api: {{Type: AWS::ApiGatewayV2::Api}}
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {{Service: rekognition.amazonaws.com}}
            Action: sts:AssumeRole
            Condition:
              {operator}: {{aws:SourceArn: {value}}}
{more}"""

OPEN_STATEMENT = """\
          - Effect: Allow
            Principal: {Service: rekognition.amazonaws.com}
            Action: sts:AssumeRole
"""


@pytest.mark.parametrize("operator, value, more, verdict", [
    # the unknown part is in the resource part: the account stays pinned
    ("ArnLike", '!Sub "arn:aws:rekognition:${AWS::Region}:${AWS::AccountId}:${Api}/*"', "", "safe"),
    ("ArnLike", '!Sub "arn:aws:rekognition:us-east-1:${Acct}:*"', "", "unknown"),  # in the account part
    ("StringLike", "!Ref Acct", "", "unknown"),  # wide open when widened, and the request depends on it
    ("StringLike", "!Ref Acct", OPEN_STATEMENT, "vulnerable"),  # allowed whatever Acct is
    ("ArnNotLike", '!Sub "arn:aws:rekognition:*:${AWS::AccountId}:${Api}"', "", "unknown"),  # not a widening
])
def test_like_conditions_with_unknown_parts(tmp_path, operator, value, more, verdict):
    path = tmp_path / "w.yaml"
    path.write_text(WIDEN.format(operator=operator, value=value, more=more))
    code, found = results(str(path), "--account", OWNER)
    assert found["Role"]["verdict"] == verdict, found["Role"]["message"]
    if verdict == "unknown":
        assert "Acct" in found["Role"]["message"] or "Api" in found["Role"]["message"]


def test_readme_template_example():
    example = Path(__file__).resolve().parent.parent / "examples" / "s3-lambda-template.yaml"
    code, found = results(str(example), "--account", OWNER, "--service", "s3.amazonaws.com", "--action",
                          "lambda:InvokeFunction")
    assert code == 1
    assert found["InvokePermission"]["verdict"] == "vulnerable"
    assert found["InvokePermission"]["statements"][0]["line"] == 25
    assert found["FixedPermission"]["verdict"] == "safe"


def test_placeholder_avoids_accounts_the_template_assembles(tmp_path):
    """A !Join can build the first candidate placeholder from pieces; it must
    still not stand for the unknown owner."""
    text = (DATA / "cfn-trust.yaml").read_text().replace(
        "!Ref PartnerAccount", '!Join ["", ["1111", "22223333"]]')
    path = tmp_path / "t.yaml"
    path.write_text(text)
    code, found = results(str(path))
    assert found["ParameterRole"]["verdict"] == "unknown"  # not safe; vulnerable only if it is not the owner
    assert "111122223333" in found["ParameterRole"]["message"]
    assert any("placeholder 123456789012" in a for a in found["PinnedRole"]["assumptions"])
    assert found["PinnedRole"]["verdict"] == "safe"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="12?*[]:", max_size=8), st.text(alphabet="12?*[]:/", max_size=8))
def test_placeholder_wildcards_match_as_fnmatch_does(text, pattern):
    """The placeholder's own matcher (no regular expression per pattern)
    against ``fnmatchcase`` with ``[`` escaped: ``*`` and ``?`` wildcards,
    every other character itself."""
    from fnmatch import fnmatchcase

    from verifier.sources.owner import wildcard_match

    assert wildcard_match(text, pattern) == fnmatchcase(text, pattern.replace("[", "[[]"))


def test_transform_is_warned_about(tmp_path):
    path = tmp_path / "sam.yaml"
    path.write_text("Transform: AWS::Serverless-2016-10-31\n" + (DATA / "cfn-lambda.yaml").read_text())
    code, found = results(str(path), "--account", OWNER)
    assert all(any("Transform" in w for w in r["warnings"]) for r in found.values())


IF_TEMPLATE = """\
Conditions:
  Pinned: !Equals [!Ref Mode, pinned]
Parameters:
  Mode: {{Type: String}}
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {{Service: rekognition.amazonaws.com}}
            Action: sts:AssumeRole
            Condition: !If
              - Pinned
              - {{StringEquals: {{aws:SourceAccount: !Ref AWS::AccountId}}}}
              - {other}
"""


@pytest.mark.parametrize("other, verdict", [
    ("{ArnLike: {aws:SourceArn: !Sub 'arn:aws:rekognition:*:${AWS::AccountId}:*'}}", "safe"),
    ("!Ref AWS::NoValue", "vulnerable"),  # unconditioned when not Pinned
])
def test_if_is_checked_under_each_condition(tmp_path, other, verdict):
    path = tmp_path / "if.yaml"
    path.write_text(IF_TEMPLATE.format(other=other))
    code, found = results(str(path), "--account", OWNER)
    role = found["Role"]
    assert role["verdict"] == verdict, role["message"]
    if verdict == "vulnerable":
        assert any("Pinned=false" in a for a in role["assumptions"])
    else:
        assert any("each of the 2 assignments" in a for a in role["assumptions"])


def test_policy_as_a_sub_json_string_without_account(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text('Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n'
                    '        Fn::Sub: |\n          {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",\n'
                    '            "Principal": {"Service": "rekognition.amazonaws.com"},\n'
                    '            "Condition": {"StringEquals": {"aws:SourceAccount": "${AWS::AccountId}"}}}]}\n')
    code, found = results(str(path))
    assert found["R"]["verdict"] == "safe", found["R"]["message"]
    assert found["R"]["source"]["line"] == 6
