"""deputy.toml / [tool.deputy]: settings, flags overriding them, and
suppressions (reason required, expiry enforced)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.test_sources_cloudformation import run

DATA = Path(__file__).resolve().parent / "data" / "sources"
OWNER = "111122223333"
TEMPLATE = DATA / "cfn-trust.yaml"  # OpenRole vulnerable, ParameterRole unknown, two safe
FUTURE = (dt.date.today() + dt.timedelta(days=30)).isoformat()
PAST = (dt.date.today() - dt.timedelta(days=1)).isoformat()


def check(tmp_path, config_text, *argv, name="deputy.toml", chdir=True, monkeypatch=None):
    (tmp_path / name).write_text(config_text)
    if monkeypatch is not None:
        monkeypatch.chdir(tmp_path)
    code, out, err = run("check", str(TEMPLATE), "--format", "json", *argv)
    assert "Traceback" not in err
    return code, (json.loads(out) if out else None), err


def by_resource(document):
    return {r["source"]["resource"]: r for r in document["results"]}


def test_settings_are_read_from_deputy_toml(tmp_path, monkeypatch):
    code, doc, _ = check(tmp_path, f'account = "{OWNER}"\ntrusted_accounts = ["444455556666"]\ntimeout = 7\n',
                         monkeypatch=monkeypatch)
    assert doc["threat_model"]["owner"] == OWNER
    assert doc["threat_model"]["trusted_accounts"] == ["111122223333", "444455556666"]


def test_flags_override_the_file(tmp_path, monkeypatch):
    code, doc, _ = check(tmp_path, f'account = "{OWNER}"\nservice = "s3.amazonaws.com"\n',
                         "--service", "rekognition.amazonaws.com", "--account", "210987654321",
                         monkeypatch=monkeypatch)
    assert doc["threat_model"]["service"] == "rekognition.amazonaws.com"
    assert doc["threat_model"]["owner"] == "210987654321"


def test_pyproject_tool_deputy(tmp_path, monkeypatch):
    text = (f'[project]\nname = "x"\n\n[tool.deputy]\naccount = "{OWNER}"\n\n[[tool.deputy.suppress]]\n'
            f'resource = "OpenRole"\nreason = "legacy, SEC-1"\n')
    code, doc, _ = check(tmp_path, text, name="pyproject.toml", monkeypatch=monkeypatch)
    assert doc["threat_model"]["owner"] == OWNER
    assert by_resource(doc)["OpenRole"]["suppression"]["reason"] == "legacy, SEC-1"


def test_explicit_config_flag(tmp_path):
    path = tmp_path / "elsewhere.toml"
    path.write_text(f'account = "{OWNER}"\n')
    code, out, _ = run("check", str(TEMPLATE), "--config", str(path), "--format", "json")
    assert json.loads(out)["threat_model"]["owner"] == OWNER


def test_suppressed_finding_is_reported_and_does_not_fail(tmp_path, monkeypatch):
    text = (f'account = "{OWNER}"\n\n[[suppress]]\nresource = "OpenRole"\nreason = "vendor role"\n'
            f'expires = {FUTURE}\n\n[[suppress]]\npath = "*cfn-trust.yaml"\nresource = "Param*"\n'
            'reason = "partner account comes from a parameter"\n')
    code, doc, err = check(tmp_path, text, monkeypatch=monkeypatch)
    found = by_resource(doc)
    assert found["OpenRole"]["verdict"] == "vulnerable"  # still reported as what it is
    assert found["OpenRole"]["suppression"]["reason"] == "vendor role"
    assert found["ParameterRole"]["suppression"] is not None
    assert found["PinnedRole"]["suppression"] is None
    assert code == 0


def test_text_output_marks_suppressed(tmp_path, monkeypatch):
    (tmp_path / "deputy.toml").write_text(f'account = "{OWNER}"\n[[suppress]]\nresource = "OpenRole"\n'
                                          'reason = "vendor role"\n')
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("check", str(TEMPLATE))
    assert "VULNERABLE (suppressed: vendor role)" in out
    assert code == 3  # ParameterRole is still unknown
    assert out.rstrip().endswith("(1 suppressed)")


def test_expired_suppression_fails_with_a_clear_message(tmp_path, monkeypatch):
    text = f'account = "{OWNER}"\n\n[[suppress]]\nresource = "OpenRole"\nreason = "vendor role"\nexpires = {PAST}\n'
    code, doc, err = check(tmp_path, text, monkeypatch=monkeypatch)
    assert code == 1
    open_role = by_resource(doc)["OpenRole"]
    assert f"expired on {PAST}" in open_role["suppression"]["expired"]
    assert "deputy.toml:3" in err and "expired" in err


@pytest.mark.parametrize("text, fragment", [
    ('[[suppress]]\nresource = "OpenRole"\n', "deputy.toml:1:1: a suppression needs a reason"),
    ('[[suppress]]\nreason = "x"\n', "needs a path glob or a resource"),
    ('acount = "111122223333"\n', "deputy.toml:1:1: unknown setting 'acount'"),
    ('timeout = "5"\n', "timeout has the wrong type"),
    ('account = \n', "deputy.toml:1:"),
    ('[[suppress]]\nresource = "R"\nreason = "x"\nexpires = "soon"\n', "is not a date"),
])
def test_bad_configuration_is_a_one_line_error(tmp_path, monkeypatch, text, fragment):
    code, doc, err = check(tmp_path, text, "--account", OWNER, monkeypatch=monkeypatch)
    assert code == 2 and doc is None
    assert fragment in err and len(err.strip().splitlines()) == 1


def test_bad_account_in_the_file_is_a_usage_error(tmp_path, monkeypatch):
    code, doc, err = check(tmp_path, 'account = "1234"\n', monkeypatch=monkeypatch)
    assert code == 2 and "'1234'" in err


def test_jobs_give_the_same_results_in_the_same_order(tmp_path):
    argv = [str(TEMPLATE), str(DATA / "cfn-lambda.yaml"), "--account", OWNER, "--format", "json"]
    code1, out1, _ = run("check", *argv)
    code2, out2, _ = run("check", *argv, "-j", "2")
    strip = lambda out: [(r["source"]["resource"], r["verdict"]) for r in json.loads(out)["results"]]
    assert code1 == code2 and strip(out1) == strip(out2)
    code, out, err = run("check", *argv, "-j", "0")
    assert code == 2 and "--jobs" in err
