"""Why a verdict holds: ``deputy check --explain``.

Two explanations, both returned as JSON-ready dicts (the optional
``explanation`` field of a result):

* ``counterexample(policy, request)``, for a vulnerable verdict: read off the
  concrete evaluator's trace of the replayed request (never the encoder):
  which Allow statements apply and why each of their conditions holds for
  this request (value, operator, outcome, SEMANTICS rule), and why no Deny
  statement applies.
* ``proof(loaded, model, timeout)``, for a safe verdict: what the proof
  rests on, found by deletion: an *item* (a condition of an Allow statement,
  an Allow's Principal / Action / Resource, a whole Deny statement) is
  deleted from the policy (an AST edit that can only let more requests in)
  and the prover re-run; an item whose deletion keeps the policy safe is
  dropped for good, one whose deletion makes it vulnerable is kept (items
  are tried in groups first, halved when a group cannot go, which needs far
  fewer re-proofs when most items are not needed). Each item kept is then
  deleted from the whole policy as well (``alone``): "still safe" means some
  item not listed also guards against it, "vulnerable" that it is the only
  guard. The
  items kept are a minimal set: the policy reduced to them is safe (the last
  successful re-check proved it), and deleting any one of them from that
  reduced policy makes it vulnerable. Re-checks are capped (in number, in
  time, and by the policy's own time limit, ``verifier.deadline``); items left
  unexamined, or whose re-check was undecided, are kept and marked, and the
  explanation then says it is a bounded approximation.
"""

from __future__ import annotations

import dataclasses
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from verifier.policy import loading
from verifier.policy.ast import (ConditionBlock, Effect, OperatorBlock, PatternBlock, Policy, PrincipalBlock,
                          Statement, Text, Values)
from verifier import deadline
from verifier.errors import BudgetExceeded, InputError
from verifier.evaluator import evaluate
from verifier.policy.loading import LoadedPolicy
from verifier.policy.operators import Family, lookup, lookup_folded
from verifier.request import Request
from verifier.results import Verdict

if TYPE_CHECKING:  # no z3 at import time: start-up pays only for what a command uses
    from verifier.prove.threat import ThreatModel

MAX_CHECKS = 120
BUDGET_SECONDS = 60.0

# -- vulnerable: the evaluator's trace of the counterexample --------------------------------

_FAMILY_RULE = {Family.STRING: "C3", Family.ARN: "C4", Family.NUMERIC: "C5", Family.DATE: "C5",
                Family.BOOL: "C5", Family.BINARY: "C5", Family.IP: "C5", Family.NULL: "C7"}
_RULE = re.compile(r"\(([^()]*)\)")
_RULE_NAME = re.compile(r"\b(?:[A-Z]{1,2}\d+|\d\.\d)\b")


def counterexample(policy: Policy, request: Request) -> dict:
    """Why the evaluator allows ``request``: the applying Allow statements,
    each condition's outcome for this request, and each Deny's failing part."""
    evaluation = evaluate(policy, request)
    by_index = {s.index: s for s in policy.statements}
    allowing, denies = [], []
    for trace in evaluation.statements:
        statement = by_index[trace.index]
        if trace.effect == "Allow" and trace.applies:
            allowing.append(_allowing(statement, trace, request))
        elif trace.effect == "Deny":
            denies.append(_deny(statement, trace, request))
    return {"kind": "counterexample", "decision": evaluation.decision.value,
            "allowing": allowing, "denies": denies}


def _ref(statement: Statement) -> dict:
    return {"index": statement.index, "sid": statement.sid.value if statement.sid else None,
            "line": statement.span.line}


def _allowing(statement: Statement, trace, request: Request) -> dict:
    return {**_ref(statement),
            "principal": _check(trace.principal), "action": _check(trace.action),
            "resource": _check(trace.resource),
            "conditions": _conditions(statement, trace, request)}


def _check(check) -> dict:
    return {"result": check.result, "reason": check.reason}


def _conditions(statement: Statement, trace, request: Request) -> list[dict]:
    entries = statement.condition.entries if statement.condition else ()
    out = []
    for entry, outcome in zip(entries, trace.conditions):
        value = request.get(entry.key.value)
        out.append({
            "line": outcome.line, "operator": outcome.operator, "key": outcome.key,
            "policy_values": [v.value for v in entry.values.items],
            "request_value": list(value) if value is not None else None,
            "result": outcome.result, "reason": outcome.reason,
            "rule": _rule(outcome.operator, outcome.reason),
        })
    return out


