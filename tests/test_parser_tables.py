"""The parser runs from tables lark computed for ``grammar/policy.lark``
(``verifier.policy.lalr``), so that a start does not analyse the grammar:
the committed tables are what lark makes of the grammar today, and on any
text the table-driven parser gives the same nodes, or fails at the same
place in the same way, as lark itself."""

from __future__ import annotations

import json
from pathlib import Path

import lark.exceptions
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support import examples
from verifier.policy import lalr, parser

TABLES = Path(__file__).resolve().parent.parent / "grammar" / lalr.TABLES_NAME


def test_the_committed_tables_are_those_of_the_grammar():
    committed = json.loads(TABLES.read_text(encoding="utf-8"))
    assert committed == parser.grammar_tables(), (
        "grammar/policy.lark changed: run python -c 'from verifier.policy.parser import write_grammar_tables; "
        "write_grammar_tables()' and commit grammar/policy.tables.json")


def test_the_tables_are_the_same_under_any_hash_seed():
    # lark's own numbering follows set iteration order; the tables must not.
    import subprocess
    import sys

    script = "import json; from verifier.policy.parser import grammar_tables; print(json.dumps(grammar_tables()))"
    outputs = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                              env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout for seed in ("1", "2")}
    assert len(outputs) == 1


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8)
_SOUP = st.text(alphabet='{}[],:"\\ truefalsn0123456789-.eE+\n\t\r\x01/u\u00e9\ud83d', max_size=30)


@st.composite
def texts(draw) -> str:
    kind = draw(st.sampled_from(["json", "mutated", "soup"]))
    if kind == "soup":
        return draw(_SOUP)
    text = json.dumps(draw(_JSON), indent=draw(st.sampled_from([None, 1, "\t"])),
                      ensure_ascii=draw(st.booleans()))
    if kind == "mutated" and text:
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(_SOUP.filter(bool)) + text[at + draw(st.integers(0, 3)):]
    return text


def _outcome(parse, text: str):
    try:
        return "nodes", parse(text)
    except (lalr.UnexpectedCharacters, lark.exceptions.UnexpectedCharacters) as exc:
        return "character", exc.pos_in_stream
    except (lalr.UnexpectedToken, lark.exceptions.UnexpectedToken) as exc:
        token = exc.token
        return "token", token.type, str(token), token.line, token.column, sorted(exc.expected)
    except parser.InputError as exc:
        return "error", str(exc), exc.line, exc.column


_LARK = parser.lark_parser()


@settings(max_examples=examples(400), deadline=None)
@given(texts())
def test_the_tables_parse_as_lark_does(text):
    assert _outcome(parser._parser().parse, text) == _outcome(_LARK.parse, text)
