"""The prover's shortcuts change how fast a verdict comes, never what is
printed: on random policies, every deputy's result (verdict, request,
statements, warnings, useless findings) equals the result of the plain
path, where every question goes to z3 over one encoding built with the
readability wishes, and impossible conditions get an encoding of their own.

The shortcuts: questions asked without the wishes until a request must be
read (``_Run.with_wishes``); refutation by folding once the variables a
question fixes by itself are put in (``_Run.refuted``); impossible
conditions asked in the run's own session (``_Run._impossible``).
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings

from tests import strategies
from tests.support import examples, model
from verifier.outputs import json as report
from verifier.policy.loading import load_text
from verifier.prove import findings, prover


def _plain(monkeypatch):
    original = prover._Run.__init__

    def with_wishes(self, loaded, tm, extend=None, with_wishes=True):
        original(self, loaded, tm, extend, True)

    monkeypatch.setattr(prover._Run, "__init__", with_wishes)
    monkeypatch.setattr(prover._Run, "refuted", lambda self, terms: False)
    monkeypatch.setattr(prover._Run, "_impossible",
                        lambda self: findings.impossible_conditions(self.loaded, self.model, self.admitting()))


def _printed(text: str, tm) -> str:
    result = prover.check_policy(load_text(text), tm, timeout=20)
    document = report.check_json([result], tm)
    for entry in document["results"]:
        for answer in [entry, *(entry.get("deputies") or [])]:
            answer.pop("seconds", None)
    return json.dumps(document, sort_keys=True)


@pytest.mark.parametrize("every_deputy", [True, False], ids=["every-deputy", "one-deputy"])
@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=strategies.policy_text(keys=strategies.SEARCH_KEYS))
def test_shortcuts_print_what_the_plain_path_prints(text, every_deputy):
    tm = model(service=None, action=None) if every_deputy else model()
    fast = _printed(text, tm)
    with pytest.MonkeyPatch.context() as patch:
        _plain(patch)
        plain = _printed(text, tm)
    assert fast == plain, text


def _languages():
    from hypothesis import strategies as st

    from verifier.encoder import lang as L

    text = st.text(alphabet="ab:", max_size=4)
    literal = text.map(L.literal)
    union = st.lists(text, min_size=1, max_size=4).map(lambda texts: L.alt(*[L.literal(t) for t in texts]))
    pattern = st.text(alphabet="ab:*?", max_size=4).map(lambda t: L.of_pattern(L.glob(t)))
    return st.lists(st.one_of(literal, union, pattern), min_size=1, max_size=5)


@settings(max_examples=examples(200), deadline=None)
@given(languages=_languages(), data=strategies.st.data())
def test_unions_of_strings_explored_as_a_trie_give_the_same_classes(languages, data):
    from verifier.encoder import classes

    required = frozenset(data.draw(strategies.st.sets(strategies.st.sampled_from(range(len(languages))))))
    counted = data.draw(strategies.st.booleans())
    fast = classes._explore(tuple(languages), classes.STATE_BUDGET, None, counted, required)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(classes.L, "finite_texts", lambda lang: None)
        plain = classes._explore(tuple(languages), classes.STATE_BUDGET, None, counted, required)
    assert list(fast.items()) == list(plain.items())
