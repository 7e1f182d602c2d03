"""Every counterexample deputy prints is a request AWS would accept, not
only deputy's evaluator: on the labelled benchmark (each case's own
question, and the default one: every deputy, every action) and on the
tricky cases of SEMANTICS section 9, each counterexample is replayed
through @cloud-copilot/iam-simulate and must be allowed, apart from the
known divergences of tests/differential/divergences.py (each with its
rule)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.differential import divergences, oracle
from verifier.policy import actions as catalogue
from verifier.policy.loading import load_text
from verifier.prove.prover import check_policy
from verifier.prove.readable import REGIONS
from verifier.prove.threat import ThreatModel, is_regional
from verifier.results import Verdict

ROOT = Path(__file__).resolve().parent.parent
CASES = [json.loads(p.read_text()) for p in sorted((ROOT / "bench" / "cases").glob("*.json"))]


def _questions():
    for case in CASES:
        o = case["options"]
        owner = o["account"]
        extra = {"trusted_accounts": frozenset(o.get("trusted_accounts", ())),
                 "trusted_orgs": frozenset(o.get("trusted_orgs", ()))}
        narrow = ThreatModel(owner=owner, services=(o["service"],) if o["service"] else (),
                             actions=(o["action"],) if o["action"] else (), **extra)
        yield case, narrow
        yield case, ThreatModel(owner=owner, **extra)


@pytest.fixture(scope="module")
def printed():
    """(case, policy, owner, counterexample, assumptions) for every vulnerable deputy
    whose counterexample names a catalogued action (the others say, in
    their assumptions, that no real action fits)."""
    out = []
    for case, model in _questions():
        result = check_policy(load_text(json.dumps(case["policy"])), model, 20)
        for answer in result.deputies or ():
            r = answer.result
            if r.verdict is Verdict.VULNERABLE and not any("in no action catalogue" in a for a in r.assumptions):
                out.append((case, case["policy"], model.owner, r.counterexample.to_json(), r.assumptions))
    assert len(out) > 250
    return out


def test_iam_simulate_allows_every_counterexample(printed):
    try:
        oracle.ensure_installed()
    except oracle.Unavailable as exc:
        pytest.skip(f"the outside evaluator cannot run here: {exc}")
    pairs = [(policy, {**request, "resource": request.get("resource", oracle.ROLE), "accountId": owner})
             for _, policy, owner, request, _ in printed]
    answers = oracle.decide(pairs)
    refused = []
    unnamed = []
    for (case, policy, _, _, assumptions), (_, request), answer in zip(printed, pairs, answers):
        assert answer["decision"] != "error", (case["id"], answer["detail"])
        # A departure of iam-simulate from SEMANTICS.md: listed in divergences.py,
        # or noted on the case with the rule that decides it.
        known = divergences.explain(policy, request) or case.get("iam_simulate_differs")
        if answer["decision"] != "allow" and not known:
            refused.append((case["id"], request, answer["decision"]))
        # Issue 12: a principal only a reading admits (A6, A16) is printed only
        # where no name the policy spells would do, and the reading is named.
        if answer["decision"] != "allow" and known == ["service_spelling"] and \
                not any("allowed on this reading" in a and "A16" in a for a in assumptions):
            unnamed.append((case["id"], request["principal"]))
    assert not refused, refused[:5]
    assert not unnamed, unnamed[:5]


def test_counterexamples_are_requests_that_can_occur(printed):
    """What iam-simulate does not check: the action is a real one, the
    resource is of a type it takes, a single-valued key has one value, a
    Region is a real one."""
    for case, _, _, request, _ in printed:
        cid = case["id"]
        action = request["action"]
        assert catalogue.spelled(action) == action, (cid, action)
        resource = request.get("resource")
        formats = catalogue.resource_arns(action)
        if resource is not None and formats:
            assert any(_fits_format(resource, f) for f in formats), (cid, action, resource, formats)
        for key in ("aws:SourceAccount", "aws:SourceArn", "aws:SourceOwner", "aws:PrincipalServiceName"):
            assert not isinstance(request["context"].get(key), list), (cid, key)
        if is_regional(request["principal"]):
            assert request["principal"].split(".")[1] in REGIONS, (cid, request["principal"])
        arn = request["context"].get("aws:SourceArn")
        if arn and arn.split(":")[3]:
            assert arn.split(":")[3] in REGIONS, (cid, arn)


def _fits_format(resource: str, arn_format: str) -> bool:
    """Whether an ARN has a format's literal parts (its placeholders any text)."""
    pattern = "".join(".*" if part.startswith("${") else re.escape(part)
                      for part in re.split(r"(\$\{[^}]*\})", arn_format))
    return re.fullmatch(pattern, resource) is not None
