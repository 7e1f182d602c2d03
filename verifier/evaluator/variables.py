"""Policy variables, substituted concretely (SEMANTICS.md V1, V2, G2).

A policy value becomes a token pattern (see ``matching``) or one of two
markers: ``VALUELESS`` when a variable has no value and no default (V2), and
``AMBIGUOUS`` when the request gives a variable's key several values, which
has no documented meaning; the condition is then undecided.
"""

from __future__ import annotations

import re

from verifier.policy import keys
from verifier.evaluator.matching import ANY, STAR
from verifier.request import Request


class _Marker:
    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


VALUELESS = _Marker("VALUELESS")
AMBIGUOUS = _Marker("AMBIGUOUS")

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_KEY_WITH_DEFAULT = re.compile(r"\s*([^\s,']+)\s*(?:,\s*'([^']*)'\s*)?")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}


def substitute(text: str, request: Request, enabled: bool, wildcards: bool,
               substituted_wildcards: bool = False, start: int = 0):
    """Tokens for ``text`` with variables from ``start`` on replaced.

    ``wildcards``: whether ``*`` and ``?`` written in the policy are
    wildcards (Like operators, ARNs, Resource). ``substituted_wildcards``:
    whether they stay wildcards inside substituted text too; undocumented, so
    the caller passes the lenient reading where matching more is the safe
    error. ``${*}``, ``${?}`` and ``${$}`` are always literal characters.
    Without ``enabled`` (Version other than 2012-10-17, G2) ``${...}`` is
    plain text.
    """
    def policy_text(chunk: str) -> list:
        if not wildcards:
            return list(chunk)
        return [STAR if c == "*" else ANY if c == "?" else c for c in chunk]

    if not enabled:
        return policy_text(text)
    tokens: list = policy_text(text[:start])
    position = start
    for match in _VARIABLE.finditer(text, start):
        tokens += policy_text(text[position:match.start()])
        position = match.end()
        value = _variable_value(match.group(1), request)
        if value is None:
            tokens += policy_text(match.group())  # not a variable: plain text
        elif value is VALUELESS or value is AMBIGUOUS:
            return value
        elif isinstance(value, tuple):  # an escape: one literal character
            tokens.append(value[0])
        else:
            tokens += policy_text(value) if substituted_wildcards else list(value)
    tokens += policy_text(text[position:])
    return tokens


def _variable_value(body: str, request: Request):
    """The text a variable stands for; a 1-tuple for an escape; None if the
    body is not a variable at all."""
    if body in _ESCAPES:
        return (_ESCAPES[body],)
    match = _KEY_WITH_DEFAULT.fullmatch(body)
    if not match:
        return None
    key, default = match.groups()
    folded = keys.fold(key)
    values = request.get(folded) if keys.can_be_present(folded) else None
    if values is None:
        return VALUELESS if default is None else default
    if len(values) > 1:
        return AMBIGUOUS
    return values[0]


def has_variables(text: str) -> bool:
    return _VARIABLE.search(text) is not None
