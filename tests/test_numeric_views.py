"""Typed comparisons of a key held as text (verifier/encoder/numeric.py):
the encoder's languages read request texts exactly as the evaluator does,
and the verdicts that needed them are decided."""

from __future__ import annotations

import itertools
import json
import operator
from decimal import Decimal
from fractions import Fraction

import pytest

from verifier.encoder import automata
from verifier.encoder.numeric import number_language
from verifier.evaluator import Decision, evaluate
from verifier.evaluator.values import read_bool, read_number
from tests.builders import policy, statement
from tests.support import check
from verifier.policy.loading import load_text
from verifier.policy.operators import Comparison
from verifier.request import make_request

OWNER = "111122223333"
DEPUTY = "rekognition.amazonaws.com"
ORDERS = {Comparison.EQUALS: operator.eq, Comparison.LESS: operator.lt, Comparison.LESS_EQUAL: operator.le,
          Comparison.GREATER: operator.gt, Comparison.GREATER_EQUAL: operator.ge}
# Every text of up to four characters over the characters that matter, and longer ones.
TEXTS = ["".join(t) for n in range(5) for t in itertools.product("015.-+", repeat=n)] + [
    "111122223333", "011112222333", "11112222333", "0000000000005", "1e3", "5.000", "-0.0", "+.5", "١", "5 "]
CONSTANTS = ["0", "-0", "1", "5", "10", "0.5", "0.05", "-0.5", "-12.25", "2.1", "111122223333", "11112222333",
             "0.005", "-1", "99.9"]


@pytest.mark.parametrize("lenient", [False, True], ids=["canonical", "wider"])
@pytest.mark.parametrize("constant", CONSTANTS)
def test_number_language_is_the_evaluators_reading(constant, lenient):
    value = Decimal(constant)
    for comparison, holds in ORDERS.items():
        language = number_language(comparison, Fraction(value), lenient)
        for text in TEXTS:
            read = read_number(text, lenient)
            assert automata.matches(language, text) == (read is not None and holds(read, value)), \
                (constant, comparison, text, lenient)


def test_the_wider_reading_of_a_request_value():
    # A12: a sign or a bare point only where that admits more; an exponent never.
    assert read_number("+5", lenient=True) == 5 and read_number("+5") is None
    assert read_number(".5", lenient=True) == Decimal("0.5") and read_number("5.", lenient=True) == 5
    assert read_number("1e3", lenient=True) is None
    assert read_bool("True", lenient=True) is True and read_bool("True") is None


def _policy(*statements) -> dict:
    return policy(*statements)


def _allow(condition=None) -> dict:
    return statement(condition=condition)


def _check(doc):
    return check(doc, service=None, action=None)  # the default question; counterexamples replayed


def test_numeric_equals_on_the_source_account_is_decided():
    assert _check(_policy(_allow({"NumericEquals": {"aws:SourceAccount": OWNER}}))).verdict.value == "safe"
    lost = _check(_policy(_allow({"NumericEquals": {"aws:SourceAccount": "11112222333"}})))
    assert lost.verdict.value == "vulnerable"
    assert lost.counterexample.get("aws:SourceAccount") == ("011112222333",)


def test_numeric_and_string_tests_on_one_key_combine_exactly():
    # The only account read as a number at most 111122223333 and not the
    # owner's by StringNotEquals is any smaller one: vulnerable; excluding
    # every smaller one by a second string test leaves none: safe.
    below = {"NumericLessThanEquals": {"aws:SourceAccount": OWNER}}
    assert _check(_policy(_allow(below))).verdict.value == "vulnerable"
    only_owner = {**below, "StringLike": {"aws:SourceAccount": "1111222233?3"},
                  "NumericGreaterThanEquals": {"aws:SourceAccount": "111122223303"}}
    result = _check(_policy(_allow(only_owner)))
    assert result.verdict.value == "vulnerable"
    assert result.counterexample.get("aws:SourceAccount")[0] in {f"1111222233{d}3" for d in "0123456789"} - {OWNER}
    exact = {**below, "NumericGreaterThanEquals": {"aws:SourceAccount": OWNER}}
    assert _check(_policy(_allow(exact))).verdict.value == "safe"


@pytest.mark.parametrize("operator_name", ["Bool", "BinaryEquals", "NumericLessThan", "DateLessThan"])
def test_a_typed_operator_on_the_source_arn_never_holds(operator_name):
    value = {"Bool": "true", "BinaryEquals": "YWJj", "NumericLessThan": "5",
             "DateLessThan": "2030-01-01T00:00:00Z"}[operator_name]
    result = _check(_policy(_allow({operator_name: {"aws:SourceArn": value}})))
    assert result.verdict.value == "safe", result.message  # an ARN is no boolean, bytes, number or date


def test_a_string_key_compared_only_as_a_number_may_hold_any_text():
    # Every number is denied by one of the two Deny statements; a tag value
    # that is no number is denied by neither (the key is a String key).
    doc = _policy(_allow(),
                   {"Effect": "Deny", "Principal": "*", "Action": "*",
                    "Condition": {"NumericLessThanIfExists": {"aws:PrincipalTag/level": "5"}}},
                   {"Effect": "Deny", "Principal": "*", "Action": "*",
                    "Condition": {"NumericGreaterThanEquals": {"aws:PrincipalTag/level": "5"}}})
    result = _check(doc)
    assert result.verdict.value == "vulnerable"
    assert read_number(result.counterexample.get("aws:PrincipalTag/level")[0]) is None
    # A key AWS documents as numeric holds numbers only: the same policy is safe.
    numeric = json.loads(json.dumps(doc).replace("aws:PrincipalTag/level", "aws:MultiFactorAuthAge"))
    assert _check(numeric).verdict.value == "safe"


def test_a_plus_sign_is_a_number_in_an_allow_not_in_a_deny():
    plus = {"NumericEquals": {"aws:PrincipalTag/level": "5"}, "StringLike": {"aws:PrincipalTag/level": "+*"}}
    result = _check(_policy(_allow({**plus, "StringEquals": {"aws:SourceAccount": "444455556666"}})))
    assert result.verdict.value == "vulnerable"
    assert result.counterexample.get("aws:PrincipalTag/level")[0].startswith("+")
    deny = {"Effect": "Deny", "Principal": "*", "Action": "*",
            "Condition": {"NumericEquals": {"aws:PrincipalTag/level": "5"}}}
    request = make_request(DEPUTY, "sts:AssumeRole", {"aws:PrincipalTag/level": "+5",
                                                      "aws:SourceAccount": "444455556666"})
    assert evaluate(load_text(json.dumps(_policy(_allow(), deny))).policy, request).decision is Decision.ALLOW
