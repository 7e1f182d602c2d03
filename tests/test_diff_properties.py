"""``deputy diff`` against the evaluator on random pairs of policy versions
and random concrete requests (issue 15): whenever the evaluator allows a
foreign request under NEW and denies it under OLD, the diff must not answer
"no new foreign access" for that request's deputy; and every ``opens`` and
``closes`` request replays as stated."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests import strategies
from tests.support import examples
from verifier import diffing
from verifier.changes import Change
from verifier.evaluator import Decision, evaluate
from verifier.policy import parser
from verifier.policy.loading import load_text
from verifier.prove.threat import Deputy, ThreatModel, classify, global_name
from verifier.request import ContextValue
from verifier.results import OTHER_DEPUTY
from verifier.sources import Found

DENIED = (Decision.IMPLICIT_DENY, Decision.EXPLICIT_DENY)


def found(text: str, name: str) -> Found:
    root = parser.parse_text(text, name)
    return Found(name, "policy", node=root, span=root.span)


def of_deputy(request):
    """The request with the principal's own keys a service's request
    carries (K5), so that it is a request of the threat model."""
    names = tuple(dict.fromkeys([request.principal, global_name(request.principal)]))
    context = [c for c in request.context if c.name not in ("aws:PrincipalServiceName",
                                                            "aws:PrincipalServiceNamesList")]
    context += [ContextValue("aws:PrincipalServiceName", (request.principal,), False),
                ContextValue("aws:PrincipalServiceNamesList", names, True)]
    return dataclasses.replace(request, context=tuple(context))


def answer_for(change, request):
    """The deputy answer that covers ``request``'s principal (an unshown
    "any other service principal" was proved: no new foreign access)."""
    service = global_name(request.principal)
    by_label = {d.label: d for d in change.deputies}
    return by_label.get(service) or by_label.get(OTHER_DEPUTY)


def replays(entry, allowing, denying, model) -> None:
    request = entry.request
    assert evaluate(allowing, request).decision is Decision.ALLOW, request.to_json()
    assert evaluate(denying, request).decision in DENIED, request.to_json()
    deputy = Deputy(entry.service) if entry.service else Deputy(None)
    verdict = classify(request, model.asking(deputy) if entry.service else model)
    assert verdict.kind == "foreign" and verdict.problems == (), (request.to_json(), verdict)


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict-attribution"])
@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pair=strategies.policy_pair(), requests=st.lists(strategies.request(), min_size=1, max_size=12))
def test_diff_never_misses_what_the_evaluator_sees_open(pair, requests, strict):
    old_text, new_text = pair
    model = ThreatModel(owner=strategies.OWNER, strict_attribution=strict)
    change = diffing.pair(found(old_text, "old.json"), found(new_text, "new.json"), model, 20.0)
    assume(change.change is not Change.ERROR)  # a drawn document AWS would refuse
    old, new = load_text(old_text).policy, load_text(new_text).policy
    for entry in change.deputies:
        if entry.change is Change.OPENS:
            replays(entry, new, old, model)
        elif entry.change is Change.CLOSES:
            replays(entry, old, new, model)
    has_resource = any(s.resources is not None for p in (old, new) for s in p.statements)
    for request in map(of_deputy, requests):
        if (request.resource is not None) != has_resource:
            continue  # outside the question: a trust policy's requests name no resource
        verdict = classify(request, model)
        if verdict.kind != "foreign" or verdict.problems:
            continue
        if evaluate(new, request).decision is Decision.ALLOW and evaluate(old, request).decision in DENIED:
            entry = answer_for(change, request)
            assert entry is not None and entry.change in (Change.OPENS, Change.UNKNOWN), \
                (old_text, new_text, request.to_json(), entry and entry.change)
            assert change.change in (Change.OPENS, Change.UNKNOWN)


@settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=strategies.policy_text())
def test_a_policy_against_itself_opens_nothing(text):
    # The same document, moved about: no solver needed, and never "opens".
    change = diffing.pair(found(text, "old.json"), found("\n\n" + text, "new.json"),
                          ThreatModel(owner=strategies.OWNER), 20.0)
    assume(change.change is not Change.ERROR)
    assert change.change is Change.NO_NEW
