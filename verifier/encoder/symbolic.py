"""The symbolic request: a variable (or a few) for every part of a request
that the policy can see.

Each condition key is a presence flag plus a list of elements, each a value of
the key's kind. A single-valued key has one element. A key that may hold a
set has one element more than the number of condition entries on it (plus
what a query needs): every request a policy allows stays allowed when its set
is cut down to one witness per entry plus one element, because each entry
tests either "some value" or "every value". So the bounded list loses no
request, and every model is a real request.

Strings are terms of a ``StringSpace`` (exact membership classes; see
``strings``). ``domain`` lists what every request in the model space
satisfies: an account is twelve digits, ``aws:SourceArn`` is a well-formed
ARN whose account is ``aws:SourceAccount`` when both name one, typed keys
hold values of their type. Queries assert it; the differential tests draw
their concrete requests from the same space.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from fractions import Fraction

from verifier.policy import keys
from verifier.policy.ast import Policy, Span
from verifier.encoder import constants
from verifier.encoder import lang as L
from verifier.encoder import logic as F
from verifier.encoder.strings import Const, Pick, StringSpace, Var
from verifier.policy.operators import Family, lookup, lookup_folded


class Kind(Enum):
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    IP = "ip"
    ARN = "arn"  # aws:SourceArn, held as its five parts after "arn:"


_KIND_OF = {
    Family.STRING: Kind.TEXT, Family.ARN: Kind.TEXT, Family.BOOL: Kind.TEXT, Family.BINARY: Kind.TEXT,
    Family.NUMERIC: Kind.NUMBER, Family.DATE: Kind.DATE, Family.IP: Kind.IP,
}

ARN_FIELDS = ("partition", "service", "region", "account", "resource")

# Instants are held between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z,
# the dates an ISO 8601 profile value can name.
FIRST_INSTANT = -62135596800
LAST_INSTANT = 253402300799

TWELVE_DIGITS = L.repeat(L.DIGIT, 12, 12)
_LOWER_OR_DIGIT = L.chars((ord("a"), ord("z")), (ord("0"), ord("9")))
TEXT_DOMAINS = {
    keys.SOURCE_ACCOUNT: TWELVE_DIGITS,
    keys.SOURCE_ORG_ID: L.seq(L.literal("o-"), L.repeat(_LOWER_OR_DIGIT, 10, 32)),
    keys.PRINCIPAL_SERVICE_NAME: L.plus(L.chars((ord("a"), ord("z")), (ord("0"), ord("9")),
                                                (ord("."), ord(".")), (ord("-"), ord("-")))),
    keys.PRINCIPAL_IS_AWS_SERVICE: L.alt(L.literal("true"), L.literal("false")),
}
"""Keys whose text is restricted in every request (THREAT_MODEL.md point 4)."""

SAFE_FOR_SUBSTITUTION = frozenset(TEXT_DOMAINS)
"""Keys whose values contain no ``:``, ``*`` or ``?``: a variable naming one
can be substituted without changing how a pattern is cut or read."""


def kind_of(family: Family) -> Kind | None:
    return _KIND_OF.get(family)


@dataclass
class Element:
    """One value of a key. Text is a string term; numbers and instants are
    integers in the key's units (see ``KeySymbol.scale``)."""

    kind: Kind
    text: object = None
    number: F.Term | None = None
    v6: F.Term | None = None
    address: F.Term | None = None
    parts: tuple | None = None


@dataclass
class KeySymbol:
    name: str
    display: str
    kind: Kind
    cardinality: keys.Cardinality
    present: F.Term
    elements: list[Element]
    scale: int = 1


@dataclass
class KeyPlan:
    display: str
    kinds: list[Kind] = field(default_factory=list)
    entries: int = 0
    extra: int = 0
    places: int = 0


@dataclass
class Bindings:
    """Terms a query fixes instead of leaving free: the principal, the
    action, and the first elements of some keys."""

    principal: object = None
    action: object = None
    resource: object = None
    elements: dict[str, list] = field(default_factory=dict)
    domains: dict[str, object] = field(default_factory=dict)  # variable name -> language it stays in
    excluded: dict[str, tuple] = field(default_factory=dict)  # variable name -> languages it stays out of
    excluded_services: frozenset = frozenset()
    """Global names of services the principal is none of, in any form (P2):
    the principal tests of a statement for one of them fold to false."""
    fill: dict[str, object] = field(default_factory=dict)
    """key -> ``fill(i)``: the term of element ``i`` past the bound ones
    (instead of a free string)."""


