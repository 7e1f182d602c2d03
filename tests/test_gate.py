"""The pull-request gate: ``deputy check --base REF`` (the old version read
with git, nothing checked out), baselines, markdown, and SARIF findings
that keep their identity when unrelated lines move."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest

from tests.builders import ATTACKER, OTHER, OWNER, policy, statement
from verifier.cli import main

DATA = Path(__file__).resolve().parent / "data"
SOURCE_ACCOUNT = "aws:SourceAccount"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    assert "Traceback" not in err.getvalue()
    return code, out.getvalue(), err.getvalue()


def pinned(*accounts) -> str:
    value = list(accounts) if len(accounts) > 1 else accounts[0]
    return json.dumps(policy(statement(condition={"StringEquals": {SOURCE_ACCOUNT: value}})), indent=2)


OPEN = json.dumps(policy(statement()), indent=2)


def git(repo: Path, *args) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True,
                          env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
                               "GIT_COMMITTER_EMAIL": "t@example.com", "PATH": "/usr/bin:/bin:/usr/local/bin",
                               "HOME": str(repo)})
    return done.stdout


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A repository whose last commit has four policies, then a work tree
    where one is loosened, one tightened, one deleted and one added."""
    root = tmp_path / "repo"
    files = {"infra/loose.json": pinned(OWNER), "infra/tight.json": pinned(OWNER, ATTACKER),
             "infra/gone.json": OPEN, "infra/same.json": pinned(OWNER), "other/open.json": OPEN}
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "base")
    (root / "infra/loose.json").write_text(pinned(OWNER, OTHER))
    (root / "infra/tight.json").write_text(pinned(OWNER))
    (root / "infra/gone.json").unlink()
    (root / "infra/added.json").write_text(pinned(OWNER))
    monkeypatch.chdir(root)
    return root


def changes_of(out: str) -> dict:
    return {(c["kind"], c["path"]): c for c in json.loads(out)["changes"]}


def test_base_compares_with_the_revision_without_touching_the_work_tree(repo):
    status, head = git(repo, "status", "--porcelain"), git(repo, "rev-parse", "HEAD")
    code, out, _ = run("check", "infra", "--base", "HEAD", "--account", OWNER, "--format", "json")
    assert code == 1
    found = changes_of(out)
    assert {key: c["change"] for key, c in found.items()} == {
        ("changed", "infra/loose.json"): "opens", ("changed", "infra/tight.json"): "closes",
        ("changed", "infra/same.json"): "no-new-access", ("added", "infra/added.json"): "no-new-access",
        ("removed", "HEAD:infra/gone.json"): "removed"}
    assert found[("changed", "infra/loose.json")]["old_path"] == "HEAD:infra/loose.json"
    opened = found[("changed", "infra/loose.json")]["deputies"][0]
    assert opened["request"]["context"][SOURCE_ACCOUNT] == OTHER
    assert json.loads(out)["base"] == "HEAD"
    # read with git: the work tree, the index and HEAD are as they were
    assert git(repo, "status", "--porcelain") == status and git(repo, "rev-parse", "HEAD") == head
    assert (repo / "infra/loose.json").read_text() == pinned(OWNER, OTHER)


def test_base_passes_when_the_change_opens_nothing(repo):
    # other/ is vulnerable at HEAD and now: not what the change opens
    code, out, _ = run("check", "other", "--base", "HEAD", "--account", OWNER)
    assert code == 0
    assert out.splitlines()[0] == "other/open.json: NO NEW FOREIGN ACCESS: the policy is the same in both versions " \
                                  "(its lines may have moved)"
    code, _, _ = run("check", "other", "--account", OWNER)
    assert code == 1  # without --base the old finding fails


def test_a_path_absent_at_the_revision_is_new(repo):
    (repo / "fresh").mkdir()
    (repo / "fresh/open.json").write_text(OPEN)
    code, out, _ = run("check", "fresh", "infra/added.json", "--base", "HEAD", "--account", OWNER, "--format", "json")
    assert code == 1
    found = changes_of(out)
    assert found[("added", "fresh/open.json")]["change"] == "opens"
    assert found[("added", "infra/added.json")]["change"] == "no-new-access"


def test_a_path_deleted_since_the_revision_has_its_policies_removed(repo):
    shutil.rmtree(repo / "other")
    code, out, _ = run("check", "other", "--base", "HEAD", "--account", OWNER, "--format", "json")
    assert code == 0
    assert {(c["kind"], c["path"]) for c in json.loads(out)["changes"]} == {("removed", "HEAD:other/open.json")}
    code, out, _ = run("check", "never-was", "--base", "HEAD", "--account", OWNER)
    assert code == 2 and "never-was: ERROR: never-was: cannot read file" in out


