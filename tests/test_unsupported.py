"""Constructs deputy does not model end as ``unknown`` with the construct
named, unless the proof holds whatever they mean; never silently as safe."""

from __future__ import annotations

import pytest

from tests.builders import OWNER, policy, statement
from tests.support import check, trust
from verifier.results import Verdict

TYPO = {"ArnEqual": {"aws:SourceArn": f"arn:aws:rekognition:*:{OWNER}:*"}}


def named(result, text):
    return any(text in w for w in result.warnings) or text in result.message


def test_unknown_operator_alone_is_unknown():
    result = check(trust(TYPO))
    assert result.verdict is Verdict.UNKNOWN
    assert named(result, "'ArnEqual'")


def test_proof_that_holds_whatever_the_operator_means_is_safe():
    result = check(trust({**TYPO, "StringEquals": {"aws:SourceAccount": OWNER}}))
    assert result.verdict is Verdict.SAFE
    assert named(result, "'ArnEqual'")


def test_unknown_operator_in_a_deny_is_not_trusted_to_deny():
    result = check(policy(statement(), statement("Deny", principal="*", action="*", condition=TYPO)))
    assert result.verdict is Verdict.UNKNOWN


@pytest.mark.parametrize("condition, construct", [
    ({"StringLike": {"aws:SourceAccount": "${aws:PrincipalAccount}"}}, "variable inside a StringLike value"),
    ({"StringEqualsIgnoreCase": {"aws:SourceAccount": "${aws:PrincipalAccount}"}},
     "variable inside a StringEqualsIgnoreCase value"),
    # A key whose value may hold a wildcard, substituted into a Like pattern.
    ({"StringLike": {"aws:SourceAccount": "1111${aws:PrincipalAccount}"}}, "variable inside a StringLike value"),
])
def test_unencodable_variables_are_named(condition, construct):
    result = check(trust(condition))
    assert result.verdict is Verdict.UNKNOWN
    assert named(result, construct)


def test_a_variable_inside_an_exact_value_is_encoded():
    # No twelve-digit account is "x" followed by anything (StringSpace.within).
    result = check(trust({"StringEquals": {"aws:SourceAccount": "x${aws:PrincipalAccount}"}}))
    assert result.verdict is Verdict.SAFE, result.message


def test_leading_space_operator_from_the_corpus():
    # A documentation typo kept in the corpus: " ArnEquals" is no operator.
    result = check(trust({" ArnEquals": {"aws:SourceArn": f"arn:aws:rekognition:*:{OWNER}:*"}}))
    assert result.verdict is Verdict.UNKNOWN
