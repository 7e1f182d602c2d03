"""Policy variables in condition and resource values, for the encoder (V1, V2).

A value is read into parts: policy text (its ``*`` and ``?`` are wildcards
where the operator takes them), escape characters (``${*}`` and friends,
always literal), and variables. A variable whose key can never be in a request
(no namespace: a template placeholder such as ``${account_id}``) is resolved
here, to its default or to "no value"; the rest stay symbolic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from verifier.policy import keys

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_BODY = re.compile(r"\s*([^\s,']+)\s*(?:,\s*'([^']*)'\s*)?")


@dataclass(frozen=True)
class PolicyText:
    text: str


@dataclass(frozen=True)
class Escaped:
    char: str


@dataclass(frozen=True)
class Substituted:
    """A default value put in place of a variable whose key is never present."""

    text: str


@dataclass(frozen=True)
class Variable:
    key: str          # folded
    default: str | None


class _Valueless:
    def __repr__(self) -> str:
        return "VALUELESS"


VALUELESS = _Valueless()


def parts(text: str, enabled: bool, start: int = 0):
    """The parts of ``text`` (variables only from ``start`` on), or
    ``VALUELESS`` when a never-present variable has no default."""
    if not enabled:
        return (PolicyText(text),)
    out: list = [PolicyText(text[:start])]
    position = start
    for match in _VARIABLE.finditer(text, start):
        out.append(PolicyText(text[position:match.start()]))
        position = match.end()
        body = match.group(1)
        if body in ("*", "?", "$"):
            out.append(Escaped(body))
            continue
        key_match = _BODY.fullmatch(body)
        if not key_match:
            out.append(PolicyText(match.group()))
            continue
        key, default = keys.fold(key_match.group(1)), key_match.group(2)
        if keys.can_be_present(key):
            out.append(Variable(key, default))
        elif default is None:
            return VALUELESS
        else:
            out.append(Substituted(default))
    out.append(PolicyText(text[position:]))
    return tuple(p for p in out if not (isinstance(p, PolicyText) and not p.text))


def variable_keys(text: str) -> list[str]:
    """Keys a value's variables name that a request can carry."""
    found = []
    for match in _VARIABLE.finditer(text):
        key_match = _BODY.fullmatch(match.group(1))
        if key_match and match.group(1) not in ("*", "?", "$"):
            key = keys.fold(key_match.group(1))
            if keys.can_be_present(key):
                found.append(key)
    return found
