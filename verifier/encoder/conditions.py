"""Condition entries as formulas (SEMANTICS.md section 5).

The symbolic twin of the evaluator's conditions, written separately. The
section 8 readings use the same two flags: ``allow_side`` for whole-condition
ambiguities (the outcome that makes an Allow apply and a Deny not apply), and
``lenient = allow_side != negated`` for ambiguous matches of one value.

A construct this module cannot encode becomes a free atom
(``SymbolicRequest.free_atom``): a proof then holds whatever the construct
means, and a counterexample is believed only once the evaluator confirms it.
"""

from __future__ import annotations

from verifier import deadline
from verifier.policy import keys
from verifier.policy.ast import ConditionEntry
from verifier.encoder import constants
from verifier.encoder import lang as L
from verifier.encoder import logic as F
from verifier.encoder import dates, numeric
from verifier.encoder.pieces import PieceEncoder, Value
from verifier.encoder.symbolic import Element, Kind, KeySymbol, SymbolicRequest, kind_of, scaled
from verifier.policy.operators import Comparison, Family, Operator, Qualifier, lookup, lookup_folded

TRUE = F.TRUE
FALSE = F.FALSE


class ConditionEncoder:
    def __init__(self, request: SymbolicRequest, variables: bool):
        self.request = request
        self.variables = variables
        self.pieces = PieceEncoder(request, variables)

    def entry(self, entry: ConditionEntry, allow_side: bool) -> F.Term:
        """True exactly when the entry holds for the symbolic request."""
        name = entry.operator.value
        op = lookup(name)
        if op is None:
            op = lookup_folded(name)
            if op is None:
                return self.request.free_atom(f"unknown condition operator {name!r}", entry.operator.span)
            if not allow_side:
                return FALSE  # A6: an odd-case operator does not match in a Deny
        key = keys.fold(entry.key.value)
        symbol = self.request.keys.get(key) if keys.can_be_present(key) else None
        if not entry.values.items:
            return _empty_list(op, symbol, allow_side)
        if op.family is Family.NULL:
            return self._null(op, entry, symbol, allow_side)
        absent = _absent(op, allow_side)
        if symbol is None:
            return F.BoolVal(absent)
        present = self._present(op, entry, symbol, allow_side)
        return F.Or(F.Not(symbol.present), present) if absent else F.And(symbol.present, present)

    def _null(self, op: Operator, entry, symbol: KeySymbol | None, allow_side: bool) -> F.Term:
        if op.qualifier is not None:
            return F.BoolVal(allow_side)  # C7: no settled meaning
        wanted = [constants.boolean(v.value) for v in entry.values.items]
        if None in wanted:
            return F.BoolVal(allow_side)  # A12
        absent = F.Not(symbol.present) if symbol is not None else TRUE
        return F.Or(*[absent if w else F.Not(absent) for w in wanted])

    def _present(self, op: Operator, entry: ConditionEntry, symbol: KeySymbol, allow_side: bool):
        textual = _text_kind(symbol.kind) is Kind.TEXT
        viewed = symbol.kind is Kind.ARN or (textual and op.family in TEXT_VIEWS)  # see _typed_match
        if kind_of(op.family) is not _text_kind(symbol.kind) and not viewed:
            return self.request.free_atom(
                f"{entry.key.value!r} is compared as {op.family.value} here and as another type elsewhere",
                entry.span)
        lenient = allow_side != op.negated
        if op.family in (Family.STRING, Family.ARN):
            values = [self.pieces.value(item.value, op, lenient) for item in entry.values.items]
            per_element = [self._string_element(op, e, values, lenient, entry) for e in symbol.elements]
            valueless = F.Or(*[v.valueless for v in values]) if values else FALSE
        else:
            scale = None if textual else symbol.scale  # a typed view of text compares the exact constant
            parsed = [self._constant(op.family, item.value, scale) for item in entry.values.items]
            if any(p is None for p in parsed):
                return F.BoolVal(allow_side)  # A12: not canonical
            per_element = [F.Or(*[self._typed_match(op, e, c, lenient) for c in parsed]) for e in symbol.elements]
            valueless = FALSE
        if op.negated:
            per_element = [F.Not(m) for m in per_element]
        combined = _combine(op, per_element, allow_side)
        if not allow_side:
            combined = F.And(F.Not(valueless), combined)  # A18
        return combined

    def _string_element(self, op: Operator, element: Element, values: list[Value], lenient: bool, entry):
        options = []
        for index, value in enumerate(values):
            if index % 512 == 511:
                deadline.check()  # a list of 50,000 values takes seconds to encode: stop at the time limit
            match = self.pieces.match(op, element, value, lenient, entry.span)
            options.append(F.And(F.Not(value.valueless), match))
        return F.FactoredOr(options) if options else FALSE

    def _typed_match(self, op: Operator, element: Element, constant, lenient: bool) -> F.Term:
        """One request value against one constant; ``lenient``: the request
        value may be spelt as A12 lets it where that admits more."""
        family = op.family
        if element.kind is Kind.ARN:
            return FALSE  # "arn:..." reads as no boolean, bytes, number, date or address
        if element.kind is Kind.TEXT and family in TEXT_VIEWS:
            views = TEXT_VIEWS[family](op.comparison, constant, lenient)
            member = self.request.space.member
            return F.Or(*[F.And(*[member(element.text, view) for view in conj]) for conj in views])
        if family is Family.BOOL:
            word = "true" if constant else "false"
            spelt = L.ascii_insensitive(L.literal_pattern(word)) if lenient else L.literal(word)  # "True" (A12)
            return self.request.space.member(element.text, spelt)
        if family is Family.BINARY:
            return self.request.space.member(element.text, base64_language(constant))
        if family is Family.IP:
            version, network, prefix = constant
            size = 1 << ((32 if version == 4 else 128) - prefix)
            same_version = element.v6 if version == 6 else F.Not(element.v6)
            return F.And(same_version, F.Compare(element.address, ">=", network),
                         F.Compare(element.address, "<", network + size))
        return F.Compare(element.number, _ORDER[op.comparison], constant)

    @staticmethod
    def _constant(family: Family, text: str, scale: int | None):
        """The constant in the key's integer units, or exact (``scale``
        None) for a typed view of text."""
        if family in (Family.NUMERIC, Family.DATE):
            value = constants.number(text) if family is Family.NUMERIC else constants.instant(text)
            return value if value is None or scale is None else scaled(value, scale)
        if family is Family.BOOL:
            return constants.boolean(text)
        if family is Family.BINARY:
            return constants.binary(text)
        return constants.network(text)


