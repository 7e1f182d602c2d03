"""Where iam-simulate 0.1.173 knowingly departs from SEMANTICS.md.

Each entry names the SEMANTICS.md rule that decides the case and a narrow
predicate that recognises a (policy, request) pair exercising it. A
disagreement between deputy's evaluator and iam-simulate is accepted only if
one of these predicates holds for it; every other disagreement fails the
test. The behaviour of iam-simulate is as observed by running it (see the
module docstrings of runner.mjs and oracle.py for how it is called).
"""

from __future__ import annotations

import re

from verifier.policy import keys

NEGATED = re.compile(r"Not(Equals|Like|IpAddress)|NotEquals")
MULTIVALUED = {"aws:sourceorgpaths", "aws:tagkeys", "aws:principalservicenameslist"}


def _statements(policy):
    statements = policy["Statement"]
    return statements if isinstance(statements, list) else [statements]


def _entries(policy):
    """(statement, operator, key, values) for every condition entry; an
    unquoted number or boolean is its literal text (G5)."""
    for s in _statements(policy):
        for operator, block in (s.get("Condition") or {}).items():
            for key, values in block.items():
                yield s, operator, key, [_text(v) for v in (values if isinstance(values, list) else [values])]


def _text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, (int, float)) else value


def _context(request, key):
    for name, value in request["context"].items():
        if name.lower() == key.lower():
            return value if isinstance(value, list) else [value]
    return None


def _principal_values(block):
    if block == "*" or block is None:
        return []
    out = []
    for kind, values in block.items():
        for v in values if isinstance(values, list) else [values]:
            out.append((kind, v))
    return out


def _global(name: str) -> str:
    m = re.fullmatch(r"([^.]+)\.[a-z]{2}(?:-[a-z]+)+-[0-9]+\.(amazonaws\.com(?:\.cn)?)", name)
    return (f"{m.group(1)}.{m.group(2)}" if m else name).lower()


def service_spelling(policy, request):
    """P2, P8, A6, A16: a Service name that differs from the request's only in
    case or Region; deputy reads it as the deputy where matching more is the
    safe error, iam-simulate compares exact strings."""
    p = request["principal"]
    return any(kind == "Service" and v != p and _global(v) == _global(p)
               for s in _statements(policy)
               for kind, v in _principal_values(s.get("Principal") or s.get("NotPrincipal")))


def partial_wildcard_principal(policy, request):
    """P6: a principal wildcard other than the whole "*"; deputy reads it as
    everyone (Allow) or no one (Deny), iam-simulate as a literal name."""
    return any(("*" in v or "?" in v) and not (kind == "AWS" and v == "*")
               for s in _statements(policy)
               for kind, v in _principal_values(s.get("Principal") or s.get("NotPrincipal")))


def aws_star_for_services(policy, request):
    """A1: {"AWS": "*"} and service principals. deputy: matches in an Allow
    Principal, not in a Deny Principal (and the other way for NotPrincipal);
    iam-simulate: matches everywhere."""
    for s in _statements(policy):
        for kind, v in _principal_values(s.get("Principal")):
            if kind == "AWS" and v == "*" and s["Effect"] == "Deny":
                return True
        for kind, v in _principal_values(s.get("NotPrincipal")):
            if kind == "AWS" and v == "*":
                return True
    return False


def set_operator_on_absent_key(policy, request):
    """A3, A4, C6: ForAllValues on an absent key (deputy: false in a Deny),
    ForAnyValue with a negated operator or IfExists on an absent key
    (deputy: true in an Allow, false in a Deny); iam-simulate: ForAllValues
    true, ForAnyValue false, always."""
    for s, operator, key, _ in _entries(policy):
        if _context(request, key) is not None or ":" not in operator:
            continue
        qualifier, base = operator.split(":", 1)
        if qualifier == "ForAllValues" and s["Effect"] == "Deny":
            return True
        if qualifier == "ForAnyValue" and ("Not" in base or base.endswith("IfExists")):
            return True
    return False


def plain_operator_on_multivalued_key(policy, request):
    """A5: a plain operator on a multivalued key. deputy: some value suffices
    in an Allow, every value in a Deny; iam-simulate: always false."""
    return any(":" not in op and op != "Null" and keys.fold(key) in MULTIVALUED and _context(request, key)
               for _, op, key, _ in _entries(policy))


def non_canonical_value(policy, request):
    """A12: a typed value in a non-canonical form ("1e3", "True",
    "10.0.0.1/8", "2020-01-0*"); deputy collapses the condition to its conservative
    outcome, iam-simulate parses leniently."""
    for _, op, _, values in _entries(policy):
        base = op.split(":")[-1].replace("IfExists", "")
        for v in values:
            if base.startswith("Numeric") and not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", v):
                return True
            if base == "Bool" and v not in ("true", "false"):
                return True
            if "IpAddress" in base and "/" in v and _host_bits(v):
                return True
            if base.startswith("Date") and not re.fullmatch(_DATE, v):
                return True
    return False


