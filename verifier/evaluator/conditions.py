"""Concrete evaluation of condition entries (SEMANTICS.md section 5).

One entry is one key under one operator. Its outcome is True, False or None
(undecided: an operator deputy does not know, or a variable with several
values), each with the reason a user reads in the trace.

Two flags carry the conservative readings of section 8:

* ``allow_side``: the entry sits in an Allow statement. Where a rule is
  ambiguous for the whole condition (A3, A4, A5, A9, A12, A18) the outcome
  that makes an Allow apply and a Deny not apply is taken.
* ``lenient``: for an ambiguous *match* of one value (A7, A11, substituted
  wildcards, the spelling of a typed request value: A12) the reading that
  matches more. It is ``allow_side`` for positive
  operators and the opposite for negated ones, because a negated operator
  turns a wider match into a narrower condition ("for ArnNotLike swap
  sides", A7).
"""

from __future__ import annotations

from dataclasses import dataclass

from verifier.policy import keys
from verifier.policy.ast import ConditionEntry
from verifier.evaluator import values as read
from verifier.evaluator.matching import arn_like, equal_ignoring_case, glob
from verifier.evaluator.variables import AMBIGUOUS, VALUELESS, substitute
from verifier.policy.operators import Comparison, Family, Operator, Qualifier, lookup, lookup_folded
from verifier.request import Request


@dataclass(frozen=True)
class ConditionOutcome:
    operator: str
    key: str
    result: bool | None
    reason: str
    line: int = 0
    column: int = 0


def evaluate_entry(entry: ConditionEntry, request: Request, allow_side: bool,
                   variables: bool) -> ConditionOutcome:
    result, reason = _entry(entry, request, allow_side, variables)
    return ConditionOutcome(entry.operator.value, entry.key.value, result, reason,
                            entry.span.line, entry.span.column)


def _entry(entry: ConditionEntry, request: Request, allow_side: bool, variables: bool):
    name = entry.operator.value
    op = lookup(name)
    if op is None:
        folded = lookup_folded(name)
        if folded is None:
            return None, f"unknown condition operator {name!r}: deputy cannot evaluate it (A6)"
        if not allow_side:
            return False, (f"operator {name!r} is not spelt {folded.name!r}; in a Deny statement an "
                           "odd-case operator is read as not matching (A6)")
        op = folded
    key = entry.key.value
    present = request.get(key) if keys.can_be_present(keys.fold(key)) else None
    if not entry.values.items:
        return _empty_list(op, key, present, allow_side)
    if op.family is Family.NULL:
        return _null(op, entry, present, allow_side)
    if present is None:
        return _absent(op, key, allow_side)
    return _present(op, entry, present, request, allow_side, variables)


def _empty_list(op: Operator, key: str, present, allow_side: bool):
    """SO4 is exact for a set qualifier or IfExists; A9 reads the plain
    operator conservatively."""
    if op.qualifier is Qualifier.FOR_ANY_VALUE:
        return False, "ForAnyValue with an empty value list never holds (SO4)"
    if op.qualifier is Qualifier.FOR_ALL_VALUES or op.if_exists:
        which = "ForAllValues" if op.qualifier else "IfExists"
        if present is None:
            return True, f"{key} is absent: {which} with an empty value list holds only then (SO4)"
        return False, f"{key} is present: {which} with an empty value list holds only when it is absent (SO4)"
    return _collapse(allow_side, "the condition has an empty value list (A9)")


def _collapse(allow_side: bool, why: str):
    if allow_side:
        return True, f"{why}; taken as true in an Allow statement"
    return False, f"{why}; taken as false in a Deny statement, which then does not apply"


def _null(op: Operator, entry: ConditionEntry, present, allow_side: bool):
    if op.qualifier is not None:
        return _collapse(allow_side, f"{op.qualifier.value}:Null has no settled meaning (C7)")
    wanted = [read.read_bool(v.value) for v in entry.values.items]
    if None in wanted:
        return _collapse(allow_side, "a Null value other than \"true\" or \"false\" (A12)")
    absent = present is None
    state = "absent" if absent else "present"
    result = any(w == absent for w in wanted)
    return result, f"{entry.key.value} is {state}; Null {_quote_values(entry)} is {_word(result)} (C7)"


def _absent(op: Operator, key: str, allow_side: bool):
    """Section 5.1: the key is not in the request."""
    if op.qualifier is None:
        if op.if_exists:
            return True, f"{key} absent: {op.name} is true when the key is absent (C6)"
        if op.negated:
            return True, f"{key} absent: {op.name} is true when the key is absent (5.1)"
        return False, f"{key} absent: {op.name} is false when the key is absent (5.1)"
    if op.qualifier is Qualifier.FOR_ANY_VALUE and not (op.negated or op.if_exists):
        return False, f"{key} absent: {op.name} is false when the key is absent (SO3)"
    rule = "A3" if op.qualifier is Qualifier.FOR_ALL_VALUES else "A4, C6"
    return _collapse(allow_side, f"{key} absent: {op.name} is ambiguous for an absent key ({rule})")


