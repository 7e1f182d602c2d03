"""What the grammar cannot say: well-formedness diagnostics.

Three severities:

* ``error``: AWS would refuse the document (G3, G4, A10): deputy does not
  evaluate it; a check ends as ``error``.
* ``unsupported``: a construct deputy does not model (an unknown operator,
  A6): evaluation may be undecided and a check ends as ``unknown``.
* ``warning``: valid or tolerated input worth a look (constructs invalid in a
  trust policy, G9/A17; readings chosen under section 8). The policy is
  still evaluated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from verifier.policy import keys
from verifier.policy.ast import NOWHERE, ConditionEntry, Effect, Policy, Span, Statement
from verifier.policy.operators import Family, Qualifier, lookup, lookup_folded


class Severity(Enum):
    ERROR = "error"
    UNSUPPORTED = "unsupported"
    WARNING = "warning"


class PolicyKind(Enum):
    TRUST = "trust"
    RESOURCE = "resource"


@dataclass(frozen=True)
class Diagnostic:
    severity: Severity
    rule: str
    message: str
    span: Span = NOWHERE

    def render(self, source: str) -> str:
        where = f"{source}:{self.span.line}:{self.span.column}" if self.span.line else source
        return f"{where}: {self.severity.value}: {self.message} [{self.rule}]"


def infer_kind(policy: Policy) -> PolicyKind:
    """A role trust policy grants only ``sts:`` actions (or ``*``)."""
    actions = [p.value.lower() for s in policy.statements if s.actions
               for p in s.actions.patterns.items]
    trusty = actions and all(a.startswith("sts:") or a == "*" for a in actions)
    return PolicyKind.TRUST if trusty and any(a.startswith("sts:") for a in actions) else PolicyKind.RESOURCE


def check(policy: Policy, kind: PolicyKind | None = None) -> list[Diagnostic]:
    """Every diagnostic for ``policy``, in document order."""
    kind = kind or infer_kind(policy)
    found: list[Diagnostic] = []
    found += _version(policy)
    sids: dict[str, Statement] = {}
    for statement in policy.statements:
        found += _statement(statement, kind, policy.variables_enabled)
        if statement.sid is not None:
            earlier = sids.get(statement.sid.value)
            if earlier is not None:
                found.append(_warn("G7", f"Sid {statement.sid.value!r} is used by {earlier.label} too",
                                   statement.sid.span))
            sids.setdefault(statement.sid.value, statement)
    return found


def errors(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if d.severity is Severity.ERROR]


def unsupported(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if d.severity is Severity.UNSUPPORTED]


def _error(rule, message, span) -> Diagnostic:
    return Diagnostic(Severity.ERROR, rule, message, span)


def _warn(rule, message, span) -> Diagnostic:
    return Diagnostic(Severity.WARNING, rule, message, span)


def _version(policy: Policy) -> list[Diagnostic]:
    if policy.version is None:
        return [_warn("G2", "no Version: policy variables such as ${aws:SourceAccount} are plain text",
                      policy.span)]
    if policy.version.value not in ("2012-10-17", "2008-10-17"):
        return [_error("G2", f"Version must be \"2012-10-17\" or \"2008-10-17\", not {policy.version.value!r}",
                       policy.version.span)]
    return []


def _statement(s: Statement, kind: PolicyKind, variables: bool) -> list[Diagnostic]:
    found = []
    label = s.label
    if s.effect is None:
        found.append(_error("G3", f"{label} has no Effect", s.span))
    elif s.effect_kind is None:
        found.append(_error("G4", f'{label}: Effect must be "Allow" or "Deny" (exact case), '
                                  f"not {s.effect.value!r}", s.effect.span))
    for pair, rule in ((("action", "not_action"), "G3"), (("principal", "not_principal"), "A10"),
                       (("resource", "not_resource"), "A10")):
        found += _pair(s, *pair, rule)
    if s.sid is not None and not re.fullmatch(r"[A-Za-z0-9]*", s.sid.value):
        found.append(_warn("G7", f"{label}: IAM accepts only A-Za-z0-9 in a Sid", s.sid.span))
    found += _principal(s, kind)
    found += _empty_lists(s)
    if kind is PolicyKind.TRUST and s.resources is not None:
        found.append(_warn("G9", f"{label}: a trust policy may not have {_name(s.resources, 'Resource')} "
                                 "(IAM rejects it); it is evaluated anyway (A17)", s.resources.span))
    if s.condition is not None:
        found += _condition(s, variables)
    return found


def _name(block, base: str) -> str:
    return f"Not{base}" if block.negated else base


def _pair(s: Statement, first: str, second: str, rule: str) -> list[Diagnostic]:
    a, b = getattr(s, first), getattr(s, second)
    names = {"action": "Action", "not_action": "NotAction", "principal": "Principal",
             "not_principal": "NotPrincipal", "resource": "Resource", "not_resource": "NotResource"}
    if a is not None and b is not None:
        return [_error(rule, f"{s.label} has both {names[first]} and {names[second]}", b.span)]
    if first == "action" and a is None and b is None:
        return [_error("G3", f"{s.label} has neither Action nor NotAction", s.span)]
    return []


def _principal(s: Statement, kind: PolicyKind) -> list[Diagnostic]:
    block = s.principals
    if block is None:
        return [_warn("G3", f"{s.label} has no Principal: resource and trust policies require one; "
                            "read as everyone in an Allow, no one in a Deny", s.span)]
    found = []
    name = _name(block, "Principal")
    if block.wildcard is not None and block.wildcard.value != "*":
        found.append(_error("G6", f'{s.label}: {name} must be "*" or a map such as {{"Service": "..."}}',
                            block.span))
    if block.negated and kind is PolicyKind.TRUST:
        found.append(_warn("G9", f"{s.label}: NotPrincipal is not allowed in a trust policy; "
                                 "it is evaluated anyway (A17)", block.span))
    if block.wildcard is not None and block.wildcard.value == "*" and kind is PolicyKind.TRUST:
        found.append(_warn("G9", f'{s.label}: "Principal": "*" in a trust policy lets anyone assume the role '
                                 "if the conditions allow it", block.span))
    if block.wildcard is None and not block.entries:
        found.append(_warn("E4", f"{s.label}: {name} is empty", block.span))
    for entry in block.entries:
        for value in entry.values.items:
            found += _principal_value(s, entry.kind.value, value)
    return found


def _principal_value(s: Statement, kind: str, value) -> list[Diagnostic]:
    text = value.value
    if ("*" in text or "?" in text) and not (kind == "AWS" and text == "*"):
        return [_warn("P6", f"{s.label}: {kind} {text!r} is a partial wildcard, which AWS does not support; "
                            "read as everyone in an Allow, no one in a Deny", value.span)]
    if kind == "Service" and not _SERVICE_NAME.fullmatch(text):
        return [_warn("P1", f"{s.label}: Service {text!r} is not a service principal name (such as "
                            "events.amazonaws.com); read as every service principal in an Allow, none in a Deny",
                      value.span)]
    if kind == "AWS" and text != "*" and not _AWS_PRINCIPAL.fullmatch(text):
        return [_warn("P5", f"{s.label}: AWS {text!r} is not an account ID, an IAM or STS ARN or a unique ID; "
                            "read as every service principal in an Allow, none in a Deny", value.span)]
    if kind == "Service" and text != text.lower():
        return [_warn("P8", f"{s.label}: service principal {text!r} is not lower case; "
                            "read case-insensitively in an Allow, exactly in a Deny (A6)", value.span)]
    return []


_SERVICE_NAME = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_AWS_PRINCIPAL = re.compile(r"[0-9]{12}|arn:[^:]+:(?:iam|sts)::[^:]+:.+|A[A-Z]{3}[A-Z0-9]{12,124}")


def _empty_lists(s: Statement) -> list[Diagnostic]:
    found = []
    for block, name in ((s.actions, "Action"), (s.resources, "Resource")):
        if block is not None and not block.patterns.items:
            found.append(_warn("E4", f"{s.label}: {_name(block, name)} is an empty list", block.span))
    return found


def _condition(s: Statement, variables: bool) -> list[Diagnostic]:
    found = []
    condition = s.condition
    if not condition.operators:
        found.append(_warn("A9", f"{s.label}: empty Condition; an Allow applies unconditionally, "
                                 "a Deny is read as not applying", condition.span))
    for block in condition.operators:
        folded: dict[str, ConditionEntry] = {}
        if not block.entries:
            found.append(_warn("A9", f"{s.label}: operator {block.operator.value!r} has no condition keys",
                               block.span))
        for entry in block.entries:
            name = keys.fold(entry.key.value)
            if name in folded and folded[name].key.value != entry.key.value:
                found.append(Diagnostic(Severity.UNSUPPORTED, "A10",
                                        f"{s.label}: condition key {entry.key.value!r} repeats "
                                        f"{folded[name].key.value!r} in another case", entry.span))
            folded.setdefault(name, entry)
            found += _entry(s, entry, variables)
    return found


def _entry(s: Statement, entry: ConditionEntry, variables: bool) -> list[Diagnostic]:
    name = entry.operator.value
    op = lookup(name)
    if op is None:
        folded = lookup_folded(name)
        if folded is None:
            hint = " (NullIfExists has no documented meaning)" if name.lower() == "nullifexists" else ""
            return [Diagnostic(Severity.UNSUPPORTED, "A6",
                               f"{s.label}: unknown condition operator {name!r}{hint}", entry.operator.span)]
        reading = ("read case-insensitively in this Allow statement" if s.effect_kind is not Effect.DENY
                   else "read as not matching in this Deny statement")
        return [_warn("A6", f"{s.label}: operator {name!r} is not spelt {folded.name!r}; {reading}",
                      entry.operator.span)]
    return _entry_semantics(s, entry, op, variables)


def _entry_semantics(s: Statement, entry: ConditionEntry, op, variables: bool) -> list[Diagnostic]:
    found = []
    key = keys.fold(entry.key.value)
    label, shown = s.label, f"{op.name} on {entry.key.value!r}"
    cardinality = keys.cardinality(key)
    if not entry.values.items:
        exact = op.qualifier is not None or op.if_exists  # SO4 decides; A9 reads only a plain operator
        found.append(_warn("SO4" if exact else "A9", f"{label}: {shown} has an empty value list", entry.span))
    if not keys.can_be_present(key):
        found.append(_warn("K", f"{label}: {entry.key.value!r} {_never_present(key)}", entry.key.span))
    if op.qualifier is not None and cardinality is keys.Cardinality.SINGLE:
        found.append(_warn("SO1", f"{label}: {shown}: a set operator on a single-valued key is overly "
                                  "permissive", entry.span))
    if op.qualifier is None and cardinality is keys.Cardinality.MULTI and op.family is not Family.NULL:
        found.append(_warn("A5", f"{label}: {shown}: a plain operator on a multivalued key has no documented "
                                 "meaning", entry.span))
    if op.family is Family.NULL and op.qualifier is not None:
        found.append(_warn("C7", f"{label}: {op.qualifier.value}:Null has no settled meaning", entry.span))
    if op.qualifier is Qualifier.FOR_ANY_VALUE and op.negated:
        found.append(_warn("A4", f"{label}: {shown}: ForAnyValue with a negated operator is ambiguous when the "
                                 "key is absent", entry.span))
    found += _values(s, entry, op, key, variables)
    return found


def _never_present(folded: str) -> str:
    guess = keys.near_miss(folded)
    if guess:
        return (f"is not a global condition key (did you mean {guess!r}?); AWS never sets it, so it is "
                "always absent (SEMANTICS.md case 17)")
    return "is not a condition key (no namespace), so it is never in a request"


def _values(s: Statement, entry: ConditionEntry, op, key: str, variables: bool) -> list[Diagnostic]:
    found = []
    for value in entry.values.items:
        text = value.value
        if "${" in text and not variables:
            found.append(_warn("G2", f"{s.label}: {text!r} is plain text: policy variables need Version "
                                     "2012-10-17", value.span))
        elif "${" in text:
            for variable in re.findall(r"\$\{([^}]*)\}", text):
                name = variable.split(",")[0].strip()
                if name not in ("*", "?", "$") and not keys.can_be_present(keys.fold(name)):
                    found.append(_warn("V2", f"{s.label}: ${{{variable}}} names no condition key and is "
                                             "always valueless (an unrendered template placeholder?)",
                                       value.span))
        if "${" in text or op.family not in (Family.STRING, Family.ARN):
            continue
        like = op.comparison.value == "like" or op.family is Family.ARN
        if key in _ACCOUNT_KEYS and not _can_be(text, like, _TWELVE_DIGITS):
            found.append(_warn("F2", f"{s.label}: {text!r} is not a 12-digit account ID, so "
                                     f"{entry.key.value} never {'matches' if like else 'equals'} it", value.span))
        elif key == keys.SOURCE_ARN and not _can_be(text, like, _ARN):
            found.append(_warn("F1", f"{s.label}: {text!r} is not an ARN (arn:partition:service:region:account:"
                                     f"resource), so {entry.key.value} never {'matches' if like else 'equals'} it",
                               value.span))
    return found


_ACCOUNT_KEYS = {keys.SOURCE_ACCOUNT, keys.fold("aws:SourceOwner"), keys.fold("aws:PrincipalAccount"),
                 keys.fold("aws:ResourceAccount")}
_TWELVE_DIGITS = re.compile(r"[0-9]{12}")
_ARN = re.compile(r"arn:[^:]*:[^:]*:[^:]*:[^:]*:.*", re.DOTALL)


def _can_be(text: str, like: bool, shape: re.Pattern) -> bool:
    """Whether some string of ``shape`` equals ``text``, or (``like``)
    matches it as a wildcard pattern: a value that cannot be what its key
    holds is a placeholder or a typo (F1, F2)."""
    if not like or ("*" not in text and "?" not in text):
        return bool(shape.fullmatch(text))
    if shape is _TWELVE_DIGITS:
        fixed = text.replace("*", "")
        return set(fixed) <= set("0123456789?") and (len(fixed) <= 12 if "*" in text else len(fixed) == 12)
    head = re.split(r"[*?]", text, 1)[0]
    return "arn:".startswith(head[:4]) and (len(head) < 4 or bool(re.fullmatch(r"arn:(?:[^:]*:){0,4}[^:]*|"
                                                                                r"arn:(?:[^:]*:){5}.*", head)))
