"""Markdown for a pull-request comment or a CI job summary
(``$GITHUB_STEP_SUMMARY``): a headline, a short table of what needs a look,
and each counterexample in a folded block. ``check`` and ``diff`` both
render here. No semantics: everything shown was computed before."""

from __future__ import annotations

import json

from verifier.changes import Change, PolicyChange, summary
from verifier.results import Result, Verdict, counts

_MARK = {"vulnerable": "🔴", "opens": "🔴", "error": "🟣", "unknown": "🟡", "closes": "🟢", "safe": "✅",
         "no-new-access": "✅", "removed": "➖"}


def check_markdown(results: list[Result]) -> str:
    """``deputy check --format markdown``: the table lists every policy
    that is not safe, one row per deputy."""
    found = counts(results)
    failing = [r for r in results if r.verdict is not Verdict.SAFE]
    headline = ("no foreign access found" if not failing
                else f"{found['vulnerable']} vulnerable, {found['unknown']} unknown, {found['error']} unreadable")
    lines = [f"### deputy check: {headline}", "",
             f"{len(results)} polic{'y' if len(results) == 1 else 'ies'}: "
             + ", ".join(f"{n} {v}" for v, n in found.items()), ""]
    rows = []
    for r in failing:
        answers = [(a.label, a.result) for a in r.deputies or () if a.result.verdict is not Verdict.SAFE]
        for label, answer in answers or [(r.deputy or "", r)]:
            note = " (suppressed)" if r.suppressed else ""
            rows.append((r.where(), label, answer.verdict.value, _cell(answer.message) + note, answer.counterexample))
    lines += _table(rows)
    return "\n".join(lines) + "\n"


def diff_markdown(changes: list[PolicyChange], base: str | None = None) -> str:
    """``deputy diff`` / ``check --base`` in markdown: the table lists what
    the change opens, closes or leaves undecided, one row per deputy."""
    found = summary(changes)
    opened = found[Change.OPENS.value]
    headline = (f"{opened} polic{'y opens' if opened == 1 else 'ies open'} foreign access" if opened
                else "this change opens no foreign access" if not found["unknown"] + found["error"]
                else "undecided: see below")
    against = f" against `{base}`" if base else ""
    lines = [f"### deputy{against}: {headline}", "",
             f"{len(changes)} polic{'y' if len(changes) == 1 else 'ies'}: "
             + ", ".join(f"{found[c.value]} {c.words}" for c in Change) + f" ({found['added']} new)", ""]
    rows = []
    for change in changes:
        if change.change in (Change.NO_NEW, Change.REMOVED):
            continue
        where = change.where() + (" (new)" if change.kind == "added" else "")
        deputies = [d for d in change.deputies if d.change is not Change.NO_NEW]
        for deputy in deputies or [None]:
            answer = deputy.change if deputy else change.change
            message = deputy.message if deputy else change.message
            note = " (suppressed)" if change.suppressed else ""
            rows.append((where, deputy.label if deputy else "", answer.value, _cell(message) + note,
                         deputy.request if deputy else None))
    removed = [c.where() for c in changes if c.change is Change.REMOVED]
    lines += _table(rows)
    if removed:
        lines += ["", "Removed: " + ", ".join(f"`{_code(w)}`" for w in removed)]
    return "\n".join(lines) + "\n"


def _table(rows) -> list[str]:
    if not rows:
        return []
    lines = ["| policy | deputy | answer | why |", "| --- | --- | --- | --- |"]
    lines += [f"| `{_code(where)}` | {_cell(label)} | {_MARK.get(answer, '')} {answer} | {why} |"
              for where, label, answer, why, _ in rows]
    for where, label, answer, _, request in rows:
        if request is None:
            continue
        lines += ["", f"<details><summary><code>{_html(where)}</code>, {_html(label)}: the request ({answer})"
                      "</summary>", "", "```json", json.dumps(request.to_json(), indent=2, ensure_ascii=False),
                  "```", "", "</details>"]
    return lines


def baseline_section(report) -> str:
    """What a baseline (a ``baseline.Report``) says of a check: findings
    known (not failing), new and fixed."""
    lines = ["", f"Baseline `{_code(report.path)}`: {len(report.known)} known (not failing), {len(report.new)} new, "
             f"{len(report.fixed)} fixed"]
    lines += [f"- new: `{_code(e.describe())}`" for e in report.new]
    lines += [f"- fixed: `{_code(e.describe())}`" for e in report.fixed]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """Text safe inside a table cell: one line, no column break."""
    text = " ".join(str(text).split())
    return text.replace("|", "\\|")


def _code(text: str) -> str:
    return _cell(text).replace("`", "'")


def _html(text: str) -> str:
    return _cell(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
