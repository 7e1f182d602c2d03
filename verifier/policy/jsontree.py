"""The JSON layer: bytes to a tree of positioned JSON nodes.

The only module that knows lark and where the grammar lives. It enforces the
limits that keep bad input cheap (size, nesting depth, UTF-8) and turns every
failure into an ``InputError`` naming the file, line and column. Nothing of
lark's escapes this module.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Union

from verifier.policy.ast import Span
from verifier.errors import InputError

MAX_BYTES = 1 << 20
"""Largest input read (1 MiB). IAM's largest policy quota is far below this
(G8); anything bigger is refused before it is parsed."""

MAX_DEPTH = 32
"""Deepest nesting of arrays and objects accepted. A policy needs six levels;
the limit only exists so that hostile input fails fast and clearly."""


@dataclass(frozen=True, slots=True)
class JScalar:
    """A JSON string, number, boolean or null. ``value`` is the decoded
    string, or the literal source text for numbers and booleans, or None."""

    kind: str  # "string" | "number" | "bool" | "null"
    value: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class JMember:
    name: str
    name_span: Span
    value: "JNode"


@dataclass(frozen=True, slots=True)
class JObject:
    members: tuple[JMember, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class JArray:
    items: tuple["JNode", ...]
    span: Span


JNode = Union[JScalar, JObject, JArray]


def describe(node: JNode) -> str:
    """How a message names a node's JSON type."""
    if isinstance(node, JObject):
        return "an object"
    if isinstance(node, JArray):
        return "an array"
    return {"string": "a string", "number": "a number", "bool": "a boolean", "null": "null"}[node.kind]


def parse_bytes(data: bytes, source: str, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> JNode:
    """Decode and parse one JSON document, or raise ``InputError``. The
    limits are raised only for inputs that are legitimately large (a
    Terraform plan, an account export), never for a policy."""
    if len(data) > max_bytes:
        raise _too_large(data, source, max_bytes)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start].decode("utf-8", "replace")
        line, column = _position(prefix, len(prefix))
        raise InputError(f"input is not UTF-8 (byte 0x{data[exc.start]:02x})", source, line, column) from None
    return parse_text(text, source, max_bytes, max_depth)


