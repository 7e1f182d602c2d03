"""Date comparisons of a key held as text, as regular languages (C5).

The text view of ``DateLessThan`` and friends: the texts that read as an
instant before (after, equal to) a constant, read as the evaluator reads
them: whole epoch seconds of up to eleven digits, or the W3C profile of ISO
8601 with a time and a zone (``2020-01-01T00:00Z``, seconds and their
fractions optional, ``Z`` or ``+hh:mm`` / ``-hh:mm`` with hh <= 23 and
mm <= 59), on a real calendar day of the years 1 to 9999.

Why it is regular: write the local time as a minute ``M`` and the seconds
``S`` in [0, 60), the zone as ``o`` minutes, and the constant as minute
``Cm`` and seconds ``Cs``. The instant is before the constant exactly when
``M - o < Cm``, or ``M - o = Cm`` and ``S < Cs``. A zone is at most 1,439
minutes either way, so a local minute more than that before ``Cm`` is
before it in every zone (the fixed-width text compares like the time),
one more than that after is after it in every zone, and each of the 2,879
minutes in between decides with the zones that put it before, at or after
``Cm``. So the comparison is three tests of one text: ``M - o`` against
``Cm`` (``MinuteView``: below, at, above), and the seconds against ``Cs``
(an ordinary language); "before" is "below, or at with fewer seconds". An
automaton of ``MinuteView`` must tell those 2,879 minutes apart through the
seconds that follow, so it has tens of thousands of states: it is built
directly, state by state as the string classes explore it, instead of
through a regular expression. Epoch seconds are an ordinary language.
Written apart from the evaluator's reader on purpose.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from functools import lru_cache

from verifier.encoder import automata
from verifier.encoder import lang as L
from verifier.encoder import numeric

DIGIT = L.DIGIT
WINDOW = 1439  # the largest zone offset, in minutes
_EPOCH_DAY = dt.datetime(1970, 1, 1)
_FIRST = dt.datetime(1, 1, 1)
_LAST = dt.datetime(9999, 12, 31, 23, 59)
_FIRST_MINUTE = int((_FIRST - _EPOCH_DAY).total_seconds()) // 60
_LAST_MINUTE = int((_LAST - _EPOCH_DAY).total_seconds()) // 60
_SHAPE = "dddd-dd-ddTdd:dd"  # a local minute, the part every ISO instant starts with


def _range(low: int, high: int) -> L.Lang:
    return L.chars((ord("0") + low, ord("0") + high)) if low <= high else L.NOTHING


def two_digits(low: int, high: int) -> L.Lang:
    """Two-digit texts ``00``..``99`` whose value is in [low, high]."""
    low, high = max(low, 0), min(high, 99)
    options = []
    for tens in range(low // 10, high // 10 + 1):
        first = low % 10 if tens == low // 10 else 0
        last = high % 10 if tens == high // 10 else 9
        options.append(L.seq(_range(tens, tens), _range(first, last)))
    return L.alt(*options) if low <= high else L.NOTHING


HOUR, SIXTY = two_digits(0, 23), two_digits(0, 59)
SECONDS = L.alt(L.EMPTY_STRING, L.seq(L.char(":"), SIXTY, numeric.FRACTION))


# Two digits divisible by four, "00" left out; a year is a leap year when its
# last two digits are such, or they are "00" and its first two are.
_BY_FOUR = L.alt(L.seq(L.char("0"), L.chars((ord("4"), ord("4")), (ord("8"), ord("8")))),
                 L.seq(L.chars(*[(ord(c), ord(c)) for c in "2468"]), L.chars(*[(ord(c), ord(c)) for c in "048"])),
                 L.seq(L.chars(*[(ord(c), ord(c)) for c in "13579"]), L.chars(*[(ord(c), ord(c)) for c in "26"])))
LEAP_YEAR = L.alt(L.seq(DIGIT, DIGIT, _BY_FOUR), L.seq(_BY_FOUR, L.literal("00")))
YEAR = L.alt(L.seq(L.literal("000"), _range(1, 9)), L.seq(L.literal("00"), _range(1, 9), DIGIT),
             L.seq(L.char("0"), _range(1, 9), DIGIT, DIGIT), L.seq(_range(1, 9), DIGIT, DIGIT, DIGIT))
_MONTHS_31 = L.alt(*[L.literal(m) for m in ("01", "03", "05", "07", "08", "10", "12")])
_NOT_FEBRUARY = L.alt(L.literal("01"), two_digits(3, 12))
DAY = L.alt(L.seq(YEAR, L.char("-"), two_digits(1, 12), L.char("-"), two_digits(1, 28)),
            L.seq(YEAR, L.char("-"), _NOT_FEBRUARY, L.char("-"), two_digits(29, 30)),
            L.seq(YEAR, L.char("-"), _MONTHS_31, L.literal("-31")),
            L.seq(LEAP_YEAR, L.literal("-02-29")))
"""Every real calendar day of the years 1 to 9999, as ``YYYY-MM-DD``."""
MINUTE = L.seq(DAY, L.char("T"), HOUR, L.char(":"), SIXTY)
"""Every local minute: the first sixteen characters of an ISO instant."""
ZONE = L.alt(L.char("Z"), L.seq(L.chars((ord("+"), ord("+")), (ord("-"), ord("-"))), HOUR, L.char(":"), SIXTY))
EPOCH = L.seq(L.repeat(L.char("-"), 0, 1), L.repeat(DIGIT, 1, 11))






def date_view(comparison, value: Fraction) -> list[list[L.Lang]]:
    """The texts that read as an instant ``t`` with ``t <op> value``, as a
    union of intersections of languages: epoch seconds, or an ISO text
    whose minute compares (``MinuteView``) and, at the same minute, whose
    seconds compare too."""
    minute = value // 60  # floor
    seconds = value - minute * 60
    out = [[L.Intersection((EPOCH, numeric.number_language(comparison, value)))]]
    for order in numeric.orders(comparison):
        at = [MinuteView("==", minute), _seconds_at(order, seconds)]
        out += [at] if order == "==" else [[MinuteView(order, minute)], at]
    return out


@lru_cache(maxsize=1024)
def _seconds_at(order: str, value: Fraction) -> L.Lang:
    """Texts whose seconds (after the sixteen characters of the minute, and
    before the zone) compare to ``value`` in [0, 60) as ``order`` says."""
    whole, fraction = numeric.digits_of(value)
    k = int(whole or "0")
    same = L.seq(two_digits(k, k), numeric.fraction_part(order, fraction))
    body = {"<": L.alt(L.seq(two_digits(0, k - 1), numeric.FRACTION), same), "==": same,
            ">": L.alt(L.seq(two_digits(k + 1, 59), numeric.FRACTION), same)}[order]
    options = [L.EMPTY_STRING] if {"<": value > 0, "==": value == 0, ">": False}[order] else []
    options.append(L.seq(L.char(":"), body))
    return L.seq(L.repeat(L.ANY_CHAR, 16, 16), L.alt(*options), ZONE)


def _minute_text(minute: int) -> str | None:
    if not _FIRST_MINUTE <= minute <= _LAST_MINUTE:
        return None
    m = _EPOCH_DAY + dt.timedelta(minutes=minute)
    return f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}"


class MinuteView(L.Native):
    """ISO texts whose local minute less the zone offset is below (``<``),
    at (``==``) or above (``>``) the minute ``minute`` (since the epoch),
    with its own deterministic automaton."""

    def __init__(self, order: str, minute: int):
        object.__setattr__(self, "order", order)
        object.__setattr__(self, "minute", minute)

    def __eq__(self, other):
        return isinstance(other, MinuteView) and (self.order, self.minute) == (other.order, other.minute)

    def __hash__(self):
        return hash(("minute", self.order, self.minute))

    def automaton(self):
        return _automaton(self.order, self.minute)


@lru_cache(maxsize=64)
def _automaton(order: str, minute: int) -> _MinuteAutomaton:
    return _MinuteAutomaton(order, minute)


_TAIL = L.seq(SECONDS, ZONE)
_ALPHABET = "0123456789-T:.Z+"
_CUTS = frozenset(p for c in _ALPHABET for p in (ord(c), ord(c) + 1))
_FLIP = {"<": ">", "==": "==", ">": "<"}
_END = ("E",)


class _MinuteAutomaton:
    """States, built as they are reached: ``P`` a prefix of one of the 2,879
    minutes around the constant; ``L``/``H`` a minute before/after all of
    them (the calendar checked by ``MINUTE``'s automaton), then ``T`` any
    seconds and zone; ``S`` the seconds after minute ``d`` (``SECONDS``'s
    automaton); ``C`` the zone's ``hh:mm`` while it equals a target (keyed
    by what is left of the target, so zones are shared by every minute);
    ``R`` the rest of a zone whose comparison is decided; ``E`` the end."""

    def __init__(self, order: str, minute: int):
        self.order, self.minute = order, minute
        self.window = {}
        for d in range(-WINDOW, WINDOW + 1):
            text = _minute_text(minute + d)
            if text is not None:
                self.window[text] = d
        self.prefixes = {t[:i] for t in self.window for i in range(len(t) + 1)}
        texts = sorted(self.window)
        # No minute around the constant: every minute is after it ("" is below
        # every text) or before it ("~" is above every text).
        self.low, self.high = (texts[0], texts[-1]) if texts else (("", "") if minute < 0 else ("~", "~"))
        self.calendar, self.tail, self.seconds = automata.dfa(MINUTE), automata.dfa(_TAIL), automata.dfa(SECONDS)
        self.keys: list = []
        self.ids: dict = {}
        self.accepting: list[bool] = []
        self.moves: dict = {}
        self.start = self._id(("P", ""))

    def _id(self, key) -> int:
        found = self.ids.get(key)
        if found is None:
            found = self.ids[key] = len(self.keys)
            self.keys.append(key)
            self.accepting.append(key == _END or (key[0] == "T" and self.tail.accepting[key[1]]))
        return found

    def cuts(self, state: int) -> frozenset:
        return _CUTS

    def step(self, state: int, code: int) -> int:
        found = self.moves.get((state, code))
        if found is None:
            c = chr(code)
            key = self._next(self.keys[state], c) if c in _ALPHABET else None
            found = self.moves[(state, code)] = -1 if key is None else self._id(key)
        return found

    def _next(self, key, c: str):
        kind = key[0]
        if kind == "P":
            return self._prefix(key[1] + c)
        if kind in ("L", "H"):
            if self.calendar.accepting[key[1]]:  # a whole minute: then any seconds and zone
                return self._tail(self.tail.start, c)
            step = self.calendar.step(key[1], ord(c))
            return None if step < 0 else (kind, step)
        if kind == "T":
            return self._tail(key[1], c)
        if kind == "S":
            return self._after_minute(key[1], key[2], c)
        if kind == "C":
            return _zone_digit(key[1], key[2], key[3], c)
        if kind == "R":
            return _rest(key[1], key[2], c)
        return None  # the end

    def _tail(self, state: int, c: str):
        step = self.tail.step(state, ord(c))
        return None if step < 0 else ("T", step)

    def _prefix(self, text: str):
        if text in self.window:
            return ("S", self.window[text], self.seconds.start)
        if text in self.prefixes:
            return ("P", text)
        # Off every minute around the constant: before or after all of them.
        if text < self.low[:len(text)]:
            region = "L" if self.order == "<" else None
        elif text > self.high[:len(text)]:
            region = "H" if self.order == ">" else None
        else:
            return None  # between them but no minute: no calendar day
        state = self.calendar.start
        for ch in text:
            state = self.calendar.step(state, ord(ch)) if state >= 0 else -1
        return None if region is None or state < 0 else (region, state)

    def _after_minute(self, d: int, state: int, c: str):
        if c not in "Z+-":
            step = self.seconds.step(state, ord(c))
            return None if step < 0 else ("S", d, step)
        if not self.seconds.accepting[state]:
            return None
        # The offset o must make M - o compare to the constant's minute: o
        # above, at or below d (M = constant + d). With "-", o = -v.
        wanted = _FLIP[self.order]
        if c == "Z":
            return _END if _holds(0, wanted, d) else None
        return _zone_start(wanted, d) if c == "+" else _zone_start(_FLIP[wanted], -d)


def _holds(v: int, order: str, k: int) -> bool:
    return v < k if order == "<" else v == k if order == "==" else v > k


def _zone_start(order: str, k: int):
    """The zone's ``hh:mm`` (minutes ``v``) is to satisfy ``v <order> k``."""
    if k < 0 or k > WINDOW:
        return ("R", 0, False) if _holds(0 if k < 0 else WINDOW, order, k) else None
    target = f"{k // 60:02d}:{k % 60:02d}"
    return ("C", order, target, target[0] == "2")


_POSITION_LIMITS = {0: "2", 1: "9", 2: ":", 3: "5", 4: "9"}


def _valid(position: int, c: str, two: bool) -> bool:
    """Whether ``c`` may stand at ``position`` of ``hh:mm`` (``two``: the hour begins with 2)."""
    if position == 2:
        return c == ":"
    limit = "3" if position == 1 and two else _POSITION_LIMITS[position]
    return c.isdigit() and c <= limit


def _zone_digit(order: str, left: str, two: bool, c: str):
    """``left``: what is left of the target ``hh:mm`` matched so far;
    ``two``: the target's hour (so far the zone's) begins with 2."""
    position = 5 - len(left)
    target = left[0]
    if not _valid(position, c, two):
        return None
    if c == target:
        return ("C", order, left[1:], two) if len(left) > 1 else (_END if order == "==" else None)
    outcome = "<" if c < target else ">"
    if outcome != order:
        return None
    return ("R", position + 1, position == 0 and c == "2") if position < 4 else _END


def _rest(position: int, two: bool, c: str):
    if not _valid(position, c, two):
        return None
    return ("R", position + 1, position == 0 and c == "2") if position < 4 else _END
