"""Terraform plans (terraform show -json) and account exports as input."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_sources_cloudformation import line_of, results, run

DATA = Path(__file__).resolve().parent / "data" / "sources"
OWNER = "111122223333"


def test_plan_policies_verdicts_and_lines():
    plan = DATA / "tf-plan.json"
    code, found = results(str(plan), "--account", OWNER)
    assert code == 1
    assert set(found) == {"aws_iam_role.open", "aws_iam_role.pinned", "aws_iam_role.later",
                          "aws_lambda_permission.s3"}
    assert found["aws_iam_role.open"]["verdict"] == "vulnerable"
    assert found["aws_iam_role.pinned"]["verdict"] == "safe"
    # positions inside the policy string point to the plan line of the string
    line = line_of(plan, '"Sid\\": \\"Pinned')
    assert found["aws_iam_role.pinned"]["statements"][0]["line"] == line
    assert found["aws_iam_role.pinned"]["source"]["line"] == line
    assert found["aws_iam_role.pinned"]["source"]["format"] == "terraform"


def test_plan_values_known_only_after_apply_are_unknown():
    code, found = results(str(DATA / "tf-plan.json"), "--account", OWNER)
    later = found["aws_iam_role.later"]
    assert later["verdict"] == "unknown" and "known only after apply" in later["message"]
    perm = found["aws_lambda_permission.s3"]
    assert perm["verdict"] == "unknown" and "source_arn" in perm["message"]


def test_plan_bad_policy_string_is_an_error_at_the_string(tmp_path):
    plan = json.loads((DATA / "tf-plan.json").read_text())
    plan["resource_changes"][0]["change"]["after"]["assume_role_policy"] = '{"Statement": [}'
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan, indent=2))
    code, found = results(str(path), "--account", OWNER)
    bad = found["aws_iam_role.open"]
    assert bad["verdict"] == "error"
    assert bad["message"].startswith(f"{path}:{line_of(path, 'assume_role_policy')}:")
    assert "aws_iam_role.open.assume_role_policy" in bad["message"]


def test_plan_without_account_uses_a_placeholder():
    code, found = results(str(DATA / "tf-plan.json"))
    # the plan states no account: the pinned account is a literal of the policy,
    # so the placeholder is another account and the role trusting 111122223333 is
    # not proved safe, nor vulnerable (111122223333 may be the owner)
    assert found["aws_iam_role.pinned"]["verdict"] == "unknown"
    assert "give --account" in found["aws_iam_role.pinned"]["message"]
    assert found["aws_iam_role.open"]["verdict"] == "vulnerable"  # whoever owns it
    assert any("placeholder" in a for a in found["aws_iam_role.open"]["assumptions"])


def test_account_export_owner_from_the_role_arn():
    export = DATA / "account-export.json"
    code, found = results(str(export))
    assert code == 1
    assert found["open-role"]["verdict"] == "vulnerable"
    # the owner is the role's account, so the foreign request names another one
    assert "444455556666" not in json.dumps(found["open-role"]["counterexample"])
    encoded = found["encoded-role"]
    assert encoded["verdict"] == "safe"
    assert any("trusted accounts: 111122223333" in a for a in encoded["assumptions"])
    assert encoded["source"]["line"] == line_of(export, '"AssumeRolePolicyDocument": "%7B')
    assert found["open-role"]["statements"][0]["line"] == line_of(export, '"Statement": [') + 1


def test_account_export_account_flag_disagreeing_is_a_warning():
    code, found = results(str(DATA / "account-export.json"), "--account", OWNER)
    assert any("444455556666" in w and "--account" in w for w in found["open-role"]["warnings"])


def test_text_output_names_the_resource():
    code, out, _ = run("check", str(DATA / "tf-plan.json"), "--account", OWNER)
    assert f"{DATA / 'tf-plan.json'} [aws_iam_role.open]: VULNERABLE" in out


def test_a_plan_may_exceed_the_policy_size_limit(tmp_path):
    plan = json.loads((DATA / "tf-plan.json").read_text())
    plan["padding"] = "x" * (1 << 20)  # plans of real stacks are megabytes
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    code, found = results(str(path), "--account", OWNER)
    assert found["aws_iam_role.open"]["verdict"] == "vulnerable"
    policy = tmp_path / "policy.json"
    policy.write_text('{"Statement": [], "Id": "' + "x" * (1 << 20) + '"}')
    code, out, _ = run("check", str(policy), "--account", OWNER)
    assert code == 2 and "larger than 1048576 bytes" in out
