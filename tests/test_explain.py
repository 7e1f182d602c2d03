"""``deputy check --explain``.

Counterexample explanations must name exactly the statements the evaluator
says allow the request, and report each condition's outcome as the
evaluator's trace does. Proof explanations must have the deletion
property: the policy reduced to the listed items is safe; deleting any one
listed item from the reduced policy makes it vulnerable; deleting one from
the whole policy makes it vulnerable or leaves a proof that needs an item
outside the list (monotonicity: deletions only let more requests in).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.builders import ATTACKER, OWNER, policy, statement
from tests.support import check, model, trust
from tests.test_tricky_cases import CASES
from verifier.debug import explain
from verifier.policy import loading
from verifier.evaluator import Decision, evaluate
from verifier.prove.prover import verdict_only
from verifier.results import Verdict

SA, ARN = "aws:SourceAccount", "aws:SourceArn"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _text(doc) -> str:
    return doc if isinstance(doc, str) else json.dumps(doc, indent=2)


VULNERABLE = [pytest.param(c[1], c[2], id=c[0]) for c in CASES if c[3] is Verdict.VULNERABLE]
VULNERABLE += [pytest.param((EXAMPLES / "rekognition-trust-vulnerable.json").read_text(), {},
                            id="example-vulnerable")]
SAFE = [pytest.param(c[1], c[2], id=c[0]) for c in CASES if c[3] is Verdict.SAFE]
SAFE += [pytest.param((EXAMPLES / "rekognition-trust-fixed.json").read_text(), {}, id="example-fixed")]
SAFE += [  # hand-written: redundant guards, a Deny beside conditions, a statement not for the deputy
    pytest.param(trust({"StringEquals": {SA: OWNER}, "ArnLike": {ARN: f"arn:aws:rekognition:*:{OWNER}:*"}},
                       statement(principal={"AWS": f"arn:aws:iam::{OWNER}:root"})), {}, id="hand-redundant"),
    pytest.param(policy(statement(condition={"StringEqualsIfExists": {SA: OWNER}}),
                        {"Effect": "Deny", "Principal": "*", "Action": "*",
                         "Condition": {"Null": {SA: "true"}}}), {}, id="hand-deny-keyless"),
    pytest.param(policy(statement(condition={"ArnLike": {ARN: f"arn:aws:rekognition:*:{OWNER}:*"}}),
                        statement(condition={"StringEquals": {SA: [OWNER, ATTACKER]}})),
                 {"trusted_accounts": frozenset({ATTACKER})}, id="hand-trusted-second-account"),
]


@pytest.mark.parametrize("doc, changes", VULNERABLE)
def test_counterexample_explanation_follows_the_evaluator(doc, changes):
    result = check(doc, **changes)
    assert result.verdict is Verdict.VULNERABLE
    pol = loading.load_text(_text(doc)).policy
    request = result.counterexample
    e = explain.counterexample(pol, request)
    evaluation = evaluate(pol, request)
    assert e["decision"] == "allow" == evaluation.decision.value
    # Exactly the statements the evaluator says allow it, and the prover named.
    named = [s["index"] for s in e["allowing"]]
    assert named == [t.index for t in evaluation.allowing] == [r.index for r in result.statements]
    traces = {t.index: t for t in evaluation.statements}
    for s in e["allowing"]:
        stmt = pol.statements[s["index"]]
        entries = stmt.condition.entries if stmt.condition else ()
        assert s["sid"] == (stmt.sid.value if stmt.sid else None) and s["line"] == stmt.span.line
        assert len(s["conditions"]) == len(entries) == len(traces[s["index"]].conditions)
        for c, entry, outcome in zip(s["conditions"], entries, traces[s["index"]].conditions):
            assert (c["operator"], c["key"], c["line"]) == (entry.operator.value, entry.key.value, entry.span.line)
            assert c["result"] is outcome.result is True  # an applying statement: every condition holds
            assert c["reason"] == outcome.reason
            value = request.get(entry.key.value)
            assert c["request_value"] == (list(value) if value is not None else None)
    denies = [s for s in pol.statements if s.effect_kind and s.effect_kind.value == "Deny"]
    assert [d["index"] for d in e["denies"]] == [s.index for s in denies]
    for d in e["denies"]:
        assert d["applies"] is False and d["why_not"]


def test_ifexists_cites_c6_with_the_key_absent():
    doc = trust({"StringEqualsIfExists": {SA: OWNER}})
    result = check(doc, strict_attribution=True)
    pol = loading.load_text(json.dumps(doc)).policy
    # Ask about the keyless request itself: aws:SourceAccount absent.
    from verifier.request import make_request

    keyless = make_request(result.counterexample.principal, result.counterexample.action,
                           {"aws:PrincipalServiceName": result.counterexample.principal,
                            "aws:PrincipalIsAWSService": "true",
                            "aws:PrincipalServiceNamesList": [result.counterexample.principal]})
    (s,) = explain.counterexample(pol, keyless)["allowing"]
    (c,) = s["conditions"]
    assert c["request_value"] is None and c["result"] is True and c["rule"] == "C6"
    assert "absent" in c["reason"] and "StringEqualsIfExists" in c["reason"]


def test_deny_that_misses_keyless_requests_says_why():
    # S9-25: the Deny's ForAnyValue:StringNotEquals is false for an absent key.
    doc = policy(statement(), {"Effect": "Deny", "Principal": "*", "Action": "*",
                               "Condition": {"ForAnyValue:StringNotEquals": {SA: OWNER}}})
    result = check(doc)
    e = explain.counterexample(loading.load_text(json.dumps(doc)).policy, result.counterexample)
    (d,) = e["denies"]
    assert d["index"] == 1
    (c,) = d["conditions"]
    assert c["result"] is False and c["request_value"] is None and "A4" in c["rule"]
    assert any("ForAnyValue:StringNotEquals" in w for w in d["why_not"])


def test_vulnerable_explanation_names_both_allowing_statements():
    doc = policy(statement(Sid="One"), statement(Sid="Two", condition={"StringNotEquals": {SA: ATTACKER}}))
    result = check(doc)
    e = explain.counterexample(loading.load_text(json.dumps(doc)).policy, result.counterexample)
    # Two applies unless the request names the one excluded account.
    expected = ["One"] if result.counterexample.get(SA) == (ATTACKER,) else ["One", "Two"]
    assert [s["sid"] for s in e["allowing"]] == expected


# -- proofs -------------------------------------------------------------------------------


def _items(pol, e):
    by_id = {explain.item_id(i): i for i in explain.items_of(pol)}
    return [by_id[r["id"]] for r in e["rests_on"]], list(by_id.values())


def _verdict(loaded, pol, tm):
    if not any(s.effect_kind and s.effect_kind.value == "Allow" for s in pol.statements):
        return Verdict.SAFE
    return verdict_only(loading.accept(pol, loaded.kind), tm, 20).verdict


@pytest.mark.parametrize("doc, changes", SAFE)
def test_proof_explanation_has_the_deletion_property(doc, changes):
    tm = model(**changes)
    loaded = loading.load_text(_text(doc))
    assert check(doc, **changes).verdict is Verdict.SAFE
    e = explain.proof(loaded, tm, timeout=20)
    assert e["complete"] and e["note"] is None
    listed, every = _items(loaded.policy, e)
    assert all(r["status"] == "needed" for r in e["rests_on"])
    unlisted = [i for i in every if i not in listed]
    reduced = explain.delete(loaded.policy, unlisted)
    assert _verdict(loaded, reduced, tm) is Verdict.SAFE  # the listed items suffice
    for item in listed:  # and each is needed in the reduced policy
        assert _verdict(loaded, explain.delete(loaded.policy, unlisted + [item]), tm) is Verdict.VULNERABLE
    alone = {r["id"]: r["alone"] for r in e["rests_on"]}
    for item in listed:  # in the whole policy: vulnerable, or the proof needs something unlisted
        smaller = explain.delete(loaded.policy, [item])
        verdict = _verdict(loaded, smaller, tm)
        assert alone[explain.item_id(item)] == {Verdict.SAFE: "still safe", Verdict.VULNERABLE: "vulnerable"}[verdict]
        if verdict is Verdict.SAFE:
            again = explain.proof(loading.accept(smaller, loaded.kind), tm, timeout=20)
            assert {r["id"] for r in again["rests_on"]} - {r["id"] for r in e["rests_on"]}


def _proof(doc, **changes):
    return explain.proof(loading.load_text(_text(doc)), model(**changes), timeout=20)


def test_proof_rests_on_the_pinning_condition():
    doc = trust({"ArnLike": {ARN: f"arn:aws:rekognition:*:{OWNER}:*"}})
    line = 1 + next(n for n, text in enumerate(_text(doc).splitlines()) if ARN in text)
    e = _proof(doc)
    assert [(r["item"], r["operator"], r["line"]) for r in e["rests_on"]] == [("condition", "ArnLike", line)]


def test_proof_rests_on_the_deny():
    doc = policy(statement(), {"Effect": "Deny", "Principal": "*", "Action": "*",
                               "Condition": {"StringNotEquals": {SA: OWNER}}})
    e = _proof(doc)
    assert [(r["item"], r["statement"]["index"]) for r in e["rests_on"]] == [("deny", 1)]


def test_proof_rests_on_a_principal_that_does_not_admit_the_deputy():
    doc = policy(statement(condition={"StringEquals": {SA: OWNER}}),
                 statement(principal={"AWS": f"arn:aws:iam::{OWNER}:root"}))
    e = _proof(doc)
    assert sorted(r["id"] for r in e["rests_on"]) == ["condition:0:0", "principal:1"]


def test_proof_lists_a_needed_required_key():
    doc = policy(statement(condition={"StringEquals": {SA: OWNER}}), statement(condition={"Null": {SA: "true"}}))
    e = _proof(doc, required_keys=(SA,))
    assert e["required_keys_needed"] == [{"key": SA, "status": "needed"}]
    assert sorted(r["id"] for r in e["rests_on"]) == ["condition:0:0", "condition:1:0"]


def test_capped_proof_says_it_is_an_approximation_and_still_suffices():
    doc = trust({"StringEquals": {SA: OWNER}, "ArnLike": {ARN: f"arn:aws:rekognition:*:{OWNER}:*"}})
    loaded = loading.load_text(_text(doc))
    e = explain.proof(loaded, model(), timeout=20, max_checks=1)
    assert not e["complete"] and "bounded approximation" in e["note"] and e["checks"] == 1
    assert {r["status"] for r in e["rests_on"]} == {"not examined"}
    listed, every = _items(loaded.policy, e)
    assert _verdict(loaded, explain.delete(loaded.policy, [i for i in every if i not in listed]), model()) \
        is Verdict.SAFE


def test_undecided_recheck_keeps_the_item():
    from verifier.results import Result

    loaded = loading.load_text(_text(trust({"StringEquals": {SA: OWNER}})))
    e = explain.proof(loaded, model(), decide=lambda *a: Result("p", Verdict.UNKNOWN, "timeout"))
    assert {r["status"] for r in e["rests_on"]} == {"undecided"} and not e["complete"]


def test_deletion_only_widens():
    # Each deletion kind lets the deputy's unconditioned request through.
    doc = policy(statement(principal={"AWS": OWNER}, condition={"StringEquals": {SA: OWNER}}),
                 {"Effect": "Deny", "Principal": "*", "Action": "*"})
    pol = loading.load_text(json.dumps(doc)).policy
    from verifier.request import make_request

    request = make_request("rekognition.amazonaws.com", "sts:AssumeRole", {})
    assert evaluate(pol, request).decision is not Decision.ALLOW
    widened = explain.delete(pol, explain.items_of(pol))
    assert evaluate(widened, request).decision is Decision.ALLOW


def test_redundant_guard_is_marked():
    # Both conditions pin the account; the proof lists one, and says that
    # deleting it from the whole policy leaves the other to guard.
    e = _proof(trust({"StringEquals": {SA: OWNER}, "ArnLike": {ARN: f"arn:aws:rekognition:*:{OWNER}:*"}}))
    (only,) = e["rests_on"]
    assert only["alone"] == "still safe"
    e = _proof(trust({"StringEquals": {SA: OWNER}}))
    assert [r["alone"] for r in e["rests_on"]] == ["vulnerable"]
