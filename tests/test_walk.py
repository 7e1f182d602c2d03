"""Directory walks read what is a policy, template, plan or export, by
shape; skip the rest (counted, listed with -v); never read dependency and
build directories, --exclude globs or what .gitignore ignores."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.builders import OWNER, policy, statement
from tests.support import trust
from verifier.cli import main
from verifier.sources import walk

PINNED = policy(statement(condition={"StringEquals": {"aws:SourceAccount": OWNER}}))
TEMPLATE = """AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: rekognition.amazonaws.com}
            Action: sts:AssumeRole
"""

NOT_POLICIES = {
    "package.json": '{"name": "app", "version": "1.0.0", "dependencies": {"aws-cdk-lib": "2.0.0"}}',
    "tsconfig.json": '{\n  // comments make this not JSON\n  "compilerOptions": {"strict": true}\n}',
    "cdk.json": '{"app": "npx ts-node bin/app.ts", "context": {}}',
    "params.json": '[{"ParameterKey": "Env", "ParameterValue": "prod"}]',
    "stack-params.json": '{"Parameters": {"Env": "prod"}, "Tags": {"team": "x"}}',
    "arm.json": '{"$schema": "https://schema.management.azure.com/", "resources": []}',
    "serverless.yml": "service: app\nresources:\n  Resources:\n    Queue:\n      Type: AWS::SQS::Queue\n",
    ".github/workflows/ci.yml": "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n",
}


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def tree(root: Path, files: dict) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text if isinstance(text, str) else json.dumps(text, indent=2))
    return root


def checked(*argv) -> tuple[int, list[str], dict]:
    code, out, err = run("check", *argv, "--format", "json")
    assert "Traceback" not in err
    document = json.loads(out)
    root = Path(argv[0])
    names = [Path(r["path"]).relative_to(root).as_posix() for r in document["results"]]
    return code, names, document


def test_only_files_shaped_like_policies_are_read(tmp_path):
    tree(tmp_path, {**NOT_POLICIES, "infra/role.json": trust(), "infra/pinned.json": PINNED,
                    "infra/template.yaml": TEMPLATE, "README.md": "# app"})
    code, names, document = checked(str(tmp_path), "--account", OWNER)
    assert names == ["infra/pinned.json", "infra/role.json", "infra/template.yaml"]
    assert code == 1
    skipped = sorted(Path(s["path"]).relative_to(tmp_path).as_posix() for s in document["skipped"])
    assert skipped == sorted(NOT_POLICIES)


def test_detection_is_by_content_not_by_name(tmp_path):
    # a policy called package.json is read; a broken policy is read (and
    # reported), not skipped; a misspelt Statement is still a policy
    tree(tmp_path, {"package.json": trust(), "broken.json": '{"Version": "2012-10-17", "Statement": [}',
                    "misspelt.json": {"Version": "2012-10-17", "Statment": []}})
    code, names, document = checked(str(tmp_path), "--account", OWNER)
    verdicts = {Path(r["path"]).name: r["verdict"] for r in document["results"]}
    assert verdicts == {"package.json": "vulnerable", "broken.json": "error", "misspelt.json": "error"}
    assert document["skipped"] == []


def test_dependency_and_build_directories_are_not_walked(tmp_path):
    hidden = {f"{d}/role.json": trust() for d in sorted(walk.EXCLUDED_DIRS)}
    tree(tmp_path, {**hidden, "nested/node_modules/pkg/role.json": trust(), "pinned.json": PINNED,
                    ".deputy-fix-abc.json": trust()})
    code, names, document = checked(str(tmp_path), "--account", OWNER)
    assert (code, names, document["skipped"]) == (0, ["pinned.json"], [])


def test_a_directory_named_on_the_command_line_is_walked_even_if_excluded_by_default(tmp_path):
    tree(tmp_path, {"cdk.out/Stack.template.json": {"Resources": {"Role": {
        "Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": trust()}}}}})
    code, names, _ = checked(str(tmp_path / "cdk.out"), "--account", OWNER)
    assert (code, names) == (1, ["Stack.template.json"])


def test_exclude_globs_from_flags_and_from_deputy_toml(tmp_path, monkeypatch):
    tree(tmp_path / "repo", {"legacy/role.json": trust(), "infra/old/role.json": trust(),
                             "infra/new/role.json": trust(), "pinned.json": PINNED})
    repo = str(tmp_path / "repo")
    code, names, _ = checked(repo, "--account", OWNER, "--exclude", "legacy", "--exclude", "infra/old/*")
    assert names == ["pinned.json", "infra/new/role.json"]
    (tmp_path / "deputy.toml").write_text('exclude = ["legacy", "infra/*/role.json"]\n')
    monkeypatch.chdir(tmp_path)
    code, names, _ = checked(repo, "--account", OWNER)
    assert (code, names) == (0, ["pinned.json"])
    # the flag replaces the setting, as every flag does
    code, names, _ = checked(repo, "--account", OWNER, "--exclude", "infra")
    assert names == ["pinned.json", "legacy/role.json"]


def test_globs_skip_what_is_not_a_policy(tmp_path):
    tree(tmp_path, {"a/package.json": NOT_POLICIES["package.json"], "a/role.json": trust(),
                    "node_modules/x/role.json": trust()})
    code, out, err = run("check", str(tmp_path / "**" / "*.json"), "--account", OWNER, "--format", "json")
    document = json.loads(out)
    assert [Path(r["path"]).name for r in document["results"]] == ["role.json"]
    assert [Path(s["path"]).name for s in document["skipped"]] == ["package.json"]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_gitignore_is_honoured_inside_a_git_work_tree(tmp_path):
    tree(tmp_path, {".gitignore": "dist/\n*.generated.json\n", "dist/role.json": trust(),
                    "infra/role.generated.json": trust(), "infra/pinned.json": PINNED})
    code, names, _ = checked(str(tmp_path), "--account", OWNER)
    assert code == 1 and len(names) == 3  # not a work tree yet: .gitignore means nothing
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    code, names, _ = checked(str(tmp_path), "--account", OWNER)
    assert (code, names) == (0, ["infra/pinned.json"])
    code, names, _ = checked(str(tmp_path / "infra"), "--account", OWNER)
    assert names == ["pinned.json"]


def test_without_git_nothing_is_ignored_and_nothing_fails(tmp_path, monkeypatch):
    tree(tmp_path, {".gitignore": "dist/\n", "dist/role.json": trust()})
    monkeypatch.setenv("PATH", str(tmp_path / "no-such-bin"))
    assert walk.git_ignored(str(tmp_path)) == set()
    code, names, _ = checked(str(tmp_path), "--account", OWNER)
    assert (code, names) == (1, ["dist/role.json"])


def test_a_file_named_on_the_command_line_is_read_whatever_it_is(tmp_path):
    tree(tmp_path, NOT_POLICIES)
    code, out, err = run("check", str(tmp_path / "package.json"), "--account", OWNER, "--format", "json")
    (result,) = json.loads(out)["results"]
    assert code == 2 and result["verdict"] == "error"
    assert result["message"].startswith(f"{tmp_path / 'package.json'}:1:")
    code, out, err = run("check", str(tmp_path / "serverless.yml"), "--account", OWNER, "--format", "json")
    assert code == 2 and json.loads(out)["results"][0]["verdict"] == "error"
    # without --account too, the error says what is wrong with it, not that its owner is missing
    code, out, err = run("check", str(tmp_path / "package.json"), "--format", "json")
    (result,) = json.loads(out)["results"]
    assert code == 2 and "unknown element in the policy: 'name'" in result["message"]
    assert "--account" not in result["message"]


def test_skip_other_files_skips_named_files_that_are_not_policies(tmp_path):
    # What a pre-commit hook passes: every staged file, policies or not.
    tree(tmp_path, {**NOT_POLICIES, "pinned.json": PINNED, "broken.json": '{"Version": "2012-10-17", "Statement": [',
                    "deputy-tmp/x.json": PINNED})
    named = [str(tmp_path / name) for name in [*NOT_POLICIES, "pinned.json"]]
    code, out, err = run("check", *named, "--account", OWNER, "--skip-other-files", "--format", "json")
    document = json.loads(out)
    assert code == 0, out
    assert [r["path"] for r in document["results"]] == [str(tmp_path / "pinned.json")]
    assert sorted(s["path"] for s in document["skipped"]) == sorted(named[:-1])
    # a broken policy is still read, so its error fails the run
    code, out, err = run("check", str(tmp_path / "broken.json"), named[0], "--account", OWNER,
                         "--skip-other-files", "--format", "json")
    assert code == 2 and [r["verdict"] for r in json.loads(out)["results"]] == ["error"]
    # an excluded path named on the command line is skipped too
    code, out, err = run("check", str(tmp_path / "deputy-tmp" / "x.json"), "--account", OWNER, "--skip-other-files",
                         "--exclude", "deputy-tmp", "--format", "json")
    assert code == 0 and json.loads(out)["results"] == []


def test_text_output_counts_skipped_files_and_verbose_lists_them(tmp_path):
    tree(tmp_path, {"package.json": NOT_POLICIES["package.json"], "cdk.json": NOT_POLICIES["cdk.json"],
                    "pinned.json": PINNED})
    code, out, err = run("check", str(tmp_path), "--account", OWNER)
    assert code == 0
    assert out.splitlines()[-1] == "skipped 2 files that are not policies (-v lists them)"
    assert "package.json" not in err
    code, out, err = run("check", str(tmp_path), "--account", OWNER, "-v")
    assert out.splitlines()[-1] == "skipped 2 files that are not policies"
    assert sorted(line.split(":")[0] for line in err.splitlines()) == ["deputy", "deputy"]
    assert f"deputy: skipped {tmp_path / 'package.json'}: a JSON document that is not a policy" in err


def test_a_policy_without_an_owner_is_an_error_on_that_file_alone(tmp_path):
    tree(tmp_path, {"a-role.json": trust(), "b-template.yaml": TEMPLATE})
    for jobs in ("1", "2"):
        code, out, err = run("check", str(tmp_path), "--format", "json", "-j", jobs)
        results = json.loads(out)["results"]
        assert code == 1 and "Traceback" not in err  # vulnerable outranks error (exit codes)
        assert [r["verdict"] for r in results] == ["error", "vulnerable"]
        assert results[0]["message"].startswith(f"{tmp_path / 'a-role.json'}:1:1: ")
        assert "--account" in results[0]["message"]
