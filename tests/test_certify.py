"""--certify: every UNSAT answer re-checked by cvc5 on the same SMT-LIB
script; a disagreement or a cvc5 failure is an unknown verdict naming both
answers; where z3 cannot decide, cvc5 answers instead (a portfolio)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from verifier.cli import main
from verifier.policy.loading import load_text
from verifier.prove import certify
from verifier.prove import solver as solver_module
from verifier.prove.prover import check_policy
from verifier.prove.threat import ThreatModel

try:
    import cvc5  # noqa: F401
except ImportError as exc:  # pragma: no cover - cvc5 is a dependency
    pytest.skip(f"cvc5 cannot be imported here ({exc}); --certify cannot run", allow_module_level=True)

ROOT = Path(__file__).resolve().parent.parent
CASES = [json.loads(p.read_text()) for p in sorted((ROOT / "bench" / "cases").glob("*.json"))]
OWNER = "111122223333"
SAFE = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "rekognition.amazonaws.com"}, "Action": "sts:AssumeRole",
    "Condition": {"StringEquals": {"aws:SourceAccount": OWNER}}}]}
VULNERABLE = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "rekognition.amazonaws.com"}, "Action": "sts:AssumeRole",
    "Condition": {"StringLike": {"aws:SourceArn": f"arn:aws:rekognition:*:{OWNER}:*"}}}]}


@pytest.fixture
def certified():
    certify.enable()
    yield
    certify.enable(False)


def _check(policy: dict):
    return check_policy(load_text(json.dumps(policy)), ThreatModel(owner=OWNER), 20)


def test_the_benchmark_certified_has_no_disagreement(certified):
    proofs = 0
    for case in CASES:
        o = case["options"]
        model = ThreatModel(owner=o["account"], services=(o["service"],) if o["service"] else (),
                            actions=(o["action"],) if o["action"] else (),
                            trusted_accounts=frozenset(o.get("trusted_accounts", ())),
                            trusted_orgs=frozenset(o.get("trusted_orgs", ())))
        result = check_policy(load_text(json.dumps(case["policy"])), model, 20)
        assert "disagree" not in result.message, (case["id"], result.message)
        assert result.verdict.value == case["label"], (case["id"], result.message)
        if result.verdict.value == "safe":
            assert result.solver == "z3 and cvc5", case["id"]
            proofs += 1
    assert proofs >= 80


def test_a_disagreement_is_unknown_naming_both_answers(certified, monkeypatch):
    monkeypatch.setattr(certify, "solve", lambda script, ms: certify.Answer("sat", {}))
    result = _check(SAFE)
    assert result.verdict.value == "unknown"
    assert "z3 says unsat, cvc5 says sat" in result.message


def test_a_cvc5_failure_is_unknown(certified, monkeypatch):
    monkeypatch.setattr(certify, "solve", lambda script, ms: certify.Answer("error", reason="error: boom"))
    result = _check(SAFE)
    assert result.verdict.value == "unknown"
    assert "z3 says unsat, cvc5 failed: error: boom" in result.message


def test_cvc5_reads_the_script_z3_proved(certified, monkeypatch):
    scripts = []
    real = certify.solve

    def spy(script, ms):
        scripts.append(script)
        return real(script, ms)
    monkeypatch.setattr(certify, "solve", spy)
    assert _check(SAFE).verdict.value == "safe"
    assert scripts and all("(assert " in s and "check-sat" not in s for s in scripts)
    # The same script is unsat for cvc5 and for z3.
    import z3
    z = z3.Solver()
    z.from_string(scripts[-1])
    assert z.check() == z3.unsat


def _z3_gives_up(monkeypatch):
    monkeypatch.setattr(solver_module.Session, "_z3",
                        lambda self, literals: solver_module.Outcome("unknown", reason="the solver ran out of time"))


def test_portfolio_cvc5_proves_what_z3_could_not(certified, monkeypatch):
    _z3_gives_up(monkeypatch)
    result = _check(SAFE)
    assert result.verdict.value == "safe"
    assert result.solver == "cvc5"


def test_portfolio_cvc5_model_gives_a_counterexample_that_replays(certified, monkeypatch):
    _z3_gives_up(monkeypatch)
    result = _check(VULNERABLE)
    assert result.verdict.value == "vulnerable"  # replayed in the evaluator, or it would be unknown
    assert result.counterexample is not None


def test_both_solvers_giving_up_is_unknown_naming_both(certified, monkeypatch):
    _z3_gives_up(monkeypatch)
    monkeypatch.setattr(certify, "solve", lambda script, ms: certify.Answer("unknown", reason="it ran out of time"))
    result = _check(SAFE)
    assert result.verdict.value == "unknown"
    assert "z3: the solver ran out of time; cvc5 could not decide: it ran out of time" in result.message


def test_without_certify_cvc5_is_never_asked(monkeypatch):
    certify.enable(False)
    monkeypatch.setattr(certify, "solve", lambda script, ms: pytest.fail("cvc5 asked without --certify"))
    result = _check(SAFE)
    assert result.verdict.value == "safe" and result.solver == "z3"


def test_cli_certify_says_so_on_a_proof(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(SAFE))
    out, err = io.StringIO(), io.StringIO()
    try:
        code = main(["check", str(path), "--account", OWNER, "--certify", "-v", "--format", "text"], out, err)
    finally:
        certify.enable(False)
    assert code == 0, err.getvalue()
    assert "proof by z3 and cvc5" in out.getvalue()


def test_cli_certify_without_cvc5_is_a_usage_error(tmp_path, monkeypatch):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(SAFE))
    monkeypatch.setitem(sys.modules, "cvc5", None)  # import cvc5 now fails
    out, err = io.StringIO(), io.StringIO()
    code = main(["check", str(path), "--account", OWNER, "--certify"], out, err)
    assert code == 2
    assert "--certify needs the cvc5 package" in err.getvalue()
    assert not certify.enabled()


def test_fix_certify_proves_the_repair_with_both_solvers(tmp_path, monkeypatch):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(VULNERABLE))
    asked = []
    real = certify.solve
    monkeypatch.setattr(certify, "solve", lambda script, ms: asked.append(1) or real(script, ms))
    out, err = io.StringIO(), io.StringIO()
    try:
        code = main(["fix", str(path), "--account", OWNER, "--certify"], out, err)
    finally:
        certify.enable(False)
    assert code == 0, err.getvalue()
    assert "REPAIRED" in out.getvalue() and asked
