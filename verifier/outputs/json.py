"""The JSON documents ``deputy check``, ``deputy eval`` and ``deputy fix``
print (stable: fields may be added, never changed; README "JSON output").
No semantics here: each maps results onto plain data."""

from __future__ import annotations

import json

from verifier.evaluator import Check, Evaluation
from verifier.policy.loading import LoadedPolicy
from verifier.request import Request
from verifier.results import counts


def eval_json(loaded: LoadedPolicy, request: Request, evaluation: Evaluation) -> dict:
    """The JSON document ``deputy eval --format json`` prints."""
    return {
        "policy": loaded.policy.source,
        "decision": evaluation.decision.value,
        "request": request.to_json(),
        "statements": [
            {
                "index": t.index,
                "sid": t.sid,
                "effect": t.effect,
                "line": t.line,
                "applies": t.applies,
                "principal": _check_json(t.principal),
                "action": _check_json(t.action),
                "resource": _check_json(t.resource),
                "conditions": [
                    {"operator": c.operator, "key": c.key, "result": c.result, "reason": c.reason,
                     "line": c.line}
                    for c in t.conditions
                ],
            }
            for t in evaluation.statements
        ],
        "diagnostics": [_diagnostic_json(d) for d in loaded.diagnostics],
    }


def _check_json(check: Check) -> dict:
    return {"matched": check.result, "reason": check.reason}


def _diagnostic_json(d) -> dict:
    return {"severity": d.severity.value, "rule": d.rule, "message": d.message,
            "line": d.span.line, "column": d.span.column}


def dumps(document: dict) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def check_json(results, model) -> dict:
    """The JSON document ``deputy check --format json`` prints (stable:
    fields may be added, never changed)."""
    from verifier import __version__

    return {
        "deputy_version": __version__,
        "threat_model": threat_model_json(model),
        "results": [r.to_json() for r in results],
        "summary": counts(results),
    }


def threat_model_json(model) -> dict:
    """The threat model a document's answers are about."""
    return {
        "owner": model.owner or None,
        "trusted_accounts": sorted(a for a in model.trusted if a),
        "trusted_orgs": sorted(model.trusted_orgs),
        # "service" and "action" name the one asked about, else null:
        # every deputy of each policy, every action it grants.
        "service": model.services[0] if len(model.services) == 1 else None,
        "action": model.actions[0] if len(model.actions) == 1 else None,
        "services": list(model.services),
        "actions": list(model.actions),
        "required_keys": list(model.required_keys),
        "source_service": model.source_service,
        "strict_attribution": model.strict_attribution,
    }
