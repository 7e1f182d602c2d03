"""Rendering results as text for a person: ``deputy check``, ``eval`` and
``fix``, with the ``--explain`` and ``--all`` details. No semantics, no z3
here: everything shown was computed and attached to the results before."""

from __future__ import annotations

import json

from verifier.evaluator import Evaluation
from verifier.policy.loading import LoadedPolicy
from verifier.request import Request
from verifier.results import counts as verdict_counts
from verifier.results import Verdict, describe_kind


def _flag(result: bool | None) -> str:
    return {True: "yes", False: "no", None: "undecided"}[result]


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


COLOURS = {"safe": "32", "vulnerable": "1;31", "unknown": "33", "error": "35", "suppressed": "36"}


def _paint(text: str, colour: str | None, on: bool) -> str:
    return f"\033[{colour}m{text}\033[0m" if on and colour else text


def check_text(results, colour: bool = False, verbose: bool = False) -> str:
    """What ``deputy check`` prints for a person: one line per safe policy
    naming the deputies proved, the detail of every other verdict, then a
    summary. ``verbose`` adds every result's assumptions and warnings;
    ``colour`` adds ANSI colours to the verdicts (the CLI decides: a
    terminal, no NO_COLOR)."""
    lines = []
    for r in results:
        lines += _result_lines(r, colour, verbose)
    counts = verdict_counts(results)
    suppressed = sum(1 for r in results if r.suppressed)
    useless = sum(1 for r in results if r.useless)
    lines.append(f"{len(results)} polic{'y' if len(results) == 1 else 'ies'}: "
                 + ", ".join(_paint(f"{n} {v}", COLOURS[v] if n else None, colour) for v, n in counts.items())
                 + (f" ({suppressed} suppressed)" if suppressed else "")
                 + (f"; {useless} with useless findings" if useless else ""))
    return "\n".join(lines) + "\n"


def skipped_line(skipped, verbose: bool) -> str:
    """Below the summary: how many walked files were not policies."""
    if not skipped:
        return ""
    noun = "file that is not a policy" if len(skipped) == 1 else "files that are not policies"
    return f"skipped {len(skipped)} {noun}" + ("" if verbose else " (-v lists them)") + "\n"


def _result_lines(r, colour: bool, verbose: bool) -> list[str]:
    verdict = _paint(r.verdict.value.upper(), COLOURS[r.verdict.value], colour)
    if r.suppressed:
        verdict += " " + _paint(f"(suppressed: {r.suppression.get('reason', '')})", COLOURS["suppressed"], colour)
    answers = r.deputies or []
    shown = [a for a in answers if a.result.verdict is not Verdict.SAFE]
    if r.verdict is Verdict.SAFE or not answers:
        head = f"{r.where()}: {verdict}"
        head += f" for {_deputy_list(answers)}" if answers else f": {r.message}"
        lines = [head]
        lines += _detail(r, "  ", verbose or r.verdict is not Verdict.SAFE, verbose)
    elif len(answers) == 1:
        lines = [f"{r.where()}: {verdict} for {_deputy_list(answers)}: {r.message}"]
        lines += _detail(r, "  ", True, verbose)
    else:
        lines = [f"{r.where()}: {verdict} for {_deputy_list(shown)}"]
        for a in answers:
            state = _paint(a.result.verdict.value.upper(), COLOURS[a.result.verdict.value], colour)
            if a.result.verdict is Verdict.SAFE:
                lines.append(f"  {_deputy_list([a])}: {state}")
                lines += _detail(a.result, "    ", verbose, verbose)
            else:
                lines.append(f"  {_deputy_list([a])}: {state}: {a.result.message}")
                lines += _detail(a.result, "    ", True, verbose)
    lines += [f"  useless: line {u['line']}: {u['message']}" for u in r.useless]
    if r.suppression and r.suppression.get("expired"):
        lines.append(f"  {_paint('expired suppression', COLOURS['vulnerable'], colour)}: {r.suppression['expired']}")
    return lines


def _deputy_list(answers) -> str:
    return ", ".join(f"{a.label} ({', '.join(a.actions) or 'no action'})" for a in answers)


