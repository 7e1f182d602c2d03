"""``deputy fix`` on CloudFormation templates and Terraform plans: the
repair is written into the template's own text (short tags, comments and
layout kept outside the changed lines), the repaired template is read again
and every policy in it proved, and a plan's repaired policies are printed
with their resource addresses."""

from __future__ import annotations

import difflib
import io
import json
import shutil
from pathlib import Path

import pytest

from tests.builders import CORPUS_ROOT
from verifier.cli import main
from verifier import fixing
from verifier.debug.templatetext import ACCOUNT, Editor, Intrinsic
from verifier.sources.yamltree import parse_yaml

DATA = Path(__file__).resolve().parent / "data"
OWNER = "111122223333"
CORPUS = CORPUS_ROOT / "cfn"


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    assert "Traceback" not in err.getvalue()
    return code, out.getvalue(), err.getvalue()


def verdicts(path, *argv) -> dict[str, str]:
    code, out, _ = run("check", str(path), *argv, "--format", "json")
    return {r["source"]["resource"]: r["verdict"] for r in json.loads(out)["results"]}


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    """The lines the repair removed and the lines it added."""
    removed, added = [], []
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0):
        if line.startswith("-") and not line.startswith("---"):
            removed.append(line[1:])
        elif line.startswith("+") and not line.startswith("+++"):
            added.append(line[1:])
    return removed, added


def fix_json(path, *argv) -> tuple[int, dict]:
    code, out, _ = run("fix", str(path), *argv, "--format", "json")
    return code, json.loads(out)


# -- the repository's templates ---------------------------------------------------------------


def test_repository_template_is_repaired_in_place_and_proved(tmp_path):
    path = tmp_path / "functions.yaml"
    shutil.copy(DATA / "repo" / "infra" / "functions.yaml", path)
    before = path.read_text()
    assert verdicts(path) == {"WorkerRole": "vulnerable", "NightlyPermission": "safe",
                              "UploadPermission": "vulnerable"}
    code, document = fix_json(path)
    assert code == 0 and document["status"] == "repaired" and document["format"] == "cloudformation"
    assert [(p["resource"], p["status"]) for p in document["policies"]] == [
        ("WorkerRole", "repaired"), ("NightlyPermission", "already-safe"), ("UploadPermission", "repaired")]
    assert path.read_text() == before  # nothing written without --write
    removed, added = changed_lines(before, document["policy"])
    assert removed == []
    assert added == ["            Condition:", "              StringEquals:",
                     "                aws:SourceAccount: !Ref AWS::AccountId",
                     "      SourceAccount: !Ref AWS::AccountId"]
    code, document = fix_json(path, "--write")
    assert code == 0 and document["written"] is True and path.read_text() == document["policy"]
    assert set(verdicts(path).values()) == {"safe"}
    assert set(verdicts(path, "--account", OWNER).values()) == {"safe"}
    code, out, _ = run("fix", str(path))
    assert code == 0 and "ALREADY-SAFE: every policy is already safe" in out


def test_text_output_names_each_resource_and_the_owner_placeholder(tmp_path):
    path = tmp_path / "messaging.yaml"
    shutil.copy(DATA / "repo" / "infra" / "messaging.yaml", path)
    code, out, _ = run("fix", str(path))
    assert code == 0
    assert out.splitlines()[0] == f"{path}: REPAIRED: repaired 1 of 2 policies (AuditQueuePolicy)"
    assert "  assuming the owner's account is not stated (give --account); the placeholder" in out
    assert "  [OrderQueuePolicy] ALREADY-SAFE: the policy is already safe: no change needed" in out
    assert "    statement 0 at line 33: added StringEquals aws:SourceAccount !Ref AWS::AccountId" in out
    assert "+                aws:SourceAccount: !Ref AWS::AccountId" in out


# -- the kinds of edit, in YAML and JSON ------------------------------------------------------

