"""Regular languages over Unicode strings: the terms and how patterns become them.

The encoder's own reading of wildcard patterns (AC1, R1, C3, C4, A7, A11),
kept apart from the evaluator's matcher so that each checks the other. A
language is a small immutable term (characters, sequence, union,
repetition); ``verifier.encoder.automata`` compiles it (Thompson's
construction over character intervals) for ``verifier.encoder.classes``,
which decides exactly which combinations of languages some string belongs
to.

Characters are code points 0..0x10FFFF; intervals keep the alphabet finite in
practice.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from verifier.errors import BudgetExceeded

MAX_CODE = 0x10FFFF

STAR, ANY, SEG_STAR, SEG_ANY = "\x00*", "\x00?", "\x00*:", "\x00?:"
"""Wildcard items in a pattern tuple: any run, any one character, and the
same never matching ``:``. Every other item is one literal character."""


@dataclass(frozen=True)
class Lang:
    """Base of language terms. Terms are hashable and compared by structure."""


@dataclass(frozen=True)
class Chars(Lang):
    """One character from a set of closed code-point intervals."""

    intervals: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Seq(Lang):
    items: tuple[Lang, ...]


@dataclass(frozen=True)
class Alt(Lang):
    options: tuple[Lang, ...]


@dataclass(frozen=True)
class Rep(Lang):
    item: Lang
    low: int
    high: int | None  # None: unbounded


EMPTY_STRING = Seq(())
NOTHING = Alt(())


def chars(*intervals: tuple[int, int]) -> Chars:
    merged: list[list[int]] = []
    for low, high in sorted(intervals):
        if merged and low <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    return Chars(tuple((a, b) for a, b in merged))


@lru_cache(maxsize=4096)
def char(c: str) -> Chars:
    return Chars(((ord(c), ord(c)),))


ANY_CHAR = Chars(((0, MAX_CODE),))


def all_but(c: str) -> Chars:
    code = ord(c)
    return chars((0, code - 1), (code + 1, MAX_CODE))


def seq(*items: Lang) -> Lang:
    flat: list[Lang] = []
    for item in items:
        if isinstance(item, Seq):
            flat.extend(item.items)
        elif item == NOTHING:
            return NOTHING
        else:
            flat.append(item)
    return flat[0] if len(flat) == 1 else Seq(tuple(flat))


def alt(*options: Lang) -> Lang:
    flat: list[Lang] = []
    for option in options:
        for o in (option.options if isinstance(option, Alt) else (option,)):
            if o not in flat:
                flat.append(o)
    return flat[0] if len(flat) == 1 else Alt(tuple(flat))


def star(item: Lang) -> Lang:
    return Rep(item, 0, None)


def plus(item: Lang) -> Lang:
    return Rep(item, 1, None)


def repeat(item: Lang, low: int, high: int | None) -> Lang:
    return Rep(item, low, high)


@lru_cache(maxsize=65536)
def literal(text: str) -> Lang:
    return seq(*[char(c) for c in text]) if text else EMPTY_STRING


def literal_text(lang: Lang) -> str | None:
    """The one string ``lang`` holds, if it is written as a plain sequence
    of single characters (as ``literal`` builds it); None otherwise."""
    items = lang.items if isinstance(lang, Seq) else (lang,)
    out = []
    for item in items:
        if not isinstance(item, Chars) or len(item.intervals) != 1 or item.intervals[0][0] != item.intervals[0][1]:
            return None
        out.append(chr(item.intervals[0][0]))
    return "".join(out)


def finite_texts(lang: Lang) -> tuple[str, ...] | None:
    """The strings of a union of plain strings (``alt`` of ``literal``s, or
    one ``literal``); None for any other language."""
    options = lang.options if isinstance(lang, Alt) else (lang,)
    texts = tuple(literal_text(option) for option in options)
    return texts if options and None not in texts else None


ANYTHING = star(ANY_CHAR)
NOT_COLON = all_but(":")
DIGIT = chars((ord("0"), ord("9")))


# -- patterns -----------------------------------------------------------------


def glob(text: str) -> tuple:
    """A policy pattern as a tuple: ``*`` and ``?`` are wildcards; a run of
    ``*`` is one ``*`` (``collapsed``)."""
    return collapsed(tuple(STAR if c == "*" else ANY if c == "?" else c for c in text))


def collapsed(pattern: tuple) -> tuple:
    """``pattern`` with each run of ``STAR`` written once. Exact: ``*``
    matches any string, the empty one included, so two in a row match what
    one does (and a ``*`` ending a segment, R1, still ends it). Without it
    the ways a pattern can cut an ARN grow as C(n + 5, 5) in the ``*``
    (``cut_arn``): 40 of them took 40 s and 1 GiB."""
    return tuple(item for i, item in enumerate(pattern) if not (item == STAR and i and pattern[i - 1] == STAR))


def literal_pattern(text: str) -> tuple:
    return tuple(text)


def text_of(pattern: tuple) -> str | None:
    """The string a wildcard-free pattern stands for, else None."""
    if any(item in _WILD for item in pattern):
        return None
    return "".join(pattern)


_WILD = {STAR: ANYTHING, ANY: ANY_CHAR, SEG_STAR: star(NOT_COLON), SEG_ANY: NOT_COLON}


@lru_cache(maxsize=65536)
def of_pattern(pattern: tuple) -> Lang:
    """The language of a pattern tuple."""
    return seq(*[_WILD.get(item) or char(item) for item in pattern]) if pattern else EMPTY_STRING


def segment_bound(pattern: tuple) -> tuple:
    """The strict Resource reading (R1): a ``*`` ending a colon-separated
    segment may run past colons; every other ``*`` and every ``?`` stays in
    its segment."""
    out = []
    for i, item in enumerate(pattern):
        last_in_segment = i + 1 == len(pattern) or pattern[i + 1] == ":"
        if item == STAR:
            out.append(STAR if last_in_segment else SEG_STAR)
        elif item == ANY:
            out.append(SEG_ANY)
        else:
            out.append(item)
    return tuple(out)


def arn_parts(pattern: tuple) -> list[tuple] | None:
    """A pattern cut at its first five literal colons, or None if it has fewer."""
    parts: list[list] = [[]]
    for item in pattern:
        if item == ":" and len(parts) < 6:
            parts.append([])
        else:
            parts[-1].append(item)
    return [tuple(p) for p in parts] if len(parts) == 6 else None


def _bounded(part: tuple) -> tuple:
    return tuple(SEG_STAR if i == STAR else SEG_ANY if i == ANY else i for i in part)


@lru_cache(maxsize=16384)
def arn_like(pattern: tuple, lenient: bool) -> Lang:
    """ArnLike over a whole string (C4, A7).

    A value with six or more parts matches part by part, wildcards in the
    first five parts never covering a colon. A short pattern, or a value with
    fewer than six parts, matches as a whole-string glob when ``lenient`` and
    never otherwise.
    """
    parts = arn_parts(pattern)
    if parts is None:
        return of_pattern(pattern) if lenient else NOTHING
    pieces: list[Lang] = []
    for part in parts[:5]:
        pieces += [of_pattern(_bounded(part)), char(":")]
    full = seq(*pieces, of_pattern(parts[5]))
    if not lenient:
        return full
    return alt(full, Intersection((of_pattern(pattern), FEW_COLONS)))


FEW_COLONS = seq(star(NOT_COLON), repeat(seq(char(":"), star(NOT_COLON)), 0, 4))


@dataclass(frozen=True)
class Intersection(Lang):
    """Strings in every one of ``parts`` (compiled as a product automaton)."""

    parts: tuple[Lang, ...]


class Native(Lang):
    """A language that brings its own deterministic automaton (``automaton()``:
    ``start``, ``step``, ``cuts``, ``accepting``, as ``automata.DFA``),
    where a regular expression of it would be far too large. Only ever
    tested whole: it cannot sit inside a sequence or a union."""

    def automaton(self):
        raise NotImplementedError


def _remember_hash(cls: type) -> None:
    # Terms are deep trees used as cache and dict keys many times over; the
    # generated hash walks the whole tree each time. A term never changes,
    # so its hash is computed once.
    structural = cls.__hash__

    def __hash__(self):  # noqa: N807
        found = self.__dict__.get("_hash")
        if found is None:
            found = structural(self)
            object.__setattr__(self, "_hash", found)
        return found

    cls.__hash__ = __hash__


for _cls in (Chars, Seq, Alt, Rep, Intersection):
    _remember_hash(_cls)


MAX_ARN_CUTS = 2_000
"""The ways one whole-string pattern may cut an ARN (``cut_arn``) before
the question is given up as unknown: C(n + 5, 5) for n wildcards that may
each cross a colon, so 2,000 is about ten ``?`` or separated ``*``; a real
pattern has literal colons and a handful of ways."""


def cut_arn(pattern: tuple) -> list[tuple[tuple, ...]]:
    """Every way a whole-string pattern can match an ARN held as six parts.

    The value is ``p0:p1:p2:p3:p4:p5`` with ``p0..p4`` free of colons. Each
    of the five colons is matched by a literal ``:``, by a ``?``, or inside a
    ``*`` (which then spans both neighbouring parts). Each way gives one
    pattern per part; the match is the union over the ways. A literal colon
    may not fall inside the first five parts.
    """
    pattern = collapsed(pattern)
    results: list[tuple[tuple, ...]] = []

    def walk(start: int, parts: list[tuple]):
        if len(parts) == 5:
            results.append(tuple(parts) + (pattern[start:],))
            if len(results) > MAX_ARN_CUTS:
                raise BudgetExceeded(f"the string constraints of this policy exceed {MAX_ARN_CUTS:,} ways to "
                                     "read a pattern as an ARN's parts (its wildcards may each cross a colon)")
            return
        for i in range(start, len(pattern)):
            item = pattern[i]
            if item == ":" or item == ANY:
                walk(i + 1, parts + [pattern[start:i]])
            elif item == STAR:
                walk(i, parts + [pattern[start:i + 1]])
            if item == ":":
                return

    walk(0, [])
    return list(dict.fromkeys(results))


# -- case ---------------------------------------------------------------------


@lru_cache(maxsize=4096)
def ignore_case(text: str, unicode: bool) -> Lang:
    """Strings equal to ``text`` ignoring case (A11): full Unicode case
    folding when ``unicode``, else folding only ASCII letters."""
    if not unicode:
        return seq(*[_ascii_class(c) for c in text]) if text else EMPTY_STRING
    target = text.casefold()
    after: dict[int, Lang] = {len(target): EMPTY_STRING}
    for i in range(len(target) - 1, -1, -1):
        options = []
        for width in (1, 2, 3):
            chunk = target[i:i + width]
            folds_to = fold_class(chunk) if len(chunk) == width else None
            if folds_to is not None and i + width in after:
                options.append(seq(folds_to, after[i + width]))
        if options:
            after[i] = alt(*options)
    return after.get(0, NOTHING)


@lru_cache(maxsize=16384)
def ascii_insensitive(pattern: tuple) -> Lang:
    """A pattern whose ASCII letters match either case (actions, AC1)."""
    return seq(*[_ascii_class(item) if item not in _WILD else _WILD[item] for item in pattern]) \
        if pattern else EMPTY_STRING


def _ascii_class(c: str) -> Lang:
    if c.isascii() and c.isalpha():
        return chars((ord(c.lower()),) * 2, (ord(c.upper()),) * 2)
    return char(c)


_UNFOLD: dict[str, list[int]] | None = None


def fold_class(chunk: str) -> Chars | None:
    """The characters whose full case fold is ``chunk``, or None if none."""
    global _UNFOLD
    if _UNFOLD is None:
        # Only characters that change under folding need a table; every
        # other character folds to itself.
        table: dict[str, list[int]] = {}
        for code in range(MAX_CODE + 1):
            if not 0xD800 <= code <= 0xDFFF:
                folded = chr(code).casefold()
                if folded != chr(code):
                    table.setdefault(folded, []).append(code)
        _UNFOLD = table
    codes = list(_UNFOLD.get(chunk, ()))
    if len(chunk) == 1 and chunk.casefold() == chunk:
        codes.append(ord(chunk))
    return chars(*[(c, c) for c in codes]) if codes else None