def _detail(r, indent: str, full: bool, verbose: bool) -> list[str]:
    """The counterexample, the statements, warnings (``full``) and the
    assumptions (``verbose``) of one result or deputy answer."""
    lines = []
    if r.counterexample is not None:
        lines.append(f"{indent}counterexample (feed it to `deputy eval --request`):")
        lines += [indent + "  " + line for line in json.dumps(r.counterexample.to_json(), indent=2,
                                                               ensure_ascii=False).splitlines()]
    if full or verbose:
        for ref in r.statements:
            role = "allowed by" if r.counterexample is not None else "rests on"
            lines.append(f"{indent}{role} {ref.describe()}")
    if verbose and r.verdict is Verdict.SAFE and "cvc5" in (r.solver or ""):
        lines.append(f"{indent}proof by {r.solver} (--certify)")
    if verbose:
        lines += [f"{indent}assumes: {a}" for a in r.assumptions]
    if full or verbose:
        lines += [f"{indent}warning: {w}" for w in r.warnings]
    return lines + _detail_text(r, indent)  # asked for with --explain / --all


def _detail_text(r, indent: str = "  ") -> list[str]:
    """The optional parts asked for with --explain and --all."""
    lines = []
    if r.counterexamples is not None:
        lines += counterexamples_lines(r.counterexamples, indent)
    if r.explanation is not None:
        lines += explanation_lines(r.explanation, indent)
    return lines


def explanation_lines(explanation: dict, indent: str = "  ") -> list[str]:
    """Lines for ``deputy check --explain`` in text form."""
    if explanation.get("kind") == "counterexample":
        return _counterexample_text(explanation, indent)
    if explanation.get("kind") == "proof":
        return _proof_text(explanation, indent)
    return [f"{indent}explanation: {explanation.get('note', 'unavailable')}"]


def _label(ref: dict) -> str:
    sid = f" ({ref['sid']})" if ref.get("sid") else ""
    return f"statement {ref['index']}{sid} at line {ref['line']}"


def _value(value) -> str:
    if value is None:
        return "absent"
    return repr(value[0]) if len(value) == 1 else repr(value)


def _counterexample_text(e: dict, indent: str) -> list[str]:
    lines = [f"{indent}explanation (the evaluator's trace of the counterexample; decision {e['decision']}):"]
    for s in e["allowing"]:
        lines.append(f"{indent}  allowed by {_label(s)}:")
        for name in ("principal", "action", "resource"):
            lines.append(f"{indent}    {name}: {s[name]['reason']}")
        if not s["conditions"]:
            lines.append(f"{indent}    no conditions")
        for c in s["conditions"]:
            lines.append(f"{indent}    line {c['line']}: {c['operator']} {c['key']} {c['policy_values']}; "
                         f"in the request: {_value(c['request_value'])}; outcome: {_word(c['result'])} "
                         f"(rule {c['rule'] or 'none cited'}): {c['reason']}")
    if not e["denies"]:
        lines.append(f"{indent}  no Deny statement")
    for d in e["denies"]:
        lines.append(f"{indent}  Deny {_label(d)} does not apply:")
        lines += [f"{indent}    {why}" for why in d["why_not"]]
    return lines


def _word(result) -> str:
    return {True: "true", False: "false", None: "undecided"}[result]


def _proof_text(e: dict, indent: str) -> list[str]:
    lines = [f"{indent}explanation (what the proof rests on; {e['checks']} re-proofs with items deleted):"]
    if e["no_allow_statement"]:
        lines.append(f"{indent}  the policy has no Allow statement: nothing is allowed (E3)")
    for r in e["rests_on"]:
        state = {"needed": "needed (with the unlisted items deleted, deleting it too makes the policy vulnerable)",
                 "undecided": "deleting it gave no verdict in time; kept",
                 "not examined": "not examined (re-check cap); kept"}[r["status"]]
        alone = {"still safe": "; alone it is not the only guard: deleted from the whole policy, the policy "
                               "stays safe",
                 "vulnerable": "; deleted from the whole policy, the policy is vulnerable too"}.get(r.get("alone"), "")
        lines.append(f"{indent}  line {r['line']}: {r['text']} in {_label(r['statement'])}: {state}{alone}")
    for k in e["required_keys_needed"]:
        lines.append(f"{indent}  --require-key {k['key']}: {k['status']}")
    lines.append(f"{indent}  and the assumptions listed above")
    if e["note"]:
        lines.append(f"{indent}  note: {e['note']}")
    return lines