def read_file(path: str) -> JNode:
    """Read and parse a JSON file, refusing oversized files before reading them whole."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", path) from None
    return parse_bytes(data, path)


def parse_text(text: str, source: str, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> JNode:
    """Parse one JSON document from text, or raise ``InputError``."""
    if len(text) > max_bytes // 4:  # cheap test first: a character is at most 4 bytes
        data = text.encode("utf-8", "surrogatepass")
        if len(data) > max_bytes:
            raise _too_large(data, source, max_bytes)
    if text.startswith("\ufeff"):
        # RFC 8259 lets a parser ignore a byte order mark; editors on some
        # systems write one. Replacing it by a space keeps every column right.
        text = " " + text[1:]
    _check_depth(text, source, max_depth)
    parser = _parser()
    import lark.exceptions as lex

    try:
        return parser.parse(text)
    except lex.UnexpectedCharacters as exc:
        raise _unexpected_character(text, exc.pos_in_stream, source) from None
    except lex.UnexpectedEOF as exc:
        line, column = _position(text, len(text))
        raise InputError("invalid JSON: the document ends too early", source, line, column) from None
    except lex.UnexpectedToken as exc:
        tok = exc.token
        if tok.type == "$END":
            line, column = _position(text, len(text))
            raise InputError("invalid JSON: the document ends too early", source, line, column) from None
        raise InputError(f"invalid JSON: unexpected {_quote_token(str(tok))}{_expected(exc.expected)}",
                         source, tok.line, tok.column) from None
    except InputError as exc:
        exc.source = source
        raise


def _too_large(data: bytes, source: str, max_bytes: int = MAX_BYTES) -> InputError:
    prefix = data[:max_bytes].decode("utf-8", "ignore")
    line, column = _position(prefix, len(prefix))
    size = f"{max_bytes} bytes ({max_bytes >> 20} MiB)"
    return InputError(f"input is larger than {size}; refusing to read it", source, line, column)


def _unexpected_character(text: str, pos: int, source: str) -> InputError:
    control = _RAW_CONTROL.match(text, pos) if text.startswith('"', pos) else None
    if control:
        # The string token failed only because of a raw control character:
        # point at that character, which is what the user must fix.
        bad = control.end() - 1
        line, column = _position(text, bad)
        return InputError(f"invalid JSON: control character U+{ord(text[bad]):04X} inside a string "
                          "must be written as an escape", source, line, column)
    line, column = _position(text, pos)
    return InputError(f"invalid JSON: unexpected character {_quote_char(text, pos)}", source, line, column)


_RAW_CONTROL = re.compile(r'"(?:[^"\\\x00-\x1f]|\\.)*[\x00-\x1f]')


def _check_depth(text: str, source: str, max_depth: int = MAX_DEPTH) -> None:
    depth = 0
    for match in _BRACKETS.finditer(text):
        char = match.group()
        if char in "[{":
            depth += 1
            if depth > max_depth:
                line, column = _position(text, match.start())
                raise InputError(f"input is nested more than {max_depth} levels deep", source, line, column)
        elif char in "]}":
            depth -= 1


# Strings are matched whole so that brackets inside them are not counted; an
# unterminated string simply stops the scan and the parser reports it.
_BRACKETS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def _quote_char(text: str, pos: int) -> str:
    char = text[pos] if 0 <= pos < len(text) else ""
    if char.isprintable() and char:
        return repr(char)
    return f"U+{ord(char):04X}" if char else "end of input"


def _quote_token(tok: str) -> str:
    return repr(tok if len(tok) <= 40 else tok[:37] + "...")


_EXPECT_NAMES = {
    "RBRACE": "'}'", "RBRACKET": "']'", "LBRACE": "'{'", "LBRACKET": "'['", "COMMA": "','",
    "COLON": "':'", "STRING": "a string", "NUMBER": "a number", "TRUE": "true", "FALSE": "false",
    "NULL": "null",
}


def _expected(expected: set[str]) -> str:
    names = sorted({_EXPECT_NAMES.get(name, name) for name in expected})
    if not names or len(names) > 6:
        return ""
    return ", expected " + " or ".join(names)


_PARSER = None


def prepare() -> None:
    """Build the parser now (before worker processes fork, say)."""
    _parser()


def _parser():
    """Build the lark parser once, on first use: importing lark and compiling
    the grammar costs start-up time that ``deputy --version`` need not pay."""
    global _PARSER
    if _PARSER is None:
        from lark import Lark

        _PARSER = Lark(_grammar_text(), parser="lalr", lexer="basic", propagate_positions=False,
                       maybe_placeholders=False, transformer=_make_transformer()())
    return _PARSER


def _grammar_text() -> str:
    """The grammar: package data once installed (grammar/ is installed as
    ``verifier.grammar``), the file beside the package in a source tree."""
    try:
        return resources.files("verifier.grammar").joinpath("policy.lark").read_text("utf-8")
    except ModuleNotFoundError:
        return (Path(__file__).resolve().parents[2] / "grammar" / "policy.lark").read_text("utf-8")


def _token_span(tok) -> Span:
    return Span(tok.line, tok.column, tok.end_line, tok.end_column)


def _make_transformer():
    from lark import Transformer

    class ToNodes(Transformer):
        """Builds JSON nodes while parsing (LALR with an inline transformer,
        so no parse tree is ever built)."""

        def string(self, children):
            (tok,) = children
            return JScalar("string", _decode(tok), _token_span(tok))

        def number(self, children):
            (tok,) = children
            return JScalar("number", str(tok), _token_span(tok))

        def true(self, children):
            return self._keyword(children, "bool", "true")

        def false(self, children):
            return self._keyword(children, "bool", "false")

        def null(self, children):
            return self._keyword(children, "null", None)

        @staticmethod
        def _keyword(children, kind, value):
            (tok,) = children
            return JScalar(kind, value, _token_span(tok))

        def member(self, children):
            name_tok, value = children
            return JMember(_decode(name_tok), _token_span(name_tok), value)

        def object(self, children):
            open_tok, *members, close_tok = children
            seen: dict[str, JMember] = {}
            for member in members:
                if member.name in seen:
                    first = seen[member.name].name_span
                    raise InputError(
                        f"duplicate key {member.name!r} (first at {first.line}:{first.column}); "
                        "JSON parsers disagree on which one wins, so deputy refuses to guess",
                        "<input>", member.name_span.line, member.name_span.column)
                seen[member.name] = member
            return JObject(tuple(members), _bracket_span(open_tok, close_tok))

        def array(self, children):
            open_tok, *items, close_tok = children
            return JArray(tuple(items), _bracket_span(open_tok, close_tok))

    return ToNodes


def _bracket_span(open_tok, close_tok) -> Span:
    return Span(open_tok.line, open_tok.column, close_tok.end_line, close_tok.end_column)


def _decode(tok) -> str:
    # The grammar admitted only valid JSON string syntax, so json.loads
    # decodes it exactly as any JSON parser would, surrogate pairs included.
    value = json.loads(str(tok))
    lone = _SURROGATE.search(value)
    if lone:
        raise InputError(f"string contains the unpaired surrogate \\u{ord(lone.group()):04x}, "
                         "which is not a character", "<input>", tok.line, tok.column)
    return value


_SURROGATE = re.compile("[\ud800-\udfff]")
