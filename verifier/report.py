"""Rendering results as text and JSON. No semantics, no z3 here."""

from __future__ import annotations

import json

from verifier.evaluator import Check, Evaluation
from verifier.loading import LoadedPolicy
from verifier.request import Request


def _flag(result: bool | None) -> str:
    return {True: "yes", False: "no", None: "undecided"}[result]


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


def eval_text(loaded: LoadedPolicy, request: Request, evaluation: Evaluation) -> str:
    """The trace ``deputy eval`` prints for a person."""
    lines = [f"decision: {evaluation.decision.value}"]
    for t in evaluation.statements:
        sid = f" ({t.sid})" if t.sid else ""
        lines.append(f"statement {t.index}{sid}, line {t.line}, {t.effect}: applies: {_flag(t.applies)}")
        for name, check in (("principal", t.principal), ("action", t.action), ("resource", t.resource)):
            lines.append(f"  {name}: {_flag(check.result)}: {check.reason}")
        for c in t.conditions:
            lines.append(f"  condition {c.operator} {c.key} (line {c.line}): {_flag(c.result)}: {c.reason}")
    for d in loaded.diagnostics:
        lines.append(d.render(loaded.policy.source))
    return "\n".join(lines) + "\n"


def dumps(document: dict) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