@dataclass
class SymbolicRequest:
    space: StringSpace
    principal: object
    action: object
    resource: object
    has_resource: F.Term
    keys: dict[str, KeySymbol]
    domain: list[F.Term]
    excluded_services: frozenset = frozenset()
    unsupported: list[tuple[str, Span, F.Term]] = field(default_factory=list)
    readings: list[tuple[str, Span]] = field(default_factory=list)

    def key(self, name: str) -> KeySymbol | None:
        return self.keys.get(keys.fold(name))

    def read_widely(self, what: str, span: Span) -> None:
        """Record that a value deputy cannot read as AWS does was read on
        the side that admits more (section 8); the verdict states it."""
        if (what, span) not in self.readings:
            self.readings.append((what, span))

    def free_atom(self, what: str, span: Span) -> F.Term:
        """A construct deputy cannot encode: a fresh boolean the solver may
        set either way, so a proof holds whatever the construct means."""
        atom = F.Bool(f"unsupported!{len(self.unsupported)}")
        self.unsupported.append((what, span, atom))
        return atom


def plan_keys(policy: Policy, extra: dict[str, tuple[Kind, int]] | None = None) -> dict[str, KeyPlan]:
    """Which keys the policy reads, their kinds, and how many elements each needs.

    ``extra`` adds keys a query constrains, with their kind (None: whatever
    the policy makes it) and the number of witnesses the query itself needs.
    """
    plans: dict[str, KeyPlan] = {}
    for statement in policy.statements:
        for entry in (statement.condition.entries if statement.condition else ()):
            op = lookup(entry.operator.value) or lookup_folded(entry.operator.value)
            name = keys.fold(entry.key.value)
            plan = plans.setdefault(name, KeyPlan(entry.key.value))
            plan.entries += 1
            kind = kind_of(op.family) if op else None
            if kind is not None and kind not in plan.kinds:
                plan.kinds.append(kind)
            if kind in (Kind.NUMBER, Kind.DATE):
                plan.places = max(plan.places, _places(op.family, entry))
    for name, (kind, witnesses) in (extra or {}).items():
        plan = plans.setdefault(name, KeyPlan(name))
        if kind is not None and kind not in plan.kinds:
            plan.kinds.insert(0, kind)
        plan.extra += witnesses
    return plans


def _places(family: Family, entry) -> int:
    reader = constants.number if family is Family.NUMERIC else constants.instant
    places = 0
    for value in entry.values.items:
        parsed = reader(value.value)
        if parsed is not None:
            places = max(places, constants.decimals(parsed))
    return places


def build(plans: dict[str, KeyPlan], bindings: Bindings | None = None,
          value_places: dict[str, int] | None = None) -> SymbolicRequest:
    """Declare the variables for every planned key, and the request domain."""
    bindings = bindings or Bindings()
    space = StringSpace()
    for term in (bindings.principal, bindings.action, bindings.resource,
                 *[t for terms in bindings.elements.values() for t in terms if not isinstance(t, tuple)]):
        if isinstance(term, Var):
            space.var(term.name)
    for name, language in bindings.domains.items():
        space.restrict(space.var(name), language, bindings.excluded.get(name, ()))
    request = SymbolicRequest(
        space=space,
        principal=bindings.principal or space.var("principal"),
        action=bindings.action or space.var("action"),
        resource=bindings.resource or space.var("resource"),
        has_resource=F.Bool("has_resource"), keys={}, domain=[], excluded_services=bindings.excluded_services,
    )
    for name, plan in plans.items():
        bound = list(bindings.elements.get(name, []))
        symbol = _declare(space, name, plan, (value_places or {}).get(name, 0), bound, bindings.fill.get(name))
        request.keys[name] = symbol
    _link_source_account(request)
    for symbol in request.keys.values():
        request.domain += _domain(space, symbol)
    return request


def _declare(space: StringSpace, name: str, plan: KeyPlan, value_places: int, bound: list, fill=None) -> KeySymbol:
    kind = _kind(name, plan.kinds)
    if kind is Kind.TEXT and (name == keys.SOURCE_ARN or Kind.ARN in plan.kinds):
        kind = Kind.ARN  # held as its parts: aws:SourceArn, and a question's K11 keys
    cardinality = keys.cardinality(name)
    # One witness per entry, plus the query's own witnesses (its bound
    # elements, if it bound any), and at least one element.
    witnesses = max(1, plan.extra, len(bound))
    count = 1 if cardinality is keys.Cardinality.SINGLE else plan.entries + witnesses
    count = max(count, len(bound))
    if fill is not None:
        bound += [fill(i) for i in range(len(bound), count)]
    scale = 10 ** (max(plan.places, value_places) + 1)
    elements = [_element(space, f"{name}#{i}", kind, bound[i] if i < len(bound) else None)
                for i in range(count)]
    return KeySymbol(name, plan.display, kind, cardinality, F.Bool(f"{name}?"), elements, scale)


