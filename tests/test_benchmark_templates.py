"""The labelled benchmark's templates (bench/cases/templates): several
resource kinds in one template, asked with no --service or --action.

Labels, the policy each resource amounts to and the witnesses are written by
hand in bench/cases/generate.py, never from deputy's output, so each test can
fail: deputy's verdict per resource and per deputy equals the label; every
witness is allowed by the evaluator on the stated policy (not on deputy's own
reading of the template) and is foreign; iam-simulate allows it too where
Node is available.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

import verifier
from tests.test_benchmark_labels import _as_text
from verifier.evaluator import Decision, evaluate
from verifier.policy.loading import load_text
from verifier.prove import threat
from verifier.prove.threat import ThreatModel
from verifier.request import make_request

FOLDER = Path(__file__).resolve().parent.parent / "bench" / "cases" / "templates"
CASES = [json.loads(p.read_text()) for p in sorted(FOLDER.glob("*.json"))]
WITNESSES = [(c, name, deputy, w) for c in CASES for name, r in c["resources"].items()
             for deputy, w in r["witnesses"].items()]


def test_template_cases_are_the_generator_output():
    spec = importlib.util.spec_from_file_location("bench_generate", FOLDER.parent / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    generated = {c["id"]: json.loads(json.dumps(c)) for c in generate.template_cases()}
    assert generated == {c["id"]: c for c in CASES}, "bench/cases/templates is stale: run bench/cases/generate.py"
    assert len(CASES) >= 4 and {c["label"] for c in CASES} == {"safe", "vulnerable"}
    kinds = {r["Type"] for c in CASES for r in c["template"]["Resources"].values()}
    assert len(kinds) >= 6, kinds


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_each_resource_and_deputy_gets_its_label(case, tmp_path):
    path = tmp_path / "template.json"
    path.write_text(json.dumps(case["template"], indent=2))
    report = verifier.check(path, account=case["options"]["account"])
    found = {r.source["resource"]: {d.label: d.result.verdict.value for d in r.deputies or ()} for r in report}
    assert found == {name: r["deputies"] for name, r in case["resources"].items()}, case["reason"]
    assert report.exit_code == (1 if case["label"] == "vulnerable" else 0)


@pytest.mark.parametrize("case, name, deputy, witness", WITNESSES, ids=[f"{c['id']}/{n}" for c, n, _, _ in WITNESSES])
def test_witness_is_allowed_by_the_stated_policy_and_foreign(case, name, deputy, witness):
    stated = load_text(json.dumps(case["resources"][name]["policy"]))
    request = make_request(witness["principal"], witness["action"], witness["context"], witness.get("resource"))
    assert evaluate(stated.policy, request).decision is Decision.ALLOW
    classification = threat.classify(request, ThreatModel(owner=case["options"]["account"]))
    assert classification.problems == () and classification.kind == "foreign", classification


def test_iam_simulate_allows_every_template_witness():
    from tests.differential import divergences, oracle

    try:
        oracle.ensure_installed()
    except oracle.Unavailable as exc:
        pytest.skip(f"the outside evaluator cannot run here: {exc}")
    pairs = [(c["resources"][name]["policy"], {**w, "accountId": c["options"]["account"]})
             for c, name, _, w in WITNESSES]
    answers = oracle.decide(pairs)
    compared = 0
    for (pol, req), answer, (c, name, _, _) in zip(pairs, answers, WITNESSES):
        assert answer["decision"] != "error", (c["id"], name, answer["detail"])
        if divergences.explain(_as_text(pol), req):
            continue
        compared += 1
        assert answer["decision"] == "allow", (c["id"], name, answer)
    assert compared >= 3
