"""CloudFormation YAML is composed by libyaml where the text is ordinary
(``sources.yamltree._compose``): on every template of the tests and on
random documents, the positioned nodes deputy builds are those PyYAML's
own composer gives, marks included, and a document one refuses the other
refuses with PyYAML's message."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support import examples
from verifier.errors import InputError
from verifier.sources import yamltree

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path("/work/shared/corpus/cfn")

pytestmark = pytest.mark.skipif(not getattr(yaml, "__with_libyaml__", False),
                                reason="PyYAML is installed without libyaml here: only its own composer runs")


def _both(text: str):
    """deputy's nodes (or error) with libyaml, and with PyYAML alone."""
    def parse():
        try:
            return yamltree.parse_yaml(text, "t.yaml")
        except InputError as exc:
            return ("error", str(exc), exc.line, exc.column)
    fast = parse()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(yaml, "__with_libyaml__", False)
        plain = parse()
    return fast, plain


def _files():
    found = [*ROOT.glob("tests/**/*.yaml"), *ROOT.glob("tests/**/*.yml"), *ROOT.glob("examples/*.yaml")]
    if CORPUS.is_dir():
        found += sorted(CORPUS.iterdir())
    return found


def test_every_template_composes_the_same():
    files = _files()
    assert len(files) > 5
    for path in files:
        fast, plain = _both(path.read_text(encoding="utf-8", errors="replace"))
        assert fast == plain, path


_SCALARS = st.one_of(st.text(max_size=8), st.integers(), st.booleans(), st.none(),
                     st.sampled_from(["111122223333", "2012-10-17", "yes", "0x1F", "1e3", "~", "a: b", "- x",
                                      "#x", "'q'", "!Ref x", "*", "arn:aws:s3:::b/*"]))
_DOCS = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.text(min_size=1, max_size=5), inner, max_size=3), max_leaves=10)
_TAGGED = ["!Ref Bucket", "!GetAtt Role.Arn", "!Sub 'arn:${AWS::Partition}:s3:::${B}'",
           "!Join [':', [a, !Ref B]]", "!If [C, x, !Ref AWS::NoValue]", "!Unknown x", "&a [1]", "*a"]


@st.composite
def documents(draw) -> str:
    text = yaml.safe_dump(draw(_DOCS), default_flow_style=draw(st.sampled_from([False, True, None])),
                          indent=draw(st.sampled_from([2, 4])), allow_unicode=draw(st.booleans()),
                          explicit_start=draw(st.booleans()), width=draw(st.sampled_from([20, 80])))
    lines = text.splitlines()
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(lines)))
        lines.insert(at, draw(st.sampled_from(["# comment", "", "x: " + draw(st.sampled_from(_TAGGED)),
                                               "  - " + draw(st.sampled_from(_TAGGED)), "\t", "a:  b: c"])))
    ending = draw(st.sampled_from(["\n", "", "\n\n", "   "]))
    text = "\n".join(lines) + ending
    return text.replace("\n", "\r\n") if draw(st.booleans()) else text


@settings(max_examples=examples(300), deadline=None)
@given(documents())
def test_random_documents_compose_the_same(text):
    fast, plain = _both(text)
    assert fast == plain