_TYPED = {Kind.NUMBER: "Numeric", Kind.DATE: "Date", Kind.IP: "IpAddress"}


def _kind(name: str, kinds: list[Kind]) -> Kind:
    """How a key is held. Typed (a number, an instant, an address) only when
    the policy compares it as that type alone and AWS documents its values
    as of that type: a key whose values may be any text (a String key, a
    key no catalogue lists, one compared as two types) is held as text,
    and each typed comparison is a view of the text (``numeric``, ``dates``)."""
    if len(kinds) == 1 and (kinds[0] not in _TYPED or keys.value_type(name) == _TYPED[kinds[0]]):
        return kinds[0]
    return Kind.TEXT


def _element(space: StringSpace, label: str, kind: Kind, bound) -> Element:
    if kind is Kind.TEXT:
        return Element(kind, text=bound if bound is not None else space.var(label))
    if kind in (Kind.NUMBER, Kind.DATE):
        return Element(kind, number=F.Int(label))
    if kind is Kind.IP:
        return Element(kind, v6=F.Bool(label + ".v6"), address=F.Int(label + ".ip"))
    if isinstance(bound, tuple):
        return Element(kind, parts=bound)
    return Element(kind, parts=tuple(space.var(f"{label}.{f}") for f in ARN_FIELDS))


def _link_source_account(request: SymbolicRequest) -> None:
    """THREAT_MODEL.md point 4: every source key names one source account.
    When ``aws:SourceArn`` names an account, ``aws:SourceOwner`` (K9) or a
    K11 key is present, each is the ``aws:SourceAccount`` string when that
    is present, and one account of their own otherwise. Built in, so no
    string equation is ever needed."""
    space = request.space
    account = request.keys.get(keys.SOURCE_ACCOUNT)
    own = space.var("source.account")
    chosen = Pick(account.present, account.elements[0].text, own) if account is not None \
        and account.kind is Kind.TEXT else own
    linked = False
    for name, symbol in request.keys.items():
        if symbol.kind is Kind.ARN:
            for element in symbol.elements:
                fields = list(element.parts)
                # aws:SourceArn may name no account (an S3 bucket); a K11 key always names one.
                fields[3] = Pick(F.Bool(f"{name}.has_account"), chosen, Const("")) if name == keys.SOURCE_ARN \
                    else chosen
                element.parts = tuple(fields)
            linked = True
        elif name == keys.SOURCE_OWNER and symbol.kind is Kind.TEXT:
            for element in symbol.elements:
                element.text = chosen
            linked = True
    if linked:
        request.domain.append(space.member(own, TWELVE_DIGITS))


def arn_names_account(request: SymbolicRequest) -> F.Term:
    """Whether the (single) SourceArn element's account part is non-empty."""
    arn = request.keys[keys.SOURCE_ARN]
    if arn.kind is not Kind.ARN:
        return F.FALSE
    return arn.elements[0].parts[3].condition


def _domain(space: StringSpace, symbol: KeySymbol) -> list[F.Term]:
    out = []
    for element in symbol.elements:
        if element.kind is Kind.TEXT and symbol.name in TEXT_DOMAINS:
            out.append(space.member(element.text, TEXT_DOMAINS[symbol.name]))
        elif element.kind is Kind.ARN:
            out += [space.member(part, L.star(L.NOT_COLON)) for part in element.parts[:3]]
        elif element.kind is Kind.DATE:
            out += [F.Compare(element.number, ">=", FIRST_INSTANT * symbol.scale),
                    F.Compare(element.number, "<=", LAST_INSTANT * symbol.scale)]
        elif element.kind is Kind.IP:
            # An address is an integer below 2**128, below 2**32 for IPv4.
            out += [F.Compare(element.address, ">=", 0), F.Compare(element.address, "<", 2 ** 128),
                    F.Or(element.v6, F.Compare(element.address, "<", 2 ** 32))]
    return out


def scaled(value: Fraction, scale: int) -> int | None:
    """A constant in a key's integer units (exact when scale covers its decimals)."""
    result = value * scale
    return result.numerator if result.denominator == 1 else None
