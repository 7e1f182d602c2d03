"""Concrete requests tried before any formula is built.

Most deputies a real policy names are let in by an Allow with no source
condition at all; the canonical foreign request of the deputy (a real
action it is granted, a resource of the owner of a type that action takes,
a foreign ``aws:SourceAccount``) is then allowed, and the evaluator says so
in microseconds. Such a request is a counterexample like any other: it is
classified by ``threat.classify`` and decided by the evaluator, so it is
exactly what a solver's model would have to pass before being reported.
A candidate that is not allowed proves nothing, and the question goes to
the solver; no verdict of ``safe`` ever comes from here.

The candidates are fixed for a given policy and threat model, so the same
input gives the same counterexample in any run, alone or among others.
"""

from __future__ import annotations

from verifier import deadline
from verifier.evaluator import Decision, evaluate
from verifier.policy import keys
from verifier.policy.loading import LoadedPolicy
from verifier.prove import readable
from verifier.prove.threat import ThreatModel, classify, global_name
from verifier.request import Request, make_request

_MAX_ACTIONS = 3
_MAX_RESOURCES = 3
_MAX_PRINCIPALS = 3  # the names the policy spells (every reading admits them), then the global one


def foreign(loaded: LoadedPolicy, model: ThreatModel) -> Request | None:
    """A foreign request of the question's deputy that the policy allows,
    among the canonical candidates, or None."""
    account = readable.foreign_account(model)
    service = model.source_service or readable.services(model.deputy)[0].split(".")[0]
    arn = f"arn:aws:{service}:{readable.NICE_REGION}:{account}:example"
    sources = [{"aws:SourceAccount": account}, {"aws:SourceAccount": account, "aws:SourceArn": arn},
               {"aws:SourceArn": arn}] + _sources_named(loaded, model, account)
    if model.strict_attribution:
        sources.append({})  # unattributed requests count as foreign
    return _first(loaded, model, "foreign", sources)


def _sources_named(loaded: LoadedPolicy, model: ThreatModel, account: str) -> list[dict]:
    """Source keys the policy's own conditions name that are foreign: an
    example's placeholder account, an ARN in another account."""
    accounts, arns = [], []
    for s in loaded.policy.statements:
        for entry in s.condition.entries if s.condition else ():
            key = keys.fold(entry.key.value)
            values = [v.value for v in entry.values.items if "${" not in v.value]
            if key == keys.SOURCE_ACCOUNT:
                accounts += [v for v in values if readable.ACCOUNT.fullmatch(v) and v not in model.trusted]
            elif key == keys.SOURCE_ARN:
                arns += [readable.instance_of(v) for v in values]
    out = [{"aws:SourceAccount": a} for a in dict.fromkeys(accounts)]
    for arn in dict.fromkeys(arns):
        parts = arn.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn":
            continue
        if parts[4] == "":
            out.append({"aws:SourceArn": arn, "aws:SourceAccount": account})
        elif readable.ACCOUNT.fullmatch(parts[4]) and parts[4] not in model.trusted:
            out += [{"aws:SourceArn": arn, "aws:SourceAccount": parts[4]}, {"aws:SourceArn": arn}]
    return out[:12]


def unattributed(loaded: LoadedPolicy, model: ThreatModel) -> Request | None:
    """A request of the deputy naming no source account that the policy
    allows, among the candidates (no source key at all), or None."""
    return _first(loaded, model, "unattributed", [{}])


def legitimate(loaded: LoadedPolicy, model: ThreatModel) -> Request | None:
    """A request of the deputy from the owner's account that the policy
    allows, among the candidates, or None."""
    service = model.source_service or readable.services(model.deputy)[0].split(".")[0]
    arn = f"arn:aws:{service}:{readable.NICE_REGION}:{model.owner}:example"
    return _first(loaded, model, "legitimate", [{"aws:SourceAccount": model.owner},
                                                 {"aws:SourceAccount": model.owner, "aws:SourceArn": arn}])


def _first(loaded: LoadedPolicy, model: ThreatModel, kind: str, sources: list[dict]) -> Request | None:
    policy = loaded.policy
    for principal in readable.principal_names(model.deputy, policy)[:_MAX_PRINCIPALS]:
        for group in _candidates(loaded, model, principal, sources):
            outcome = _allowed(policy, model, kind, group)
            if isinstance(outcome, Request):
                return outcome
            if outcome is _NOT_ADMITTED:
                break  # no Allow admits this principal, whatever the rest of the request
    return None


_NOT_ADMITTED = object()


def _allowed(policy, model: ThreatModel, kind: str, group: list[Request]):
    """The first request of a group the policy allows, or why none is."""
    for request in group:
        deadline.check()  # each candidate is evaluated over the whole policy
        verdict = classify(request, model)
        if verdict.problems or verdict.kind != kind:
            continue
        evaluation = evaluate(policy, request)
        if evaluation.decision is Decision.ALLOW:
            return request
        allows = [t for t in evaluation.statements if t.effect == "Allow"]
        if not any(t.principal.result for t in allows):
            return _NOT_ADMITTED
        if not any(t.principal.result and t.action.result and t.resource.result for t in allows):
            return None  # nor this action and resource: other source keys cannot help
    return None


def _candidates(loaded: LoadedPolicy, model: ThreatModel, principal: str, sources: list[dict]):
    """Groups of candidates of one principal that differ only in their
    source keys."""
    policy = loaded.policy
    names = sorted({principal, global_name(principal)})
    base = {"aws:PrincipalIsAWSService": "true", "aws:PrincipalServiceName": principal,
            "aws:PrincipalServiceNamesList": names}
    required = [k for k in model.required_keys]
    for action in readable.action_names(policy, model)[:_MAX_ACTIONS]:
        resources = readable.resource_names(policy, model, action)[:_MAX_RESOURCES] \
            if readable.has_resource(policy) else [None]
        for resource in resources:
            # --require-key: a request without that key is not one the service sends.
            yield [make_request(principal, action, {**base, **source}, resource) for source in sources
                   if all(k in {**base, **source} for k in required)]
