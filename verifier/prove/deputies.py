"""Which deputies a policy has (THREAT_MODEL.md, "Which deputies a policy
has"), and one verdict for the policy from one verdict per deputy.

Named deputies are the service principals written in an Allow statement's
``Principal`` ``Service`` (letter case and regional forms folded into one
deputy). The question about "any other service principal" (a free service
name outside the named ones) is asked of every policy, whether or not an
Allow statement admits principals by wildcard: it is what makes the
per-deputy questions together cover every service principal, so a deputy
this module fails to name is still asked about. It is reported as a deputy
of its own where the policy admits principals by wildcard, or where its
answer is not safe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from verifier.errors import BudgetExceeded
from verifier.policy.ast import Effect, Policy, Statement
from verifier.prove.threat import Deputy, ThreatModel, global_name
from verifier.results import DeputyResult, Result, Verdict

_READABLE_SERVICE = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_WORST = [Verdict.VULNERABLE, Verdict.ERROR, Verdict.UNKNOWN, Verdict.SAFE]


@dataclass(frozen=True)
class Deputies:
    named: tuple[str, ...]
    wildcard: tuple[Statement, ...] = ()
    """Allow statements that admit principals by wildcard (``*``,
    ``{"AWS": "*"}``, ``NotPrincipal``, no Principal, or a value read as
    matching every service principal)."""

    def questions(self) -> list[Deputy]:
        """One deputy per named service, then every other service principal."""
        return [Deputy(s) for s in self.named] + [Deputy(None, self.named)]


def of_policy(policy: Policy) -> Deputies:
    named: dict[str, None] = {}
    wildcard = []
    for statement in policy.statements:
        if statement.effect_kind is Effect.DENY:
            continue
        services, wide = _admitted(statement)
        named.update(dict.fromkeys(services))
        if wide:
            wildcard.append(statement)
    return Deputies(tuple(sorted(named)), tuple(wildcard))


def _admitted(statement: Statement) -> tuple[list[str], bool]:
    """The services an Allow statement names, and whether it admits others."""
    block = statement.principals
    if block is None or block.negated or block.wildcard is not None:
        return [], True  # P3, P7, and a statement without a Principal
    services, wide = [], False
    for entry in block.entries:
        for value in entry.values.items:
            text = value.value
            if entry.kind.value == "Service":
                if "*" in text or "?" in text or not _READABLE_SERVICE.fullmatch(text):
                    wide = True  # P6, section 8: read as every service principal
                else:
                    services.append(global_name(text))
            elif entry.kind.value == "AWS" and (text == "*" or not _aws_form(text)):
                wide = True  # A1, section 8
    return services, wide


_AWS_VALUE = re.compile(r"[0-9]{12}|arn:[^:]+:(?:iam|sts)::[^:]+:.+|A[A-Z]{3}[A-Z0-9]{12,124}")


def _aws_form(text: str) -> bool:
    return "*" not in text and "?" not in text and bool(_AWS_VALUE.fullmatch(text))


def questions(policy: Policy, model: ThreatModel) -> tuple[Deputies, list[Deputy]]:
    """The deputies of ``policy`` and the questions to ask: the ones
    ``--service`` names, else every deputy of the policy."""
    found = of_policy(policy)
    if model.services:
        return found, [Deputy(global_name(s)) for s in dict.fromkeys(model.services)]
    if len(found.named) > MAX_DEPUTIES:
        raise BudgetExceeded(f"the policy names {len(found.named):,} service principals, more than the "
                             f"{MAX_DEPUTIES:,} deputy asks about (each is a question of its own); --service "
                             "asks about the ones you name")
    return found, found.questions()


MAX_DEPUTIES = 1_000
"""Named deputies asked about in one policy (real ones name a few): past
this, each a question and an answer of its own, the time and the report
grow without bound."""


def deputy_of(answer: DeputyResult, named: tuple[str, ...]) -> Deputy:
    """The question an answer was for (``named``: the policy's named deputies)."""
    return Deputy(answer.service) if answer.service is not None else Deputy(None, tuple(named))


def reported(found: Deputies, asked: list[DeputyResult], narrowed: bool) -> list[DeputyResult]:
    """The answers a policy reports: every named deputy, and the other
    service principals where the policy admits them by wildcard, where the
    answer is not safe, or where the user asked (``--service``)."""
    return [a for a in asked if narrowed or a.service is not None or found.wildcard
            or a.result.verdict is not Verdict.SAFE]


def combine(asked: list[DeputyResult], shown: list[DeputyResult], source: str) -> Result:
    """The policy's result: the worst deputy's (vulnerable > error >
    unknown > safe), with every reported deputy's answer attached."""
    if not asked:
        return Result(source, Verdict.SAFE, "no deputy asked about")
    worst = min(asked, key=lambda a: _WORST.index(a.result.verdict))
    top = worst.result
    out = Result(top.path, top.verdict, top.message, counterexample=top.counterexample,
                 statements=list(top.statements), assumptions=list(top.assumptions), warnings=list(top.warnings),
                 unattributed=top.unattributed, solver=top.solver, seconds=sum(a.result.seconds for a in asked),
                 explanation=top.explanation, counterexamples=top.counterexamples, source=top.source)
    out.deputy = worst.label if worst in shown else None
    out.deputies = list(shown)
    seen: dict[tuple, dict] = {}
    for answer in shown:
        for finding in answer.result.useless:
            seen.setdefault((finding["line"], finding["column"], finding["message"]), finding)
    out.useless = list(seen.values())
    if top.verdict is Verdict.SAFE:
        out.message = _safe_message(shown, top.solver or "z3")
    return out


def _safe_message(shown: list[DeputyResult], by: str) -> str:
    if not shown:
        return (f"no deputy: no Allow statement admits a service principal (proof by {by} that no service "
                "principal's foreign request is allowed)")
    return f"no foreign request of any deputy is allowed (proof by {by})"
