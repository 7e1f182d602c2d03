"""Principals, actions, resources and whole statements as formulas
(SEMANTICS.md sections 2-4), over a ``SymbolicRequest``.

The symbolic twin of the evaluator's decision and principals modules,
written separately. ``lenient`` means the reading that matches more: a
Principal in an Allow, a NotPrincipal exemption list in a Deny (P8).
"""

from __future__ import annotations

import re

from verifier.policy.ast import Effect, PatternBlock, PrincipalBlock, Statement
from verifier.encoder import lang as L
from verifier.encoder import logic as F
from verifier.encoder import resources
from verifier.encoder.conditions import ConditionEncoder
from verifier.encoder.pieces import static_pattern
from verifier.encoder.symbolic import SymbolicRequest
from verifier.encoder.variables import VALUELESS, Variable, parts

TRUE = F.TRUE
FALSE = F.FALSE

_LOWER = L.chars((ord("a"), ord("z")))
REGION = L.seq(L.repeat(_LOWER, 2, 2), L.plus(L.seq(L.char("-"), L.plus(_LOWER))), L.char("-"), L.plus(L.DIGIT))
_SUFFIXES = ("amazonaws.com.cn", "amazonaws.com")
_REGIONAL = L.seq(L.plus(L.all_but(".")), L.char("."), REGION, L.char("."),
                  L.alt(*[L.literal(s) for s in _SUFFIXES]))
_HAS_DOT = L.seq(L.ANYTHING, L.char("."), L.ANYTHING)
_ARN_PREFIX = L.seq(L.literal("arn:"), L.ANYTHING)
_NON_EMPTY_PART = L.plus(L.NOT_COLON)
API_SHORTHAND = "execute-api:/"
# An execute-api ARN up to and including the "/" after its API ID: API
# Gateway expands "execute-api:/PATH" with the parts of the API the policy is
# attached to, which are the request's own (the request is to that API).
_API_PREFIX = L.seq(L.literal("arn:"), _NON_EMPTY_PART, L.literal(":execute-api:"), _NON_EMPTY_PART, L.char(":"),
                    _NON_EMPTY_PART, L.char(":"), L.plus(L.all_but("/")), L.char("/"))


