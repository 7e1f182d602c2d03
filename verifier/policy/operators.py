"""The catalogue of condition operators, as pure data.

An operator name such as ``ForAnyValue:StringNotLikeIfExists`` is a base
operator (``StringNotLike``) with an optional set qualifier and an optional
``IfExists`` suffix (SEMANTICS.md C3-C7, SO2-SO3). This module only says what
each name means; how it evaluates lives, twice on purpose, in the evaluator
and in the encoder.

Source: IAMUG/reference_policies_elements_condition_operators.html
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache


class Family(Enum):
    """What the request value and the policy values are compared as."""

    STRING = "String"
    NUMERIC = "Numeric"
    DATE = "Date"
    BOOL = "Bool"
    BINARY = "Binary"
    IP = "IpAddress"
    ARN = "Arn"
    NULL = "Null"


class Comparison(Enum):
    EQUALS = "equals"          # exact (String, Numeric, Date, Bool, Binary)
    LIKE = "like"              # * and ? wildcards (StringLike, every Arn operator: C4)
    LESS = "<"
    LESS_EQUAL = "<="
    GREATER = ">"
    GREATER_EQUAL = ">="
    IN_RANGE = "in"            # address inside a CIDR block
    NULL = "null"              # presence test


class Qualifier(Enum):
    FOR_ALL_VALUES = "ForAllValues"
    FOR_ANY_VALUE = "ForAnyValue"


@dataclass(frozen=True, slots=True)
class Base:
    name: str
    family: Family
    comparison: Comparison
    negated: bool = False
    ignore_case: bool = False


_ORDERS = (
    ("Equals", Comparison.EQUALS, False),
    ("NotEquals", Comparison.EQUALS, True),
    ("LessThan", Comparison.LESS, False),
    ("LessThanEquals", Comparison.LESS_EQUAL, False),
    ("GreaterThan", Comparison.GREATER, False),
    ("GreaterThanEquals", Comparison.GREATER_EQUAL, False),
)

BASES: tuple[Base, ...] = (
    Base("StringEquals", Family.STRING, Comparison.EQUALS),
    Base("StringNotEquals", Family.STRING, Comparison.EQUALS, negated=True),
    Base("StringEqualsIgnoreCase", Family.STRING, Comparison.EQUALS, ignore_case=True),
    Base("StringNotEqualsIgnoreCase", Family.STRING, Comparison.EQUALS, negated=True, ignore_case=True),
    Base("StringLike", Family.STRING, Comparison.LIKE),
    Base("StringNotLike", Family.STRING, Comparison.LIKE, negated=True),
    *(Base("Numeric" + suffix, Family.NUMERIC, cmp, neg) for suffix, cmp, neg in _ORDERS),
    *(Base("Date" + suffix, Family.DATE, cmp, neg) for suffix, cmp, neg in _ORDERS),
    Base("Bool", Family.BOOL, Comparison.EQUALS),
    Base("BinaryEquals", Family.BINARY, Comparison.EQUALS),
    Base("IpAddress", Family.IP, Comparison.IN_RANGE),
    Base("NotIpAddress", Family.IP, Comparison.IN_RANGE, negated=True),
    # C4: ArnEquals is ArnLike and ArnNotEquals is ArnNotLike; all take wildcards.
    Base("ArnEquals", Family.ARN, Comparison.LIKE),
    Base("ArnLike", Family.ARN, Comparison.LIKE),
    Base("ArnNotEquals", Family.ARN, Comparison.LIKE, negated=True),
    Base("ArnNotLike", Family.ARN, Comparison.LIKE, negated=True),
    Base("Null", Family.NULL, Comparison.NULL),
)

_BY_NAME = {base.name: base for base in BASES}
_BY_FOLDED = {base.name.lower(): base for base in BASES}


@dataclass(frozen=True, slots=True)
class Operator:
    """A full operator name, decomposed."""

    name: str
    base: Base
    if_exists: bool
    qualifier: Qualifier | None

    @property
    def family(self) -> Family:
        return self.base.family

    @property
    def comparison(self) -> Comparison:
        return self.base.comparison

    @property
    def negated(self) -> bool:
        return self.base.negated

    @property
    def ignore_case(self) -> bool:
        return self.base.ignore_case


_NAME = re.compile(r"(?:(ForAllValues|ForAnyValue):)?(.*?)(IfExists)?", re.IGNORECASE | re.DOTALL)


@lru_cache(maxsize=4096)
def lookup(name: str) -> Operator | None:
    """The operator spelt exactly ``name``, or None."""
    return _lookup(name, exact=True)


@lru_cache(maxsize=4096)
def lookup_folded(name: str) -> Operator | None:
    """The operator whose name equals ``name`` ignoring ASCII case, or None.

    Used only where SEMANTICS.md A6 reads an odd-case operator name
    Allow-side; the result carries the canonical spelling in ``name``.
    """
    return _lookup(name, exact=False)


def _lookup(name: str, exact: bool) -> Operator | None:
    qualifier_text, base_text, if_exists = _NAME.fullmatch(name).groups()
    if exact:
        base = _BY_NAME.get(base_text)
        spelt_right = qualifier_text in (None, "ForAllValues", "ForAnyValue") and if_exists in (None, "IfExists")
        if not spelt_right:
            return None
    else:
        base = _BY_FOLDED.get(base_text.lower())
    if base is None:
        return None
    if if_exists and base.family is Family.NULL:
        # NullIfExists has no documented meaning (Access Analyzer flags it);
        # it is reported as an unknown operator rather than guessed.
        return None
    qualifier = None
    if qualifier_text:
        qualifier = (Qualifier.FOR_ALL_VALUES if qualifier_text.lower() == "forallvalues"
                     else Qualifier.FOR_ANY_VALUE)
    canonical = (f"{qualifier.value}:" if qualifier else "") + base.name + ("IfExists" if if_exists else "")
    return Operator(canonical, base, bool(if_exists), qualifier)


def all_operator_names() -> tuple[str, ...]:
    """Every valid operator name, for generators and documentation."""
    names = []
    for qualifier in (None, *Qualifier):
        prefix = f"{qualifier.value}:" if qualifier else ""
        for base in BASES:
            names.append(prefix + base.name)
            if base.family is not Family.NULL:
                names.append(prefix + base.name + "IfExists")
    return tuple(names)
