"""``deputy check`` end to end: verdicts, the stable JSON shape, exit codes,
and the README's examples."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.builders import OWNER, policy, statement
from tests.support import trust
from verifier.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def write(tmp_path, name, doc) -> str:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc, indent=2))
    return str(path)


def test_readme_fixed_example_is_safe():
    code, out, _ = run("check", str(EXAMPLES / "rekognition-trust-fixed.json"), "--account", OWNER)
    assert code == 0
    assert out.splitlines()[0].endswith(": SAFE for rekognition.amazonaws.com (sts:AssumeRole)")
    assert "assumes:" not in out  # a safe policy is one line, unless -v
    code, out, _ = run("check", str(EXAMPLES / "rekognition-trust-fixed.json"), "--account", OWNER, "-v")
    assert code == 0 and "assumes:" in out


def test_readme_vulnerable_example_prints_a_replayable_counterexample(tmp_path):
    code, out, _ = run("check", str(EXAMPLES / "rekognition-trust-vulnerable.json"), "--account", OWNER,
                       "--format", "json")
    assert code == 1
    result = json.loads(out)["results"][0]
    assert result["verdict"] == "vulnerable"
    request = write(tmp_path, "request.json", result["counterexample"])
    code, out, _ = run("eval", str(EXAMPLES / "rekognition-trust-vulnerable.json"), "--request", request,
                       "--format", "json")
    assert code == 0 and json.loads(out)["decision"] == "allow"


def test_readme_eval_example_is_allowed():
    code, out, _ = run("eval", str(EXAMPLES / "rekognition-trust-vulnerable.json"), "--request",
                       str(EXAMPLES / "foreign-request.json"))
    assert code == 0 and out.startswith("decision: allow")


def test_json_shape_is_stable(tmp_path):
    safe = write(tmp_path, "safe.json", trust({"StringEquals": {"aws:SourceAccount": OWNER}}))
    code, out, _ = run("check", safe, "--account", OWNER, "--format", "json")
    assert code == 0
    document = json.loads(out)
    (result,) = document["results"]
    assert set(result) >= {"path", "verdict", "counterexample", "statements", "assumptions", "warnings", "message"}
    assert result["verdict"] == "safe" and result["counterexample"] is None
    assert result["statements"] == [{"index": 0, "sid": None, "line": result["statements"][0]["line"]}]
    assert result["assumptions"], "a safe verdict lists its assumptions"
    assert document["summary"] == {"safe": 1, "vulnerable": 0, "unknown": 0, "error": 0}


@pytest.mark.parametrize("docs, expected", [
    (["safe"], 0),
    (["safe", "vulnerable", "bad", "unknown"], 1),
    (["safe", "bad", "unknown"], 2),
    (["safe", "unknown"], 3),
])
def test_exit_code_precedence(tmp_path, docs, expected):
    kinds = {
        "safe": trust({"StringEquals": {"aws:SourceAccount": OWNER}}),
        "vulnerable": trust(),
        "bad": '{"Statement": [}',
        "unknown": trust({"ArnEqual": {"aws:SourceArn": "x"}}),
    }
    paths = [write(tmp_path, f"{i}-{k}.json", kinds[k]) for i, k in enumerate(docs)]
    code, out, _ = run("check", *paths, "--account", OWNER, "--format", "json")
    assert code == expected
    verdicts = [r["verdict"] for r in json.loads(out)["results"]]
    assert verdicts == [{"bad": "error"}.get(k, k) for k in docs]


def test_error_names_file_line_and_column(tmp_path):
    path = write(tmp_path, "bad.json", '{\n  "Statement": [\n    {"Effect": "Allow",, }\n  ]\n}')
    code, out, _ = run("check", path, "--account", OWNER, "--format", "json")
    assert code == 2
    assert json.loads(out)["results"][0]["message"].startswith(f"{path}:3:")


@pytest.mark.parametrize("argv, fragment", [
    (["--account", "1234"], "--account '1234'"),
    (["--account", OWNER, "--trusted-org", "org-1"], "--trusted-org"),
    (["--account", OWNER, "--require-key", "SourceAccount"], "--require-key"),
    (["--account", OWNER, "--timeout", "0"], "--timeout"),
    (["--account", OWNER, "--jobs", "0"], "--jobs"),
])
def test_bad_command_lines_exit_2(tmp_path, argv, fragment):
    path = write(tmp_path, "p.json", trust())
    code, out, err = run("check", path, *argv)
    assert code == 2 and out == ""
    assert fragment in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_directories_are_searched(tmp_path):
    (tmp_path / "nested").mkdir()
    write(tmp_path / "nested", "a.json", trust())
    write(tmp_path, "b.json", policy(statement(condition={"StringEquals": {"aws:SourceAccount": OWNER}})))
    write(tmp_path, "notes.txt", "not a policy")
    code, out, _ = run("check", str(tmp_path), "--account", OWNER, "--format", "json")
    assert code == 1
    assert [Path(r["path"]).name for r in json.loads(out)["results"]] == ["b.json", "a.json"]


def test_help_documents_exit_codes_and_options():
    code, out, _ = run("check", "--help")
    assert code == 0
    for text in ("exit codes:", "--strict-attribution", "--require-key", "--source-service", "--trusted-org"):
        assert text in out


def test_worker_processes_give_the_same_verdicts_in_the_same_order(tmp_path):
    docs = [trust(), policy(statement(condition={"StringEquals": {"aws:SourceAccount": OWNER}})),
            "{ not json", trust(condition={"StringLike": {"aws:SourceAccount": "*"}})]
    paths = [write(tmp_path, f"p{i}.json", doc) for i, doc in enumerate(docs)]
    template = str(EXAMPLES / "s3-lambda-template.yaml")  # one file, several policies
    results = {}
    for jobs in ("1", "2"):
        code, out, _ = run("check", *paths, template, "--account", OWNER, "--format", "json", "-j", jobs)
        assert code == 1
        results[jobs] = [(r["path"], r["verdict"], r["source"]) for r in json.loads(out)["results"]]
    assert results["1"] == results["2"]
    assert [v for _, v, _ in results["2"][:4]] == ["vulnerable", "safe", "error", "vulnerable"]
    assert len(results["2"]) > 5 and {p for p, _, _ in results["2"][4:]} == {template}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_explain_works_on_template_policies_and_in_workers(jobs):
    # Explanations are made where the policy was read: a template's policies
    # are explained too, not re-read from the template file as a policy.
    template = str(EXAMPLES / "s3-lambda-template.yaml")
    code, out, _ = run("check", template, "--account", OWNER, "--service", "s3.amazonaws.com",
                       "--action", "lambda:InvokeFunction", "--format", "json", "--explain", "-j", jobs)
    assert code == 1
    results = json.loads(out)["results"]
    explained = [r for r in results if r["verdict"] in ("safe", "vulnerable")]
    assert explained and all(r["explanation"]["kind"] != "none" for r in explained
                             if not any("read as" in a for a in r["assumptions"]))
    assert not any("could not re-read" in json.dumps(r["explanation"]) for r in results)
