"""From a z3 model to a concrete request a person can read.

``prefer`` asks the solver, once it has found some model, for one with
readable values: a foreign account such as 444455556666, a real Region, no
keys beyond those the attack needs. Preferences are soft:
each is an assumption, and those in an unsat core are dropped one at a time.
``decode`` then reads the model into a ``Request`` in the format of
``deputy eval``. ``request`` does both, reading the least model that keeps
the wishes (``verifier.prove.canonical``), so the request is the same
whatever model z3 found first.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta, timezone
from fractions import Fraction

from verifier.policy import keys
from verifier.policy.ast import Policy
from verifier.encoder import lang as L
from verifier.encoder import logic as F
from verifier.encoder.strings import Var
from verifier.encoder.symbolic import Element, Kind, KeySymbol, arn_names_account
from verifier.request import ContextValue, Request
from verifier.prove.solver import Outcome, Session
from verifier.prove import readable
from verifier.prove import canonical
from verifier.prove.question import REGIONAL, Question
from verifier.prove.threat import global_name

NICE_FOREIGN_ACCOUNT = readable.NICE_FOREIGN_ACCOUNT
NICE_REGION = readable.NICE_REGION

_CANONICAL_NAMES = {
    keys.SOURCE_ACCOUNT: "aws:SourceAccount", keys.SOURCE_ARN: "aws:SourceArn", keys.SOURCE_OWNER: "aws:SourceOwner",
    keys.SOURCE_ORG_ID: "aws:SourceOrgID", keys.SOURCE_ORG_PATHS: "aws:SourceOrgPaths",
    keys.PRINCIPAL_SERVICE_NAME: "aws:PrincipalServiceName",
    keys.PRINCIPAL_IS_AWS_SERVICE: "aws:PrincipalIsAWSService",
    keys.PRINCIPAL_SERVICE_NAMES_LIST: "aws:PrincipalServiceNamesList",
}


def nice_services(question: Question) -> list[str]:
    return readable.services(question.deputy)


def nice_principals(question: Question) -> list[str]:
    """Readable names of the deputy: those the policy spells (admitted
    under every reading), global ones, then with real Regions."""
    names = nice_services(question)
    return list(dict.fromkeys(readable.spelled_principals(question.deputy, question.policy) + names + [
        r for s in names[:3] for r in readable.regional_names(s, question.policy)]))


def nice_actions(question: Question) -> list[str]:
    found = getattr(question, "_nice_actions", None)
    if found is None:
        found = question._nice_actions = readable.action_names(question.policy, question.model)
    return found


def preferences(question: Question, policy: Policy) -> list[F.Term]:
    """Soft wishes for a readable counterexample, most important first.
    Call before the question is finalized: wishes are string tests too."""
    r, model, space = question.request, question.model, question.space
    services, named = nice_services(question), nice_actions(question)
    # A name the policy spells is admitted under every reading (A6, A16 admit the others).
    spelled = readable.spelled_principals(question.deputy, policy)
    wishes = [space.member(r.principal, L.alt(*[L.literal(s) for s in spelled]))] if spelled else []
    wishes += [space.member(r.principal, L.alt(*[L.literal(s) for s in services])), F.Not(space.member(
        r.principal, REGIONAL))]
    if named:
        wishes.append(space.member(r.action, L.alt(*[L.literal(a) for a in named[:50]])))
    sa = r.keys[keys.SOURCE_ACCOUNT]
    if NICE_FOREIGN_ACCOUNT not in model.trusted:
        wishes.append(F.And(sa.present, space.equals(sa.elements[0].text, NICE_FOREIGN_ACCOUNT)))
    arn = r.keys[keys.SOURCE_ARN]
    if arn.kind is Kind.ARN:
        fields = arn.elements[0].parts
        service = model.source_service or services[0].split(".")[0]
        wishes += [F.Not(arn.present), arn_names_account(r)]
        for field, nice in zip(fields, ("aws", service, NICE_REGION, NICE_FOREIGN_ACCOUNT, "example")):
            wishes += _readable(space, field, nice)
    for name, symbol in r.keys.items():
        if name not in _CANONICAL_NAMES:
            wishes.append(F.Not(symbol.present))
    for name in (keys.SOURCE_ORG_ID, keys.SOURCE_ORG_PATHS):
        wishes.append(F.Not(r.keys[name].present))
    if question.has_resource:
        # An instance of the policy's own Resource of a type the action
        # takes, else an ARN of such a type in the owner's account.
        names = readable.resource_names(policy, model, named[0] if named else None)
        wishes.append(space.member(r.resource, L.alt(*[L.literal(n) for n in names[:20]])))
    return wishes


def _readable(space, term, nice: str) -> list[F.Term]:
    """Wish ``term`` to be ``nice``, or failing that to start with it."""
    return [space.equals(term, nice), space.member(term, L.seq(L.literal(nice), L.ANYTHING))]


def _flags(wishes: list[F.Term]) -> list[F.Term]:
    return [F.Bool(f"wish!{i}") for i in range(len(wishes))]


def wish_constraints(wishes: list[F.Term]) -> list[F.Term]:
    """Each wish guarded by its flag: harmless until ``prefer`` assumes the
    flag, so they can be asserted once for every question of a policy."""
    return [F.Implies(f, w) for f, w in zip(_flags(wishes), wishes)]


def prefer(session: Session, wishes: list[F.Term], timeout_ms: int) -> tuple[Outcome | None, list[F.Term]]:
    """A model that satisfies the earliest wishes it can (each wish kept
    only if it fits with those kept before it), or None if none was found
    in time; and the flags of the wishes kept. The session must hold
    ``wish_constraints(wishes)``."""
    best, kept = canonical.greedy(session, _flags(wishes), timeout_ms)
    if best is None:
        fallback = session.check([], timeout_ms=timeout_ms, budget=canonical.BUDGET, proof=False)
        best = fallback if fallback.status == "sat" else None
    return best, kept


def request(session: Session, outcome: Outcome, wishes: list[F.Term], question: Question,
            timeout_ms: int) -> tuple[Request, str]:
    """The counterexample of a satisfiable question (``outcome``, read
    before the session's scope is left): the readable wishes that fit,
    then the least model (``canonical``), decoded, so the same question
    gives the same request in any process; and the solver that found the
    model it started from."""
    better, kept = prefer(session, wishes, timeout_ms)
    session.add(*kept)
    found = better or outcome
    return canonical.least(session, found, lambda read: decode(read, question), timeout_ms), found.solver


def decode(read, question: Question) -> Request:
    """The concrete request a model describes (``read`` evaluates a formula
    in it)."""
    r, space = question.request, question.space
    principal = space.witness(r.principal, read, prefer=nice_principals(question))
    # The principal's own keys hold the same string (the same variable).
    chosen = {r.principal: principal}
    context = []
    regions = readable.regions_named(question.policy)
    for symbol in r.keys.values():
        if read(symbol.present):
            context.append(_context_value(read, space, symbol, chosen, regions))
    context = [_names_of(c, principal) for c in context]
    action = space.witness(r.action, read, prefer=nice_actions(question))
    resource = None
    if question.has_resource:
        names = readable.resource_names(question.policy, question.model, action)
        resource = space.witness(r.resource, read, prefer=names)
        if resource not in names:  # the least string of its class: its parts made readable where the class allows
            resource = space.witness(r.resource, read, prefer=readable.repairs(
                resource, names, question.policy, question.model.owner, action))
    return Request(principal=principal, action=action, resource=resource,
                   context=tuple(sorted(context, key=lambda c: c.name.lower())))


def _names_of(value: ContextValue, principal: str) -> ContextValue:
    """aws:PrincipalServiceNamesList as AWS sends it: the principal and its
    global name (the question lets its set hold other names of the deputy,
    and leaves a free deputy's global name untied; the evaluator's replay
    decides whether the request stands)."""
    if keys.fold(value.name) != keys.PRINCIPAL_SERVICE_NAMES_LIST:
        return value
    return ContextValue(value.name, tuple(dict.fromkeys([principal, global_name(principal)])), True)


def _context_value(read, space, symbol: KeySymbol, chosen: dict, regions=()) -> ContextValue:
    # An element nothing tests can be dropped from a set without changing
    # any outcome; dropping it keeps the request free of filler values.
    tested = [e for e in symbol.elements
              if not (e.kind is Kind.TEXT and isinstance(e.text, Var) and space.is_free(e.text))]
    values = list(dict.fromkeys(chosen[e.text] if isinstance(e.text, Var) and e.text in chosen
                                else _element_text(read, space, e, symbol.scale, regions)
                                for e in (tested or symbol.elements[:1])))
    name = _CANONICAL_NAMES.get(symbol.name, symbol.display)
    as_list = symbol.cardinality is keys.Cardinality.MULTI or len(values) > 1
    return ContextValue(name, tuple(values), as_list)


def _element_text(read, space, element: Element, scale: int, regions=()) -> str:
    if element.kind is Kind.TEXT:
        return space.value(element.text, read)
    if element.kind is Kind.ARN:
        parts = [space.value(p, read) for p in element.parts]
        if isinstance(element.parts[2], Var):  # a real Region where the class allows one
            parts[2] = space.witness(element.parts[2], read, prefer=list(regions))
        return "arn:" + ":".join(parts)
    if element.kind is Kind.IP:
        number = read(element.address)
        if read(element.v6):
            return str(ipaddress.IPv6Address(number))
        return str(ipaddress.IPv4Address(number))
    amount = Fraction(read(element.number), scale)
    if element.kind is Kind.NUMBER:
        return _decimal_text(amount)
    return _instant_text(amount)


def _decimal_text(amount: Fraction) -> str:
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    whole = amount.numerator // amount.denominator
    rest = amount - whole
    digits = ""
    while rest:
        rest *= 10
        digit = rest.numerator // rest.denominator
        digits += str(digit)
        rest -= digit
    return f"{sign}{whole}" + (f".{digits}" if digits else "")


def _instant_text(seconds: Fraction) -> str:
    whole = seconds.numerator // seconds.denominator
    moment = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=whole)
    fraction = _decimal_text(seconds - whole)
    tail = fraction[1:] if fraction != "0" else ""
    return (f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T"
            f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}{tail}Z")


instance_of = readable.instance_of