def counterexamples_lines(entries: list[dict], indent: str = "  ") -> list[str]:
    """Lines for ``deputy check --all`` in text form."""
    requests = [e for e in entries if e.get("request") is not None]
    if not entries:
        return [f"{indent}counterexamples (--all): none, no foreign request is allowed"]
    lines = [f"{indent}counterexamples of different kinds (--all): {len(requests)}, each replayed in the evaluator"]
    for number, e in enumerate(entries, 1):
        if e.get("request") is None:
            lines.append(f"{indent}  {number}. asked for {describe_kind(e['asked_for'])}: {e['note']}")
            continue
        kinds = "; ".join(describe_kind(k) for k in e["kinds"])
        lines.append(f"{indent}  {number}. {kinds}:")
        lines.append(f"{indent}     {json.dumps(e['request'], ensure_ascii=False)}")
        if e.get("explanation"):
            lines += explanation_lines(e["explanation"], indent + "     ")
    return lines


def fix_text(repair) -> str:
    """What ``deputy fix`` prints for a person (``repair``: a
    ``verifier.debug.repair.Repair``, or a ``fixing.FileRepair`` for a
    template or plan)."""
    if getattr(repair, "policies", None) is not None:
        return _file_fix_text(repair)
    lines = [f"{repair.path}: {repair.status.upper()}: {repair.message}"]
    for c in repair.changes if repair.status == "repaired" else []:
        ref = c["statement"]
        sid = f" ({ref['sid']})" if ref["sid"] else ""
        lines.append(f"  statement {ref['index']}{sid} at line {ref['line']}: {c['change']}")
    if repair.status == "repaired":
        for kept in repair.kept or ([{"deputy": None, "request": repair.legitimate}] if repair.legitimate else []):
            who = f" for {kept['deputy']}" if kept["deputy"] and len(repair.kept) > 1 else ""
            lines.append(f"  still allowed{who} (evaluator and prover): {_compact(kept['request'])}")
    lines += [f"  warning: {w}" for w in repair.warnings]
    if repair.status == "repaired":
        lines.append(f"  layout: {repair.layout}")
        if repair.written:
            lines.append(f"  written to {repair.path}")
        diff = repair.diff()
        if diff:
            lines.append(diff.rstrip("\n"))
        lines.append("repaired policy:")
        lines.append(repair.text.rstrip("\n"))
    return "\n".join(lines) + "\n"


def _file_fix_text(repair) -> str:
    """A template's or plan's repair: each policy's outcome, then the diff
    of the template (a plan's repaired policies are printed in place)."""
    lines = [f"{repair.path}: {repair.status.upper()}: {repair.message}"]
    lines += [f"  warning: {n}" for n in getattr(repair, "notices", ())]  # check's warnings about the template
    shared = repair.policies[0].assumptions if repair.policies and all(
        f.assumptions == repair.policies[0].assumptions for f in repair.policies) else []
    lines += [f"  assuming {a}" for a in shared]
    for fix in repair.policies:
        lines.append(f"  [{fix.resource}] {fix.status.upper()}: {fix.message}")
        lines += [f"    assuming {a}" for a in fix.assumptions if not shared]
        for c in fix.changes:
            ref = c["statement"] or {}
            where = f"statement {ref['index']} at line {ref['line']}: " if ref else ""
            lines.append(f"    {where}{c['change']}")
        lines += [f"    still allowed for {k['deputy']} (evaluator and prover): {_compact(k['request'])}"
                  for k in fix.kept if fix.status == "repaired"]
        lines += [f"    warning: {w}" for w in fix.warnings]
        if fix.arguments:
            lines.append("    set these arguments of the resource:")
            lines += [f"      {name} = {json.dumps(value)}" for name, value in fix.arguments.items()]
        if fix.policy:
            lines.append("    repaired policy:")
            lines += ["      " + line for line in fix.policy.rstrip("\n").splitlines()]
    if repair.written:
        lines.append(f"  written to {repair.path}")
    diff = repair.diff()
    if diff:
        lines.append(diff.rstrip("\n"))
    return "\n".join(lines) + "\n"


def _compact(request) -> str:
    return json.dumps(request.to_json(), separators=(", ", ": "))
