"""The prover beyond the tricky-case table: AWS's own guidance policies, the
replay guard, usefulness warnings and the threat-model options."""

from __future__ import annotations

import json

import pytest

from tests.builders import ATTACKER, OWNER, policy, statement
from tests.support import check, trust
from tests.test_evaluator_rules import REKOGNITION_STORED_VIDEO, REKOGNITION_STREAMING
from verifier.prove import prover
from verifier.evaluator import Decision, Evaluation
from verifier.policy.loading import load_text
from verifier.results import Verdict

SA, ARN = "aws:SourceAccount", "aws:SourceArn"


@pytest.mark.parametrize("text", [REKOGNITION_STREAMING, REKOGNITION_STORED_VIDEO], ids=["streaming", "stored"])
def test_rekognition_guidance_is_safe_and_vulnerable_without_its_condition(text):
    assert check(text).verdict is Verdict.SAFE
    doc = json.loads(text)
    del doc["Statement"][0]["Condition"]
    result = check(doc)
    assert result.verdict is Verdict.VULNERABLE
    assert result.counterexample.get(SA) is not None or result.counterexample.get(ARN) is not None


def test_a_counterexample_the_evaluator_rejects_is_never_reported(monkeypatch):
    # If the encoder and the evaluator ever disagree, the verdict is unknown
    # with an internal error, not vulnerable and certainly not safe.
    # (The evaluator is asked first about canonical requests, then replays the
    # solver's: here it rejects both.)
    from verifier.prove import witness

    for module in (prover, witness):
        monkeypatch.setattr(module, "evaluate", lambda pol, req: Evaluation(Decision.IMPLICIT_DENY, ()))
    result = prover.check_policy(load_text(json.dumps(trust())), _model(), timeout=10)
    assert result.verdict is Verdict.UNKNOWN
    assert "internal error" in result.message and result.counterexample is None


def test_useless_policy_names_the_impossible_condition():
    result = check(trust({"StringEquals": {SA: "Account ID"}}))
    assert result.verdict is Verdict.SAFE
    (warning,) = [w for w in result.warnings if "blocks the service itself" in w]
    assert "'Account ID'" in warning or "Account ID" in warning


def test_trusted_account_is_not_an_attacker():
    doc = trust({"StringEquals": {SA: [OWNER, ATTACKER]}})
    assert check(doc).verdict is Verdict.VULNERABLE
    assert check(doc, trusted_accounts=frozenset({ATTACKER})).verdict is Verdict.SAFE


def test_trusted_organization():
    doc = trust({"StringEquals": {"aws:SourceOrgID": "o-aaaaaaaaaa"}})
    assert check(doc).verdict is Verdict.VULNERABLE
    assert check(doc, trusted_orgs=frozenset({"o-aaaaaaaaaa"})).verdict is Verdict.SAFE


def test_source_service_narrows_the_source_arn():
    doc = trust({"ArnLike": {ARN: "arn:aws:*:*:*:*"}, "StringEquals": {SA: OWNER}})
    assert check(doc).verdict is Verdict.SAFE
    not_s3 = trust({"ArnNotLike": {ARN: "arn:*:s3:*:*:*"}})
    always_arn = {"required_keys": (ARN,)}
    assert check(not_s3, **always_arn).verdict is Verdict.VULNERABLE
    assert check(not_s3, source_service="s3", **always_arn).verdict is Verdict.SAFE
    # Without the key required, a request without aws:SourceArn still gets in.
    assert check(not_s3, source_service="s3").verdict is Verdict.VULNERABLE


def test_other_service_and_action():
    doc = policy(statement(principal={"Service": "sns.amazonaws.com"}, action="sqs:SendMessage",
                           Resource="arn:aws:sqs:us-east-1:111122223333:q"))
    assert check(doc).verdict is Verdict.SAFE  # the default deputy is Rekognition
    result = check(doc, service="sns.amazonaws.com", action="sqs:SendMessage")
    assert result.verdict is Verdict.VULNERABLE
    assert result.counterexample.resource == "arn:aws:sqs:us-east-1:111122223333:q"


def test_deny_statements_the_proof_rests_on_are_listed():
    doc = policy(statement(), statement("Deny", principal="*", action="*",
                                        condition={"StringNotEquals": {SA: OWNER}}),
                 statement("Deny", principal="*", action="sts:TagSession"))
    result = check(doc)
    assert result.verdict is Verdict.SAFE
    assert [s.index for s in result.statements] == [0, 1]


def _model():
    from tests.support import model

    return model()