def _rule(operator: str, reason: str) -> str | None:
    """The SEMANTICS rule the evaluator cites, else the operator family's."""
    cited = [g for g in _RULE.findall(reason) if _RULE_NAME.search(g)]
    if cited:
        return ", ".join(cited)
    op = lookup(operator) or lookup_folded(operator)
    return _FAMILY_RULE.get(op.family) if op else None


def _deny(statement: Statement, trace, request: Request) -> dict:
    why = [f"{name}: {check.reason}" for name, check in
           (("principal", trace.principal), ("action", trace.action), ("resource", trace.resource))
           if check.result is not True]
    why += [f"condition {c.operator} {c.key} (line {c.line}): {c.reason}"
            for c in trace.conditions if c.result is not True]
    if trace.applies is False and not why:
        why.append("its Condition (or an operator block in it) is empty: a Deny without effect (A9)")
    return {**_ref(statement), "applies": trace.applies, "why_not": why,
            "conditions": _conditions(statement, trace, request)}


# -- safe: deletion-based minimisation --------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """Something a proof may rest on, and how to delete it."""

    kind: str  # "condition" | "principal" | "action" | "resource" | "deny"
    statement: int  # position in policy.statements
    entry: int = -1  # position in statement.condition.entries (conditions only)


def items_of(policy: Policy) -> list[Item]:
    """Every deletable item, widenings of statement elements first, then
    Deny statements, then conditions (the order decides which of several
    minimal sets is found)."""
    first, denies, conditions = [], [], []
    for pos, s in enumerate(policy.statements):
        if s.effect_kind is Effect.DENY:
            denies.append(Item("deny", pos))
            continue
        first += [Item("principal", pos), Item("action", pos)]
        if s.resources is not None:
            first.append(Item("resource", pos))
        if s.condition is not None:
            conditions += [Item("condition", pos, i) for i in range(len(s.condition.entries))]
    return first + denies + conditions


_STAR = Values((Text("*"),), False)


def delete(policy: Policy, items) -> Policy:
    """``policy`` with ``items`` deleted. Each deletion can only make more
    requests allowed: a condition is dropped from an Allow, an Allow's
    Principal/Action/Resource becomes ``"*"``, a Deny statement is dropped."""
    items = set(items)
    statements = []
    for pos, s in enumerate(policy.statements):
        mine = {i for i in items if i.statement == pos}
        if any(i.kind == "deny" for i in mine):
            continue
        changes = {}
        if any(i.kind == "principal" for i in mine):
            changes.update(principal=PrincipalBlock(False, Text("*"), ()), not_principal=None)
        if any(i.kind == "action" for i in mine):
            changes.update(action=PatternBlock(False, _STAR), not_action=None)
        if any(i.kind == "resource" for i in mine):
            changes.update(resource=PatternBlock(False, _STAR), not_resource=None)
        gone = {i.entry for i in mine if i.kind == "condition"}
        if gone:
            changes["condition"] = _without(s.condition, gone)
        statements.append(dataclasses.replace(s, **changes))
    return dataclasses.replace(policy, statements=tuple(statements))


def _without(condition: ConditionBlock, gone: set[int]) -> ConditionBlock | None:
    blocks, position = [], 0
    for block in condition.operators:
        kept = []
        for entry in block.entries:
            if position not in gone:
                kept.append(entry)
            position += 1
        if kept:
            blocks.append(OperatorBlock(block.operator, tuple(kept), block.span))
    return ConditionBlock(tuple(blocks), condition.span) if blocks else None


def item_id(item: Item) -> str:
    """A stable name: kind, statement position and (conditions) entry position."""
    return f"{item.kind}:{item.statement}" + (f":{item.entry}" if item.kind == "condition" else "")


def describe(policy: Policy, item: Item) -> dict:
    s = policy.statements[item.statement]
    out = {"item": item.kind, "id": item_id(item), "statement": _ref(s)}
    if item.kind == "condition":
        entry = s.condition.entries[item.entry]
        values = [v.value for v in entry.values.items]
        out.update(line=entry.span.line, operator=entry.operator.value, key=entry.key.value, values=values,
                   text=f"{entry.operator.value} {entry.key.value} {values}")
    elif item.kind == "deny":
        out.update(line=s.span.line, text=f"the Deny {s.label}")
    else:
        block = {"principal": s.principals, "action": s.actions, "resource": s.resources}[item.kind]
        out.update(line=block.span.line if block is not None else s.span.line,
                   text=f"the {item.kind.capitalize()} element of {s.label}, which does not reach "
                        "every request")
    return out


