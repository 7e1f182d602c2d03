"""The every-deputy default never hides what a narrow question finds.

(a) On the labelled benchmark and the corpus: each named deputy and each
action its Allow statements grant, asked one at a time with the narrow
question (``--service S --action A``), against the per-deputy verdicts of
the default run: a vulnerable narrow question means the deputy is
vulnerable in the default run, and where the granted actions are all
written out (no wildcard, no NotAction) the verdicts are equal.

(b) "Any other service principal" against brute force: on random small
policies with wildcard principals and service-name conditions, every
concrete service name of a vocabulary (named ones, look-alikes, fresh ones)
is tried with the evaluator; a foreign request it allows must make the
deputy covering that name vulnerable in the default run.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.builders import CORPUS_ROOT
from tests.support import examples
from verifier.evaluator import Decision, evaluate
from verifier.policy import actions as catalogue
from verifier.policy.ast import Effect
from verifier.policy.loading import load_text
from verifier.prove import deputies
from verifier.prove.prover import check_policy
from verifier.prove.threat import ThreatModel, classify, global_name
from verifier.request import make_request
from verifier.results import Verdict

OWNER = "111122223333"
ROOT = Path(__file__).resolve().parent.parent
CORPUS = CORPUS_ROOT / "policies"
CASES = sorted((ROOT / "bench" / "cases").glob("*.json"))
_WORST = [Verdict.VULNERABLE, Verdict.ERROR, Verdict.UNKNOWN, Verdict.SAFE]


def _inputs():
    for path in CASES:
        case = json.loads(path.read_text())
        yield pytest.param(json.dumps(case["policy"]), case["options"]["account"], id=f"case-{path.stem}")
    files = sorted(CORPUS.glob("*.json")) if CORPUS.is_dir() else []
    for path in files:
        yield pytest.param(path.read_text(), OWNER, id=f"corpus-{path.stem}")


def _granted(policy, service: str) -> tuple[list[str], bool]:
    """The actions Allow statements naming ``service`` grant it, and whether
    that list is exact (every pattern a literal action)."""
    out, exact = [], True
    for s in policy.statements:
        if s.effect_kind is Effect.DENY or s.principals is None or s.principals.negated:
            continue
        names = [global_name(v.value) for e in s.principals.entries if e.kind.value == "Service"
                 for v in e.values.items]
        if service not in names or s.actions is None:
            continue
        if s.actions.negated:
            exact = False
            continue
        for item in s.actions.patterns.items:
            text = item.value
            if "*" in text or "?" in text:
                exact = False
                out += catalogue.matching(text, limit=3)
            elif ":" in text and ":" not in text.split(":", 1)[1]:
                out.append(catalogue.spelled(text) or text)
    return list(dict.fromkeys(out)), exact


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the corpus is not at {CORPUS} (only the benchmark is checked)")
def test_the_corpus_is_present():
    assert len(list(CORPUS.glob("*.json"))) > 100


@pytest.mark.parametrize("text, owner", list(_inputs()))
def test_narrow_questions_agree_with_the_default_run(text, owner):
    try:
        loaded = load_text(text)
    except Exception:  # noqa: BLE001 - an unreadable policy has no deputy to compare
        pytest.skip("the policy does not parse")
    default = check_policy(loaded, ThreatModel(owner=owner), 20)
    by_deputy = {a.label: a.result.verdict for a in default.deputies or ()}
    for service in deputies.of_policy(loaded.policy).named:
        granted, exact = _granted(loaded.policy, service)
        narrow = [check_policy(loaded, ThreatModel(owner=owner, services=(service,), actions=(action,)), 20).verdict
                  for action in granted]
        if Verdict.VULNERABLE in narrow:
            assert by_deputy[service] is Verdict.VULNERABLE, (service, granted, narrow)
        if exact and narrow:
            assert by_deputy[service] is min(narrow, key=_WORST.index), (service, granted, narrow)


# -- (b) any other service principal, against brute force -----------------------------------------

NAMED = ["events.amazonaws.com", "s3.amazonaws.com"]
VOCABULARY = NAMED + ["events.us-east-1.amazonaws.com", "s3.eu-west-1.amazonaws.com", "sns.amazonaws.com",
                      "eventsx.amazonaws.com", "fresh.example.com", "cloudfront.amazonaws.com",
                      "logs.ap-south-1.amazonaws.com", "delivery.logs.amazonaws.com"]
NAME_PATTERNS = ["sns.amazonaws.com", "*.amazonaws.com", "events.*", "cloud*", "*.us-east-1.*", "*s3*",
                 "logs.??-*"]
ACCOUNTS = [OWNER, "999999999999"]


@st.composite
def service_policy(draw) -> str:
    statements = []
    for _ in range(draw(st.integers(1, 3))):
        effect = draw(st.sampled_from(["Allow", "Allow", "Deny"]))
        principal = draw(st.sampled_from(["*", {"AWS": "*"}, {"Service": NAMED[0]}, {"Service": NAMED},
                                          {"Service": NAMED[1]}]))
        out = {"Effect": effect, "Principal": principal, "Action": "sqs:SendMessage"}
        condition: dict = {}
        if draw(st.booleans()):
            op = draw(st.sampled_from(["StringLike", "StringNotLike", "StringEquals", "StringNotEquals"]))
            condition.setdefault(op, {})["aws:PrincipalServiceName"] = draw(
                st.lists(st.sampled_from(NAME_PATTERNS + NAMED), min_size=1, max_size=2, unique=True))
        if draw(st.booleans()):
            condition.setdefault("StringEquals", {})["aws:SourceAccount"] = draw(st.sampled_from(ACCOUNTS))
        if draw(st.booleans()):
            condition["Bool"] = {"aws:PrincipalIsAWSService": draw(st.sampled_from(["true", "false"]))}
        if condition:
            out["Condition"] = condition
        statements.append(out)
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def _requests():
    for name, account in itertools.product(VOCABULARY, [None, *ACCOUNTS]):
        context = {"aws:PrincipalServiceName": name, "aws:PrincipalIsAWSService": "true",
                   "aws:PrincipalServiceNamesList": sorted({name, global_name(name)})}
        if account:
            context["aws:SourceAccount"] = account
        yield make_request(name, "sqs:SendMessage", context)


REQUESTS = list(_requests())


@settings(max_examples=examples(120), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(service_policy())
def test_any_other_service_principal_agrees_with_brute_force(text):
    loaded = load_text(text)
    model = ThreatModel(owner=OWNER)
    result = check_policy(loaded, model, 20)
    assert result.verdict in (Verdict.SAFE, Verdict.VULNERABLE), result.message
    by_deputy = {a.service: a.result.verdict for a in result.deputies}
    named = deputies.of_policy(loaded.policy).named
    for request in REQUESTS:
        if classify(request, model).kind != "foreign" or evaluate(loaded.policy, request).decision \
                is not Decision.ALLOW:
            continue
        deputy = global_name(request.principal)
        covering = deputy if deputy in named else None
        assert by_deputy.get(covering) is Verdict.VULNERABLE, (text, request.to_json(), by_deputy)