_DATE = (r"-?[0-9]{1,11}|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?"
         r"(Z|[+-][0-9]{2}:[0-9]{2})")


def non_canonical_request_value(policy, request):
    """A12: a request value of a Numeric or Bool condition spelt otherwise
    than canonically ("+5", ".5", "True", "1e1"). deputy reads the wider
    spelling only where that admits more (a positive operator in an Allow,
    a negated one in a Deny) and never an exponent; iam-simulate reads every
    boolean in any case and a number by its numeric prefix (parseInt)."""
    for _, op, key, _ in _entries(policy):
        base = op.split(":")[-1].replace("IfExists", "")
        for v in _context(request, key) or []:
            if base.startswith("Numeric") and not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", v):
                return True
            if base == "Bool" and v not in ("true", "false"):
                return True
    return False


def _host_bits(cidr: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_network(cidr, strict=True)
        return False
    except ValueError:
        return True


def epoch_date(policy, request):
    """C5: epoch seconds. iam-simulate compares an integer date as
    milliseconds against ISO dates."""
    for _, op, key, values in _entries(policy):
        if "Date" in op:
            given = _context(request, key) or []
            if any(re.fullmatch(r"-?[0-9]+", v) for v in list(values) + list(given)):
                return True
    return False


def short_arn(policy, request):
    """A7: an ARN pattern or value with fewer than six parts. deputy: a
    whole-string glob where matching more is the safe error; iam-simulate:
    never matches, even for ArnNotLike."""
    for _, op, key, values in _entries(policy):
        if "Arn" in op and _context(request, key) is not None:
            if any(v.count(":") < 5 for v in values) or any(v.count(":") < 5 for v in _context(request, key)):
                return True
    return False


def unicode_case(policy, request):
    """A11: IgnoreCase beyond ASCII. deputy folds fully in an Allow, ASCII
    only in a Deny; iam-simulate uses JavaScript's simple folding."""
    for _, op, key, values in _entries(policy):
        if "IgnoreCase" in op:
            texts = list(values) + list(_context(request, key) or [])
            if any(not t.isascii() for t in texts):
                return True
    return False


def variables_outside_2012(policy, request):
    """G2: policy variables exist only under Version 2012-10-17; iam-simulate
    substitutes them under any Version."""
    return policy.get("Version") != "2012-10-17" and any("${" in v for _, _, _, vs in _entries(policy) for v in vs)


def valueless_variable(policy, request):
    """V2, A18: a variable whose key is absent. deputy: a negated operator
    matches in an Allow, a Deny does not apply; iam-simulate: the value
    matches nothing for negated operators too."""
    if policy.get("Version") != "2012-10-17":
        return False
    for _, _, _, values in _entries(policy):
        for v in values:
            for name in re.findall(r"\$\{([^},]+)", v):
                if name.strip() not in "*?$" and _context(request, name.strip()) is None:
                    return True
    return False


def variable_inside_arn_fields(policy, request):
    """A7, V1: AWS substitutes a variable, then cuts the ARN; iam-simulate
    cuts first, at the colon inside ``${aws:...}``."""
    return any("Arn" in op and "${" in v.split("${")[0] + "${" and v.index("${") < _fifth_colon(v)
               for _, op, _, values in _entries(policy) for v in values if "${" in v)


def _fifth_colon(text: str) -> int:
    count = 0
    for i, c in enumerate(text):
        if c == ":":
            count += 1
            if count == 5:
                return i
    return len(text)


def bare_v4_against_v6(policy, request):
    """C5: NotIpAddress with a bare IPv4 address against an IPv6 request
    address is true (different families); iam-simulate says false."""
    for _, op, key, values in _entries(policy):
        if "NotIpAddress" in op and any("/" not in v and "." in v for v in values):
            if any(":" in a for a in _context(request, key) or []):
                return True
    return False


ALLOWED = [
    service_spelling, partial_wildcard_principal, aws_star_for_services, set_operator_on_absent_key,
    plain_operator_on_multivalued_key, non_canonical_value, non_canonical_request_value, epoch_date, short_arn, unicode_case,
    variables_outside_2012, valueless_variable, variable_inside_arn_fields,
    bare_v4_against_v6,
]


def explain(policy, request) -> list[str]:
    """The known divergences a case exercises."""
    return [d.__name__ for d in ALLOWED if d(policy, request)]