KINDS = """\
AWSTemplateFormatVersion: "2010-09-09"
# top comment
Resources:
  Jobs:
    Type: AWS::SQS::Queue
  SchedulerRole:
    Type: 'AWS::IAM::Role'
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow   # the deputy
            Principal:
              Service: scheduler.amazonaws.com
            Action: sts:AssumeRole
            Condition:
              StringEqualsIfExists:
                aws:SourceAccount: !Ref AWS::AccountId   # keep me
  JobsPolicy:
    Type: 'AWS::SQS::QueuePolicy'
    Properties:
      Queues:
        - !Ref Jobs
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal:
              Service: sns.amazonaws.com
            Action: 'sqs:SendMessage'
            Resource: !GetAtt Jobs.Arn
            Condition:
              StringEquals:
                aws:SourceAccount:
                  - !Ref AWS::AccountId
                  - "444455556666"   # a partner
          - {Effect: Allow, Principal: {Service: events.amazonaws.com}, Action: sqs:SendMessage, Resource: '*'}
  Fn:
    Type: AWS::Lambda::Function
  Perm:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Fn
      Action: lambda:InvokeFunction
      Principal: sns.amazonaws.com
      SourceArn: arn:aws:sns:us-east-1:*:alerts   # any account's topic
"""


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_each_kind_of_edit_changes_only_its_lines(tmp_path, newline):
    path = tmp_path / "t.yaml"
    path.write_bytes(KINDS.replace("\n", newline).encode())
    code, document = fix_json(path, "--account", OWNER, "--write")
    assert code == 0 and [p["status"] for p in document["policies"]] == ["repaired"] * 3
    text = path.read_bytes().decode()
    assert text.count("\r\n") == (text.count("\n") if newline == "\r\n" else 0)
    removed, added = changed_lines(KINDS, text.replace("\r\n", "\n"))
    assert removed == ["              StringEqualsIfExists:",
                       "                aws:SourceAccount:", "                  - !Ref AWS::AccountId",
                       '                  - "444455556666"   # a partner',
                       "          - {Effect: Allow, Principal: {Service: events.amazonaws.com}, Action: "
                       "sqs:SendMessage, Resource: '*'}"]
    assert added == ["              StringEquals:",
                     "                aws:SourceAccount: !Ref AWS::AccountId",
                     "          - {Effect: Allow, Principal: {Service: events.amazonaws.com}, Action: "
                     "sqs:SendMessage, Resource: '*', Condition: {StringEquals: {\"aws:SourceAccount\": "
                     "!Ref AWS::AccountId}}}",
                     "      SourceAccount: !Ref AWS::AccountId"]
    assert "# top comment" in text and "# keep me" in text and "# the deputy" in text
    assert set(verdicts(path, "--account", OWNER).values()) == {"safe"}


JSON_TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Resources": {
        "Bucket": {"Type": "AWS::S3::Bucket"},
        "BucketPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {
            "Bucket": {"Ref": "Bucket"},
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
                 "Resource": {"Fn::Sub": "${Bucket.Arn}/*"}}]}}}}}


