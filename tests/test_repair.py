"""``deputy fix``: every repair is proved safe, still allows the legitimate
request, and changes only statements that let a foreign request in."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from tests.builders import ATTACKER, OWNER, SERVICE, policy, statement
from tests.support import check, model, trust
from tests.test_tricky_cases import CASES, USELESS
from verifier.debug import attacks, repair
from verifier.policy import loading
from verifier.cli import main
from verifier.evaluator import Decision, evaluate
from verifier.prove.prover import extended_run
from verifier.results import Verdict

SA, ARN = "aws:SourceAccount", "aws:SourceArn"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _text(doc) -> str:
    return doc if isinstance(doc, str) else json.dumps(doc, indent=2)


def _lets_foreign_in(loaded, tm, index: int) -> bool:
    """Some foreign request is allowed by statement ``index`` (the prover,
    through the --all extension point)."""
    run = extended_run(loaded, tm, attacks.kind_terms(tm))
    return run.decide(20000, also=[run.extra[f"statement:{index}"]]).verdict is Verdict.VULNERABLE


VULNERABLE = [pytest.param(c[1], c[2], id=c[0]) for c in CASES if c[3] is Verdict.VULNERABLE]
VULNERABLE += [pytest.param((EXAMPLES / "rekognition-trust-vulnerable.json").read_text(), {},
                            id="example-vulnerable")]


@pytest.mark.parametrize("doc, changes", VULNERABLE)
def test_repair_is_safe_keeps_the_legitimate_request_and_touches_only_offenders(doc, changes):
    tm = model(**changes)
    original = _text(doc)
    loaded = loading.load_text(original, "p.json")
    out = repair.repair(loaded, original, tm, timeout=20)
    if out.status == "failed":
        # Only when nothing legitimate is allowed to begin with.
        assert any(USELESS in w for w in check(doc, **changes).warnings), out.message
        assert out.text is None
        return
    assert out.status == "repaired", out.message
    fixed = loading.load_text(out.text, "p.json")
    assert check(out.text, **changes).verdict is Verdict.SAFE
    legit = out.legitimate
    assert evaluate(loaded.policy, legit).decision is Decision.ALLOW
    assert evaluate(fixed.policy, legit).decision is Decision.ALLOW
    assert legit.get(SA) in (None, (OWNER,)) and legit.principal.startswith("rekognition.")
    assert len(fixed.policy.statements) == len(loaded.policy.statements)
    changed = [a.index for a, b in zip(loaded.policy.statements, fixed.policy.statements) if a != b]
    assert changed and sorted({c["statement"]["index"] for c in out.changes}) == changed
    for index in changed:
        assert loaded.policy.statements[index].effect.value == "Allow"
        assert _lets_foreign_in(loaded, tm, index)
    if out.layout == "edited in place":
        _assert_diff_inside(original, out.text, [loaded.policy.statements[i] for i in changed])


def _assert_diff_inside(before: str, after: str, statements) -> None:
    """Every line the diff removes lies inside a changed statement."""
    import difflib

    ranges = [(s.span.line, s.span.end_line) for s in statements]
    matcher = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines(), autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag == "equal":
            continue
        first, last = i1 + 1, max(i1 + 1, i2)  # 1-based lines of the old text (insertions: the line before)
        assert any(lo <= first and last <= hi for lo, hi in ranges) or \
            (tag == "insert" and any(lo <= i1 <= hi for lo, hi in ranges)), (tag, i1, i2, ranges)


def test_readme_example_is_repaired_by_reading_the_arn_segment_wise():
    path = str(EXAMPLES / "rekognition-trust-vulnerable.json")
    out = repair.repair_file(path, model())
    assert out.status == "repaired" and out.layout == "edited in place"
    assert [c["change"] for c in out.changes] == ["changed StringLike aws:SourceArn to ArnLike"]
    diff = out.diff().splitlines()
    assert [l for l in diff if l.startswith(("-", "+")) and not l.startswith(("---", "+++"))] == [
        '-        "StringLike": {"aws:SourceArn": "arn:aws:rekognition:*:111122223333:streamprocessor/*"}',
        '+        "ArnLike": {"aws:SourceArn": "arn:aws:rekognition:*:111122223333:streamprocessor/*"}']


def test_unconditioned_statement_gets_the_source_account():
    doc = policy(statement(Sid="Other", principal={"AWS": f"arn:aws:iam::{OWNER}:root"}), statement(Sid="Deputy"))
    text = json.dumps(doc, indent=4)
    out = repair.repair(loading.load_text(text, "p.json"), text, model(), timeout=20)
    assert out.status == "repaired" and out.layout == "edited in place"
    assert [c["change"] for c in out.changes] == ['added StringEquals aws:SourceAccount "111122223333"']
    assert out.changes[0]["statement"]["sid"] == "Deputy"
    assert out.text.startswith(text[: text.index('"Deputy"')])  # the first statement is untouched
    assert '        "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}' in out.text


def test_ifexists_is_dropped_rather_than_a_condition_added():
    out = _repair(trust({"StringEqualsIfExists": {SA: OWNER}}))
    assert [c["change"] for c in out.changes] == ["changed StringEqualsIfExists aws:SourceAccount to StringEquals"]


def test_foreign_account_is_removed_from_the_list():
    out = _repair(trust({"StringEquals": {SA: [OWNER, ATTACKER]}}))
    assert [c["change"] for c in out.changes] == [
        f'narrowed StringEquals aws:SourceAccount from ["{OWNER}", "{ATTACKER}"] to "{OWNER}"']


def test_two_offending_statements_are_both_repaired():
    out = _repair(policy(statement(Sid="A"), statement(Sid="B", condition={"StringNotEquals": {SA: ATTACKER}})))
    assert out.status == "repaired"
    assert sorted({c["statement"]["sid"] for c in out.changes}) == ["A", "B"]


def test_shared_statement_is_warned_about():
    out = _repair(policy(statement(principal={"Service": SERVICE, "AWS": f"arn:aws:iam::{OWNER}:role/r"})))
    assert out.status == "repaired"
    assert any("other than" in w for w in out.warnings)


def test_policy_with_no_legitimate_request_cannot_be_repaired():
    out = _repair(trust({"StringEquals": {ARN: f"arn:aws:config:us-east-1:{ATTACKER}:*"}}))
    assert out.status == "failed" and out.exit_code == 1 and "legitimate" in out.message


def test_compact_single_line_policy_is_edited_in_place():
    text = json.dumps(trust())
    out = repair.repair(loading.load_text(text, "p.json"), text, model(), timeout=20)
    assert out.layout == "edited in place" and "\n" not in out.text.rstrip("\n")


def test_crlf_file_keeps_its_line_endings():
    text = json.dumps(trust({"StringEqualsIfExists": {SA: OWNER}}), indent=2).replace("\n", "\r\n")
    out = repair.repair(loading.load_text(text, "p.json"), text, model(), timeout=20)
    assert out.status == "repaired" and out.layout == "edited in place"
    assert out.text.count("\r\n") == text.count("\r\n")


def _repair(doc, **changes):
    text = _text(doc)
    return repair.repair(loading.load_text(text, "p.json"), text, model(**changes), timeout=20)


# -- the command line ------------------------------------------------------------------------


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_fix_prints_a_diff_and_the_policy_and_write_applies_it(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(_text(trust({"StringEqualsIfExists": {SA: OWNER}})))
    before = path.read_text()
    code, out, err = run("fix", str(path), "--account", OWNER)
    assert code == 0 and not err
    assert "REPAIRED" in out and "--- " in out and "+++ " in out and "repaired policy:" in out
    assert path.read_text() == before  # not written without --write
    code, out, _ = run("fix", str(path), "--account", OWNER, "--write", "--format", "json")
    document = json.loads(out)
    assert code == 0 and document["written"] is True
    assert path.read_text() == document["policy"]
    assert check(path.read_text()).verdict is Verdict.SAFE
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".deputy-fix-")]
    code, out, _ = run("fix", str(path), "--account", OWNER, "--write")
    assert code == 0 and "ALREADY-SAFE" in out


def test_fix_never_writes_what_did_not_verify(tmp_path, monkeypatch):
    path = tmp_path / "p.json"
    path.write_text(_text(trust()))
    before = path.read_text()
    monkeypatch.setattr(repair, "verify", lambda *a: "refused for the test")
    code, out, _ = run("fix", str(path), "--account", OWNER, "--write")
    assert code == 1 and "did not verify" in out
    assert path.read_text() == before


def test_fix_exit_codes(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, _, err = run("fix", str(bad), "--account", OWNER)
    assert code == 2 and "Traceback" not in err
    ok = tmp_path / "ok.json"
    ok.write_text(_text(trust()))
    assert run("fix", str(ok), "--account", "123")[0] == 2
    hopeless = tmp_path / "h.json"
    hopeless.write_text(_text(trust({"StringEquals": {ARN: f"arn:aws:config:us-east-1:{ATTACKER}:*"}})))
    assert run("fix", str(hopeless), "--account", OWNER)[0] == 1


def _slow_first_proof(monkeypatch, seconds: float) -> None:
    """The first proof of the repair search takes ``seconds`` longer: the
    budget runs out in the middle of the search, on any machine."""
    import time

    from verifier.prove import prover

    real, calls = prover.verdict_only, []

    def slow(*args, **kwargs):
        if not calls:
            calls.append(1)
            time.sleep(seconds)
        return real(*args, **kwargs)
    monkeypatch.setattr(prover, "verdict_only", slow)


def test_fix_budget_bounds_the_whole_repair_and_writes_nothing(tmp_path, monkeypatch):
    from verifier import deadline

    path = tmp_path / "p.json"
    path.write_text(_text(trust()))
    before = path.read_text()
    _slow_first_proof(monkeypatch, 0.3)
    code, out, err = run("fix", str(path), "--account", OWNER, "--budget", "0.2", "--write", "--format", "json")
    document = json.loads(out)
    assert code == 1 and not err
    assert document["status"] == "failed" and "(--budget) was reached" in document["message"]
    assert document["written"] is False and path.read_text() == before
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".deputy-fix-")]
    # The bound is the repair's alone: afterwards nothing is limited, and a limit is --timeout's again.
    assert deadline.remaining_ms() is None
    with deadline.limit(0):
        assert "(--timeout)" in deadline.reason()


def test_fix_budget_on_a_template_names_the_bound_not_an_internal_error(tmp_path):
    code, out, _ = run("fix", str(EXAMPLES / "s3-lambda-template.yaml"), "--budget", "0.000001")
    assert code == 1
    assert "(--budget) was reached" in out and "internal error" not in out


def test_fix_budget_must_be_positive():
    code, _, err = run("fix", str(EXAMPLES / "rekognition-trust-vulnerable.json"), "--account", OWNER,
                       "--budget", "0")
    assert code == 2 and "--budget" in err


def test_library_repair_without_a_budget_is_bounded_by_each_proof_only():
    import verifier

    doc = (EXAMPLES / "rekognition-trust-vulnerable.json").read_text()
    assert verifier.repair(doc, account=OWNER, budget=None).status == "repaired"


def test_fix_help_documents_exit_codes():
    code, out, _ = run("fix", "--help")
    assert code == 0 and "exit codes" in out and "--write" in out


def test_statement_made_impossible_is_warned_about():
    out = _repair(policy(statement(condition={"StringEquals": {SA: OWNER}}),
                         statement(Sid="Keyless", condition={"Null": {SA: "true"}})))
    assert out.status == "repaired"
    assert [c["statement"]["sid"] for c in out.changes] == ["Keyless"]
    assert any("applies to no request" in w for w in out.warnings)
    assert not _repair(trust()).warnings


def test_internal_failure_is_a_failed_repair_not_a_traceback(tmp_path, monkeypatch):
    path = tmp_path / "p.json"
    path.write_text(_text(trust()))

    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(repair, "legitimate_request", broken)
    code, out, err = run("fix", str(path), "--account", OWNER, "--write")
    assert code == 1 and "internal error" in out and "Traceback" not in out + err


def test_empty_operator_block_is_kept_in_place():
    out = _repair(trust({"StringLike": {}, "Bool": {"aws:SecureTransport": "true"}}))
    assert out.status == "repaired" and out.layout == "edited in place"
    assert '"StringLike": {}' in out.text
