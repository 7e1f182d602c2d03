"""Helpers shared by the tests: building policies, checking them, and
binding a concrete request into an encoding."""

from __future__ import annotations

import json
import os
from decimal import Decimal

from tests.builders import ASSUME, ATTACKER, OWNER, SERVICE, policy, statement  # noqa: F401 - re-exported
from verifier.policy import keys
from verifier.prove import threat
from verifier.encoder import encode
from verifier.encoder import logic as F
from verifier.encoder.strings import Const
from verifier.encoder.symbolic import Bindings, Kind, scaled
from verifier.evaluator import Decision, evaluate
from verifier.policy.loading import load_text
from verifier.prove.prover import check_policy
from verifier.request import Request
from verifier.results import Verdict
from verifier.prove.solver import Session
from verifier.prove.threat import ThreatModel

DEPUTY = SERVICE
ACTION = ASSUME


def trust(condition=None, *more) -> dict:
    """A trust policy allowing the deputy, optionally with a condition and more statements."""
    return policy(statement(condition=condition), *more)


def examples(count: int) -> int:
    """How many hypothesis examples a property runs: ``count``, times
    DEPUTY_EXAMPLES_SCALE for a longer hunt on purpose."""
    return int(count * float(os.environ.get("DEPUTY_EXAMPLES_SCALE", "1")))


def model(service: str | None = DEPUTY, action: str | None = ACTION, **changes) -> ThreatModel:
    """The narrow question of one deputy and one action (rekognition calling
    sts:AssumeRole unless told otherwise); ``service=None`` /
    ``action=None`` ask about every deputy / every action."""
    return ThreatModel(owner=OWNER, services=(service,) if service else (), actions=(action,) if action else (),
                       **changes)


def check(doc, **changes):
    """Check a policy (dict or text) and re-check every counterexample it
    returns: the evaluator must allow it and it must be foreign
    (THREAT_MODEL.md)."""
    tm = model(**changes)
    loaded = load_text(doc if isinstance(doc, str) else json.dumps(doc))
    result = check_policy(loaded, tm, timeout=20)
    if result.verdict is Verdict.VULNERABLE:
        assert_replays(loaded.policy, result.counterexample, tm, "foreign")
    if result.unattributed is not None:
        assert_replays(loaded.policy, result.unattributed, tm, "unattributed")
    return result


def assert_replays(policy, request: Request, tm: ThreatModel, kind: str) -> None:
    evaluation = evaluate(policy, request)
    assert evaluation.decision is Decision.ALLOW, (request.to_json(), evaluation.decision)
    classification = threat.classify(request, tm)
    assert classification.problems == (), classification.problems
    assert classification.kind == kind, classification.kind


# -- binding a concrete request into an encoding -------------------------------------


class Unbindable(Exception):
    """The request is outside the encoder's request space (its domain)."""


def encoded_decision(pol, request: Request) -> bool:
    """Whether the encoding says ``request`` is allowed, with every part of
    the request fixed to its concrete value (differential test (a)).

    Strings are bound as constants, so every string test is decided by the
    encoder's own automata; numbers and addresses by constraints."""
    extra = {_fold(e.name): (None, len(e.values)) for e in request.context}
    places = {_fold(e.name): max(_places(v) for v in e.values) for e in request.context}
    bindings = Bindings(principal=Const(request.principal), action=Const(request.action),
                        resource=Const(request.resource) if request.resource is not None else None,
                        elements={_fold(e.name): [_constant(e.name, v) for v in e.values] for e in request.context})
    encoding = encode(pol, extra_keys=extra, bindings=bindings, value_places=places)
    r = encoding.request
    bind = _bind(encoding, request)
    mapping, constraints = r.space.finalize()
    answers = []
    for goal in (encoding.allowed, F.Not(encoding.allowed)):
        session = Session(20000, mapping)
        session.add(*constraints, *r.space.domains(), *r.domain, *bind, goal)
        answers.append(session.check().status)
    if answers == ["unsat", "unsat"]:
        raise Unbindable("the request is outside the encoder's domain")
    assert "unknown" not in answers, answers
    return answers[0] == "sat"


def _constant(name: str, value: str):
    if _fold(name) == keys.SOURCE_ARN:
        pieces = value.split(":", 5)
        if len(pieces) != 6 or pieces[0] != "arn":
            raise Unbindable(f"{value!r} is not an ARN")
        return tuple(Const(p) for p in pieces[1:])
    return Const(value)


def _fold(name: str) -> str:
    from verifier.policy import keys

    return keys.fold(name)


def _places(value: str) -> int:
    try:
        number = Decimal(value)
    except ArithmeticError:
        return 0
    exponent = number.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _bind(encoding, request: Request) -> list:
    r = encoding.request
    space = r.space
    out = [_holds(r.has_resource, request.resource is not None)]
    for name, symbol in r.keys.items():
        values = request.get(name)
        out.append(_holds(symbol.present, values is not None))
        if values is None:
            continue
        if len(values) > len(symbol.elements):
            raise Unbindable(f"{name} has more values than the encoding holds")
        # The elements hold exactly the request's set of values.
        out += [F.Or(*[_element_is(space, symbol, e, v) for v in values]) for e in symbol.elements]
        out += [F.Or(*[_element_is(space, symbol, e, v) for e in symbol.elements]) for v in values]
    return out


def _holds(flag, value: bool):
    return flag if value else F.Not(flag)


def _element_is(space, symbol, element, value: str):
    if element.kind is Kind.TEXT:
        return space.equals(element.text, value)
    if element.kind is Kind.ARN:
        pieces = value.split(":", 5)
        if len(pieces) != 6 or pieces[0] != "arn":
            raise Unbindable(f"{value!r} is not an ARN")
        return F.And(*[space.equals(p, v) for p, v in zip(element.parts, pieces[1:])])
    if element.kind is Kind.IP:
        import ipaddress

        address = ipaddress.ip_address(value)
        return F.And(_holds(element.v6, address.version == 6), F.Compare(element.address, "==", int(address)))
    from verifier.encoder import constants

    reader = constants.number if element.kind is Kind.NUMBER else constants.instant
    parsed = reader(value)
    if parsed is None:
        raise Unbindable(f"{value!r} is not a value of kind {element.kind.value}")
    number = scaled(parsed, symbol.scale)
    if number is None:
        raise Unbindable(f"{value!r} has more decimals than the encoding's scale")
    return F.Compare(element.number, "==", number)
