"""The public library (``verifier/__init__.py``, docs/library.md): the
examples of the docs page run as they are, the names it documents exist,
and ``import verifier`` imports nothing else of deputy's."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import verifier

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "library.md"
OWNER = "111122223333"


def examples() -> list[str]:
    return re.findall(r"```python\n(.*?)```", PAGE.read_text(), re.S)


@pytest.mark.parametrize("index", range(len(examples())))
def test_docs_example_runs(index, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    exec(compile(examples()[index], f"docs/library.md example {index + 1}", "exec"), {})
    assert capsys.readouterr().out  # each example prints what it found


def test_every_documented_name_is_exported():
    for name in ("check", "evaluate", "repair", "threat_model", "Report", "Result", "DeputyResult", "Verdict",
                 "StatementRef", "Request", "ContextValue", "make_request", "Decision", "Evaluation", "Repair",
                 "FileRepair", "PolicyFix", "ThreatModel", "DeputyError", "InputError", "UsageError"):
        assert name in verifier.__all__ and getattr(verifier, name) is not None, name
    with pytest.raises(AttributeError):
        verifier.no_such_name  # noqa: B018


def test_importing_verifier_imports_nothing_else_of_ours():
    code = "import sys, verifier; print(sorted(m for m in sys.modules if m.startswith('verifier')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout
    assert out.strip() == "['verifier']"


def test_check_reads_text_dicts_and_paths_alike():
    path = ROOT / "examples" / "rekognition-trust-vulnerable.json"
    text = path.read_text()
    import json

    by_path = verifier.check(path, account=OWNER)
    by_text = verifier.check(text, account=OWNER)
    by_dict = verifier.check(json.loads(text), account=OWNER)
    assert [r.verdict for r in (by_path[0], by_text[0], by_dict[0])] == [verifier.Verdict.VULNERABLE] * 3
    assert by_text[0].path == "<text>" and by_path[0].path == str(path)
    assert verifier.check(text)[0].verdict is verifier.Verdict.ERROR  # no owner: an error result, not a raise
    assert verifier.check([path, ROOT / "examples" / "rekognition-trust-fixed.json"], account=OWNER).verdict \
        is verifier.Verdict.VULNERABLE


def test_check_options_narrow_the_question():
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": ["sns.amazonaws.com", "events.amazonaws.com"]},
         "Action": "sqs:SendMessage", "Resource": "*",
         "Condition": {"StringEquals": {"aws:SourceAccount": ["444455556666", OWNER]}}}]}
    assert verifier.check(policy, account=OWNER).verdict is verifier.Verdict.VULNERABLE
    assert verifier.check(policy, account=OWNER, trusted_accounts=["444455556666"]).verdict is verifier.Verdict.SAFE
    narrowed = verifier.check(policy, account=OWNER, services="sns.amazonaws.com")
    assert [d.service for d in narrowed[0].deputies] == ["sns.amazonaws.com"]
    with pytest.raises(verifier.UsageError):
        verifier.check(policy, account="123")


def test_evaluate_takes_requests_as_dicts_and_text():
    policy = ROOT / "examples" / "rekognition-trust-vulnerable.json"
    request = {"principal": "rekognition.amazonaws.com", "action": "sts:AssumeRole",
               "context": {"aws:SourceAccount": OWNER,
                           "aws:SourceArn": f"arn:aws:rekognition:us-east-1:{OWNER}:streamprocessor/x"}}
    assert verifier.evaluate(policy, request).decision is verifier.Decision.ALLOW
    request["action"] = "sts:TagSession"
    assert verifier.evaluate(policy, request).decision is verifier.Decision.IMPLICIT_DENY
    with pytest.raises(verifier.InputError):
        verifier.evaluate(policy, "{not json")


def test_repair_writes_only_a_path_and_only_when_asked(tmp_path):
    path = tmp_path / "p.json"
    path.write_text((ROOT / "examples" / "rekognition-trust-vulnerable.json").read_text())
    before = path.read_text()
    fix = verifier.repair(path, account=OWNER)
    assert fix.status == "repaired" and path.read_text() == before
    fix = verifier.repair(str(path), account=OWNER, write=True)
    assert fix.written and path.read_text() == fix.text
    with pytest.raises(verifier.UsageError):
        verifier.repair(before, account=OWNER, write=True)
