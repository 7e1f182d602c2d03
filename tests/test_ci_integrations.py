"""The hooks that install from the repository: ``.pre-commit-hooks.yaml``
(run by ``pre-commit try-repo`` against a clean clone of this project) and
``action.yml`` (its shell step run with the inputs set as GitHub sets them).

The clone is of the committed HEAD, as pre-commit and GitHub fetch it: an
uncommitted change to the hook files is not what these tests see.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
OWNER = "111122223333"
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com"}


def git(repo: Path, *args) -> str:
    env = {**os.environ, **GIT_ENV}
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True,
                          env=env).stdout.strip()


def small_repository(path: Path) -> Path:
    """A repository with one safe and one vulnerable policy, the owner's
    account in its deputy.toml, and JSON and YAML files that are not
    policies, as every repository has."""
    path.mkdir()
    git(path, "init", "-q")
    (path / "deputy.toml").write_text(f'account = "{OWNER}"\n')
    shutil.copy(EXAMPLES / "rekognition-trust-fixed.json", path / "safe.json")
    shutil.copy(EXAMPLES / "rekognition-trust-vulnerable.json", path / "vulnerable.json")
    (path / "package.json").write_text('{"name": "app", "version": "1.0.0"}\n')
    (path / ".github" / "workflows").mkdir(parents=True)
    (path / ".github" / "workflows" / "ci.yml").write_text("on: push\njobs: {}\n")
    git(path, "add", ".")
    git(path, "commit", "-qm", "policies")
    return path


def test_the_hook_files_are_where_the_tools_look():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in hooks] == ["deputy"]
    assert hooks[0]["entry"] == "deputy check --skip-other-files" and hooks[0]["language"] == "python"
    assert re.search(hooks[0]["files"], "infra/role.yaml") and not re.search(hooks[0]["files"], "main.py")
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite" and "base" in action["inputs"]
    assert not (ROOT / "docs" / "ci" / "action.yml").exists()
    assert not (ROOT / "docs" / "ci" / "pre-commit-hooks.yaml").exists()


@pytest.mark.skipif(importlib.util.find_spec("pre_commit") is None,
                    reason="pre-commit is not installed here (pip install '.[test]' installs it)")
def test_pre_commit_try_repo_from_a_clean_clone(tmp_path):
    if not (ROOT / ".git").exists():
        pytest.skip("the project is not a git checkout, so there is nothing to clone")
    clone = tmp_path / "deputy"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, capture_output=True)
    repo = small_repository(tmp_path / "small")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit"), "NO_COLOR": "1"}
    env.pop("VIRTUAL_ENV", None)
    # Each try-repo installs deputy from the clone into a fresh environment:
    # the two run side by side. pre-commit passes the files that are not
    # policies too; they must not fail the hook.
    others = ["package.json", ".github/workflows/ci.yml"]
    runs = {name: subprocess.Popen([sys.executable, "-m", "pre_commit", "try-repo", str(clone), "deputy",
                                    "--files", name, *others, "--color", "never"], cwd=repo, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for name in ("safe.json", "vulnerable.json")}
    outcome = {name: (process.communicate(timeout=600)[0], process.returncode) for name, process in runs.items()}
    safe, vulnerable = outcome["safe.json"], outcome["vulnerable.json"]
    assert safe[1] == 0, safe[0]
    assert re.search(r"deputy \(cross-service confused deputy\)\.+Passed", safe[0]), safe[0]
    assert vulnerable[1] == 1, vulnerable[0]
    assert re.search(r"deputy \(cross-service confused deputy\)\.+Failed", vulnerable[0]), vulnerable[0]
    assert "vulnerable.json: VULNERABLE for rekognition.amazonaws.com" in vulnerable[0]


# -- the action ---------------------------------------------------------------------


def check_step(action: dict) -> dict:
    (step,) = [s for s in action["runs"]["steps"] if "deputy check" in s.get("run", "")]
    return step


def github_expressions(text: str, inputs: dict, action: dict) -> str:
    """``${{ ... }}`` replaced as GitHub does before a step runs; only the
    expressions the action may use (an input, its own path)."""
    def value(match):
        expression = match.group(1).strip()
        if expression == "github.action_path":
            return str(ROOT)
        name = expression.removeprefix("inputs.")
        assert name != expression and name in action["inputs"], f"unexpected expression {expression!r}"
        return inputs.get(name, action["inputs"][name].get("default", ""))
    return re.sub(r"\$\{\{(.*?)\}\}", value, text)


def run_step(repo: Path, inputs: dict, tmp_path: Path) -> tuple[int, str, Path, Path]:
    """The check step, in ``repo``, as a runner runs it: its env with the
    inputs in place, ``bash --noprofile --norc -eo pipefail``, the summary
    and output files of the job; deputy already installed (the step before)."""
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    step = check_step(action)
    assert "${{" not in step["run"], "inputs must reach the script through env, not as pasted text"
    script = tmp_path / "step.sh"
    script.write_text(step["run"])
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    env = {**os.environ, **GIT_ENV, "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(output),
           "GITHUB_WORKSPACE": str(repo), "CI": "true",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.update({name: github_expressions(str(text), inputs, action) for name, text in step["env"].items()})
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=600)
    return done.returncode, done.stdout + done.stderr, summary, output


@pytest.mark.skipif(shutil.which("bash") is None or shutil.which("git") is None, reason="needs bash and git")
def test_action_checks_everything_on_a_push(tmp_path):
    repo = small_repository(tmp_path / "small")
    code, log, summary, output = run_step(repo, {"paths": "safe.json vulnerable.json", "account": OWNER}, tmp_path)
    assert code == 1, log
    sarif = json.loads((repo / "deputy.sarif").read_text())
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["DEPUTY001"]
    assert summary.read_text().startswith("### deputy check: 1 vulnerable")
    assert "exit-code=1" in output.read_text()
    assert "| `vulnerable.json` | rekognition.amazonaws.com | 🔴 vulnerable |" in log


def loosen(repo: Path) -> None:
    """A pull request's commit: the old finding left alone, the safe policy
    loosened to a second account."""
    loose = json.loads((repo / "safe.json").read_text())
    loose["Statement"][0]["Condition"] = {"StringEquals": {"aws:SourceAccount": [OWNER, "444455556666"]}}
    (repo / "safe.json").write_text(json.dumps(loose, indent=2))
    git(repo, "commit", "-qam", "loosen")


@pytest.mark.skipif(shutil.which("bash") is None or shutil.which("git") is None, reason="needs bash and git")
def test_action_gates_a_pull_request_on_what_it_opens(tmp_path):
    repo = small_repository(tmp_path / "small")
    base = git(repo, "rev-parse", "HEAD")
    loosen(repo)
    inputs = {"paths": ".", "base": base, "sarif-file": "out/change.sarif"}
    (repo / "out").mkdir()
    code, log, summary, output = run_step(repo, inputs, tmp_path)
    assert code == 1, log
    (result,) = json.loads((repo / "out/change.sarif").read_text())["runs"][0]["results"]
    assert result["ruleId"] == "DEPUTY005"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "safe.json"
    assert result["properties"]["request"]["context"]["aws:SourceAccount"] == "444455556666"
    text = summary.read_text()
    assert text.startswith(f"### deputy against `{base}`: 1 policy opens foreign access")
    assert "vulnerable.json" not in text  # already vulnerable at the base: not this change's
    assert "exit-code=1" in output.read_text()
    # Reverting the loosening: the change opens nothing, and the step passes.
    git(repo, "revert", "--no-edit", "HEAD")
    code, log, _, output = run_step(repo, inputs, tmp_path)
    assert code == 0, log
    assert json.loads((repo / "out/change.sarif").read_text())["runs"][0]["results"] == []


@pytest.mark.skipif(shutil.which("bash") is None or shutil.which("git") is None, reason="needs bash and git")
def test_action_fetches_a_base_the_shallow_checkout_lacks(tmp_path):
    # actions/checkout fetches one commit: the base of the pull request is
    # not in the work tree until the step fetches it from origin.
    origin = small_repository(tmp_path / "origin")
    base = git(origin, "rev-parse", "HEAD")
    loosen(origin)
    repo = tmp_path / "checkout"
    subprocess.run(["git", "clone", "--quiet", "--depth", "1", f"file://{origin}", str(repo)], check=True,
                   capture_output=True)
    missing = subprocess.run(["git", "-C", str(repo), "cat-file", "-e", f"{base}^{{commit}}"], capture_output=True)
    assert missing.returncode != 0, "the shallow clone should lack the base"
    code, log, summary, _ = run_step(repo, {"paths": ".", "base": base}, tmp_path)
    assert code == 1, log
    assert summary.read_text().startswith(f"### deputy against `{base}`: 1 policy opens foreign access")


@pytest.mark.skipif(shutil.which("bash") is None or shutil.which("git") is None, reason="needs bash and git")
def test_action_inputs_cannot_run_commands(tmp_path):
    repo = small_repository(tmp_path / "small")
    marker = tmp_path / "pwned"
    code, log, _, _ = run_step(repo, {"paths": f"safe.json $(touch {marker})", "account": OWNER,
                                      "args": f"; touch {marker}"}, tmp_path)
    assert not marker.exists()
    assert code == 2, log  # the odd values are taken as paths and options, and refused