class StatementEncoder:
    def __init__(self, request: SymbolicRequest, variables: bool):
        self.request = request
        self.variables = variables
        self.conditions = ConditionEncoder(request, variables)
        self.entries: dict[int, list[F.Term]] = {}  # statement index -> its condition entries' terms

    def statement(self, s: Statement) -> F.Term:
        """True exactly when the statement applies to the symbolic request (E1)."""
        allow_side = s.effect_kind is not Effect.DENY
        terms = []
        conditions = []
        for what, part in self.parts(s):
            terms.append(part(allow_side))
            if terms[-1] is FALSE:
                return FALSE  # cannot apply: the rest needs no encoding
            if what[0] == "condition":
                conditions.append(terms[-1])
        if s.condition is not None:
            self.entries[s.index] = conditions  # every entry, in order: none was false
        return F.And(*terms)

    def parts(self, s: Statement) -> list[tuple[tuple, object]]:
        """The statement's parts, ANDed: ``(what, encode)`` where ``what``
        names the part by its syntax (spans aside: equal parts of two
        documents compare equal) and ``encode(allow_side)`` is its formula
        under the readings of section 8 for that side. Every ambiguity in a
        part is read by ``allow_side`` alone, so ``encode(True)`` holds
        wherever ``encode(False)`` does (``deputy diff`` brackets AWS's
        reading between the two)."""
        out = [(("principal", s.principals), lambda side: self.principal(s, side)),
               (("action", s.actions), lambda side: self.action(s.actions, side)),
               (("resource", s.resources), lambda side: self.resource(s.resources, side))]
        if s.condition is not None:
            out += [(("condition", e), lambda side, e=e: self.conditions.entry(e, side)) for e in s.condition.entries]
            if not s.condition.operators or any(not b.entries for b in s.condition.operators):
                out.append((("empty condition", s.condition), F.BoolVal))  # A9: a Deny's applies to nothing
        return out

    def principal_values(self, s: Statement) -> list[tuple[tuple, object]] | None:
        """Where the statement's ``Principal`` is a map (not ``*``, not
        ``NotPrincipal``): each value as a part of its own, in the form of
        ``parts`` (``("principal value", kind, value)``); the principal part
        is their disjunction under either reading (P1). None otherwise."""
        block = s.principals
        if block is None or block.negated or block.wildcard is not None:
            return None
        p = self.request.principal
        return [(("principal value", e.kind.value, v.value),
                 lambda side, e=e, v=v: self._principal_value(e.kind.value, v.value, p, side, v.span))
                for e in block.entries for v in e.values.items]

    # -- principals ----------------------------------------------------------

    def principal(self, s: Statement, allow_side: bool) -> F.Term:
        block = s.principals
        if block is None:
            return F.BoolVal(allow_side)
        if not block.negated:
            return self._listed(block, lenient=allow_side)
        if block.wildcard is None and not block.entries:
            return F.BoolVal(allow_side)
        return F.Not(self._listed(block, lenient=not allow_side))  # P7

    def _listed(self, block: PrincipalBlock, lenient: bool) -> F.Term:
        p = self.request.principal
        if block.wildcard is not None:
            return TRUE if block.wildcard.value == "*" else F.BoolVal(lenient)  # P3, P6
        options = [self._principal_value(e.kind.value, v.value, p, lenient, v.span)
                   for e in block.entries for v in e.values.items]
        return F.Or(*options) if options else FALSE

    def _principal_value(self, kind: str, value: str, p, lenient: bool, span) -> F.Term:
        service = self._is_service(p)
        if kind == "AWS" and value == "*":
            return TRUE if lenient else F.Not(service)  # P4, A1
        if "*" in value or "?" in value:
            return F.BoolVal(lenient)  # P6
        space = self.request.space
        if not _readable_principal(kind, value):
            if lenient:
                self.request.read_widely(f"{kind} principal {value!r} is not a form deputy can read; read as "
                                         "matching every service principal", span)
            # Section 8, like P6, for a service principal; another principal
            # is compared as written (an AWS value), or not at all (P5).
            other = space.equals(p, value) if kind == "AWS" else FALSE
            return F.If(self._is_service(p), F.BoolVal(lenient), other)
        if kind == "Service" and _canonical(value) in self.request.excluded_services:
            # Every name this value matches is a form of that service (P2,
            # P8), and the question's principal is none of them.
            return FALSE
        if kind == "Service":
            same = space.equals(p, value)
            if lenient:
                same = F.Or(same, self._service_names(value))
            return F.And(service, same)
        match = space.equals(p, value)
        account = _account_of(value) if kind == "AWS" else None
        if account is not None:
            in_account = L.seq(L.literal("arn:"), *([L.star(L.NOT_COLON), L.char(":")] * 3),
                               L.literal(account + ":"), L.ANYTHING)
            match = F.Or(match, space.equals(p, account), space.member(p, in_account))
        return F.And(F.Not(service), match)

    def _is_service(self, p) -> F.Term:
        """Service principals are DNS-like names; everything else is an ARN,
        an account, a canonical user or ``*``."""
        space = self.request.space
        return F.And(space.member(p, _HAS_DOT), F.Not(space.member(p, _ARN_PREFIX)),
                      F.Not(space.equals(p, "*")))

    def _service_names(self, value: str) -> F.Term:
        """The principal names the same service as ``value`` on the lenient
        side: equal ignoring ASCII case once any Region is dropped from both
        (P2, P8, A16)."""
        space = self.request.space
        p = self.request.principal
        canonical = _ascii_lower(_drop_region(value))
        same = space.member(p, L.ascii_insensitive(L.literal_pattern(canonical)))
        if _drop_region(canonical) != canonical:
            # Spelt like a regional name only once lower-cased: its regional
            # spellings name another service's global form.
            same = F.And(same, F.Not(space.member(p, _REGIONAL)))
        for suffix in _SUFFIXES:
            name = canonical[: -len(suffix) - 1] if canonical.endswith("." + suffix) else None
            if name and "." not in name:
                regional = L.seq(L.ascii_insensitive(L.literal_pattern(name)), L.char("."), REGION,
                                 L.literal("." + suffix))
                return F.Or(same, space.member(p, regional))
        return same

    # -- actions and resources ---------------------------------------------------

    def action(self, block: PatternBlock | None, allow_side: bool) -> F.Term:
        if block is None:
            return FALSE
        patterns = [t.value for t in block.patterns.items]
        if not patterns:
            return F.BoolVal(allow_side) if block.negated else FALSE
        lenient = allow_side != block.negated
        unread = [p for p in patterns if not _action_form(p)]
        if unread and lenient:
            self.request.read_widely(f"Action {unread[0]!r} is not an action pattern deputy can read; read as "
                                     "matching every action", block.span)
            return F.BoolVal(not block.negated)  # section 8
        space = self.request.space
        hit = F.Or(*[space.member(self.request.action, L.ascii_insensitive(L.glob(p)))
                     for p in patterns if _action_form(p)])
        return F.Not(hit) if block.negated else hit

    def resource(self, block: PatternBlock | None, allow_side: bool) -> F.Term:
        if block is None:
            return TRUE
        patterns = [t.value for t in block.patterns.items]
        if not patterns:
            return F.BoolVal(allow_side) if block.negated else FALSE
        lenient = allow_side != block.negated
        hits = []
        for pattern in patterns:
            term = self._resource_pattern(pattern, lenient, block)
            if term is VALUELESS:
                if not allow_side:
                    return FALSE  # A18
                continue  # V2
            hits.append(term)
        hit = F.Or(*hits) if hits else FALSE
        matched = F.Not(hit) if block.negated else hit
        return F.If(self.request.has_resource, matched, F.BoolVal(allow_side))

    def _resource_pattern(self, pattern: str, lenient: bool, block: PatternBlock):
        if pattern == "*":
            return TRUE
        api = pattern.startswith(API_SHORTHAND)
        if api and block.negated and not lenient:
            # API Gateway documents its shorthand in Resource only; in an
            # Allow's NotResource it is read as excluding nothing (section 8).
            self.request.read_widely(f"NotResource {pattern!r} (API Gateway documents its shorthand in Resource "
                                     "only) is read as matching no resource", block.span)
            return FALSE
        if api:
            found = parts(pattern[len(API_SHORTHAND):], self.variables, start=0)
        elif pattern.startswith("arn:") and _nth_colon(pattern, 5) is not None:
            found = parts(pattern, self.variables, start=_nth_colon(pattern, 5) + 1)
        else:
            # R1 knows ARN patterns only: read the value to admit more (section 8).
            self.request.read_widely(f"Resource {pattern!r} is not an ARN pattern; read as matching "
                                     + ("every resource" if lenient else "no resource"), block.span)
            return F.BoolVal(lenient)
        if found is VALUELESS:
            return VALUELESS
        if any(isinstance(p, Variable) for p in found):
            return resources.with_variables(self.request, found, lenient, _API_PREFIX if api else L.EMPTY_STRING,
                                            pattern, block.span)
        tokens = static_pattern(found, like=True, lenient=lenient)
        if not lenient:
            tokens = L.segment_bound(tokens)
        language = L.of_pattern(tokens)
        if api:
            language = L.seq(_API_PREFIX, language)
        return self.request.space.member(self.request.resource, language)