def _present(op: Operator, entry: ConditionEntry, present, request, allow_side, variables):
    lenient = allow_side != op.negated
    if op.family in (Family.STRING, Family.ARN):
        resolved, failure = _substitute_all(op, entry, request, allow_side, lenient, variables)
        if failure is not None:
            return failure
    else:
        resolved = [_read_policy_value(op.family, item.value) for item in entry.values.items]
        bad = next((item.value for item, r in zip(entry.values.items, resolved) if r is None), None)
        if bad is not None:
            return _collapse(allow_side, f"{bad!r} is not a canonical {op.family.value} value (A12)")
    matches = [_matches_one(op, value, resolved, lenient) for value in present]
    return _combine(op, entry, present, matches, allow_side)


def _substitute_all(op, entry, request, allow_side, lenient, variables):
    """Token patterns for the entry's values; a failure outcome instead when a
    variable has no value in a Deny (A18) or several values (undecided)."""
    like = op.comparison is Comparison.LIKE
    tokens = [(item.value, substitute(item.value, request, variables, wildcards=like,
                                      substituted_wildcards=lenient)) for item in entry.values.items]
    valueless = next((text for text, t in tokens if t is VALUELESS), None)
    if valueless is not None and not allow_side:
        return None, (False, f"variable in {valueless!r} has no value; a Deny statement with a valueless "
                             "variable is taken not to apply (A18)")
    ambiguous = next((text for text, t in tokens if t is AMBIGUOUS), None)
    if ambiguous is not None:
        return None, (None, f"variable in {ambiguous!r} names a key with several values: undecided")
    # V2: a valueless value matches nothing.
    return [t for _, t in tokens if t is not VALUELESS], None


def _combine(op: Operator, entry, present, matches, allow_side: bool):
    # matches[i]: request value i satisfies the operator (negation included).
    shown = f"{entry.key.value} = {_quote(present)}: {op.name} {_quote_values(entry)}"
    if op.qualifier is Qualifier.FOR_ALL_VALUES:
        result = all(matches)
        return result, f"{shown} is {_word(result)} (every value must match, SO2)"
    if op.qualifier is Qualifier.FOR_ANY_VALUE:
        result = any(matches)
        return result, f"{shown} is {_word(result)} (some value must match, SO3)"
    if len(present) == 1:
        return matches[0], f"{shown} is {_word(matches[0])}"
    # A5: several request values under a plain operator.
    result = any(matches) if allow_side else all(matches)
    rule = "some value suffices in an Allow" if allow_side else "every value must match in a Deny"
    return result, f"{shown} is {_word(result)} ({rule}, A5)"


def _matches_one(op: Operator, value: str, resolved: list, lenient: bool) -> bool:
    hit = any(_compare(op, value, policy_value, lenient) for policy_value in resolved)
    return not hit if op.negated else hit


def _compare(op: Operator, value: str, policy_value, lenient: bool) -> bool:
    family, comparison = op.family, op.comparison
    if family is Family.ARN:
        return arn_like(policy_value, value, lenient)
    if family is Family.STRING:
        if comparison is Comparison.LIKE:
            return glob(policy_value, value)
        text = "".join(policy_value)
        return equal_ignoring_case(value, text, lenient) if op.ignore_case else value == text
    reader = _READ_REQUEST[family]
    request_value = reader(value, lenient) if family in (Family.NUMERIC, Family.BOOL) else reader(value)
    if request_value is None:
        return False
    if family is Family.IP:
        return request_value.version == policy_value.version and request_value in policy_value
    return _ORDER[comparison](request_value, policy_value)


def _read_policy_value(family: Family, text: str):
    return {
        Family.NUMERIC: read.read_number, Family.DATE: read.read_date, Family.BOOL: read.read_bool,
        Family.BINARY: read.read_binary, Family.IP: read.read_network,
    }[family](text)


_READ_REQUEST = {
    Family.NUMERIC: read.read_number, Family.DATE: read.read_date, Family.BOOL: read.read_bool,
    Family.BINARY: read.read_binary, Family.IP: read.read_address,
}

_ORDER = {
    Comparison.EQUALS: lambda a, b: a == b,
    Comparison.LESS: lambda a, b: a < b,
    Comparison.LESS_EQUAL: lambda a, b: a <= b,
    Comparison.GREATER: lambda a, b: a > b,
    Comparison.GREATER_EQUAL: lambda a, b: a >= b,
}


def _word(result: bool) -> str:
    return "true" if result else "false"


def _quote(values) -> str:
    return repr(values[0]) if len(values) == 1 else "[" + ", ".join(map(repr, values)) + "]"


def _quote_values(entry: ConditionEntry) -> str:
    return _quote([v.value for v in entry.values.items])
