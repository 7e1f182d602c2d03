"""The owner of a Terraform plan's policies without --account: what the
plan states (a resource's own ARN, the account Terraform ran as, the one
account its resources name), said as an assumption; with several
candidates, never a guess that makes the owner's own account foreign."""

from __future__ import annotations

import json

from tests.test_sources_cloudformation import results

OWNER = "111122223333"
OTHER = "444455556666"


def trust(condition=None) -> str:
    statement = {"Effect": "Allow", "Principal": {"Service": "rekognition.amazonaws.com"},
                 "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


PINNED = trust({"StringEquals": {"aws:SourceAccount": OWNER}})


def role(name: str, policy: str, arn: str | None = None) -> dict:
    after = {"name": name, "assume_role_policy": policy}
    if arn:
        after["arn"] = arn
    return {"address": f"aws_iam_role.{name}", "mode": "managed", "type": "aws_iam_role", "name": name,
            "change": {"actions": ["create"], "after": after, "after_unknown": {} if arn else {"arn": True}}}


def plan(tmp_path, changes: list, **more) -> str:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"format_version": "1.2", "terraform_version": "1.9.0", "resource_changes": changes,
                                **more}, indent=2))
    return str(path)


def caller(account: str) -> dict:
    return {"values": {"root_module": {"resources": [{
        "address": "data.aws_caller_identity.current", "mode": "data", "type": "aws_caller_identity",
        "name": "current", "values": {"account_id": account, "arn": f"arn:aws:iam::{account}:user/ci"}}]}}}


def test_the_owner_is_the_account_in_the_roles_own_arn(tmp_path):
    path = plan(tmp_path, [role("pinned", PINNED, f"arn:aws:iam::{OWNER}:role/pinned")])
    code, found = results(path)
    result = found["aws_iam_role.pinned"]
    assert (code, result["verdict"]) == (0, "safe")  # was vulnerable: a placeholder made the owner foreign
    assert any(f"the owner's account is {OWNER}, from the identifier of aws_iam_role.pinned" in a
               for a in result["assumptions"])


def test_the_owner_is_the_account_terraform_ran_as(tmp_path):
    path = plan(tmp_path, [role("pinned", PINNED)], prior_state=caller(OWNER))
    code, found = results(path)
    result = found["aws_iam_role.pinned"]
    assert (code, result["verdict"]) == (0, "safe")
    assert any("data.aws_caller_identity" in a and OWNER in a for a in result["assumptions"])


def test_the_one_account_the_plans_resources_name(tmp_path):
    queue = {"address": "aws_sqs_queue.q", "mode": "managed", "type": "aws_sqs_queue", "name": "q",
             "change": {"actions": ["no-op"], "after": {"arn": f"arn:aws:sqs:us-east-1:{OWNER}:q"},
                        "after_unknown": {}}}
    code, found = results(plan(tmp_path, [role("pinned", PINNED), queue]))
    assert found["aws_iam_role.pinned"]["verdict"] == "safe"
    assert any("the only account in the ARNs" in a for a in found["aws_iam_role.pinned"]["assumptions"])


def test_several_candidates_and_none_stated_is_unknown_not_a_guess(tmp_path):
    changes = [role("pinned", PINNED), role("open", trust()),
               role("a", trust({"StringEquals": {"aws:SourceAccount": OWNER}}), f"arn:aws:iam::{OWNER}:role/a"),
               role("b", trust({"StringEquals": {"aws:SourceAccount": OWNER}}), f"arn:aws:iam::{OTHER}:role/b")]
    code, found = results(plan(tmp_path, changes))
    pinned = found["aws_iam_role.pinned"]
    assert pinned["verdict"] == "unknown" and "give --account" in pinned["message"]
    assert OWNER in pinned["message"]
    # vulnerable whichever of the named accounts owns it
    assert found["aws_iam_role.open"]["verdict"] == "vulnerable"
    assert found["aws_iam_role.open"]["counterexample"]["context"]["aws:SourceAccount"] not in (OWNER, OTHER)
    # a resource that names its own account is decided by it
    assert found["aws_iam_role.a"]["verdict"] == "safe"
    assert found["aws_iam_role.b"]["verdict"] == "vulnerable"
    assert code == 1
    # --account decides for the policies whose resource does not say
    code, found = results(plan(tmp_path, changes), "--account", OWNER)
    assert found["aws_iam_role.pinned"]["verdict"] == "safe"


def test_account_flag_overrides_what_terraform_ran_as(tmp_path):
    path = plan(tmp_path, [role("pinned", PINNED)], prior_state=caller(OTHER))
    code, found = results(path)
    assert found["aws_iam_role.pinned"]["verdict"] == "vulnerable"  # the plan says it runs in 444455556666
    code, found = results(path, "--account", OWNER)
    assert found["aws_iam_role.pinned"]["verdict"] == "safe"


def test_planned_values_are_read_beside_resource_changes(tmp_path):
    planned = {"root_module": {"resources": [
        {"address": "aws_iam_role.pinned", "mode": "managed", "type": "aws_iam_role", "name": "pinned",
         "values": {"name": "pinned", "assume_role_policy": trust()}},
        {"address": "module.m.aws_iam_role.kept", "mode": "managed", "type": "aws_iam_role", "name": "kept",
         "values": {"name": "kept", "assume_role_policy": trust()}}]}}
    code, found = results(plan(tmp_path, [role("pinned", PINNED)], planned_values=planned), "--account", OWNER)
    # resource_changes wins for a resource both list; planned_values adds the others
    assert {a: r["verdict"] for a, r in found.items()} == {"aws_iam_role.pinned": "safe",
                                                          "module.m.aws_iam_role.kept": "vulnerable"}


def test_an_empty_resource_changes_is_reported_not_silent(tmp_path):
    path = plan(tmp_path, [])
    code, found = results(path, "--account", OWNER)
    (result,) = found.values()
    assert (code, result["verdict"]) == (2, "error")
    assert "resource_changes is empty" in result["message"] and result["message"].startswith(f"{path}:")
