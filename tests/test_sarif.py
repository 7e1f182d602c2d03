"""SARIF and JUnit output: valid against the official SARIF 2.1.0 schema,
one result per finding at the offending statement, exit codes unchanged."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from tests.test_sources_cloudformation import line_of, run

DATA = Path(__file__).resolve().parent / "data"
OWNER = "111122223333"


@pytest.fixture(scope="module")
def validator():
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def sarif(*argv):
    code, out, err = run("check", *argv, "--format", "sarif")
    assert "Traceback" not in err
    return code, json.loads(out)


def test_sarif_validates_and_locates_findings(validator):
    template = DATA / "sources" / "cfn-trust.yaml"
    code, log = sarif(str(template), "--account", OWNER)
    validator.validate(log)
    assert code == 1
    (run_,) = log["runs"]
    rules = {r["id"]: r for r in run_["tool"]["driver"]["rules"]}
    assert set(rules) == {"DEPUTY001", "DEPUTY002", "DEPUTY003", "DEPUTY004", "DEPUTY006"}
    by_resource = {r["locations"][0]["logicalLocations"][0]["name"]: r for r in run_["results"]}
    # safe policies are not findings
    assert set(by_resource) == {"OpenRole", "ParameterRole"}
    open_role = by_resource["OpenRole"]
    assert open_role["ruleId"] == "DEPUTY001" and open_role["level"] == "error"
    region = open_role["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == line_of(template, "Principal: {Service: rekognition.amazonaws.com}") - 1
    assert "aws:SourceAccount" in open_role["message"]["text"]  # the counterexample
    assert open_role["properties"]["counterexample"]["principal"] == "rekognition.amazonaws.com"
    assert by_resource["ParameterRole"]["ruleId"] == "DEPUTY002"


def test_sarif_error_and_unknown_results_validate(validator, tmp_path):
    bad = tmp_path / "bad policy.json"
    bad.write_text('{"Statement": [}')
    code, log = sarif(str(bad), "--account", OWNER)
    validator.validate(log)
    assert code == 2
    (result,) = log["runs"][0]["results"]
    assert result["ruleId"] == "DEPUTY003"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 1
    assert " " not in result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]


def test_sarif_schema_rejects_a_broken_log(validator):
    """The validation above can fail: a log missing its version is refused."""
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({"runs": []})


def test_junit_one_case_per_policy():
    template = DATA / "sources" / "cfn-trust.yaml"
    code, out, _ = run("check", str(template), "--account", OWNER, "--format", "junit")
    assert code == 1
    root = ET.fromstring(out)
    suite = root.find("testsuite")
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    # One case per (policy, deputy).
    deputy = ": rekognition.amazonaws.com"
    assert set(cases) == {"PinnedRole" + deputy, "OpenRole" + deputy, "ParameterRole" + deputy, "ArnRole" + deputy}
    assert cases["OpenRole" + deputy].find("failure") is not None
    assert cases["ParameterRole" + deputy].find("error") is not None
    pinned = cases["PinnedRole" + deputy]
    assert pinned.find("failure") is None and pinned.find("error") is None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "1", "1")


def test_text_colour_only_when_asked_or_a_terminal(monkeypatch):
    template = str(DATA / "sources" / "cfn-lambda.yaml")
    _, plain, _ = run("check", template, "--account", OWNER)
    assert "\033[" not in plain  # a StringIO is not a terminal
    _, coloured, _ = run("check", template, "--account", OWNER, "--color", "always")
    assert "\033[" in coloured
    monkeypatch.setenv("NO_COLOR", "1")

    class Terminal:
        def __init__(self):
            self.parts = []

        def write(self, text):
            self.parts.append(text)

        def isatty(self):
            return True

        def flush(self):
            pass

    from verifier.cli import main
    out, err = Terminal(), Terminal()
    main(["check", template, "--account", OWNER], out, err)
    assert "\033[" not in "".join(out.parts)
    monkeypatch.delenv("NO_COLOR")
    out, err = Terminal(), Terminal()
    main(["check", template, template, template, "--account", OWNER], out, err)
    assert "\033[" in "".join(out.parts)
    assert "checking [1/6]" in "".join(err.parts)  # progress on a terminal


def test_summary_line_counts(tmp_path):
    _, out, _ = run("check", str(DATA / "sources" / "cfn-trust.yaml"), "--account", OWNER)
    assert out.rstrip().splitlines()[-1] == "4 policies: 2 safe, 1 vulnerable, 1 unknown, 0 error"
