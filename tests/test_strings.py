"""String classes: ``realizable`` finds exactly the membership combinations
that strings realize, with witnesses that realize them, checked against
brute force over every short string of a small alphabet."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support import examples
from verifier.encoder import automata
from verifier.encoder import lang as L
from verifier.encoder import logic as F
from verifier.encoder.classes import realizable, settled_by_domain
from verifier.encoder.strings import StringSpace

ALPHABET = "ab:"
# Patterns over the alphabet with the glob wildcards; "x" stands for a
# character outside the alphabet in the brute force.
PATTERNS = st.text(alphabet="ab:*?", min_size=0, max_size=4)


def vector(languages, text):
    return frozenset(i for i, lang in enumerate(languages) if automata.matches(lang, text))


@settings(max_examples=examples(150), deadline=None)
@given(st.lists(PATTERNS, min_size=1, max_size=4))
def test_classes_are_exactly_the_realized_combinations(patterns):
    languages = [L.of_pattern(L.glob(p)) for p in patterns]
    found = realizable(languages, counted=True)
    assert found is not None
    for wanted, (witness, count) in found.items():
        assert vector(languages, witness) == wanted, (patterns, witness)
        assert count in (1, 2)
    # Every combination a short string realizes is found (a combination may
    # need a longer string, "::a*" with "*:::" needs six characters, so only
    # this direction can be brute-forced; the other is the witnesses above).
    seen: dict[frozenset, set[str]] = {}
    for n in range(6):
        for chars in itertools.product(ALPHABET + "x", repeat=n):
            text = "".join(chars)
            seen.setdefault(vector(languages, text), set()).add(text)
    assert set(seen) <= set(found), patterns
    for wanted, texts in seen.items():
        witness, count = found[wanted]
        assert len(witness) == min(len(t) for t in texts), "the witness is a shortest string"
        if len(texts) > 1:
            assert count == 2, (patterns, wanted, texts)


def test_a_literal_class_counts_one_string():
    found = realizable([L.literal("ab"), L.of_pattern(L.glob("a*"))], counted=True)
    assert found[frozenset({0, 1})] == ("ab", 1)
    assert found[frozenset({1})][1] == 2


def short_strings(n=5):
    for size in range(n + 1):
        for chars in itertools.product(ALPHABET + "x", repeat=size):
            yield "".join(chars)


@settings(max_examples=examples(150), deadline=None)
@given(PATTERNS, PATTERNS)
def test_tests_settled_by_a_domain_hold_for_every_string_in_it(domain_pattern, pattern):
    domain, language = L.of_pattern(L.glob(domain_pattern)), L.of_pattern(L.glob(pattern))
    settled = settled_by_domain(domain, language)
    inside = {automata.matches(language, t) for t in short_strings() if automata.matches(domain, t)}
    if settled is not None:
        assert inside <= {settled}, (domain_pattern, pattern, settled)
    else:
        # Strings of the domain both in and out of the language exist; they
        # may be longer than the brute force reaches, so check the witnesses.
        found = realizable([domain, language], required=frozenset({0}))
        witnesses = {1 in v: w for v, (w, _) in found.items()}
        assert set(witnesses) == {True, False}, (domain_pattern, pattern)
        for inside_language, text in witnesses.items():
            assert automata.matches(domain, text) and automata.matches(language, text) == inside_language


def test_a_restricted_variable_folds_tests_and_keeps_its_classes_inside():
    space = StringSpace()
    x = space.var("x")
    space.restrict(x, L.of_pattern(L.glob("ab*")))
    assert space.member(x, L.of_pattern(L.glob("a*"))) is F.TRUE
    assert space.member(x, L.literal("b")) is F.FALSE
    partial = space.member(x, L.literal("abc"))
    assert partial.op == "bvar"
    mapping, _ = space.finalize()
    # Only strings starting with "ab" remain: "abc" itself, and any other.
    assert sorted(w for w in space._slots[x].witnesses) == ["ab", "abc"]


def test_equal_literals_each_keep_their_index():
    # Two variables' languages are explored together for an equality; the
    # same literal can then appear twice and both must be reported.
    found = realizable([L.literal("ab"), L.literal("ab"), L.literal("b")], counted=True)
    assert found[frozenset({0, 1})] == ("ab", 1)
    assert found[frozenset({2})] == ("b", 1)


def _counts_by_sweeping(start, edges):
    """The counts of strings reaching each state (capped at 2) as the least
    fixed point, by sweeping every edge until nothing changes: slow and
    plainly right, against the worklist of ``_string_counts``."""
    counts = {start: 1}
    while True:
        new = {start: 1}
        for source, target, size in edges:
            if source in counts:
                new[target] = min(2, new.get(target, 0) + counts[source] * size)
        if all(counts.get(s, 0) >= v for s, v in new.items()):
            return counts
        for s, v in new.items():
            counts[s] = max(counts.get(s, 0), v)


EDGES = st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6), st.sampled_from([1, 1, 2])), max_size=16)


@settings(max_examples=examples(300), deadline=None)
@given(EDGES)
def test_string_counts_are_the_least_fixed_point(edges):
    from verifier.encoder.classes import _string_counts

    assert _string_counts(0, edges) == _counts_by_sweeping(0, edges)


def test_string_counts_of_a_cycle_and_of_a_chain():
    from verifier.encoder.classes import _string_counts

    # a chain: one string reaches each state; a loop back to 1 makes every later state reachable twice or more
    assert _string_counts(0, [(0, 1, 1), (1, 2, 1)]) == {0: 1, 1: 1, 2: 1}
    assert _string_counts(0, [(0, 1, 1), (1, 2, 1), (2, 1, 1)]) == {0: 1, 1: 2, 2: 2}
    assert _string_counts(0, [(0, 1, 2)]) == {0: 1, 1: 2}  # two characters lead there
    assert _string_counts(0, [(1, 2, 1)]) == {0: 1}  # unreachable states have no strings