def proof(loaded: LoadedPolicy, model: ThreatModel, timeout: float = 5.0,
          max_checks: int = MAX_CHECKS, budget: float = BUDGET_SECONDS, decide=None) -> dict:
    """What a safe verdict rests on (see the module docstring). ``decide``
    is the prover (``verdict_only``), a parameter so tests can count calls."""
    if decide is None:
        from verifier.prove.prover import verdict_only as decide
    started = time.perf_counter()
    policy = loaded.policy
    kept_status: dict[Item, str] = {}
    removed: list[Item] = []
    checks = 0

    def settle(group: list[Item]) -> None:
        # Delete the whole group if the policy stays safe; else halve it.
        # A single item that cannot go is kept. Monotone: an item kept
        # against fewer deletions stays needed after more.
        nonlocal checks
        if checks >= max_checks or time.perf_counter() - started > budget or deadline.expired():
            kept_status.update({item: "not examined" for item in group})
            return
        checks += 1
        verdict = _verdict(loaded, delete(policy, removed + group), model, timeout, decide)
        if verdict is Verdict.SAFE:
            removed.extend(group)
        elif len(group) == 1:
            kept_status[group[0]] = "needed" if verdict is Verdict.VULNERABLE else "undecided"
        else:
            settle(group[: len(group) // 2])
            settle(group[len(group) // 2:])

    every = items_of(policy)
    for kind in (("principal", "action", "resource"), ("deny",), ("condition",)):
        group = [i for i in every if i.kind in kind]
        if group:
            settle(group)
    order = {item: n for n, item in enumerate(every)}
    kept_status = dict(sorted(kept_status.items(), key=lambda pair: order[pair[0]]))
    rests_on = []
    for item, status in kept_status.items():
        entry = {**describe(policy, item), "status": status, "alone": None}
        if status == "needed" and checks < max_checks and time.perf_counter() - started <= budget \
                and not deadline.expired():
            # Deleted from the whole policy (not the reduced one): does
            # something unlisted also protect? (Then it is not the only guard.)
            checks += 1
            verdict = _verdict(loaded, delete(policy, [item]), model, timeout, decide)
            entry["alone"] = {Verdict.SAFE: "still safe", Verdict.VULNERABLE: "vulnerable"}.get(verdict, "undecided")
        rests_on.append(entry)
    needed_keys = []
    for key in model.required_keys:
        if checks >= max_checks or deadline.expired():
            needed_keys.append({"key": key, "status": "not examined"})
            continue
        checks += 1
        weaker = dataclasses.replace(model, required_keys=tuple(k for k in model.required_keys if k != key))
        verdict = _verdict(loaded, delete(policy, removed), weaker, timeout, decide)
        if verdict is not Verdict.SAFE:
            needed_keys.append({"key": key, "status": "needed" if verdict is Verdict.VULNERABLE else "undecided"})
    complete = all(s == "needed" for s in kept_status.values()) and \
        all(k["status"] == "needed" for k in needed_keys)
    return {
        "kind": "proof",
        "rests_on": rests_on,
        "required_keys_needed": needed_keys,
        "assumptions": model.assumptions(any(s.resources is not None for s in policy.statements)),
        "no_allow_statement": not any(s.effect_kind is not Effect.DENY for s in policy.statements),
        "method": ("deletion: items were deleted from the policy, in groups then one by one, keeping every "
                   "deletion that left it safe (re-proved each time); each item listed made it vulnerable "
                   "when deleted"),
        "checks": checks,
        "complete": complete,
        "note": None if complete else (
            "bounded approximation: some items were not examined (re-check cap or time budget) or their "
            "re-check was undecided; they are listed as kept, so the list may be larger than needed"),
    }


def _verdict(loaded: LoadedPolicy, policy: Policy, model: ThreatModel, timeout: float, decide) -> Verdict:
    try:
        variant = loading.accept(policy, loaded.kind)
    except InputError:
        return Verdict.UNKNOWN
    if not any(s.effect_kind is not Effect.DENY for s in policy.statements):
        return Verdict.SAFE  # E3: nothing is allowed
    try:
        return decide(variant, model, timeout).verdict
    except BudgetExceeded:  # the policy's time ran out (or a bound was met): this re-proof is undecided
        return Verdict.UNKNOWN


# -- attaching to a result --------------------------------------------------------------------