def test_base_from_a_subdirectory_and_with_a_glob(repo, monkeypatch):
    monkeypatch.chdir(repo / "infra")
    code, out, _ = run("check", "*.json", "--base", "HEAD", "--account", OWNER, "--format", "json")
    assert code == 1
    found = changes_of(out)
    assert ("changed", "loose.json") in found and found[("changed", "loose.json")]["change"] == "opens"
    assert ("removed", "HEAD:infra/gone.json") in found


def test_base_errors_are_clear(repo, tmp_path):
    code, _, err = run("check", "infra", "--base", "no-such-ref", "--account", OWNER)
    assert code == 2 and "no such revision" in err
    outside = tmp_path / "elsewhere.json"
    outside.write_text(OPEN)
    code, _, err = run("check", str(outside), "--base", "HEAD", "--account", OWNER)
    assert code == 2 and "not in the git work tree" in err
    code, _, err = run("check", "infra", "--base", "HEAD", "--baseline", "b.txt", "--account", OWNER)
    assert code == 2 and "--baseline" in err


def test_base_sarif_has_only_what_opens(repo):
    code, out, _ = run("check", "infra", "other", "--base", "HEAD", "--account", OWNER, "--format", "sarif")
    assert code == 1
    log = json.loads(out)
    _validator().validate(log)
    (result,) = log["runs"][0]["results"]
    assert result["ruleId"] == "DEPUTY005"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "infra/loose.json"
    assert result["properties"]["request"]["context"][SOURCE_ACCOUNT] == OTHER
    assert "deputyFinding/v1" in result["partialFingerprints"]


def test_base_markdown_table_and_request(repo):
    code, out, _ = run("check", "infra", "--base", "HEAD", "--account", OWNER, "--format", "markdown")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "### deputy against `HEAD`: 1 policy opens foreign access"
    rows = [line for line in lines if line.startswith("| `")]
    assert rows[0].startswith("| `infra/loose.json` | rekognition.amazonaws.com | 🔴 opens |")
    assert rows[1].startswith("| `infra/tight.json` | rekognition.amazonaws.com | 🟢 closes |")
    assert len(rows) == 2  # what opens nothing and closes nothing is counted, not listed
    assert f'"{SOURCE_ACCOUNT}": "{OTHER}"' in out and "```json" in out
    assert "Removed: `HEAD:infra/gone.json`" in out


def _validator():
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


# -- baselines ---------------------------------------------------------------------------


