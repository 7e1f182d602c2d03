"""Date comparisons of a key held as text (verifier/encoder/dates.py): the
encoder's languages read request texts as the evaluator does (epoch seconds,
or the ISO 8601 profile with a zone, on a real calendar day), zones and
seconds included, and decide verdicts that need them."""

from __future__ import annotations

import datetime as dt
import operator
import random
from fractions import Fraction

import pytest

from tests.builders import policy, statement
from tests.support import check
from verifier.encoder import automata
from verifier.encoder.dates import date_view
from verifier.evaluator.values import read_date
from verifier.policy.operators import Comparison

ORDERS = {Comparison.EQUALS: operator.eq, Comparison.LESS: operator.lt, Comparison.LESS_EQUAL: operator.le,
          Comparison.GREATER: operator.gt, Comparison.GREATER_EQUAL: operator.ge}
NEW_YEAR = 1577836800  # 2020-01-01T00:00:00Z


def _texts() -> list[str]:
    rng = random.Random(12)
    out = []
    for spread in (200000, 4000, 90):
        for _ in range(400):
            t = dt.datetime(2020, 1, 1) + dt.timedelta(seconds=rng.randint(-spread, spread))
            text = f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}"
            if rng.random() < 0.7:
                text += f":{t.second:02d}" + ("." + str(rng.randint(0, 99)) if rng.random() < 0.4 else "")
            hours, minutes = rng.choice([0, 1, 5, 12, 19, 20, 23, 24]), rng.choice([0, 1, 30, 59, 60])
            text += "Z" if rng.random() < 0.3 else f"{rng.choice('+-')}{hours:02d}:{minutes:02d}"
            out.append(text)
    return out + [str(NEW_YEAR), str(NEW_YEAR - 1), "-5", "2020-02-29T00:00Z", "2019-02-29T00:00Z", "2100-02-29T00:00Z",
                  "2000-02-29T00:00Z", "2020-04-31T00:00Z", "0000-01-01T00:00Z", "2020-01-01T24:00Z",
                  "2020-01-01T00:00:60Z", "2020-01-01T00:00.5Z", "2019-12-31T23:00-01:00", "soon"]


TEXTS = _texts()


@pytest.mark.parametrize("value", [Fraction(NEW_YEAR), Fraction(NEW_YEAR) + Fraction(1, 2), Fraction(NEW_YEAR - 18000 + 17),
                                   Fraction(-99999999999)])  # the last: before year 1, no minute near it
def test_date_view_is_the_evaluators_reading(value):
    for comparison, holds in ORDERS.items():
        view = date_view(comparison, value)
        for text in TEXTS:
            read = read_date(text)
            inside = any(all(automata.matches(language, text) for language in conj) for conj in view)
            assert inside == (read is not None and holds(read, value)), (value, comparison, text)


def _allow(condition) -> dict:
    return policy(statement(condition=condition))


def test_a_zone_lets_a_text_date_through():
    result = check(_allow({"DateLessThan": {"aws:PrincipalTag/expires": "2030-01-01T00:00:00Z"},
                           "StringLike": {"aws:PrincipalTag/expires": "*+05:30"}}))
    assert result.verdict.value == "vulnerable"
    assert result.counterexample.get("aws:PrincipalTag/expires")[0].endswith("+05:30")


def test_one_instant_in_two_zones_is_no_gap():
    # Before 00:00Z and after 05:30+05:30 (the same instant): no text is both.
    result = check(_allow({"DateLessThan": {"aws:PrincipalTag/expires": "2020-01-01T00:00:00Z"},
                           "DateGreaterThan": {"aws:PrincipalTag/expires": "2020-01-01T05:30:00+05:30"}}))
    assert result.verdict.value == "safe", result.message
