"""The encoder's formula layer: simplification preserves meaning, and
memoised substitution never confuses a dead term with a new one."""

from __future__ import annotations

import gc
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.builders import OWNER, policy, statement
from tests.support import check, examples
from verifier.encoder import logic as F
from verifier.results import Verdict

NAMES = ["a", "b", "c"]


def trees(depth=3):
    leaves = st.sampled_from([("var", n) for n in NAMES] + [("const", True), ("const", False)])
    return st.recursive(leaves, lambda sub: st.one_of(
        st.tuples(st.just("not"), sub),
        st.tuples(st.sampled_from(["and", "or", "implies", "iff"]), st.lists(sub, min_size=0, max_size=3)),
        st.tuples(st.just("if"), sub, sub, sub)), max_leaves=12)


def build(tree):
    kind = tree[0]
    if kind == "var":
        return F.Bool(tree[1])
    if kind == "const":
        return F.BoolVal(tree[1])
    if kind == "not":
        return F.Not(build(tree[1]))
    if kind == "if":
        return F.If(build(tree[1]), build(tree[2]), build(tree[3]))
    parts = [build(t) for t in tree[1]]
    if kind == "and":
        return F.And(parts)
    if kind == "or":
        return F.Or(parts)
    a, b = (parts + [F.TRUE, F.TRUE])[:2]
    return F.Implies(a, b) if kind == "implies" else F.Iff(a, b)


def meaning(tree, env):
    kind = tree[0]
    if kind == "var":
        return env[tree[1]]
    if kind == "const":
        return tree[1]
    if kind == "not":
        return not meaning(tree[1], env)
    if kind == "if":
        return meaning(tree[2], env) if meaning(tree[1], env) else meaning(tree[3], env)
    values = [meaning(t, env) for t in tree[1]]
    if kind == "and":
        return all(values)
    if kind == "or":
        return any(values)
    a, b = (values + [True, True])[:2]
    return (not a or b) if kind == "implies" else a == b


def value(term, env):
    mapping = {F.Bool(n): F.BoolVal(v) for n, v in env.items()}
    result = F.substitute(term, mapping)
    assert result in (F.TRUE, F.FALSE)
    return result is F.TRUE


@settings(max_examples=examples(300), deadline=None)
@given(trees())
def test_simplification_preserves_meaning(tree):
    term = build(tree)
    for bits in itertools.product([False, True], repeat=len(NAMES)):
        env = dict(zip(NAMES, bits))
        assert value(term, env) == meaning(tree, env), (tree, env)


def test_interning_makes_equal_terms_identical():
    a, b = F.Bool("a"), F.Bool("b")
    assert F.And(a, b) is F.And(b, a)
    assert F.Or(a, F.Not(a)) is F.TRUE and F.And(a, F.Not(a)) is F.FALSE


def test_shared_substitution_memo_survives_dead_terms():
    # Regression: the memo was keyed by id(); a term that died could hand its
    # id to a new term, which then got the dead term's substitution. It made
    # a vulnerable policy (corpus 0050 with GuardDuty) come out safe.
    memo: dict = {}
    mapping = {F.Bool("x"): F.TRUE}
    for i in range(200):
        term = F.And(F.Bool(f"p{i}"), F.Bool("x"))
        assert F.substitute(term, mapping, memo) is F.Bool(f"p{i}")
        del term
        gc.collect()


def test_two_denies_on_multivalued_keys_leave_a_gap():
    # The shape of corpus policy 0050: each Deny requires every value of an
    # unknown (possibly multivalued) key to differ from a constant; a request
    # carrying the constant among its values escapes both.
    deny = lambda key, value: statement("Deny", principal={"Service": "guardduty.amazonaws.com"},
                                        action="s3:PutObject", Resource="arn:aws:s3:::b/*",
                                        condition={"StringNotEquals": {key: value}})
    doc = policy(statement(principal={"Service": "guardduty.amazonaws.com"}, action="s3:PutObject",
                           Resource="arn:aws:s3:::b/*"),
                 deny("s3:x-amz-server-side-encryption", "aws:kms"),
                 deny("s3:x-amz-server-side-encryption-aws-kms-key-id", f"arn:aws:kms:r:{OWNER}:key/k"))
    result = check(doc, service="guardduty.amazonaws.com", action="s3:PutObject")
    assert result.verdict is Verdict.VULNERABLE


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(trees(), min_size=0, max_size=4), trees())
def test_factored_disjunction_keeps_meaning(trees_list, shared):
    common = build(shared)
    terms = [F.And(common, build(t)) for t in trees_list]
    factored = F.FactoredOr(terms)
    for bits in itertools.product([False, True], repeat=len(NAMES)):
        env = dict(zip(NAMES, bits))
        expected = any(meaning(shared, env) and meaning(t, env) for t in trees_list)
        assert value(factored, env) == expected, (shared, trees_list, env)


def test_factored_disjunction_takes_shared_conjuncts_out():
    a, b, c, d = (F.Bool(n) for n in "abcd")
    assert F.FactoredOr([F.And(a, b, c), F.And(a, b, d)]) is F.And(a, b, F.Or(c, d))
    assert F.FactoredOr([F.And(a, b), a]) is a  # a or (a and b)


def test_the_term_table_forgets_at_its_bound_and_keeps_working(monkeypatch):
    """A caller that never starts an epoch (a repair's many re-checks) keeps
    at most the bound of terms; past it the table starts again: sharing is
    lost with older terms, never meaning, and TRUE and FALSE stay unique."""
    F.new_epoch()
    monkeypatch.setattr(F, "_TABLE_BOUND", 50)
    first = F.And(F.Bool("a"), F.Bool("b"))
    for i in range(200):
        F.Bool(f"filler{i}")
        assert len(F._TABLE) <= 50
    again = F.And(F.Bool("a"), F.Bool("b"))
    assert again is not first and again.op == "and"  # forgotten, made anew
    assert again is F.And(F.Bool("a"), F.Bool("b"))  # and interned again
    assert F.And(F.Bool("a"), F.Not(F.Bool("a"))) is F.FALSE
    assert F.Or(F.Bool("a"), F.TRUE) is F.TRUE and F._TABLE[("true", ())] is F.TRUE
    assert F.evaluate(F.Or(first, again), {"a": True, "b": True}) is True
    F.new_epoch()
