"""String and ARN values matched against one element of a key.

A policy value is static (a pattern with no variable left) or dynamic (with
variables naming request keys). Static values become regular languages.
Dynamic ones are supported where a variable stands for a whole value or a
whole ARN part, and in an ARN part only if its key's values cannot contain
``:``, ``*`` or ``?`` (``symbolic.SAFE_FOR_SUBSTITUTION``). Anything else is a
free atom, named.

``aws:SourceArn`` is held as its five parts after ``arn:`` (``Kind.ARN``), so
a whole-string pattern over it is first cut into one pattern per part
(``lang.cut_arn``).
"""

from __future__ import annotations

from dataclasses import dataclass

from verifier.policy.ast import Span
from verifier.encoder import automata
from verifier.encoder import lang as L
from verifier.encoder import logic as F
from verifier.encoder.strings import Const, Pick
from verifier.encoder.symbolic import SAFE_FOR_SUBSTITUTION, Element, Kind, SymbolicRequest
from verifier.encoder.variables import VALUELESS, Escaped, PolicyText, Substituted, Variable, parts
from verifier.policy.keys import Cardinality
from verifier.policy.operators import Comparison, Family, Operator

TRUE = F.TRUE
FALSE = F.FALSE


@dataclass(frozen=True)
class Value:
    """One policy value. ``valueless`` holds when a variable in it has no
    value (V2); ``pattern`` is set for static values, ``parts`` for dynamic."""

    valueless: F.Term
    pattern: tuple | None = None
    parts: tuple | None = None


class PieceEncoder:
    def __init__(self, request: SymbolicRequest, variables: bool):
        self.request = request
        self.space = request.space
        self.variables = variables

    def value(self, text: str, op: Operator, lenient: bool) -> Value:
        found = parts(text, self.variables)
        if found is VALUELESS:
            return Value(TRUE)
        like = op.comparison is Comparison.LIKE
        if not any(isinstance(p, Variable) for p in found):
            return Value(FALSE, pattern=static_pattern(found, like, lenient))
        missing = [F.Not(self.request.keys[p.key].present) for p in found
                   if isinstance(p, Variable) and p.default is None and p.key in self.request.keys]
        return Value(F.Or(*missing) if missing else FALSE, parts=found)

    def match(self, op: Operator, element: Element, value: Value, lenient: bool, span: Span) -> F.Term:
        if value.pattern is None and value.parts is None:
            return FALSE
        if element.kind is Kind.ARN:
            return self._arn_element(op, element.parts, value, lenient, span)
        return self._text_element(op, element.text, value, lenient, span)

    # -- a key held as one string -------------------------------------------------

    def _text_element(self, op: Operator, text, value: Value, lenient: bool, span: Span):
        if value.pattern is not None:
            return self.space.member(text, static_language(op, value.pattern, lenient))
        whole = len(value.parts) == 1
        exact = op.family is Family.STRING and op.comparison is Comparison.EQUALS and not op.ignore_case
        like = op.family is Family.STRING and op.comparison is Comparison.LIKE
        if whole and (exact or like):
            term = self._variable_term(value.parts[0], plain=like and lenient)
            if term is not None:
                return self.space.same(text, term)
        if (exact or like) and lenient:
            found = self._around(text, value.parts, like, lenient)
            if found is not None:
                return found
        return self.request.free_atom(f"a variable inside a {op.name} value", span)

    def _around(self, text, found, like: bool, lenient: bool):
        """``text`` is the value with one variable's string in place: exact
        where the match can only be asserted (``lenient``, a positive
        occurrence; see ``StringSpace.within``). None if not encodable."""
        where = [i for i, p in enumerate(found) if isinstance(p, Variable)]
        if len(where) != 1:
            return None
        term = self._variable_term(found[where[0]], plain=like)
        if term is None:
            return None
        head = L.of_pattern(static_pattern(found[:where[0]], like, lenient))
        tail = L.of_pattern(static_pattern(found[where[0] + 1:], like, lenient))
        return self.space.within(text, head, term, tail)

    def _variable_term(self, part, plain: bool):
        """The term a variable stands for, or None if it cannot be encoded.

        ``plain``: the substituted text must contain no ``:``, ``*`` or ``?``
        (it is placed inside a pattern or an ARN part, or read leniently).
        """
        if not isinstance(part, Variable):
            return None
        symbol = self.request.keys.get(part.key)
        if symbol is None or symbol.kind is not Kind.TEXT or symbol.cardinality is not Cardinality.SINGLE:
            return None
        if plain and (part.key not in SAFE_FOR_SUBSTITUTION or _has_special(part.default)):
            return None
        term = symbol.elements[0].text
        if part.default is None:
            return term
        return Pick(symbol.present, term, Const(part.default))

    # -- aws:SourceArn, held as parts ----------------------------------------------

    def _arn_element(self, op: Operator, fields, value: Value, lenient: bool, span: Span):
        if value.pattern is not None:
            return self._static_arn(op, fields, value.pattern, lenient)
        exact = op.family is Family.STRING and op.comparison is Comparison.EQUALS and not op.ignore_case
        if not (exact or op.family is Family.ARN):
            return self.request.free_atom(f"a variable in a {op.name} value on aws:SourceArn", span)
        pieces = _split_parts(value.parts)
        if pieces is None:
            return self.request.free_atom("a variable that may hold ':' before an ARN's resource part", span)
        if len(pieces) < 6:
            if op.family is Family.ARN and lenient:
                return self.request.free_atom("a short ARN pattern with a variable", span)
            return FALSE  # cannot equal, or strictly ArnLike, a well-formed ARN
        if any(isinstance(p, Variable) for p in pieces[0]):
            return self.request.free_atom("a variable in the 'arn' part of an ARN pattern", span)
        first = static_pattern(pieces[0], not exact, lenient)
        checks = [F.BoolVal(automata.matches(L.of_pattern(first), "arn"))]
        for index, piece in enumerate(pieces[1:]):
            term = self._piece(piece, fields[index], like=not exact, last=index == 4, lenient=lenient)
            if term is None:
                return self.request.free_atom("a variable mixed with text inside an ARN part", span)
            checks.append(term)
        return F.And(*checks)

    def _piece(self, piece: list, field, like: bool, last: bool, lenient: bool):
        if not any(isinstance(p, Variable) for p in piece):
            return self.space.member(field, L.of_pattern(static_pattern(piece, like, lenient)))
        if len(piece) != 1:
            return self._around(field, tuple(piece), like, lenient) if lenient else None
        term = self._variable_term(piece[0], plain=not last or (like and lenient))
        return None if term is None else self.space.same(field, term)

    def _static_arn(self, op: Operator, fields, pattern: tuple, lenient: bool) -> F.Term:
        if op.family is Family.ARN:
            cut = L.arn_parts(pattern)
            if cut is not None:
                return self._fields_in(fields, cut)
            return self._whole_glob(fields, pattern) if lenient else FALSE  # A7
        if op.comparison is Comparison.LIKE:
            return self._whole_glob(fields, pattern)
        literal = L.text_of(pattern)
        split = literal.split(":", 5)
        if len(split) < 6:
            return FALSE
        if op.ignore_case:
            if not automata.matches(L.ignore_case(split[0], lenient), "arn"):
                return FALSE
            return F.And(*[self.space.member(f, L.ignore_case(s, lenient)) for f, s in zip(fields, split[1:])])
        if split[0] != "arn":
            return FALSE
        return F.And(*[self.space.equals(f, s) for f, s in zip(fields, split[1:])])

    def _whole_glob(self, fields, pattern: tuple) -> F.Term:
        """A whole-string pattern over ``arn:`` and the five fields."""
        options = [self._fields_in(fields, cut) for cut in L.cut_arn(pattern)]
        options = [o for o in options if not F.is_false(o)]
        return F.Or(*options) if options else FALSE

    def _fields_in(self, fields, cut) -> F.Term:
        if not automata.matches(L.of_pattern(cut[0]), "arn"):
            return FALSE
        return F.And(*[self.space.member(f, L.of_pattern(p)) for f, p in zip(fields, cut[1:])])


