"""A policy variable in Resource (V1): the resource is related to the
key's string exactly (encoder/resources.py, StringSpace.within,
encoder/concat.py), where the reading matches more; elsewhere the construct
is named and left free."""

from __future__ import annotations

import itertools

from tests.builders import policy, statement
from tests.support import check
from verifier.encoder import automata, concat
from verifier.encoder import lang as L
from verifier.encoder import logic as F
from verifier.encoder.strings import StringSpace
from verifier.prove.solver import Session

OWNER = "111122223333"
SNS = "sns.amazonaws.com"


def test_together_is_every_pair_some_strings_realize():
    whole = [L.of_pattern(L.glob("a*")), L.of_pattern(L.glob("*b")), L.literal("abab")]
    part = [L.of_pattern(L.glob("b*")), L.literal("")]
    before, after = L.of_pattern(L.glob("?")), L.of_pattern(L.glob("*"))
    found = concat.together(whole, before, part, after)
    expected = {}
    words = ["".join(t) for n in range(5) for t in itertools.product("ab", repeat=n)]
    for w, x in itertools.product(words, words):
        if any(automata.matches(before, w[:i]) and w[i:i + len(x)] == x and automata.matches(after, w[i + len(x):])
               for i in range(len(w) + 1)):
            key = (frozenset(k for k, lang in enumerate(whole) if automata.matches(lang, w)),
                   frozenset(k for k, lang in enumerate(part) if automata.matches(lang, x)))
            expected.setdefault(key, (w, x))
    assert set(found) == set(expected)
    for (w_vector, x_vector), (w, x) in found.items():  # each witness pair realizes its vectors
        assert frozenset(k for k, lang in enumerate(whole) if automata.matches(lang, w)) == w_vector
        assert frozenset(k for k, lang in enumerate(part) if automata.matches(lang, x)) == x_vector
        assert any(w[:i].__len__() == i and w[i:i + len(x)] == x for i in range(len(w) + 1))


def test_within_between_two_variables_gives_strings_that_stand_in_it():
    space = StringSpace()
    r, x = space.var("r"), space.var("x")
    head, tail = L.literal("logs/"), L.of_pattern(L.glob("/*"))
    atom = space.within(r, head, x, tail)
    wanted = [atom, space.member(x, L.repeat(L.DIGIT, 3, 3)), F.Not(space.member(x, L.literal("123"))),
              space.member(r, L.of_pattern(L.glob("*/1*")))]
    mapping, constraints = space.finalize()
    session = Session(5000, mapping)
    session.add(*constraints, *space.domains(), *wanted)
    outcome = session.check()
    assert outcome.status == "sat"
    resource, value = space.value(r, outcome.read), space.value(x, outcome.read)
    assert resource.startswith("logs/" + value + "/") and value.isdigit() and len(value) == 3 and value != "123"
    assert value.startswith("1")


def test_within_cannot_hold_where_no_strings_stand_in_it():
    space = StringSpace()
    r, x = space.var("r"), space.var("x")
    atom = space.within(r, L.literal("logs/"), x, L.of_pattern(L.glob("/*")))
    wanted = [atom, space.member(x, L.literal("9")), space.member(r, L.of_pattern(L.glob("logs/1*")))]
    mapping, constraints = space.finalize()
    session = Session(5000, mapping)
    session.add(*constraints, *space.domains(), *wanted)
    assert session.check().status == "unsat"


def _policy(*statements) -> dict:
    return policy(*statements)


def _allow(resource: str, condition=None) -> dict:
    return statement(principal={"Service": SNS}, action="sns:Publish", condition=condition, Resource=resource)


def _check(doc, **changes):
    return check(doc, service=None, action=None, **changes)  # the default question; counterexamples replayed


def test_the_source_account_in_an_s3_prefix_lets_every_account_write_its_own():
    result = _check(_policy(_allow("arn:aws:s3:::logs/${aws:SourceAccount}/*")))
    assert result.verdict.value == "vulnerable"
    account = result.counterexample.get("aws:SourceAccount")[0]
    assert result.counterexample.resource.startswith(f"arn:aws:s3:::logs/{account}/")


TOPIC = f"arn:aws:sns:us-east-1:{OWNER}:topic-${{aws:SourceAccount}}"
ONLY_1111 = {"Effect": "Deny", "Principal": "*", "Action": "*", "NotResource": "arn:aws:sns:*:*:topic-1111*"}


def test_a_proof_that_needs_the_resource_and_the_account_to_agree():
    # Allowed: a topic named after the source account that starts with 1111;
    # with the source account starting with 2 no such request exists.
    assert _check(_policy(_allow(TOPIC), ONLY_1111)).verdict.value == "vulnerable"
    result = _check(_policy(_allow(TOPIC, {"StringLike": {"aws:SourceAccount": "2*"}}), ONLY_1111))
    assert result.verdict.value == "safe", result.message


def test_a_default_stands_for_an_absent_key():
    result = _check(_policy(_allow("arn:aws:s3:::logs/${aws:SourceAccount, 'none'}")), strict_attribution=True)
    assert result.verdict.value == "vulnerable"
    if result.counterexample.get("aws:SourceAccount") is None:
        assert result.counterexample.resource == "arn:aws:s3:::logs/none"


def test_a_variable_read_narrowly_is_named_and_left_free():
    # In a Deny's Resource the relation would have to be denied: free. A
    # request it does not touch still replays; one it decides is unknown.
    deny = {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "arn:aws:s3:::logs/${aws:SourceAccount}/*"}
    assert _check(_policy(_allow("arn:aws:s3:::logs/*"), deny)).verdict.value == "vulnerable"
    result = _check(_policy(_allow("arn:aws:s3:::logs/${aws:SourceAccount}/*"), deny))
    assert result.verdict.value == "unknown"
    assert "a variable in Resource" in result.message and "read narrowly" in result.message