TEXT_VIEWS = {
    Family.NUMERIC: lambda comparison, value, lenient: [[numeric.number_language(comparison, value, lenient)]],
    # Dates are read in their canonical forms on both sides (A12 names no
    # wider spelling the evaluator takes).
    Family.DATE: lambda comparison, value, lenient: dates.date_view(comparison, value),
}
"""The typed comparisons of a key held as text: a union of intersections of
languages a request text is in exactly when it compares as wanted."""


def _text_kind(kind: Kind) -> Kind:
    return Kind.TEXT if kind is Kind.ARN else kind


def _absent(op: Operator, allow_side: bool) -> bool:
    """Section 5.1: the outcome when the key is not in the request."""
    if op.qualifier is None:
        return op.if_exists or op.negated
    if op.qualifier is Qualifier.FOR_ANY_VALUE and not (op.negated or op.if_exists):
        return False  # SO3
    return allow_side  # A3 (ForAllValues), A4 and C6 (ForAnyValue)


def _combine(op: Operator, per_element: list, allow_side: bool) -> F.Term:
    if op.qualifier is Qualifier.FOR_ALL_VALUES:
        return F.And(*per_element)
    if op.qualifier is Qualifier.FOR_ANY_VALUE or allow_side:
        return F.Or(*per_element)  # SO3; A5 in an Allow
    return F.And(*per_element)  # A5 in a Deny


_ORDER = {
    Comparison.EQUALS: "==", Comparison.LESS: "<", Comparison.LESS_EQUAL: "<=",
    Comparison.GREATER: ">", Comparison.GREATER_EQUAL: ">=",
}

_BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def base64_language(data: bytes) -> L.Lang:
    """Every padded base64 text that decodes to ``data``: the encoding is
    unique but for the unused low bits of the last character."""
    import base64

    text = base64.b64encode(data).decode("ascii")
    if not text.endswith("="):
        return L.literal(text)
    pad = len(text) - len(text.rstrip("="))
    last = _BASE64.index(text[-pad - 1])
    free_bits = 4 if pad == 2 else 2
    variants = [_BASE64[(last >> free_bits << free_bits) | low] for low in range(1 << free_bits)]
    return L.seq(L.literal(text[:-pad - 1]), L.chars(*[(ord(v), ord(v)) for v in variants]), L.literal("=" * pad))


def _empty_list(op: Operator, symbol: KeySymbol | None, allow_side: bool) -> F.Term:
    """An empty value list: exact for a set qualifier or IfExists (SO4),
    the conservative reading for a plain operator (A9)."""
    if op.qualifier is Qualifier.FOR_ANY_VALUE:
        return FALSE
    if op.qualifier is Qualifier.FOR_ALL_VALUES or op.if_exists:
        return F.Not(symbol.present) if symbol is not None else TRUE
    return F.BoolVal(allow_side)
