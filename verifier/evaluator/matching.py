"""Concrete wildcard, ARN and case matching for the evaluator.

Written independently of the encoder's regular languages on purpose: the two
implementations check each other in the differential tests. Patterns are
token sequences in which wildcards are sentinel objects, so that a ``*`` that
came from substituted or escaped text (``${*}``) can stay a literal character.
"""

from __future__ import annotations

from typing import Sequence


class _Wild:
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


STAR = _Wild("*")        # any run of characters, colons included
ANY = _Wild("?")         # any one character
SEG_STAR = _Wild("*:")   # any run without a colon (segment-bound reading of R1)
SEG_ANY = _Wild("?:")    # any one character but a colon

Token = "str | _Wild"


def pattern_tokens(text: str) -> list:
    """A policy pattern: ``*`` and ``?`` are wildcards, everything else literal."""
    return [STAR if c == "*" else ANY if c == "?" else c for c in text]


def literal_tokens(text: str) -> list:
    return list(text)


def glob(tokens: Sequence, value: str) -> bool:
    """Whether ``value`` is in the language of the token pattern.

    A simulation of the pattern's automaton (a set of positions), so that
    segment-bound wildcards are handled exactly; quadratic at worst. The
    answers are remembered: the candidate requests of ``prove.witness``
    match the same patterns against the same values many times over.
    """
    key = (tuple(tokens), value)
    found = _GLOBBED.get(key)
    if found is None:
        if len(_GLOBBED) >= 65536:
            _GLOBBED.clear()
        found = _GLOBBED[key] = _simulate(tokens, value)
    return found


_GLOBBED: dict[tuple, bool] = {}


def _simulate(tokens: Sequence, value: str) -> bool:
    tokens = _merged_stars(tokens)
    end = len(tokens)
    states = _closure(tokens, {0})
    for char in value:
        step = set()
        for pos in states:
            if pos == end:
                continue
            token = tokens[pos]
            if token is STAR or (token is SEG_STAR and char != ":"):
                step.add(pos)
            elif token is ANY or (token is SEG_ANY and char != ":") or token == char:
                step.add(pos + 1)
        if not step:
            return False
        states = _closure(tokens, step)
    return end in states


def _merged_stars(tokens: Sequence) -> list:
    """Each run of stars as one: the same strings match (a star matches the
    empty string, and ``*`` next to a segment-bound ``*`` covers all it
    does), and a run of 300,000 no longer means 300,000 positions."""
    out: list = []
    for token in tokens:
        if (token is STAR or token is SEG_STAR) and out and (out[-1] is STAR or out[-1] is SEG_STAR):
            out[-1] = STAR if STAR in (token, out[-1]) else SEG_STAR
        else:
            out.append(token)
    return out


def _closure(tokens: Sequence, states: set) -> set:
    """Add the positions reachable by letting stars match nothing."""
    out = set(states)
    todo = list(states)
    while todo:
        pos = todo.pop()
        if pos < len(tokens) and (tokens[pos] is STAR or tokens[pos] is SEG_STAR) and pos + 1 not in out:
            out.add(pos + 1)
            todo.append(pos + 1)
    return out


def split_arn_tokens(tokens: Sequence) -> list[list] | None:
    """Split a token pattern at its first five literal colons, or None if it
    has fewer (a "short" pattern, A7)."""
    parts: list[list] = [[]]
    for token in tokens:
        if token == ":" and len(parts) < 6:
            parts.append([])
        else:
            parts[-1].append(token)
    return parts if len(parts) == 6 else None


def split_arn(value: str) -> list[str] | None:
    """Split an ARN value into its six parts (F1), or None if it has fewer."""
    parts = value.split(":", 5)
    return parts if len(parts) == 6 else None


def arn_like(tokens: Sequence, value: str, lenient: bool) -> bool:
    """ArnLike (C4): part by part, wildcards never crossing the first five
    colons; the resource part keeps later colons.

    A7: a pattern or value with fewer than six parts is read, when
    ``lenient``, as a whole-string glob (a trailing ``*`` absorbs the rest)
    and otherwise as not matching.
    """
    pattern_parts = split_arn_tokens(tokens)
    value_parts = split_arn(value)
    if pattern_parts is None or value_parts is None:
        return lenient and glob(tokens, value)
    return all(glob(p, v) for p, v in zip(pattern_parts, value_parts))


def resource_tokens(tokens: Sequence, lenient: bool) -> list:
    """The Resource reading of a pattern (R1, ambiguous at its edges).

    Lenient: a whole-string glob, ``*`` and ``?`` matching any character.
    Strict, the documented segment rule taken narrowly: a ``*`` that ends a
    colon-separated segment may run past colons, any other ``*`` and every
    ``?`` stay inside their segment.
    """
    if lenient:
        return list(tokens)
    out = []
    for index, token in enumerate(tokens):
        ends_segment = index + 1 == len(tokens) or tokens[index + 1] == ":"
        if token is STAR:
            out.append(STAR if ends_segment else SEG_STAR)
        elif token is ANY:
            out.append(SEG_ANY)
        else:
            out.append(token)
    return out


def ascii_lower(text: str) -> str:
    if text.isascii():
        return text.lower()  # the same on ASCII text, in C
    return text.translate(_ASCII_LOWER)


_ASCII_LOWER = {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}


def equal_ignoring_case(a: str, b: str, lenient: bool) -> bool:
    """A11: full Unicode case folding when lenient, ASCII folding otherwise."""
    if lenient:
        return a.casefold() == b.casefold()
    return ascii_lower(a) == ascii_lower(b)
