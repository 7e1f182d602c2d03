"""The JSON layer: the positioned JSON nodes every input becomes, and the
limits that keep bad input cheap (size, nesting depth).

``verifier.policy.parser`` builds these nodes from text with lark; the
source adapters (``verifier.sources``) build them from YAML and from the
documents embedded in templates, so that everything after this layer sees
one tree shape, with lines and columns of the original file.
"""

from __future__ import annotations

import os
import re
import stat
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

MAX_VALUES = 100_000
"""Most values (array items and object members) in a document of at most
``MAX_BYTES``. The largest policy AWS accepts is tens of kilobytes; the
limit keeps the parse of a 1 MiB document of tiny values (``[1,1,1,...]``,
half a million of them) from taking seconds."""


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


def read_file(path: str, max_bytes: int = MAX_BYTES) -> bytes:
    """The first ``max_bytes + 1`` bytes of the regular file ``path`` (one
    more than the limit, so that the caller can refuse a larger file without
    reading it whole). Anything else is refused with ``InputError``: a FIFO
    or a terminal would block forever, ``/dev/zero`` never ends."""
    try:
        # O_NONBLOCK: opening a FIFO that has no writer must not block either.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", path) from None
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InputError(f"cannot read file: it is {_file_kind(mode)}, not a regular file", path)
        try:
            return handle.read(max_bytes + 1)
        except OSError as exc:
            raise InputError(f"cannot read file: {exc.strerror or exc}", path) from None


def _file_kind(mode: int) -> str:
    kinds = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a device"),
             (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def too_large(data: bytes, source: str, max_bytes: int = MAX_BYTES) -> InputError:
    prefix = data[:max_bytes].decode("utf-8", "ignore")
    line, column = position(prefix, len(prefix))
    size = f"{max_bytes} bytes ({max_bytes >> 20} MiB)"
    return InputError(f"input is larger than {size}; refusing to read it", source, line, column)


def check_depth(text: str, source: str, max_depth: int = MAX_DEPTH, max_values: int | None = MAX_VALUES) -> None:
    """Refuse, before it is parsed, a document nested more than
    ``max_depth`` deep or holding more than ``max_values`` values (counted
    by their separating commas; None: no count)."""
    depth = commas = 0
    for match in _BRACKETS.finditer(text):
        char = match.group()
        if char == ",":
            commas += 1
            if max_values is not None and commas >= max_values:
                line, column = position(text, match.start())
                raise InputError(f"input holds more than {max_values:,} values; refusing to read it", source,
                                 line, column)
        elif char in "[{":
            depth += 1
            if depth > max_depth:
                line, column = position(text, match.start())
                raise InputError(f"input is nested more than {max_depth} levels deep", source, line, column)
        elif char in "]}":
            depth -= 1


# Strings are matched whole so that brackets inside them are not counted. An
# unterminated string runs to the end of the text (the parser reports it):
# were it not matched, the scan would try again from each of its quotes,
# and an unterminated string of escaped quotes would cost quadratic time.
_BRACKETS = re.compile(r'"(?:[^"\\]|\\[\s\S])*(?:"|\\?\Z)|[\[\]{},]')


def position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def quote_char(text: str, pos: int) -> str:
    char = text[pos] if 0 <= pos < len(text) else ""
    if char.isprintable() and char:
        return repr(char)
    return f"U+{ord(char):04X}" if char else "end of input"