_SERVICE_VALUE = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_AWS_VALUE = re.compile(r"[0-9]{12}|arn:[^:]+:(?:iam|sts)::[^:]+:.+|A[A-Z]{3}[A-Z0-9]{12,124}")


def _readable_principal(kind: str, value: str) -> bool:
    """The Principal forms AWS documents (P1, P5); Federated and
    CanonicalUser values never name a service, whatever they hold."""
    if kind == "Service":
        return bool(_SERVICE_VALUE.fullmatch(value))
    if kind == "AWS":
        return bool(_AWS_VALUE.fullmatch(value))
    return True


def _action_form(pattern: str) -> bool:
    """AC1's forms: ``*``, or a service prefix, a colon and an action name."""
    if pattern == "*":
        return True
    prefix, colon, name = pattern.partition(":")
    return bool(prefix) and bool(colon) and bool(name) and ":" not in name


def _canonical(value: str) -> str:
    """The global name every lower-case name a Service value matches is a
    form of (the lenient reading's, ``_service_names``)."""
    canonical = _ascii_lower(_drop_region(value))
    return _drop_region(canonical) if _drop_region(canonical) == canonical else canonical


def _drop_region(name: str) -> str:
    pieces = name.split(".")
    for suffix in _SUFFIXES:
        tail = suffix.split(".")
        if (len(pieces) == 2 + len(tail) and pieces[0] and pieces[2:] == tail
                and _looks_like_region(pieces[1])):
            return f"{pieces[0]}.{suffix}"
    return name


def _looks_like_region(text: str) -> bool:
    words = text.split("-")
    return (len(words) >= 3 and len(words[0]) == 2 and words[0].isascii() and words[0].isalpha()
            and words[0].islower() and all(w.isascii() and w.isalpha() and w.islower() for w in words[1:-1])
            and words[-1].isascii() and words[-1].isdigit())


def _ascii_lower(text: str) -> str:
    return "".join(chr(ord(c) | 0x20) if "A" <= c <= "Z" else c for c in text)


def _account_of(value: str) -> str | None:
    """The account an AWS principal value names as a whole (P5)."""
    if len(value) == 12 and value.isascii() and value.isdigit():
        return value
    pieces = value.split(":")
    if (len(pieces) == 6 and pieces[0] == "arn" and pieces[1] and pieces[2] == "iam" and pieces[3] == ""
            and pieces[5] == "root" and len(pieces[4]) == 12 and pieces[4].isascii() and pieces[4].isdigit()):
        return pieces[4]
    return None


def _nth_colon(text: str, n: int) -> int | None:
    index = -1
    for _ in range(n):
        index = text.find(":", index + 1)
        if index < 0:
            return None
    return index
