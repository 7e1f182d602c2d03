"""Rendering results as text and JSON. No semantics, no z3 here."""

from __future__ import annotations

import json

from verifier.evaluator import Check, Evaluation
from verifier.policy.loading import LoadedPolicy
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


def check_json(results, model) -> dict:
    """The JSON document ``deputy check --format json`` prints (stable:
    fields may be added, never changed)."""
    from verifier import __version__

    return {
        "deputy_version": __version__,
        "threat_model": {
            "owner": model.owner or None,
            "trusted_accounts": sorted(a for a in model.trusted if a),
            "trusted_orgs": sorted(model.trusted_orgs),
            "service": model.service,
            "action": model.action,
            "required_keys": list(model.required_keys),
            "source_service": model.source_service,
            "strict_attribution": model.strict_attribution,
        },
        "results": [r.to_json() for r in results],
        "summary": _counts(results),
    }


def _counts(results) -> dict:
    counts = {"safe": 0, "vulnerable": 0, "unknown": 0, "error": 0}
    for r in results:
        counts[r.verdict.value] += 1
    return counts


COLOURS = {"safe": "32", "vulnerable": "1;31", "unknown": "33", "error": "35", "suppressed": "36"}


def _paint(text: str, colour: str | None, on: bool) -> str:
    return f"\033[{colour}m{text}\033[0m" if on and colour else text


def check_text(results, colour: bool = False) -> str:
    """What ``deputy check`` prints for a person; ``colour`` adds ANSI
    colours to the verdicts (the CLI decides: a terminal, no NO_COLOR)."""
    lines = []
    for r in results:
        verdict = _paint(r.verdict.value.upper(), COLOURS[r.verdict.value], colour)
        if r.suppressed:
            verdict += " " + _paint(f"(suppressed: {r.suppression.get('reason', '')})", COLOURS["suppressed"], colour)
        lines.append(f"{r.where()}: {verdict}: {r.message}")
        if r.counterexample is not None:
            lines.append("  counterexample (feed it to `deputy eval --request`):")
            lines += ["    " + line for line in json.dumps(r.counterexample.to_json(), indent=2,
                                                             ensure_ascii=False).splitlines()]
        for ref in r.statements:
            role = "allowed by" if r.counterexample is not None else "rests on"
            lines.append(f"  {role} {ref.describe()}")
        lines += [f"  assumes: {a}" for a in r.assumptions]
        for w in r.warnings:
            lines.append(f"  warning: {w}")
        if r.suppression and r.suppression.get("expired"):
            lines.append(f"  {_paint('expired suppression', COLOURS['vulnerable'], colour)}: {r.suppression['expired']}")
        lines += _detail_text(r)
    counts = _counts(results)
    suppressed = sum(1 for r in results if r.suppressed)
    lines.append(f"{len(results)} polic{'y' if len(results) == 1 else 'ies'}: "
                 + ", ".join(_paint(f"{n} {v}", COLOURS[v] if n else None, colour) for v, n in counts.items())
                 + (f" ({suppressed} suppressed)" if suppressed else ""))
    return "\n".join(lines) + "\n"


def _detail_text(r) -> list[str]:
    """The optional parts asked for with --explain and --all."""
    from verifier.debug import attacks, explain

    lines = []
    if r.counterexamples is not None:
        lines += attacks.render_text(r.counterexamples)
    if r.explanation is not None:
        lines += explain.render_text(r.explanation)
    return lines