@pytest.fixture
def policies(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra/open.json").write_text(OPEN)
    (tmp_path / "infra/arn.json").write_text(json.dumps(policy(statement(
        condition={"ArnLike": {"aws:SourceArn": "arn:aws:rekognition:*:*:*"}}))))
    (tmp_path / "infra/safe.json").write_text(pinned(OWNER))
    return tmp_path


def test_write_baseline_then_known_findings_do_not_fail(policies):
    code, _, err = run("check", "infra", "--account", OWNER, "--write-baseline", "deputy-baseline.txt")
    assert code == 0 and "wrote 2 finding(s)" in err
    text = (policies / "deputy-baseline.txt").read_text()
    entries = [line.split("\t") for line in text.splitlines() if not line.startswith("#")]
    assert entries == [["infra/arn.json", "-", "rekognition.amazonaws.com", "foreign-source-account"],
                       ["infra/open.json", "-", "rekognition.amazonaws.com", "foreign-source-account"]]
    assert text.startswith("# deputy baseline")
    code, out, _ = run("check", "infra", "--account", OWNER, "--baseline", "deputy-baseline.txt")
    assert code == 0
    assert "baseline deputy-baseline.txt: 2 known (not failing), 0 new, 0 fixed" in out
    code, _, _ = run("check", "infra", "--account", OWNER)
    assert code == 1  # without the baseline they fail


def test_a_new_finding_fails_and_a_fixed_one_is_reported(policies):
    run("check", "infra", "--account", OWNER, "--write-baseline", "b.txt")
    (policies / "infra/new.json").write_text(OPEN)
    (policies / "infra/arn.json").write_text(pinned(OWNER))
    code, out, err = run("check", "infra", "--account", OWNER, "--baseline", "b.txt", "--format", "json")
    assert code == 1
    report = json.loads(out)["baseline"]
    assert [e["file"] for e in report["new"]] == ["infra/new.json"]
    assert [e["file"] for e in report["known"]] == ["infra/open.json"]
    assert [e["file"] for e in report["fixed"]] == ["infra/arn.json"]
    assert "1 baseline finding(s) fixed" in err


def test_baseline_sarif_states_and_an_unknown_that_is_new(policies):
    run("check", "infra", "--account", OWNER, "--write-baseline", "b.txt")
    code, out, _ = run("check", "infra", "--account", OWNER, "--baseline", "b.txt", "--format", "sarif")
    assert code == 0
    log = json.loads(out)
    _validator().validate(log)
    assert {r["baselineState"] for r in log["runs"][0]["results"]} == {"unchanged"}
    # an operator deputy does not know: undecided, a finding the baseline does not hold
    (policies / "infra/odd.json").write_text(json.dumps(policy(statement(
        condition={"StringEqualsWhatever": {SOURCE_ACCOUNT: OWNER}}))))
    code, out, _ = run("check", "infra", "--account", OWNER, "--baseline", "b.txt", "--format", "json")
    document = json.loads(out)
    assert {r["path"]: r["verdict"] for r in document["results"]}["infra/odd.json"] == "unknown"
    assert document["baseline"]["new"] == [{"file": "infra/odd.json", "resource": None,
                                            "deputy": "rekognition.amazonaws.com", "kind": "undecided"}]
    assert code == 3  # the known vulnerable ones do not fail, the new unknown does


def test_baseline_in_markdown(policies):
    run("check", "infra", "--account", OWNER, "--write-baseline", "b.txt")
    (policies / "infra/new.json").write_text(OPEN)
    code, out, _ = run("check", "infra", "--account", OWNER, "--baseline", "b.txt", "--format", "markdown")
    assert code == 1
    assert out.startswith("### deputy check: 3 vulnerable, 0 unknown, 0 unreadable")
    assert "Baseline `b.txt`: 2 known (not failing), 1 new, 0 fixed" in out
    assert "- new: `infra/new.json: rekognition.amazonaws.com: foreign-source-account`" in out


def test_a_broken_baseline_is_an_error_with_its_line(policies):
    (policies / "b.txt").write_text("# comment\ninfra/open.json only two\n")
    code, _, err = run("check", "infra", "--account", OWNER, "--baseline", "b.txt")
    assert code == 2 and "b.txt:2:1" in err


# -- stable findings -------------------------------------------------------------------------


def test_sarif_fingerprints_do_not_move_with_unrelated_lines(tmp_path, monkeypatch):
    template = (DATA / "sources" / "cfn-trust.yaml").read_text()
    first = tmp_path / "a" / "stack.yaml"
    second = tmp_path / "b" / "stack.yaml"
    first.parent.mkdir()
    second.parent.mkdir()
    first.write_text(template)
    # Unrelated lines move everything down: a comment, a description, a new resource first.
    moved = template.replace("Resources:\n", "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n\n", 1)
    second.write_text("# a comment\n\n" + moved.replace("Description:", "Description: longer,\n  more\n "))

    def findings(path):
        code, out, _ = run("check", str(path), "--account", OWNER, "--format", "sarif")
        results = json.loads(out)["runs"][0]["results"]
        return {(r["locations"][0]["logicalLocations"][0]["name"], r["ruleId"]):
                (r["partialFingerprints"]["deputyFinding/v1"], r["locations"][0]["physicalLocation"]["region"]
                 ["startLine"]) for r in results}

    monkeypatch.chdir(first.parent)
    before = findings("stack.yaml")
    monkeypatch.chdir(second.parent)
    after = findings("stack.yaml")
    assert set(before) == set(after) == {("OpenRole", "DEPUTY001"), ("ParameterRole", "DEPUTY002")}
    for key in before:
        assert before[key][0] == after[key][0]  # the same fingerprint
        assert before[key][1] != after[key][1]  # though its line moved
    # a different finding of the same file has another fingerprint
    assert before[("OpenRole", "DEPUTY001")][0] != before[("ParameterRole", "DEPUTY002")][0]


def test_opens_fingerprints_do_not_move_with_unrelated_lines(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("old.json").write_text(pinned(OWNER))
    loose = json.loads(pinned(OWNER, OTHER))
    found = {}
    for name, doc in (("near", loose), ("far", {**loose, "Id": "moved", "Statement": [
            statement(effect="Deny", action="sts:TagSession"), *loose["Statement"]]})):
        Path("new.json").write_text(json.dumps(doc, indent=2))
        code, out, _ = run("diff", "old.json", "new.json", "--account", OWNER, "--format", "sarif")
        (result,) = json.loads(out)["runs"][0]["results"]
        found[name] = (result["partialFingerprints"], result["locations"][0]["physicalLocation"]["region"])
    assert found["near"][0] == found["far"][0] and found["near"][1] != found["far"][1]
