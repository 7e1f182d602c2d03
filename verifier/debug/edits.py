"""Choosing a repair's edit: the candidate changes to the Allow statements
that let a counterexample in, smallest first (``verifier.debug.repair``
proves what this module proposes).

Each candidate is a new AST for one statement with a description of the
change; ``one_round`` takes the first kind that blocks the counterexample
in the evaluator and still allows the legitimate request. Nothing here is
proved: the caller re-proves every candidate.
"""

from __future__ import annotations

import dataclasses
import json

from verifier.evaluator import Decision, evaluate
from verifier.policy import keys
from verifier.policy.ast import NOWHERE, ConditionBlock, ConditionEntry, OperatorBlock, Policy, Statement, Text, Values
from verifier.prove.threat import ThreatModel
from verifier.request import Request


def one_round(policy: Policy, request: Request, legitimate: list[Request], model: ThreatModel):
    """The first candidate that blocks ``request`` and keeps every request
    of ``legitimate`` allowed."""
    offending = [t.index for t in evaluate(policy, request).allowing]
    if not offending:
        return None
    for kind in ("tighten", "source-account", "source-arn", "both"):
        candidate, changes = policy, []
        for index in offending:
            pos = next(p for p, s in enumerate(candidate.statements) if s.index == index)
            edited = _candidate(candidate.statements[pos], kind, model)
            if edited is None:
                break
            statement, what = edited
            candidate = _put(candidate, pos, statement)
            changes += [{"statement": _ref(statement), "change": w} for w in what]
        else:
            if (evaluate(candidate, request).decision is not Decision.ALLOW
                    and all(evaluate(candidate, r).decision is Decision.ALLOW for r in legitimate)):
                return candidate, changes
    return None


def _put(policy: Policy, pos: int, statement: Statement) -> Policy:
    statements = list(policy.statements)
    statements[pos] = statement
    return dataclasses.replace(policy, statements=tuple(statements))


def _ref(s: Statement) -> dict:
    return {"index": s.index, "sid": s.sid.value if s.sid else None, "line": s.span.line}


def _candidate(s: Statement, kind: str, model: ThreatModel):
    """``(statement, descriptions)`` for one kind of change, or None when it
    does not apply (or would change nothing)."""
    if kind == "tighten":
        return _tighten(s, model)
    accounts = [model.owner] + sorted(model.trusted - {model.owner})
    if kind in ("source-arn", "both") and not (model.source_service or model.service):
        return None  # which service's ARN, for a deputy with no name?
    prefix = model.source_service or model.service.split(".")[0]
    arns = [f"arn:aws:{prefix}:*:{a}:*" for a in accounts]
    out, what = s, []
    if kind in ("source-account", "both"):
        step = _require(out, "StringEquals", "aws:SourceAccount", accounts)
        if step is None:
            return None
        out, text = step
        what.append(text)
    if kind in ("source-arn", "both"):
        step = _require(out, "ArnLike", "aws:SourceArn", arns)
        if step is None:
            return None
        out, text = step
        what.append(text)
    return out, what


def _require(s: Statement, operator: str, key: str, values: list[str]):
    """Add ``operator key values`` to ``s``; where ``s`` already has that
    operator and key, keep only its values among ``values`` (or ``values``)."""
    entries = list(s.condition.entries) if s.condition else []
    found = next((i for i, e in enumerate(entries) if e.operator.value == operator
                  and keys.fold(e.key.value) == keys.fold(key)), None)
    if found is None:
        entry = ConditionEntry(Text(operator), Text(key), _values(values))
        return _with_entries(s, entries + [entry]), f"added {operator} {key} {_show(values)}"
    old = [v.value for v in entries[found].values.items]
    kept = [v for v in old if v in values] or values
    if kept == old:
        return None
    entries[found] = dataclasses.replace(entries[found], values=_values(kept))
    return _with_entries(s, entries), f"narrowed {operator} {entries[found].key.value} from {_show(old)} to {_show(kept)}"


def _tighten(s: Statement, model: ThreatModel):
    """Fix the weak spots of the source-key conditions already there."""
    from verifier.policy.operators import Family, lookup

    if s.condition is None:
        return None
    entries, what = list(s.condition.entries), []
    for i, e in enumerate(entries):
        folded = keys.fold(e.key.value)
        if folded not in (keys.SOURCE_ACCOUNT, keys.SOURCE_ARN):
            continue
        op = lookup(e.operator.value)
        if op is None or op.negated or op.family is Family.NULL:
            continue
        new = op.base.name  # without IfExists (C6) or a set qualifier (SO2)
        if folded == keys.SOURCE_ARN and new == "StringLike":
            new = "ArnLike"  # C4: segment-wise, so "*" cannot reach into the account field
        if new != e.operator.value:
            entries[i] = dataclasses.replace(e, operator=Text(new))
            what.append(f"changed {e.operator.value} {e.key.value} to {new}")
    if not what:
        return None
    if _duplicates(entries):
        return None
    return _with_entries(s, entries), what


def _duplicates(entries) -> bool:
    seen = set()
    for e in entries:
        mark = (e.operator.value, keys.fold(e.key.value))
        if mark in seen:
            return True
        seen.add(mark)
    return False


def _with_entries(s: Statement, entries: list[ConditionEntry]) -> Statement:
    """``s`` with ``entries`` (its own entries, in order, possibly changed,
    then new ones), grouped under their operators in first-seen order; an
    operator block that was empty stays where it was (A9)."""
    blocks: dict[str, list] = {}
    position = 0
    for block in s.condition.operators if s.condition else ():
        if not block.entries:
            blocks.setdefault(block.operator.value, [])
        for _ in block.entries:
            blocks.setdefault(entries[position].operator.value, []).append(entries[position])
            position += 1
    for entry in entries[position:]:
        blocks.setdefault(entry.operator.value, []).append(entry)
    condition = ConditionBlock(tuple(OperatorBlock(Text(op), tuple(es)) for op, es in blocks.items()),
                               s.condition.span if s.condition else NOWHERE)
    return dataclasses.replace(s, condition=condition)


def _values(values: list[str]) -> Values:
    return Values(tuple(Text(v) for v in values), len(values) != 1)


def _show(values: list[str]) -> str:
    return json.dumps(values[0] if len(values) == 1 else values)
