"""Typed comparisons of a key held as text, as regular languages (C5).

A key that a policy compares both as a string and as a number (``StringEquals``
and ``NumericLessThan`` on ``aws:SourceAccount``), or as a number and as a
date, is held as text; a typed comparison then reads the text as the
evaluator does: a request value that is not in the canonical form of the
type is no number (or date) at all, and matches nothing. "``x`` reads as a
number below 111122223333" is a regular language over ``x``, so the
comparison stays exact in the string classes.

Decimals (``-?[0-9]+(\\.[0-9]+)?``, leading zeros allowed) are compared
digit by digit with the constant. Where the wider reading admits more (A12,
``lenient``) a number may also carry a ``+`` or a bare point (``+5``, ``5.``,
``.5``); an exponent is read by neither reading (``1e3`` is no number). Written apart from the evaluator's
readers (``verifier.evaluator.values``) on purpose: the differential tests
check one against the other.
"""

from __future__ import annotations

from fractions import Fraction

from verifier.encoder import constants
from verifier.encoder import lang as L
from verifier.policy.operators import Comparison

DIGIT = L.DIGIT
ZEROS = L.star(L.char("0"))
NONZERO = L.chars((ord("1"), ord("9")))
FRACTION = L.alt(L.EMPTY_STRING, L.seq(L.char("."), L.plus(DIGIT)))
OPEN_FRACTION = L.alt(L.EMPTY_STRING, L.seq(L.char("."), L.star(DIGIT)))  # "5." too (A12)
UNSIGNED = L.seq(L.plus(DIGIT), FRACTION)
DECIMAL = L.seq(L.repeat(L.char("-"), 0, 1), UNSIGNED)
"""Every text the evaluator reads as a number."""

_FLIP = {"<": ">", ">": "<", "==": "=="}


def number_language(comparison: Comparison, value: Fraction, lenient: bool = False) -> L.Lang:
    """The texts that read as a decimal ``d`` with ``d <op> value``
    (``lenient``: in some spelling A12 lets a request value have)."""
    return L.alt(*[_signed(order, value, lenient) for order in orders(comparison)])


def orders(comparison: Comparison) -> tuple[str, ...]:
    """The orders (``<``, ``==``, ``>``) whose union a comparison is."""
    return {
        Comparison.EQUALS: ("==",), Comparison.LESS: ("<",), Comparison.GREATER: (">",),
        Comparison.LESS_EQUAL: ("<", "=="), Comparison.GREATER_EQUAL: (">", "=="),
    }[comparison]


def _signed(order: str, value: Fraction, lenient: bool) -> L.Lang:
    # "-m" is the number -m: -m < c exactly when m > -c. "-0" is zero.
    positive = _unsigned(order, value, lenient)
    if lenient:
        positive = L.seq(L.repeat(L.char("+"), 0, 1), positive)
    return L.alt(positive, L.seq(L.char("-"), _unsigned(_FLIP[order], -value, lenient)))


def _unsigned(order: str, value: Fraction, lenient: bool = False) -> L.Lang:
    """Unsigned decimals ``m`` (leading zeros allowed) with ``m <order> value``."""
    if value < 0:
        if order != ">":
            return L.NOTHING
        return L.alt(L.seq(L.plus(DIGIT), OPEN_FRACTION), L.seq(L.char("."), L.plus(DIGIT))) if lenient else UNSIGNED
    digits, fraction = digits_of(value)
    tail = fraction_part(order, fraction)
    if lenient and _zero_fraction(order, fraction):
        tail = L.alt(tail, L.char("."))  # "5." is 5
    if order == "==":
        out = L.seq(_whole_equal(digits), tail)
    else:
        out = L.alt(L.seq(_whole(order, digits), OPEN_FRACTION if lenient else FRACTION),
                    L.seq(_whole_equal(digits), tail))
    if not lenient:
        return out
    # ".5": no whole digits, a whole part of zero.
    if not digits:
        bare = _dotted(order, fraction)
    else:
        bare = L.seq(L.char("."), L.plus(DIGIT)) if order == "<" else L.NOTHING
    return L.alt(out, bare)


def _zero_fraction(order: str, digits: str) -> bool:
    """Whether a zero fraction compares to ``0.digits`` as ``order`` says."""
    return {"<": bool(digits), "==": not digits, ">": False}[order]


def digits_of(value: Fraction) -> tuple[str, str]:
    """A non-negative decimal's whole digits (no leading zero: "" for zero)
    and fraction digits (no trailing zero)."""
    whole = int(value)  # value >= 0: the floor
    places = constants.decimals(value - whole)
    fraction = str((value - whole) * 10 ** places).zfill(places) if places else ""
    return (str(whole) if whole else ""), fraction


def _whole_equal(digits: str) -> L.Lang:
    return L.seq(ZEROS, L.literal(digits)) if digits else L.plus(L.char("0"))


def _whole(order: str, digits: str) -> L.Lang:
    """Digit strings (leading zeros allowed, at least one digit) whose
    integer is below (``<``) or above (``>``) the integer ``digits``."""
    n = len(digits)
    same_length = L.seq(ZEROS, _lexical(order, digits))
    if order == "<":
        shorter = L.repeat(DIGIT, 1, n - 1) if n > 1 else L.NOTHING
        return L.alt(shorter, same_length)
    longer = L.seq(ZEROS, NONZERO, L.repeat(DIGIT, n, None))
    return L.alt(same_length, longer)


def _lexical(order: str, word: str) -> L.Lang:
    """Strings of ``len(word)`` digits below or above ``word`` digit by digit."""
    options = []
    for i, c in enumerate(word):
        d = int(c)
        low, high = (0, d - 1) if order == "<" else (d + 1, 9)
        if low <= high:
            options.append(L.seq(L.literal(word[:i]), _range(low, high), L.repeat(DIGIT, len(word) - i - 1,
                                                                                  len(word) - i - 1)))
    return L.alt(*options)


def fraction_part(order: str, digits: str) -> L.Lang:
    """The optional ``.F`` of a decimal whose fraction compares to
    ``0.digits`` (no trailing zero in ``digits``); no ``.F`` is a zero fraction."""
    dotted = _dotted(order, digits)
    return L.alt(L.EMPTY_STRING, dotted) if _zero_fraction(order, digits) else dotted


def _dotted(order: str, digits: str) -> L.Lang:
    """``.F`` (at least one digit) whose fraction compares to ``0.digits``."""
    if order == "==":
        return L.seq(L.char("."), L.seq(L.literal(digits), ZEROS) if digits else L.plus(L.char("0")))
    options = []
    for i, c in enumerate(digits):
        d = int(c)
        low, high = (0, d - 1) if order == "<" else (d + 1, 9)
        if low <= high:
            options.append(L.seq(L.literal(digits[:i]), _range(low, high), L.star(DIGIT)))
        if order == "<" and i > 0:
            # Ending here, the rest reads as zeros: below, as ``digits`` has no trailing zero.
            options.append(L.literal(digits[:i]))
    if order == ">":
        options.append(L.seq(L.literal(digits), ZEROS, NONZERO, L.star(DIGIT)))
    return L.seq(L.char("."), L.alt(*options))


def _range(low: int, high: int) -> L.Lang:
    return L.chars((ord("0") + low, ord("0") + high))
