"""Exact verdicts from input that leaves something unstated.

A template or plan may leave condition values unresolved (``sources.unresolved``
reads them as a superset and a subset of the real policy) or leave the
owner's account unstated (a placeholder stands for it, ``sources.owner``).
A ``safe`` proof on the superset, under the placeholder, holds for the real
policy. A ``vulnerable`` verdict found there stands only if it holds
whatever the unstated parts are: ``confirm`` for the values,
``whoever_owns`` for the owner. Anything else becomes ``unknown``, naming
what is missing.
"""

from __future__ import annotations

import json
from dataclasses import replace

from verifier.policy import loading
from verifier.prove.threat import ThreatModel
from verifier.results import Result, Verdict
from verifier.sources import Found


def confirm(found: Found, settled, result: Result, model: ThreatModel, timeout: float, prove, source) -> Result:
    """A counterexample found with unknown condition values read as widely
    as possible (a superset of the real policy) stands only if it holds
    whatever those values are: it is allowed by the subset reading, where
    they match nothing (``unresolved.py``); or, made to name the real
    resource, by the subset reading that keeps that resource's value
    (``unresolved.retargets``); or the subset reading is itself
    vulnerable (``prove``; ``source(policy, result)`` says where a result
    is). Else the verdict is unknown."""
    from verifier.policy import parser
    from verifier.evaluator import Decision, evaluate
    from verifier.sources import unresolved

    narrowed = loading.accept(parser.build_policy(settled.narrowed, found.file), found.kind)
    request = result.counterexample
    if evaluate(narrowed.policy, request).decision is Decision.ALLOW and not unresolved.mentions_never(request):
        result.assumptions.append("the request is allowed whatever the unresolved condition values are")
        return result
    confirmed = _retarget(found, settled, result, model)
    if confirmed is not None:
        return confirmed
    second = prove(narrowed, model, timeout)
    if second.verdict is Verdict.VULNERABLE and not unresolved.mentions_never(second.counterexample):
        second.source = source(narrowed, second)
        second.assumptions.append("the request is allowed even with the unresolved condition values matching "
                                  "nothing, so whatever they are")
        return second
    source = dict(result.source or {})
    if settled.widened_span is not None:
        source.update(line=settled.widened_span.line, column=settled.widened_span.column)
    return Result(found.file, Verdict.UNKNOWN,
                  "could not decide: with the unresolved condition values read as widely as possible a foreign "
                  "request is allowed, but that request depends on what these values are: "
                  + "; ".join(settled.widened_what),
                  warnings=["unconfirmed request: " + json.dumps(request.to_json(), ensure_ascii=False)],
                  source=source, solver=result.solver, seconds=result.seconds + second.seconds)


def _retarget(found: Found, settled, result: Result, model: ThreatModel) -> Result | None:
    """The counterexample with ``aws:SourceArn`` naming the template's own
    resource, if the subset reading that keeps that resource's value
    allows it and it is still foreign (``unresolved.retargets``)."""
    from verifier.policy import parser
    from verifier.evaluator import Decision, evaluate
    from verifier.prove.threat import classify
    from verifier.results import StatementRef
    from verifier.sources import unresolved

    for node, request, value, stand_ins in unresolved.retargets(found.node, settled, result.counterexample):
        kept = loading.accept(parser.build_policy(node, found.file), found.kind)
        evaluation = evaluate(kept.policy, request)
        verdict = classify(request, model)
        if evaluation.decision is not Decision.ALLOW or verdict.kind != "foreign" or verdict.problems \
                or unresolved.mentions_never(request):
            continue
        result.counterexample = request
        result.statements = [StatementRef(t.index, t.sid, t.line) for t in evaluation.allowing]
        result.assumptions.append(f"the request names the template's own resource as aws:SourceArn {value} "
                                  f"({', '.join(stand_ins)} standing for what is known only after deployment); every "
                                  "condition on aws:SourceArn that lists it matches it whatever the name is, and "
                                  "the request is allowed even with the other unresolved values matching nothing")
        return result
    return None


def owner_unstated(found: Found, model: ThreatModel, decide) -> Result:
    """The verdict when a placeholder stands for the owner's account
    (``decide(model)`` checks the policy under a model). The owner decides
    which resources are the owner's (THREAT_MODEL.md point 2): a policy
    whose Resource names an account the input writes out grants nothing on
    the placeholder's resources, yet everything on that account's, which
    may be the real owner's. So ``safe`` must be proved with the resource
    in any account (the placeholder then stands for every account no
    string of the input names or matches, and the named ones are only
    trusted less than they may be); ``vulnerable`` must hold with the
    owner's resource, whichever account the input names is the owner
    (``whoever_owns``). Anything between is unknown."""
    anywhere = decide(replace(model, any_owner=True))
    if anywhere.verdict is Verdict.SAFE:
        return anywhere
    if anywhere.verdict is Verdict.VULNERABLE and _on_owners_resource(anywhere.counterexample, model):
        strict = anywhere  # already a request on the placeholder owner's own resource
    else:
        strict = decide(model)
    if strict.verdict is Verdict.VULNERABLE:
        return whoever_owns(found, model, strict, decide)
    if strict.verdict is not Verdict.SAFE or anywhere.verdict is not Verdict.VULNERABLE:
        return strict if strict.verdict is not Verdict.SAFE else anywhere
    request = anywhere.counterexample
    return Result(found.file, Verdict.UNKNOWN,
                  f"could not decide: the input does not say which account owns the resource, and a foreign request "
                  f"is allowed on {request.resource}, which is the owner's only if the owner is that account: "
                  "give --account", warnings=["unconfirmed request: " + json.dumps(request.to_json(),
                                                                                   ensure_ascii=False)],
                  source=anywhere.source, solver=anywhere.solver, seconds=anywhere.seconds + strict.seconds)


def _on_owners_resource(request, model: ThreatModel) -> bool:
    from verifier.prove.threat import classify

    return request is not None and not classify(request, model).problems


def whoever_owns(found: Found, model: ThreatModel, result: Result, recheck) -> Result:
    """A vulnerable verdict under a placeholder owner stands only if it
    holds whichever of the accounts the input names owns the resource
    (``sources.owner``): checked again with all of them trusted. Else the
    request may come from the owner's own account: unknown. ``recheck(model)``
    checks the policy again under another model."""
    from verifier.sources import owner as owners

    named = (set(found.candidates) | owners.named_accounts(owners.strings(found.node))) \
        - set(model.trusted_accounts) - {model.owner}
    if not named:
        return result  # nothing in the input can be the owner: foreign whoever owns it
    second = recheck(replace(model, trusted_accounts=frozenset(model.trusted_accounts) | named))
    listed = ", ".join(sorted(named))
    if second.verdict is Verdict.VULNERABLE:
        if not found.placeholder_owner:  # chosen here, not by the adapter: say so
            second.assumptions.append(owners.assumption(model.owner))
        second.assumptions.append(f"the input does not say which account owns the resource: the request is "
                                  f"foreign whichever of the accounts it names ({listed}) is the owner")
        return second
    return Result(found.file, Verdict.UNKNOWN,
                  f"could not decide: the input does not say which account owns the resource, and the foreign "
                  f"request found comes from an account it names ({listed}), which may be the owner's own: "
                  "give --account", warnings=list(result.warnings), source=result.source, solver=result.solver,
                  seconds=result.seconds + second.seconds)
