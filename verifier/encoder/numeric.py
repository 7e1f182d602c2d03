"""Typed comparisons of a key held as text, as regular languages (C5).

A key that a policy compares both as a string and as a number (``StringEquals``
and ``NumericLessThan`` on ``aws:SourceAccount``), or as a number and as a
date, is held as text; a typed comparison then reads the text as the
evaluator does: a request value that is not in the canonical form of the
type is no number (or date) at all, and matches nothing. "``x`` reads as a
number below 111122223333" is a regular language over ``x``, so the
comparison stays exact in the string classes.

Decimals (``-?[0-9]+(\\.[0-9]+)?``, leading zeros allowed) are compared
digit by digit with the constant. Written apart from the evaluator's
readers (``verifier.evaluator.values``) on purpose: the differential tests
check one against the other.
"""

from __future__ import annotations

from fractions import Fraction

from verifier.encoder import constants
from verifier.encoder import lang as L
from verifier.policy.operators import Comparison, Family

DIGIT = L.DIGIT
ZEROS = L.star(L.char("0"))
NONZERO = L.chars((ord("1"), ord("9")))
FRACTION = L.alt(L.EMPTY_STRING, L.seq(L.char("."), L.plus(DIGIT)))
UNSIGNED = L.seq(L.plus(DIGIT), FRACTION)
DECIMAL = L.seq(L.repeat(L.char("-"), 0, 1), UNSIGNED)
"""Every text the evaluator reads as a number."""

_FLIP = {"<": ">", ">": "<", "==": "=="}


def number_language(comparison: Comparison, value: Fraction) -> L.Lang:
    """The texts that read as a decimal ``d`` with ``d <op> value``."""
    return L.alt(*[_signed(order, value) for order in _orders(comparison)])


def _orders(comparison: Comparison) -> tuple[str, ...]:
    return {
        Comparison.EQUALS: ("==",), Comparison.LESS: ("<",), Comparison.GREATER: (">",),
        Comparison.LESS_EQUAL: ("<", "=="), Comparison.GREATER_EQUAL: (">", "=="),
    }[comparison]


def _signed(order: str, value: Fraction) -> L.Lang:
    # "-m" is the number -m: -m < c exactly when m > -c. "-0" is zero.
    return L.alt(_unsigned(order, value), L.seq(L.char("-"), _unsigned(_FLIP[order], -value)))


def _unsigned(order: str, value: Fraction) -> L.Lang:
    """Unsigned decimals ``m`` (leading zeros allowed) with ``m <order> value``."""
    if value < 0:
        return UNSIGNED if order == ">" else L.NOTHING
    whole = int(value)  # value >= 0: the floor
    places = constants.decimals(value - whole)
    digits = str(whole) if whole else ""  # no leading zero: "" is zero
    fraction = str((value - whole) * 10 ** places).zfill(places) if places else ""
    if order == "==":
        return L.seq(_whole_equal(digits), _fraction_part("==", fraction))
    return L.alt(L.seq(_whole(order, digits), FRACTION), L.seq(_whole_equal(digits), _fraction_part(order, fraction)))


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


def _fraction_part(order: str, digits: str) -> L.Lang:
    """The optional ``.F`` of a decimal whose fraction compares to
    ``0.digits`` (no trailing zero in ``digits``); no ``.F`` is a zero fraction."""
    if order == "==":
        dotted = L.seq(L.literal(digits), ZEROS) if digits else L.plus(L.char("0"))
        return L.alt(L.EMPTY_STRING, L.seq(L.char("."), dotted)) if not digits else L.seq(L.char("."), dotted)
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
    dotted = L.seq(L.char("."), L.alt(*options))
    # No fraction at all is zero: below a non-zero fraction, never above one.
    return L.alt(L.EMPTY_STRING, dotted) if order == "<" and digits else dotted


def _range(low: int, high: int) -> L.Lang:
    return L.chars((ord("0") + low, ord("0") + high))


TEXT_VIEWS = {Family.NUMERIC: number_language}
"""The typed comparisons a key held as text supports, each a language maker."""
