"""The labelled benchmark of bench/cases: labels against deputy, witnesses
against both evaluators.

Labels and witnesses are written by hand (bench/cases/generate.py derives
them from SEMANTICS.md rules, never from deputy's output), so every test
here can fail:

* every vulnerable case's witness is allowed by deputy's evaluator and is a
  foreign request under the case's threat model (``threat.classify``);
* deputy's verdict equals the label. A disagreement is not relabelled: it is
  listed in ``KNOWN`` with the verdict deputy gives instead (only
  ``unknown`` is acceptable) and the reason, and that exact verdict is
  asserted, so a fix, or a drift to the wrong verdict, fails the test;
* where Node is available, iam-simulate allows every witness too, unless
  the pair exercises a departure that tests/differential/divergences.py
  lists, or the case names one (``iam_simulate_differs``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from verifier.prove import threat
from verifier.evaluator import Decision, evaluate
from verifier.policy.loading import load_text
from verifier.prove.prover import check_policy
from verifier.request import make_request
from verifier.prove.threat import ThreatModel

CASES_DIR = Path(__file__).resolve().parent.parent / "bench" / "cases"
CASES = [json.loads(p.read_text()) for p in sorted(CASES_DIR.glob("*.json"))]

# Label/prover disagreements, each checked against SEMANTICS.md: the label
# stands, deputy's verdict (always "unknown": incomplete, never wrong) is
# asserted instead. A fix must update this. (Empty since Numeric views of
# text keys are encoded: verifier/encoder/numeric.py.)
KNOWN: dict[str, tuple[str, str]] = {}


def model_of(case) -> ThreatModel:
    o = case["options"]
    return ThreatModel(owner=o["account"], services=(o["service"],) if o["service"] else (),
                       actions=(o["action"],) if o["action"] else (),
                       trusted_accounts=frozenset(o.get("trusted_accounts", ())),
                       trusted_orgs=frozenset(o.get("trusted_orgs", ())))


def witness_request(case):
    w = case["witness"]
    return make_request(w["principal"], w["action"], w["context"], w.get("resource"))


def test_benchmark_is_large_and_balanced():
    labels = [c["label"] for c in CASES]
    assert len(CASES) >= 200
    assert set(labels) == {"safe", "vulnerable"}
    assert min(labels.count("safe"), labels.count("vulnerable")) >= 80
    assert set(KNOWN) <= {c["id"] for c in CASES}, "KNOWN names a case that does not exist"


def test_case_files_are_the_generator_output():
    # A label is changed in generate.py, with its rule, never in a case file alone.
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_generate", CASES_DIR / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    generated = {c["id"]: json.loads(json.dumps(c)) for c in generate.all_cases()}
    assert generated == {c["id"]: c for c in CASES}, "bench/cases is stale: run python bench/cases/generate.py"


def test_every_tricky_case_of_semantics_section_9_is_covered():
    cited = {int(n) for c in CASES for n in re.findall(r"\bcases? (\d+)", c["reason"])}
    assert set(range(1, 37)) <= cited, sorted(set(range(1, 37)) - cited)


def test_every_case_is_well_formed():
    for c in CASES:
        assert c["label"] in ("safe", "vulnerable"), c["id"]
        assert c["reason"].strip() and "\n" not in c["reason"], c["id"]
        assert (c["witness"] is not None) == (c["label"] == "vulnerable"), c["id"]
        assert c["tags"], c["id"]


@pytest.mark.parametrize("case", [c for c in CASES if c["witness"]], ids=lambda c: c["id"])
def test_witness_is_allowed_and_foreign(case):
    loaded = load_text(json.dumps(case["policy"]))
    request = witness_request(case)
    evaluation = evaluate(loaded.policy, request)
    assert evaluation.decision is Decision.ALLOW, (case["reason"], evaluation.decision)
    classification = threat.classify(request, model_of(case))
    assert classification.problems == (), classification.problems
    assert classification.kind == "foreign"


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_label_equals_deputy_verdict(case):
    result = check_policy(load_text(json.dumps(case["policy"])), model_of(case), timeout=20)
    counterexample = result.counterexample.to_json() if result.counterexample else None
    expected, why = KNOWN.get(case["id"], (case["label"], case["reason"]))
    assert expected in (case["label"], "unknown")
    assert result.verdict.value == expected, (why, result.message, counterexample)
    if "deputies" in case:
        assert {d.label: d.result.verdict.value for d in result.deputies} == case["deputies"], why


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_default_question_decides_every_case(case):
    # The default question (every deputy, every action) of the same policy
    # is decided too, and agrees with the label where the label's own
    # question is the only one the policy raises.
    owner = case["options"]["account"]
    result = check_policy(load_text(json.dumps(case["policy"])), ThreatModel(owner=owner), timeout=20)
    assert result.verdict.value != "unknown", result.message
    if case["label"] == "vulnerable":
        assert result.verdict.value == "vulnerable", result.message


def _as_text(node):
    """Unquoted numbers as their text (G5), the form divergences.py reads."""
    if isinstance(node, dict):
        return {k: _as_text(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_as_text(v) for v in node]
    return str(node) if isinstance(node, (int, float)) and not isinstance(node, bool) else node


def test_iam_simulate_allows_every_witness():
    from tests.differential import divergences, oracle

    try:
        oracle.ensure_installed()
    except oracle.Unavailable as exc:
        pytest.skip(f"the outside evaluator cannot run here: {exc}")
    cases = [c for c in CASES if c["witness"]]
    pairs = [(c["policy"], {**c["witness"], "resource": c["witness"].get("resource", oracle.ROLE),
                            "accountId": c["options"]["account"]}) for c in cases]
    answers = oracle.decide(pairs)
    compared, refused, noted = 0, [], set()
    for case, (pol, req), answer in zip(cases, pairs, answers):
        assert answer["decision"] != "error", (case["id"], answer["detail"])
        if divergences.explain(_as_text(pol), req):
            continue
        if "iam_simulate_differs" in case:
            noted.add(case["id"])
            assert answer["decision"] != "allow", f"{case['id']}: iam-simulate now allows; drop its note"
            continue
        compared += 1
        if answer["decision"] != "allow":
            refused.append((case["id"], answer))
    assert not refused, refused[:5]
    assert noted == {c["id"] for c in cases if "iam_simulate_differs" in c}
    assert compared >= 100
