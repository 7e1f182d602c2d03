"""A rendering made writable to its stream, whatever the input held.

An input can put characters into the output that the stream cannot encode:
a lone surrogate from a YAML escape (``"R\\ud800"``) cannot be UTF-8, an
emoji ``Sid`` cannot be ASCII (``PYTHONIOENCODING=ascii``), and XML 1.0
cannot carry most control characters at all. Each such character is
written as an escape its format reads back: ``\\uXXXX`` in JSON and SARIF
(valid inside the JSON strings where such characters occur), a character
reference or a visible ``\\uXXXX`` in JUnit XML, ``\\x``/``\\u`` escapes in
text. Nothing else changes, so an output that encodes as it is stays
byte-for-byte what it was.
"""

from __future__ import annotations

import codecs
import re

_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 forbids even as character references."""


def writable(text: str, fmt: str, stream) -> str:
    """``text`` (a rendering in format ``fmt``: text, json, sarif or
    junit) with what ``stream`` cannot encode escaped for that format."""
    if fmt == "junit":
        text = _XML_FORBIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    encoding = _encoding(stream)
    try:
        text.encode(encoding)
        return text
    except UnicodeEncodeError:
        handler = {"json": "deputy-json", "sarif": "deputy-json", "junit": "xmlcharrefreplace"}.get(
            fmt, "backslashreplace")
        return text.encode(encoding, handler).decode(encoding)


def _encoding(stream) -> str:
    name = getattr(stream, "encoding", None) or "utf-8"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "utf-8"


def _json_escape(error: UnicodeEncodeError) -> tuple[str, int]:
    """JSON escapes for the characters that cannot be encoded; a character
    outside the BMP as its UTF-16 surrogate pair, as JSON spells it."""
    out = []
    for char in error.object[error.start:error.end]:
        code = ord(char)
        if code > 0xFFFF:
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            out.append(f"\\u{code:04x}")
    return "".join(out), error.end


codecs.register_error("deputy-json", _json_escape)


class Writer:
    """A stream whose ``write`` makes each text ``writable`` in format
    ``fmt`` first; everything else (``isatty``, ``flush``) is the stream's."""

    def __init__(self, stream, fmt: str):
        self._stream, self._format = stream, fmt

    def write(self, text: str) -> int:
        return self._stream.write(writable(text, self._format, self._stream))

    def __getattr__(self, name):
        return getattr(self._stream, name)
