"""bench/compare.py on a few cases with the baseline only: no network, no
tools' venv. Checks that the outputs exist and that the baseline's counts
agree with the labels and with the baseline rule applied here by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    import sys

    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import compare
    finally:
        sys.path.remove(str(ROOT / "bench"))
    out = tmp_path_factory.mktemp("compare")
    code = compare.main(["--subset", "10", "--tools", "baseline", "--no-corpus", "--no-install",
                         "--out", str(out / "results"), "--report", str(out / "COMPARISON.md")])
    return compare, code, out


def test_outputs_exist(run):
    _, code, out = run
    assert code == 0
    for name in ("summary.json", "tables.md", "disagreements.json"):
        assert (out / "results" / name).stat().st_size > 0, name
    summary = json.loads((out / "results" / "summary.json").read_text())
    # The plot needs matplotlib, which is not a deputy dependency: drawn, or the reason recorded.
    assert (out / "results" / "accuracy_vs_time.png").exists() or summary["plot"]
    report = (out / "COMPARISON.md").read_text()
    assert "| baseline | 10 |" in report and "| deputy | 10 |" in report


def test_baseline_counts_match_labels(run):
    compare, _, out = run
    summary = json.loads((out / "results" / "summary.json").read_text())
    cases = compare.load_cases(ROOT / "bench" / "cases", 10)
    s = summary["benchmark"]["baseline"]
    assert s["n"] == len(cases) == 10
    vulnerable = sum(c["label"] == "vulnerable" for c in cases)
    assert s["TP"] + s["FN"] == vulnerable == summary["labels"].get("vulnerable", 0)
    assert s["FP"] + s["TN"] == len(cases) - vulnerable
    # The same counts from the baseline rule written out again here.
    flags = {c["id"]: _source_key_missing(c["policy"]) for c in cases}
    assert s["TP"] == sum(flags[c["id"]] and c["label"] == "vulnerable" for c in cases)
    assert s["FP"] == sum(flags[c["id"]] and c["label"] == "safe" for c in cases)
    disagreements = json.loads((out / "results" / "disagreements.json").read_text())
    assert len([d for d in disagreements if d["tool"] == "baseline"]) == s["FP"] + s["FN"]


def test_unknown_tool_is_refused(run, capsys):
    compare, _, _ = run
    assert compare.main(["--tools", "nosuchtool", "--no-corpus"]) == 2
    assert "unknown tool" in capsys.readouterr().err


def _source_key_missing(policy) -> bool:
    statements = policy["Statement"] if isinstance(policy["Statement"], list) else [policy["Statement"]]
    for s in statements:
        if s["Effect"] != "Allow":
            continue
        p = s.get("Principal")
        if not ("NotPrincipal" in s or p == "*" or (isinstance(p, dict) and (
                "Service" in p or p.get("AWS") == "*" or "*" in (p.get("AWS") or [])))):
            continue
        names = {k.lower() for block in (s.get("Condition") or {}).values() for k in block}
        if not names & {"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths"}:
            return True
    return False
