"""The concrete decision for one request (SEMANTICS.md E1-E4).

Every check is three-valued: True, False, or None when deputy cannot decide
(an unknown operator, an ambiguous variable). A statement applies when its
principal, action, resource and every condition entry are True (E1); the
decision is an explicit deny if any Deny applies, else allow if any Allow
applies, else an implicit deny (E2). An undecided part that could change the
decision makes the decision ``unknown``; it is never resolved by guessing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from verifier.policy.ast import Effect, PatternBlock, Policy, Statement
from verifier.evaluator.conditions import ConditionOutcome, evaluate_entry
from verifier.evaluator.matching import ascii_lower, glob, pattern_tokens, resource_tokens
from verifier.evaluator.principals import block_matches
from verifier.evaluator.variables import AMBIGUOUS, VALUELESS, substitute
from verifier.request import Request


class Decision(Enum):
    ALLOW = "allow"
    EXPLICIT_DENY = "explicit_deny"
    IMPLICIT_DENY = "implicit_deny"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Check:
    result: bool | None
    reason: str


@dataclass(frozen=True)
class StatementTrace:
    index: int
    sid: str | None
    effect: str
    line: int
    principal: Check
    action: Check
    resource: Check
    conditions: tuple[ConditionOutcome, ...]
    applies: bool | None


@dataclass(frozen=True)
class Evaluation:
    decision: Decision
    statements: tuple[StatementTrace, ...]

    @property
    def allowing(self) -> tuple[StatementTrace, ...]:
        """The Allow statements that apply to the request."""
        return tuple(s for s in self.statements if s.effect == "Allow" and s.applies)


def evaluate(policy: Policy, request: Request) -> Evaluation:
    """Decide ``request`` against ``policy`` concretely, with a trace.

    The policy must have no error diagnostics (``verifier.policy.wellformed``);
    constructs deputy does not model make parts of the trace undecided
    rather than raising.
    """
    traces = tuple(_statement(s, request, policy.variables_enabled) for s in policy.statements)
    return Evaluation(_decide(traces), traces)


def _decide(traces) -> Decision:
    denies = [t.applies for t in traces if t.effect == "Deny"]
    allows = [t.applies for t in traces if t.effect == "Allow"]
    if True in denies:
        return Decision.EXPLICIT_DENY
    if None in denies:
        return Decision.UNKNOWN if (True in allows or None in allows) else Decision.IMPLICIT_DENY
    if True in allows:
        return Decision.ALLOW
    if None in allows:
        return Decision.UNKNOWN
    return Decision.IMPLICIT_DENY


def _statement(statement: Statement, request: Request, variables: bool) -> StatementTrace:
    allow_side = statement.effect_kind is not Effect.DENY
    principal = _principal(statement, request, allow_side)
    action = _action(statement.actions, request.action, allow_side)
    resource = _resource(statement.resources, request.resource, request, allow_side, variables)
    conditions = tuple(
        evaluate_entry(entry, request, allow_side, variables)
        for entry in (statement.condition.entries if statement.condition else ())
    )
    parts = [principal.result, action.result, resource.result, *(c.result for c in conditions)]
    if not allow_side and _has_empty_block(statement):
        # A9: an empty Condition (or operator block) leaves a Deny without effect.
        parts.append(False)
    return StatementTrace(
        index=statement.index,
        sid=statement.sid.value if statement.sid else None,
        effect="Deny" if not allow_side else "Allow",
        line=statement.span.line,
        principal=principal, action=action, resource=resource, conditions=conditions,
        applies=_all(parts),
    )


def _has_empty_block(statement: Statement) -> bool:
    condition = statement.condition
    if condition is None:
        return False
    return not condition.operators or any(not block.entries for block in condition.operators)


def _all(parts) -> bool | None:
    """Kleene conjunction: False wins, then None."""
    if False in parts:
        return False
    return None if None in parts else True


def _principal(statement: Statement, request: Request, allow_side: bool) -> Check:
    block = statement.principals
    if block is None:
        # Resource and trust policies require a principal; a statement without
        # one is read as covering everyone in an Allow and no one in a Deny.
        if allow_side:
            return Check(True, "no Principal element: read as every principal in an Allow statement")
        return Check(False, "no Principal element: read as no principal in a Deny statement")
    if not block.negated:
        hit, why = block_matches(block, request.principal, lenient=allow_side)
        return Check(hit, why)
    if block.wildcard is None and not block.entries:
        return _empty_negation("NotPrincipal", allow_side)
    exempt, why = block_matches(block, request.principal, lenient=not allow_side)
    if exempt:
        return Check(False, f"NotPrincipal exempts it: {why}")
    return Check(True, f"NotPrincipal does not exempt it: {why} (P7)")


def _empty_negation(name: str, allow_side: bool) -> Check:
    if allow_side:
        return Check(True, f"{name} lists nothing: read as covering everything in an Allow statement")
    return Check(False, f"{name} lists nothing: read as covering nothing in a Deny statement")


def _action(block: PatternBlock | None, action: str, allow_side: bool) -> Check:
    if block is None:
        return Check(False, "no Action element")
    patterns = [p.value for p in block.patterns.items]
    if not patterns:
        if block.negated:
            return _empty_negation("NotAction", allow_side)
        return Check(False, "the Action list is empty (E4)")
    # AC1: action names and patterns compare without regard to case. Action
    # names are ASCII, so only ASCII letters are folded.
    folded = ascii_lower(action)
    lenient = allow_side != block.negated
    unread = next((p for p in patterns if not _action_form(p)), None)
    if unread is not None and lenient:
        # Section 8: a value that is not "*" or service:name, read to admit more.
        reason = f"{unread!r} is not an action pattern deputy can read; read as matching every action"
        return Check(not block.negated, reason)
    hit = next((p for p in patterns if _action_form(p) and glob(pattern_tokens(ascii_lower(p)), folded)), None)
    if block.negated:
        if hit is None:
            return Check(True, f"{action} is not excluded by NotAction (AC2)")
        return Check(False, f"{action} is excluded by NotAction {hit!r} (AC2)")
    if hit is None:
        return Check(False, f"{action} matches no Action pattern")
    return Check(True, f"{action} matches {hit!r} (AC1)")


def _resource(block: PatternBlock | None, resource: str | None, request: Request,
              allow_side: bool, variables: bool) -> Check:
    if block is None:
        return Check(True, "no Resource element (trust policies have none)")
    patterns = [p.value for p in block.patterns.items]
    if not patterns:
        if block.negated:
            return _empty_negation("NotResource", allow_side)
        return Check(False, "the Resource list is empty")
    if resource is None:
        if allow_side:
            return Check(True, "the request names no resource: read as covered in an Allow statement")
        return Check(False, "the request names no resource: read as not covered in a Deny statement")
    lenient = allow_side != block.negated
    outcomes = [(p, _resource_pattern(p, resource, request, lenient, variables, block.negated)) for p in patterns]
    valueless = next((p for p, o in outcomes if o is VALUELESS), None)
    if valueless is not None and not allow_side:
        return Check(False, f"Resource {valueless!r} has a valueless variable; the Deny statement "
                            "is taken not to apply (A18)")
    undecided = next((p for p, o in outcomes if o is None), None)
    if undecided is not None:
        return Check(None, f"Resource {undecided!r} has a variable with several values: undecided")
    # V2: a valueless entry matches nothing.
    hit = next((p for p, o in outcomes if o is True), None)
    how = _resource_reading(hit, lenient) if hit is not None else ""
    if block.negated:
        return (Check(True, f"{resource} is not excluded by NotResource{_unread(patterns, lenient)}")
                if hit is None else Check(False, f"{resource} is excluded by NotResource {hit!r}{how}"))
    return (Check(False, f"{resource} matches no Resource pattern{_unread(patterns, lenient)}")
            if hit is None else Check(True, f"{resource} matches {hit!r}{how or ' (R1)'}"))


def _resource_pattern(pattern: str, resource: str, request: Request, lenient: bool, variables: bool,
                      negated: bool = False):
    form = resource_form(pattern)
    if form == "any":
        return True
    if form == "unread" or (form == "execute-api" and negated and not lenient):
        # Section 8: a form deputy cannot read as AWS does is read to admit
        # more. API Gateway documents its shorthand in Resource only: in a
        # NotResource list read strictly (an Allow's), it excludes nothing.
        return lenient
    if form == "execute-api":
        rest = _api_path(resource)
        if rest is None:
            return False
        tokens = substitute(pattern[len(API_SHORTHAND):], request, variables, wildcards=True,
                            substituted_wildcards=lenient, start=0)
        value = rest
    else:
        # V1: variables are substituted only in the resource part, after the fifth colon.
        start = _nth_colon(pattern, 5) + 1
        tokens = substitute(pattern, request, variables, wildcards=True, substituted_wildcards=lenient,
                            start=start)
        value = resource
    if tokens is AMBIGUOUS:
        return None
    if tokens is VALUELESS:
        return VALUELESS
    return glob(resource_tokens(tokens, lenient), value)


API_SHORTHAND = "execute-api:/"


def resource_form(pattern: str) -> str:
    """How a Resource value is read (R1): ``any`` (``*``), ``arn`` (an
    ARN pattern: ``arn:`` and five colons), ``execute-api`` (API Gateway's
    shorthand for the ARNs of the API the policy is attached to), or
    ``unread``: a form deputy does not know how AWS reads."""
    if pattern == "*":
        return "any"
    if pattern.startswith("arn:") and _nth_colon(pattern, 5) is not None:
        return "arn"
    if pattern.startswith(API_SHORTHAND):
        return "execute-api"
    return "unread"


def _api_path(resource: str) -> str | None:
    """What follows ``API-ID/`` in an ``execute-api`` ARN, or None for any
    other resource: API Gateway expands ``execute-api:/PATH`` to
    ``arn:PARTITION:execute-api:REGION:ACCOUNT:API-ID/PATH`` with the parts
    of the API the policy is attached to, which the request's own resource
    names."""
    parts = resource.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "execute-api" or not all(parts[1:5]):
        return None
    api, slash, rest = parts[5].partition("/")
    return rest if api and slash else None


def _resource_reading(hit: str, lenient: bool) -> str:
    form = resource_form(hit)
    if form == "execute-api":
        return " (R1: API Gateway's execute-api shorthand, expanded with the request's API)"
    if form == "unread":
        return (f" (R1: {hit!r} is not an ARN pattern, and deputy does not know how AWS reads it; read as "
                "matching every resource, the reading that admits more here, section 8)")
    return ""


def _unread(patterns: list[str], lenient: bool) -> str:
    unread = [p for p in patterns if resource_form(p) != "any" and resource_form(p) != "arn"
              and (resource_form(p) == "unread" or not lenient)]
    if not unread or lenient:
        return ""
    return (f" (R1: {unread[0]!r} is not an ARN pattern, and deputy does not know how AWS reads it; read as "
            "matching no resource, the reading that admits more here, section 8)")


def _nth_colon(text: str, n: int) -> int | None:
    position = -1
    for _ in range(n):
        position = text.find(":", position + 1)
        if position < 0:
            return None
    return position


def _action_form(pattern: str) -> bool:
    """AC1's forms: ``*``, or a service prefix and an action name."""
    if pattern == "*":
        return True
    prefix, colon, name = pattern.partition(":")
    return bool(prefix and colon and name and ":" not in name)