def test_a_counterexample_the_solver_finds_states_the_question_s_assumptions():
    # A condition no canonical request meets (a numeric view and a pattern):
    # the solver finds the request. Its result says what the question
    # assumes, as a witnessed request's and a proof's do (it said nothing).
    found = check(trust({"StringLike": {ARN: "arn:aws:rekognition:*:*:streamprocessor/zz*q"},
                         "NumericGreaterThan": {SA: "500000000000"}}))
    witnessed = check(trust())
    assert found.verdict is witnessed.verdict is Verdict.VULNERABLE
    assert found.solver == "z3" and witnessed.solver.startswith("evaluator")
    assert found.assumptions[:len(witnessed.assumptions)] == witnessed.assumptions


FOREIGN_TOPIC = f"arn:aws:sns:us-east-1:{ATTACKER}:alerts"
OWN_TOPIC = f"arn:aws:sns:us-east-1:{OWNER}:alerts"


@pytest.mark.parametrize("resources, verdict", [([FOREIGN_TOPIC], Verdict.SAFE),
                                                ([FOREIGN_TOPIC, OWN_TOPIC], Verdict.VULNERABLE)],
                         ids=["only-another-accounts", "and-the-owners"])
def test_an_allow_only_on_another_accounts_resource_admits_no_foreign_request(resources, verdict):
    # THREAT_MODEL point 2: the request's resource is the owner's.
    doc = policy(statement(principal={"Service": "events.amazonaws.com"}, action="sns:Publish",
                           Resource=resources))
    result = check(doc, service=None, action=None)
    assert result.verdict is verdict
    if verdict is Verdict.VULNERABLE:
        assert result.counterexample.resource == OWN_TOPIC


TRAIL_KEY = "kms:EncryptionContext:aws:cloudtrail:arn"


@pytest.mark.parametrize("condition, verdict", [
    ({"ArnLike": {TRAIL_KEY: f"arn:aws:cloudtrail:*:{OWNER}:trail/*"}}, Verdict.SAFE),
    ({"ArnLike": {TRAIL_KEY: "arn:aws:cloudtrail:*:*:trail/*"}}, Verdict.VULNERABLE),
    # AWS's recommended key policy: the trail pinned by aws:SourceArn, the context by StringLike
    ({"StringEquals": {ARN: f"arn:aws:cloudtrail:us-east-1:{OWNER}:trail/t"},
      "StringLike": {TRAIL_KEY: f"arn:aws:cloudtrail:*:{OWNER}:trail/*"}}, Verdict.SAFE),
    # StringLike alone: its Region * may cross a colon (C4, SEMANTICS case 11)
    ({"StringLike": {TRAIL_KEY: f"arn:aws:cloudtrail:*:{OWNER}:trail/*"}}, Verdict.VULNERABLE),
], ids=["arnlike-owner", "arnlike-any-account", "recommended", "stringlike-alone"])
def test_cloudtrails_key_policy_guard_names_the_source_k11(condition, verdict):
    # CloudTrail sets the encryption context from the trail it acts for (K11).
    doc = policy(statement(principal={"Service": "cloudtrail.amazonaws.com"}, action="kms:GenerateDataKey*",
                           condition=condition, Resource="*"))
    assert check(doc, service=None, action=None).verdict is verdict


def test_impossible_conditions_end_when_a_model_satisfies_no_entry_left():
    """never_holding's sweep asks for a model satisfying any entry left; a
    model that (wrongly) satisfies none must not be asked again forever:
    each entry is then asked alone, and only UNSAT makes a finding."""
    from contextlib import contextmanager

    from verifier.encoder import logic as F
    from verifier.prove import findings
    from verifier.prove.solver import Outcome

    class Session:
        def __init__(self):
            self.asked = []

        @contextmanager
        def scope(self):
            yield self

        def add(self, *terms):
            pass

        def check(self, assumptions=(), timeout_ms=None):
            self.asked.append(assumptions[0].args[0])
            assert len(self.asked) < 20, "the same question asked again and again"
            if assumptions[0].args[0].startswith("holds!any"):
                return Outcome("sat", read=lambda term: False)
            return Outcome("unsat" if assumptions[0].args[0] == "holds!1" else "sat", read=lambda term: True)

    class Entry:
        def __init__(self, n):
            self.operator = self.key = type("V", (), {"value": f"x{n}"})()
            self.values = type("Vs", (), {"items": []})()
            self.span = type("S", (), {"line": n})()

    statement = type("St", (), {"label": "statement 0"})()
    session = Session()
    found = findings.never_holding(session, [(statement, Entry(n)) for n in range(3)],
                                   [F.Bool(f"t{n}") for n in range(3)])
    assert session.asked == ["holds!any3", "holds!0", "holds!1", "holds!2"]
    assert [entry.span.line for _, entry in found] == [1]
