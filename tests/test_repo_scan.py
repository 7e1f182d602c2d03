"""``deputy check`` on a repository shaped like a real one
(``tests/data/repo``): templates for several services, policies, a plan,
package.json, node_modules/, cdk.out/, .terraform/, a .gitignore with
ignored files. Exact verdicts for every policy, the exact skipped count,
the exit code.

The repository is copied first: inside deputy's own checkout its ignored
files are tracked, and git never ignores a tracked file."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.test_walk import run

REPO = Path(__file__).resolve().parent / "data" / "repo"
OWNER = "111122223333"
SKIPPED = {"cdk.json", "package.json", "tsconfig.json", ".github/workflows/ci.yml", "infra/stack-config.json",
           "infra/params/prod.json"}

# The default question: every deputy each policy names, every action.
DEFAULT = {
    "infra/analytics-role.json [VideoAnalysisRole]": "safe",
    "infra/functions.yaml [WorkerRole]": "vulnerable",  # lambda.amazonaws.com, unconditioned
    "infra/functions.yaml [NightlyPermission]": "safe",
    "infra/functions.yaml [UploadPermission]": "vulnerable",  # s3.amazonaws.com, bucket ARN only
    "infra/messaging.yaml [OrderQueuePolicy]": "safe",
    "infra/messaging.yaml [AuditQueuePolicy]": "vulnerable",  # sns.amazonaws.com, unpinned
    "policies/config-bucket.json": "safe",
    "policies/rekognition-stream-trust.json": "vulnerable",
    "terraform/plan.json [aws_iam_role.media_pinned]": "safe",
    "terraform/plan.json [aws_iam_role.media_open]": "vulnerable",
}
IGNORED = {"dist/role.json": "vulnerable", "infra/trust.generated.json": "vulnerable"}


@pytest.fixture
def repo(tmp_path) -> Path:
    return Path(shutil.copytree(REPO, tmp_path / "repo"))


def check(root: Path, *argv) -> tuple[int, dict, list[str]]:
    code, out, err = run("check", str(root), *argv, "--format", "json")
    assert "Traceback" not in err
    document = json.loads(out)
    verdicts = {}
    for r in document["results"]:
        name = Path(r["path"]).relative_to(root).as_posix()
        resource = r["source"]["resource"]
        verdicts[f"{name} [{resource}]" if resource else name] = r["verdict"]
    skipped = sorted(Path(s["path"]).relative_to(root).as_posix() for s in document["skipped"])
    return code, verdicts, skipped


def test_outside_a_git_work_tree(repo):
    code, verdicts, skipped = check(repo, "--account", OWNER)
    assert verdicts == DEFAULT | IGNORED  # .gitignore means nothing here
    assert skipped == sorted(SKIPPED)
    assert code == 1


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed: .gitignore is not asked")
def test_inside_a_git_work_tree(repo):
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    code, verdicts, skipped = check(repo, "--account", OWNER)
    assert verdicts == DEFAULT
    assert skipped == sorted(SKIPPED)
    assert code == 1
    code, out, err = run("check", str(repo), "--account", OWNER)
    assert out.splitlines()[-2:] == ["10 policies: 5 safe, 5 vulnerable, 0 unknown, 0 error",
                                     "skipped 6 files that are not policies (-v lists them)"]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed: .gitignore is not asked")
def test_without_account_policy_files_alone_are_errors(repo):
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    code, verdicts, skipped = check(repo)
    # templates use a placeholder for AWS::AccountId; the plan states the
    # account Terraform ran as; a policy file says nothing about its owner
    assert verdicts == DEFAULT | {"policies/config-bucket.json": "error",
                                  "policies/rekognition-stream-trust.json": "error"}
    assert code == 1


@pytest.mark.parametrize("service, action, expected", [
    ("sns.amazonaws.com", "sqs:SendMessage", {"infra/messaging.yaml [OrderQueuePolicy]": "safe",
                                              "infra/messaging.yaml [AuditQueuePolicy]": "vulnerable"}),
    ("events.amazonaws.com", "lambda:InvokeFunction", {"infra/functions.yaml [NightlyPermission]": "safe"}),
    ("s3.amazonaws.com", "lambda:InvokeFunction", {"infra/functions.yaml [UploadPermission]": "vulnerable"}),
    ("lambda.amazonaws.com", "sts:AssumeRole", {"infra/functions.yaml [WorkerRole]": "vulnerable"}),
    ("config.amazonaws.com", "s3:PutObject", {"policies/config-bucket.json": "safe"}),
])
def test_each_deputy_of_the_repository(repo, service, action, expected):
    code, verdicts, _ = check(repo, "--account", OWNER, "--service", service, "--action", action)
    assert {k: verdicts[k] for k in expected} == expected
    assert "unknown" not in verdicts.values() and "error" not in verdicts.values()
