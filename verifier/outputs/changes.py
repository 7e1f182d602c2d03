"""Rendering what ``deputy diff`` and ``deputy check --base`` found: text
for a person and the stable JSON document (README "deputy diff"). No
semantics here: each maps ``PolicyChange`` values onto a format."""

from __future__ import annotations

import json

from verifier.changes import Change, PolicyChange, summary
from verifier.outputs.json import threat_model_json
from verifier.outputs.text import COLOURS, _paint, check_text

CHANGE_COLOURS = {Change.OPENS: COLOURS["vulnerable"], Change.NO_NEW: COLOURS["safe"], Change.CLOSES: "1;32",
                  Change.UNKNOWN: COLOURS["unknown"], Change.ERROR: COLOURS["error"], Change.REMOVED: "2"}


def diff_json(changes: list[PolicyChange], model, old: str, new: str, base: str | None = None,
              skipped=(), notices=()) -> dict:
    """The JSON document ``deputy diff --format json`` prints (stable:
    fields may be added, never changed). ``notices``: the new version's
    warnings about its inputs, as ``check``'s ``warnings``."""
    from verifier import __version__

    return {"deputy_version": __version__, "threat_model": threat_model_json(model), "old": old, "new": new,
            "base": base, "changes": [c.to_json() for c in changes],
            "skipped": [{"path": s.path, "reason": s.reason} for s in skipped],
            "warnings": [n.to_json() for n in notices], "summary": summary(changes)}


def diff_text(changes: list[PolicyChange], colour: bool = False, verbose: bool = False) -> str:
    """One line per policy that the change leaves without new foreign
    access, the requests of every other answer, then a summary."""
    lines = []
    for change in changes:
        lines += _policy_lines(change, colour, verbose)
    counts = summary(changes)
    lines.append(f"{len(changes)} polic{'y' if len(changes) == 1 else 'ies'}: "
                 + ", ".join(_paint(f"{counts[c.value]} {c.words}", CHANGE_COLOURS[c] if counts[c.value] else None,
                                    colour) for c in Change)
                 + f" ({counts['added']} new)")
    return "\n".join(lines) + "\n"


def _word(change: Change, colour: bool) -> str:
    return _paint(change.words.upper(), CHANGE_COLOURS[change], colour)


def _policy_lines(change: PolicyChange, colour: bool, verbose: bool) -> list[str]:
    word = _word(change.change, colour)
    if change.suppressed:
        word += f" (suppressed: {change.suppression.get('reason', '')})"
    where = change.where() + (" (new)" if change.kind == "added" else "")
    if change.kind == "added" and change.result is not None:
        body = check_text([change.result], colour, verbose).splitlines()[:-1]  # without its summary line
        return [f"{where}: {word}: checked as a new policy"] + ["  " + line for line in body]
    deputies = change.deputies
    if len(deputies) == 1:
        only = deputies[0]
        lines = [f"{where}: {word} for {only.label}" + ("" if only.change is Change.NO_NEW and not verbose
                                                      else f": {only.message}")]
        lines += _deputy_detail(only, "  ", verbose)
    else:
        named = [d.label for d in deputies if d.change is change.change] if deputies else []
        lines = [f"{where}: {word}" + (f" for {', '.join(named)}" if named else "") + f": {change.message}"]
        for deputy in deputies:
            if deputy.change is Change.NO_NEW and not verbose:
                continue
            lines.append(f"  {deputy.label}: {_word(deputy.change, colour)}: {deputy.message}")
            lines += _deputy_detail(deputy, "    ", verbose)
    if verbose:
        lines += [f"  assumes: {a}" for a in change.assumptions]
    lines += [f"  warning: {w}" for w in change.warnings]
    return lines


def _deputy_detail(deputy, indent: str, verbose: bool) -> list[str]:
    lines = _request_lines(deputy, indent)
    lines += [f"{indent}assumes: {a}" for a in deputy.assumptions if verbose]
    return lines + [f"{indent}warning: {w}" for w in deputy.warnings]


def _request_lines(deputy, indent: str) -> list[str]:
    if deputy.request is None:
        return []
    if deputy.change is Change.OPENS:
        lines = [f"{indent}request the new version allows and the old one denied (feed it to `deputy eval "
                 "--request`):"]
        lines += [indent + "  " + line for line in json.dumps(deputy.request.to_json(), indent=2,
                                                               ensure_ascii=False).splitlines()]
        lines += [f"{indent}allowed by {ref.describe()} of the new version" for ref in deputy.statements]
        return lines
    compact = json.dumps(deputy.request.to_json(), ensure_ascii=False, separators=(", ", ": "))
    lines = [f"{indent}request the old version allowed and the new one denies: {compact}"]
    return lines + [f"{indent}was allowed by {ref.describe()} of the old version" for ref in deputy.old_statements]
