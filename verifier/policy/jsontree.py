"""The JSON layer: the positioned JSON nodes every input becomes, and the
limits that keep bad input cheap (size, nesting depth).

``verifier.policy.parser`` builds these nodes from text with lark; the
source adapters (``verifier.sources``) build them from YAML and from the
documents embedded in templates, so that everything after this layer sees
one tree shape, with lines and columns of the original file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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


def too_large(data: bytes, source: str, max_bytes: int = MAX_BYTES) -> InputError:
    prefix = data[:max_bytes].decode("utf-8", "ignore")
    line, column = position(prefix, len(prefix))
    size = f"{max_bytes} bytes ({max_bytes >> 20} MiB)"
    return InputError(f"input is larger than {size}; refusing to read it", source, line, column)


def check_depth(text: str, source: str, max_depth: int = MAX_DEPTH) -> None:
    depth = 0
    for match in _BRACKETS.finditer(text):
        char = match.group()
        if char in "[{":
            depth += 1
            if depth > max_depth:
                line, column = position(text, match.start())
                raise InputError(f"input is nested more than {max_depth} levels deep", source, line, column)
        elif char in "]}":
            depth -= 1


# Strings are matched whole so that brackets inside them are not counted; an
# unterminated string simply stops the scan and the parser reports it.
_BRACKETS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def quote_char(text: str, pos: int) -> str:
    char = text[pos] if 0 <= pos < len(text) else ""
    if char.isprintable() and char:
        return repr(char)
    return f"U+{ord(char):04X}" if char else "end of input"