def static_language(op: Operator, pattern: tuple, lenient: bool) -> L.Lang:
    """The strings a static value matches under ``op`` (one request value)."""
    if op.family is Family.ARN:
        return L.arn_like(pattern, lenient)
    if op.comparison is Comparison.LIKE:
        return L.of_pattern(pattern)
    literal = L.text_of(pattern)
    return L.ignore_case(literal, lenient) if op.ignore_case else L.literal(literal)


def static_pattern(found, like: bool, lenient: bool) -> tuple:
    """The pattern of variable-free parts. Substituted defaults keep their
    wildcards only on the lenient side (undocumented, so matching more)."""
    pattern: list = []
    for part in found:
        if isinstance(part, PolicyText):
            pattern += L.glob(part.text) if like else L.literal_pattern(part.text)
        elif isinstance(part, Escaped):
            pattern.append(part.char)
        elif isinstance(part, Substituted):
            pattern += L.glob(part.text) if like and lenient else L.literal_pattern(part.text)
    return L.collapsed(tuple(pattern))


def _has_special(text: str | None) -> bool:
    return text is not None and any(c in text for c in ":*?")


def _split_parts(found) -> list[list] | None:
    """Cut dynamic parts at their first five literal colons; None when a
    variable that may hold a colon comes before the fifth."""
    pieces: list[list] = [[]]
    for part in found:
        if isinstance(part, Variable):
            if len(pieces) < 6 and part.key not in SAFE_FOR_SUBSTITUTION:
                return None
            pieces[-1].append(part)
            continue
        if isinstance(part, Escaped):
            pieces[-1].append(part)
            continue
        for char in part.text:
            if char == ":" and len(pieces) < 6:
                pieces.append([])
            else:
                pieces[-1].append(type(part)(char))
    return pieces