def test_json_template_gets_the_long_form(tmp_path):
    path = tmp_path / "t.json"
    path.write_text(json.dumps(JSON_TEMPLATE, indent=2))
    before = path.read_text()
    code, document = fix_json(path, "--write")
    assert code == 0 and document["written"]
    removed, added = changed_lines(before, path.read_text())
    assert removed == ["              }"]  # the last member's end gains a comma
    assert added == ["              },", '              "Condition": {"StringEquals": {"aws:SourceAccount": '
                     '{"Ref": "AWS::AccountId"}}}']
    assert json.loads(path.read_text())["Resources"]["BucketPolicy"]["Properties"]["PolicyDocument"]["Statement"][0][
        "Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    assert verdicts(path) == {"BucketPolicy": "safe"}


# -- what is not repaired, and why ------------------------------------------------------------

STRING_POLICY = """\
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'
  Open:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {Service: glue.amazonaws.com}, Action: sts:AssumeRole}
"""


def test_a_policy_written_as_a_string_is_reported_and_the_rest_repaired(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(STRING_POLICY)
    code, document = fix_json(path, "--write")
    assert code == 1  # one vulnerable policy is left
    assert [(p["resource"], p["status"]) for p in document["policies"]] == [("Role", "failed"), ("Open", "repaired")]
    assert "not written as a mapping" in document["policies"][0]["message"]
    assert document["written"] is True
    assert verdicts(path) == {"Role": "vulnerable", "Open": "safe"}


def test_a_repair_that_does_not_verify_is_not_written(tmp_path, monkeypatch):
    path = tmp_path / "functions.yaml"
    shutil.copy(DATA / "repo" / "infra" / "functions.yaml", path)
    before = path.read_text()
    real, calls = fixing._verify, []

    def refuse_worker_role(*args):
        calls.append(args)
        return ("WorkerRole", "refused for the test") if len(calls) == 1 else real(*args)

    monkeypatch.setattr(fixing, "_verify", refuse_worker_role)
    code, document = fix_json(path, "--write")
    statuses = {p["resource"]: (p["status"], p["message"]) for p in document["policies"]}
    assert code == 1 and statuses["WorkerRole"] == (
        "failed", "cannot repair: the repaired template did not verify (refused for the test)")
    assert statuses["UploadPermission"][0] == "repaired"
    removed, added = changed_lines(before, path.read_text())
    assert removed == [] and added == ["      SourceAccount: !Ref AWS::AccountId"] and len(calls) == 2


def test_a_safe_policy_that_would_not_stay_safe_stops_every_repair(tmp_path, monkeypatch):
    path = tmp_path / "functions.yaml"
    shutil.copy(DATA / "repo" / "infra" / "functions.yaml", path)
    before = path.read_text()
    monkeypatch.setattr(fixing, "_verify", lambda *args: ("NightlyPermission", "refused for the test"))
    code, document = fix_json(path, "--write")
    assert code == 1 and document["status"] == "failed" and document["written"] is False
    assert [p["status"] for p in document["policies"]] == ["failed", "already-safe", "failed"]
    assert path.read_text() == before


def test_a_policy_file_without_an_account_is_an_error(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    code, _, err = run("fix", str(path))
    assert code == 2 and "give --account" in err


# -- Terraform plans ---------------------------------------------------------------------------


def test_plan_prints_the_repaired_policy_and_its_address():
    code, document = fix_json(DATA / "repo" / "terraform" / "plan.json")
    assert code == 0 and document["format"] == "terraform" and document["policy"] is None
    fixes = {p["resource"]: p for p in document["policies"]}
    assert fixes["aws_iam_role.media_pinned"]["status"] == "already-safe"
    fixed = fixes["aws_iam_role.media_open"]
    assert fixed["status"] == "repaired"
    assert json.loads(fixed["policy"])["Statement"][0]["Condition"] == {"StringEquals": {"aws:SourceAccount": OWNER}}
    assert fixed["assumptions"] == ["the owner's account is 111122223333, the account Terraform ran as "
                                    "(data.aws_caller_identity in the plan); --account overrides it"]


def test_plan_lambda_permission_gets_the_argument_to_set(tmp_path):
    plan = {"format_version": "1.2", "terraform_version": "1.9.5", "resource_changes": [{
        "address": "aws_lambda_permission.events", "mode": "managed", "type": "aws_lambda_permission",
        "name": "events", "change": {"actions": ["create"], "after": {
            "action": "lambda:InvokeFunction", "principal": "events.amazonaws.com",
            "function_name": f"arn:aws:lambda:us-east-1:{OWNER}:function:worker"}, "after_unknown": {}}}]}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    code, out, _ = run("fix", str(path))
    assert code == 0
    assert f'      source_account = "{OWNER}"' in out
    code, _, err = run("fix", str(path), "--write")
    assert code == 2 and "cannot edit a Terraform plan" in err
    assert json.loads(path.read_text()) == plan


# -- the corpus --------------------------------------------------------------------------------

SAMPLE = ["0005.yaml", "0010.yaml", "0036.json", "0039.yaml", "0049.json"]


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the shared corpus ({CORPUS}) is not on this machine")
@pytest.mark.parametrize("name", SAMPLE)
def test_corpus_templates_are_repaired_and_then_safe(tmp_path, name):
    path = tmp_path / name
    shutil.copy(CORPUS / name, path)
    path.chmod(0o644)  # the corpus is read-only, and fix --write refuses a read-only file
    before = verdicts(path)
    assert "vulnerable" in before.values()
    code, document = fix_json(path, "--write")
    assert code == 0 and all(p["status"] in ("repaired", "already-safe") for p in document["policies"])
    after = verdicts(path)
    assert after.keys() == before.keys() and set(after.values()) == {"safe"}
    removed, _ = changed_lines((CORPUS / name).read_text(), path.read_text())
    assert all(line.strip() in ("}", "]") for line in removed)  # JSON: a comma after the last member


# -- the text editor ---------------------------------------------------------------------------


def test_editor_adds_after_a_block_scalar_and_at_an_end_without_newline():
    text = "A:\n  B: |\n    text\n  C: 1\nD:\n  E: 2"
    root = parse_yaml(text, "t.yaml")
    editor = Editor(text, yaml=True)
    editor.add(root.members[0].value, "X", ACCOUNT)
    editor.add(root.members[1].value, "Y", {"K": [Intrinsic("Fn::Sub", "a-${AWS::Region}"), "v"]})
    assert editor.result() == ("A:\n  B: |\n    text\n  C: 1\n  X: !Ref AWS::AccountId\nD:\n  E: 2\n  Y:\n"
                               '    K: [!Sub "a-${AWS::Region}", "v"]')
    text = "A:\n  B: |\n    text\nD: 1\n"
    editor = Editor(text, yaml=True)
    editor.add(parse_yaml(text, "t.yaml").members[0].value, "X", "y")
    assert editor.result() == 'A:\n  B: |\n    text\n  X: "y"\nD: 1\n'


def test_editor_refuses_overlapping_edits():
    text = "A: {B: 1}\n"
    root = parse_yaml(text, "t.yaml")
    editor = Editor(text, yaml=True)
    editor.replace(root.members[0], "x")
    editor.replace(root.members[0], "y")
    with pytest.raises(ValueError):
        editor.result()


ALIASED = """\
Resources:
  A:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: &doc
        Statement:
          - {Effect: Allow, Principal: {Service: glue.amazonaws.com}, Action: sts:AssumeRole}
  B:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: *doc
"""


def test_a_policy_shared_through_a_yaml_alias_is_not_changed_behind_a_failure(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text(ALIASED)
    code, document = fix_json(path, "--write")
    assert code == 1 and [p["status"] for p in document["policies"]] == ["failed", "failed"]
    assert "changed (a YAML alias?)" in document["policies"][1]["message"]
    assert path.read_text() == ALIASED


def test_an_account_export_is_refused_and_a_template_without_policies_needs_nothing(tmp_path):
    code, _, err = run("fix", str(DATA / "sources" / "account-export.json"))
    assert code == 2 and "does not edit account exports" in err
    path = tmp_path / "t.yaml"
    path.write_text("Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n")
    code, document = fix_json(path, "--write")
    assert code == 0 and document["status"] == "already-safe" and document["policies"] == []
    assert path.read_text() == "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n"


def test_a_policy_on_a_value_the_template_does_not_state_names_it_when_it_cannot_be_repaired():
    # ParameterRole pins aws:SourceAccount to !Ref PartnerAccount: deputy read
    # it widened (StringLike '*'), so the text it would edit is not there.
    code, document = fix_json(DATA / "sources" / "cfn-trust.yaml", "--account", "111122223333")
    (fix,) = [p for p in document["policies"] if p["resource"] == "ParameterRole"]
    assert fix["status"] == "failed"
    assert "!Ref PartnerAccount" in fix["message"] and "line 41" in fix["message"]
    assert "StringLike" not in fix["message"]
