"""Reading typed condition values for the evaluator (C5, A12).

Each reader accepts only the canonical form of its type and returns None for
anything else. Policy values that are not canonical make their condition
collapse to its conservative outcome (see ``conditions``). A request value
is read the same way, except where a wider reading admits more (A12,
``lenient``: a positive operator in an Allow, a negated one in a Deny): a
number may then also be spelt with a sign or a bare point (``+5``, ``5.``,
``.5``), a boolean in any letter case (``True``). A request value no reading
accepts matches nothing. The encoder reads values with its own code, so a
mistake here shows up as a disagreement.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_PLAUSIBLE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def read_number(text: str, lenient: bool = False) -> Decimal | None:
    """An integer or decimal such as ``-12`` or ``3.25`` (C5); with
    ``lenient`` also ``+12``, ``12.`` and ``.25`` (A12). An exponent
    (``1e3``) is read by neither."""
    if _DECIMAL.fullmatch(text) or (lenient and _PLAUSIBLE.fullmatch(text)):
        return Decimal(text)
    return None


_ISO = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})"
)
_EPOCH = re.compile(r"-?[0-9]{1,11}")
_EPOCH_ZERO = datetime(1970, 1, 1, tzinfo=timezone.utc)


def read_date(text: str) -> Fraction | None:
    """An instant as exact seconds since the epoch.

    Canonical forms: the W3C ISO 8601 profile with a time and a zone
    (``2020-01-01T00:00:01Z``, ``2020-01-01T00:00+02:00``, fractions of a
    second allowed) or whole epoch seconds (up to 11 digits). Dates without a
    zone and 12-or-more-digit numbers (epoch milliseconds?) are ambiguous
    (A12) and read as None.
    """
    if _EPOCH.fullmatch(text):
        return Fraction(int(text))
    match = _ISO.fullmatch(text)
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute),
                          int(second or 0), tzinfo=timezone.utc)
    except ValueError:
        return None
    offset = 0 if zone == "Z" else _zone_minutes(zone)
    if offset is None:
        return None
    whole = (moment - _EPOCH_ZERO) // timedelta(seconds=1) - offset * 60
    return Fraction(whole) + (Fraction(fraction[1:]) / 10 ** (len(fraction) - 1) if fraction else 0)


def _zone_minutes(zone: str) -> int | None:
    hours, minutes = int(zone[1:3]), int(zone[4:6])
    if hours > 23 or minutes > 59:
        return None
    sign = -1 if zone[0] == "-" else 1
    return sign * (hours * 60 + minutes)


def read_bool(text: str, lenient: bool = False) -> bool | None:
    """``true`` or ``false`` exactly; ``True`` is ambiguous (A12), read as
    ``true`` only with ``lenient``."""
    if lenient and text.isascii():
        text = text.lower()
    return {"true": True, "false": False}.get(text)


def read_binary(text: str) -> bytes | None:
    """Standard padded base64 (BinaryEquals compares the decoded bytes)."""
    if not text or len(text) % 4:
        return None
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def read_network(text: str):
    """A CIDR block with no host bits set, or a bare address (``/32`` or
    ``/128``). A block with host bits set is ambiguous (A12) and read as None."""
    try:
        return ipaddress.ip_network(text, strict=True)
    except ValueError:
        return None


def read_address(text: str):
    """A request's address: a bare IPv4 or IPv6 address."""
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None
