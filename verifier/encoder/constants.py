"""Reading typed policy constants for the encoder (C5, A12).

Written apart from the evaluator's readers on purpose. Each function returns
None for a value that is not in the canonical form of its type; the encoder
then collapses the condition to its conservative outcome, as the evaluator
does.

Numbers and instants become exact fractions; the encoder scales them to
integers (see ``request``), which keeps the solver in linear integer
arithmetic.
"""

from __future__ import annotations

import calendar
import ipaddress
import re
from fractions import Fraction


def number(text: str) -> Fraction | None:
    match = re.fullmatch(r"(-?)([0-9]+)(?:\.([0-9]+))?", text)
    if not match:
        return None
    sign, whole, frac = match.groups()
    value = Fraction(int(whole)) + (Fraction(int(frac), 10 ** len(frac)) if frac else 0)
    return -value if sign else value


def decimals(value: Fraction) -> int:
    """How many decimal places ``value`` needs (it must have a finite expansion)."""
    places = 0
    while (value * 10 ** places).denominator != 1:
        places += 1
    return places


_INSTANT = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]+))?)?"
    r"(?:(Z)|([+-])([0-9]{2}):([0-9]{2}))"
)


def instant(text: str) -> Fraction | None:
    """Seconds since 1970-01-01T00:00:00Z, for an ISO 8601 profile date with
    time and zone, or up to eleven digits of epoch seconds."""
    if re.fullmatch(r"-?[0-9]{1,11}", text):
        return Fraction(int(text))
    match = _INSTANT.fullmatch(text)
    if not match:
        return None
    y, mo, d, h, mi, s, frac, zulu, sign, zh, zm = match.groups()
    year, month, day, hour, minute, second = int(y), int(mo), int(d), int(h), int(mi), int(s or 0)
    if year < 1 or not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    if hour > 23 or minute > 59 or second > 59:
        return None
    offset = 0
    if not zulu:
        if int(zh) > 23 or int(zm) > 59:
            return None
        offset = (int(zh) * 3600 + int(zm) * 60) * (-1 if sign == "-" else 1)
    days = _days_from_civil(year, month, day)
    seconds = Fraction(days * 86400 + hour * 3600 + minute * 60 + second - offset)
    if frac:
        seconds += Fraction(int(frac), 10 ** len(frac))
    return seconds


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 in the proleptic Gregorian calendar."""
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def boolean(text: str) -> bool | None:
    if text == "true":
        return True
    if text == "false":
        return False
    return None


def binary(text: str) -> bytes | None:
    if not text or len(text) % 4 or not re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", text):
        return None
    import base64
    import binascii

    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def network(text: str) -> tuple[int, int, int] | None:
    """(version, network address as an integer, prefix length) for a CIDR
    block without host bits, or a bare address."""
    try:
        net = ipaddress.ip_network(text, strict=True)
    except ValueError:
        return None
    return net.version, int(net.network_address), net.prefixlen
