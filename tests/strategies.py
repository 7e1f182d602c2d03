"""Hypothesis strategies for policies and requests, over small vocabularies
chosen so that random combinations hit the interesting cases: the deputy's
keys, wildcards, case, regional names, set operators, absent keys, every
operator family.

Requests are drawn from the encoder's request space (accounts of twelve
digits, well-formed and consistent source ARNs, values of each key's type),
which is also the threat model's.
"""

from __future__ import annotations

import json

from hypothesis import strategies as st

from verifier.request import make_request

OWNER = "111122223333"
ATTACKER = "999999999999"
OTHER = "444455556666"
DEPUTY = "rekognition.amazonaws.com"

ACCOUNTS = [OWNER, ATTACKER, OTHER]
LOST_ZERO = "011112222333"
"""An account whose number is 11112222333: NumericEquals with the unquoted
number matches it, StringEquals does not (F2)."""
ARNS = [
    f"arn:aws:rekognition:us-east-1:{OWNER}:streamprocessor/a",
    f"arn:aws:rekognition:eu-west-1:{ATTACKER}:streamprocessor/b",
    "arn:aws:s3:::bucket",
    f"arn:aws:rekognition:us-east-1:{ATTACKER}:x:{OWNER}:y",
    f"arn:aws:rekognition:us-east-1:{ATTACKER}:streamprocessor/o-aaaaaaaaaa-x",
]

# (key, operator families that make sense on it, policy values, request values)
STRING_OPS = ["StringEquals", "StringNotEquals", "StringLike", "StringNotLike", "StringEqualsIgnoreCase",
              "StringNotEqualsIgnoreCase"]
ARN_OPS = ["ArnLike", "ArnNotLike", "ArnEquals", "ArnNotEquals"]
# Numeric operators on a key also compared as a string: a typed view of its
# text (verifier/encoder/numeric.py), read as the evaluator reads it.
NUMERIC_VIEW_OPS = ["NumericEquals", "NumericLessThanEquals", "NumericGreaterThan", "NumericNotEquals"]
KEYS = {
    "aws:SourceAccount": (STRING_OPS + NUMERIC_VIEW_OPS,
                          ACCOUNTS + ["1111222233*", "*", "11112222333?", "11112222333", "500000000000", "1e3"],
                          ACCOUNTS + [LOST_ZERO]),
    "aws:SourceArn": (ARN_OPS + ["StringLike", "StringEquals", "StringNotLike"],
                      [f"arn:aws:rekognition:*:{OWNER}:*", "arn:aws:rekognition:*", "arn:aws:s3:::bucket",
                       f"arn:aws:*:*:{ATTACKER}:*", "*", ARNS[0]], ARNS),
    "aws:SourceOwner": (STRING_OPS, ACCOUNTS + ["1111222233*"], ACCOUNTS),
    "aws:SourceOrgID": (["StringEquals", "StringNotEquals", "StringLike"], ["o-aaaaaaaaaa", "o-*"],
                        ["o-aaaaaaaaaa", "o-bbbbbbbbbb"]),
    "aws:SourceOrgPaths": (["StringLike", "StringEquals"], ["o-aaaaaaaaaa/*", "o-aaaaaaaaaa/r-ab12/"],
                           ["o-aaaaaaaaaa/r-ab12/", "o-bbbbbbbbbb/r-cd34/"]),
    "aws:PrincipalServiceName": (["StringEquals", "StringLike", "StringNotEquals"],
                                 [DEPUTY, "*.amazonaws.com", "s3.amazonaws.com"],
                                 [DEPUTY, "rekognition.us-east-1.amazonaws.com"]),
    "aws:PrincipalAccount": (["StringEquals", "StringNotEquals"], ACCOUNTS, ACCOUNTS),
    "aws:PrincipalTag/team": (["StringEqualsIgnoreCase", "StringLike"], ["Blue", "ß", "b*"],
                              ["blue", "BLUE", "SS", "red"]),
    "aws:TagKeys": (["StringEquals", "StringLike"], ["env", "team", "e*"], ["env", "team", "cost"]),
    "aws:MultiFactorAuthAge": (["NumericLessThan", "NumericGreaterThanEquals", "NumericEquals",
                                "NumericNotEquals"], ["3600", "0.5", "-2", "1e3"], ["0", "3600", "7200.25"]),
    "aws:CurrentTime": (["DateGreaterThan", "DateLessThanEquals", "DateEquals"],
                        ["2020-01-01T00:00:00Z", "2030-06-01T12:00:00+02:00", "1600000000"],
                        ["2019-12-31T23:59:59Z", "2025-01-01T00:00:00Z", "1700000000"]),
    "aws:SourceIp": (["IpAddress", "NotIpAddress"], ["10.0.0.0/8", "192.0.2.1", "2001:db8::/32", "10.0.0.1/8"],
                     ["10.1.2.3", "192.0.2.1", "2001:db8::1", "8.8.8.8"]),
    # Request values in every spelling: "True" reads as true only where that admits more (A12).
    "aws:SecureTransport": (["Bool"], ["true", "false", "True"], ["true", "false", "True", "FALSE"]),
    # A text key compared as a string and as a number: its request values
    # are any text, numbers in every spelling among them (A12: "+5", "5.",
    # ".5" only where that admits more; "1e1" never).
    "aws:PrincipalTag/level": (["StringEquals", "StringLike", "NumericLessThan", "NumericEquals",
                                "NumericGreaterThanEquals"],
                               ["10", "010", "1*", "5.5", "-0", "-0.25"],
                               ["10", "010", "10.0", "abc", "-0", "9.99", "1e1", "-0.250", "+5", ".5", "5."]),
    # A text key compared as a string and as a date: instants in other zones,
    # with and without seconds, and text that is no date.
    "aws:PrincipalTag/expires": (["DateLessThan", "DateGreaterThanEquals", "DateEquals", "StringLike"],
                                 ["2020-01-01T00:00:00Z", "2020-01-01T05:30:00+05:30", "2020-01-0*"],
                                 ["2019-12-31T23:59:59Z", "2020-01-01T00:00:00+01:00", "2020-01-01T05:29:59.5+05:30",
                                  "2020-01-01T00:00Z", "soon"]),
}
MULTI = {"aws:SourceOrgPaths", "aws:TagKeys"}

# Policy variables, with the operators whose encoding of them is exact. (A
# variable in a Like or IgnoreCase value whose key may hold wildcards or any
# letters is a construct the encoder names and leaves free; see
# test_unsupported.py.)
VARIABLES = {
    "aws:SourceAccount": (["StringEquals", "StringNotEquals"], ["${aws:PrincipalAccount}", "${aws:SourceAccount}"]),
    "aws:SourceArn": (ARN_OPS, ["arn:aws:rekognition:*:${aws:SourceAccount}:*"]),
}

# A variable mixed with text inside an ARN part or a value: exact where the
# match can only be asserted (a positive operator in an Allow), so drawn only
# there (verifier/encoder/pieces.py, StringSpace.within), and on a key that
# no equality above relates (a string in an exact equality and in such a
# relation too keeps the equality exact and leaves the other free).
MIXED_VARIABLES = {
    "aws:SourceArn": (["ArnLike", "ArnEquals"],
                      ["arn:aws:rekognition:*:*:streamprocessor/${aws:SourceOrgID}-*"]),
}

SERVICES = [DEPUTY, "s3.amazonaws.com", "REKOGNITION.amazonaws.com", "rekognition.us-east-1.amazonaws.com",
            "*.amazonaws.com", "rekognition"]
ACTIONS = ["sts:AssumeRole", "sts:*", "sts:Assume?ole", "STS:assumerole", "sts:TagSession", "*", "AssumeRole",
           "execute-api:Invoke"]
PRINCIPAL_ACTIONS = ["sts:AssumeRole", "sts:TagSession", "execute-api:Invoke"]
API = f"arn:aws:execute-api:us-east-1:{OWNER}:a1b2c3d4e5"
RESOURCES = ["*", "arn:aws:s3:::bucket/*", f"arn:aws:execute-api:*:{OWNER}:*", "execute-api:/*",
             "execute-api:/prod/GET/*", "execute-api:/*/POST/*", "execute-api:/prod/*/a?", "bucket", "arn:aws:s3"]
"""Resource values of every form: ARN patterns, API Gateway's shorthand, and
values that are not ARN patterns (read on the side that admits more)."""
VARIABLE_RESOURCES = ["arn:aws:s3:::bucket/${aws:SourceOrgID}/*", "arn:aws:s3:::bucket/${aws:SourceOrgID, 'none'}",
                      "execute-api:/${aws:SourceOrgID}/*", "arn:aws:s3:::*/${aws:PrincipalServiceName}*"]
"""Resource values with a policy variable (V1), drawn where the reading
matches more (an Allow's Resource, a Deny's NotResource): the encoder
relates the resource to the key's string exactly there (see
verifier/encoder/resources.py; elsewhere the construct is named and left
free, test_unsupported.py)."""
REQUEST_RESOURCES = [None, f"{API}/prod/GET/pets", f"{API}/test/POST/ab", f"{API}/prod/PUT/a:b",
                     "arn:aws:s3:::bucket/key", f"arn:aws:sns:us-east-1:{OWNER}:topic",
                     "arn:aws:s3:::bucket/o-aaaaaaaaaa/log", "arn:aws:s3:::bucket/none", f"{API}/o-aaaaaaaaaa/x",
                     f"arn:aws:s3:::bucket/{DEPUTY}/x"]
REQUEST_PRINCIPALS = [DEPUTY, "rekognition.us-east-1.amazonaws.com", "s3.amazonaws.com"]


@st.composite
def operator_name(draw, key: str) -> str:
    families, _, _ = KEYS[key]
    base = draw(st.sampled_from(families + ["Null"]))
    if base == "Null":
        return base
    qualifier = draw(st.sampled_from(["", "", "ForAllValues:", "ForAnyValue:"]))
    suffix = draw(st.sampled_from(["", "", "IfExists"]))
    return qualifier + base + suffix


@st.composite
def condition(draw, keys=None, allow: bool = False) -> dict:
    out: dict = {}
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from(sorted(keys or KEYS)))
        op = draw(operator_name(key))
        _, values, _ = KEYS[key]
        if op == "Null":
            chosen = [draw(st.sampled_from(["true", "false"]))]
        elif draw(st.integers(0, 14)) == 0:
            chosen = []  # SO4, A9: an empty value list
        else:
            chosen = draw(st.lists(st.sampled_from(values), min_size=1, max_size=3, unique=True))
            variable_ops, variables = VARIABLES.get(key, ((), ()))
            if any(op.split(":")[-1].replace("IfExists", "") == v for v in variable_ops) and draw(st.booleans()):
                chosen.append(draw(st.sampled_from(variables)))
            mixed_ops, mixed = MIXED_VARIABLES.get(key, ((), ()))
            if allow and op.split(":")[-1].replace("IfExists", "") in mixed_ops and draw(st.booleans()):
                chosen.append(draw(st.sampled_from(mixed)))
        spelled = draw(st.sampled_from([key, key.upper(), key.lower()]))
        block = out.setdefault(op, {})
        if any(k.lower() == key.lower() for k in block):
            continue
        block[spelled] = chosen[0] if len(chosen) == 1 and draw(st.booleans()) else chosen
    if draw(st.integers(0, 12)) == 0:
        out.setdefault("StringEquals", {})["aws:PrincipalOrgID"] = "o-aaaaaaaaaa"  # K10: never in the request
    return out


@st.composite
def principal(draw):
    form = draw(st.sampled_from(["service", "service", "star", "aws-star", "mixed"]))
    if form == "star":
        return "*"
    if form == "aws-star":
        return {"AWS": "*"}
    services = draw(st.lists(st.sampled_from(SERVICES), min_size=1, max_size=2, unique=True))
    out: dict = {"Service": services[0] if len(services) == 1 else services}
    if form == "mixed":
        out["AWS"] = draw(st.sampled_from([f"arn:aws:iam::{OWNER}:root", DEPUTY]))
    return out


@st.composite
def statement(draw, effect: str | None = None, keys=None) -> dict:
    effect = effect or draw(st.sampled_from(["Allow", "Allow", "Deny"]))
    out: dict = {"Effect": effect}
    if draw(st.integers(0, 9)) == 0:
        out["NotPrincipal"] = {"AWS": OWNER}
    else:
        out["Principal"] = draw(principal())
    actions = draw(st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=2, unique=True))
    out["NotAction" if draw(st.integers(0, 9)) == 0 else "Action"] = actions[0] if len(actions) == 1 else actions
    if draw(st.integers(0, 2)) == 0:
        negated = draw(st.integers(0, 4)) == 0
        pool = RESOURCES + (VARIABLE_RESOURCES if (effect == "Allow") != negated else [])
        patterns = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=2, unique=True))
        out["NotResource" if negated else "Resource"] = patterns[0] if len(patterns) == 1 else patterns
    if draw(st.integers(0, 4)) > 0:
        out["Condition"] = draw(condition(keys, allow=effect == "Allow"))
    return out


@st.composite
def policy_text(draw, keys=None) -> str:
    statements = [draw(statement("Allow", keys))] + draw(st.lists(statement(keys=keys), max_size=2))
    version = draw(st.sampled_from(["2012-10-17", "2012-10-17", "2008-10-17", None]))
    doc: dict = {"Statement": statements}
    if version:
        doc = {"Version": version, **doc}
    return json.dumps(doc)


@st.composite
def request(draw):
    """A request inside the encoder's and the threat model's request space."""
    principal_name = draw(st.sampled_from(REQUEST_PRINCIPALS))
    context: dict = {}
    account = draw(st.sampled_from([None, *ACCOUNTS, LOST_ZERO]))
    if account:
        context["aws:SourceAccount"] = account
    arn = draw(st.sampled_from([None, *ARNS]))
    if arn and (account is None or arn.split(":")[4] in ("", account)):
        context["aws:SourceArn"] = arn
    # aws:SourceOwner names the same account as the other source keys (K9).
    named = account or (context.get("aws:SourceArn", "").split(":")[4:5] or [""])[0]
    owner = draw(st.sampled_from([None, *([named] if named else ACCOUNTS)]))
    if owner:
        context["aws:SourceOwner"] = owner
    for key, (_, _, values) in KEYS.items():
        if key in ("aws:SourceAccount", "aws:SourceArn", "aws:SourceOwner") or draw(st.booleans()):
            continue
        if key in MULTI:
            context[key] = draw(st.lists(st.sampled_from(values), min_size=1, max_size=3, unique=True))
        else:
            context[key] = draw(st.sampled_from(values))
    if "aws:SourceOrgPaths" in context and "aws:SourceOrgID" not in context:
        del context["aws:SourceOrgPaths"]
    context["aws:PrincipalIsAWSService"] = "true"
    return make_request(principal_name, draw(st.sampled_from(PRINCIPAL_ACTIONS)), context,
                        draw(st.sampled_from(REQUEST_RESOURCES)))


SEARCH_KEYS = ["aws:SourceAccount", "aws:SourceArn", "aws:SourceOwner", "aws:SourceOrgID", "aws:PrincipalAccount",
               "aws:TagKeys"]


def every_deputy_request(service: str = DEPUTY, action: str = "sts:AssumeRole"):
    """Every request of the deputy over the search vocabulary, consistent as
    the threat model requires (brute-force differential test)."""
    import itertools

    tag_sets = [None] + [list(c) for n in (1, 2) for c in itertools.combinations(KEYS["aws:TagKeys"][2], n)]
    for principal_name in (service, "rekognition.us-east-1.amazonaws.com"):
        for account, arn, org, principal_account, tags in itertools.product(
                [None, *ACCOUNTS, LOST_ZERO], [None, *ARNS], [None, "o-aaaaaaaaaa"], [None, *ACCOUNTS], tag_sets):
            if arn and account and arn.split(":")[4] not in ("", account):
                continue
            named = account or (arn.split(":")[4] if arn else "")
            for owner in [None, named] if named else [None, OWNER, ATTACKER]:  # K9: one source account
                context = {"aws:PrincipalServiceName": principal_name, "aws:PrincipalIsAWSService": "true",
                           "aws:PrincipalServiceNamesList": sorted({principal_name, service})}
                for key, value in (("aws:SourceAccount", account), ("aws:SourceArn", arn), ("aws:SourceOwner", owner),
                                   ("aws:SourceOrgID", org), ("aws:PrincipalAccount", principal_account),
                                   ("aws:TagKeys", tags)):
                    if value is not None:
                        context[key] = value
                yield make_request(principal_name, action, context)


# -- documents of every shape, for the parser and robustness properties -------------------

_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_SCALAR = st.one_of(_TEXT, st.integers(-10**13, 10**13), st.booleans(), st.sampled_from(ACCOUNTS + ARNS + ["*", "?"]))
_VALUES = st.one_of(_SCALAR, st.lists(_SCALAR, max_size=3))
_KEY_NAMES = st.one_of(st.sampled_from(sorted(KEYS) + ["aws:SourceAcount", "s3:prefix", "foo"]), _TEXT)


@st.composite
def any_condition(draw) -> dict:
    from verifier.policy.operators import all_operator_names

    operators = st.one_of(st.sampled_from(all_operator_names()), _TEXT, st.sampled_from(["stringequals", "ArnEqual"]))
    out: dict = {}
    for _ in range(draw(st.integers(0, 3))):
        block = out.setdefault(draw(operators), {})
        for _ in range(draw(st.integers(0, 2))):
            block[draw(_KEY_NAMES)] = draw(_VALUES)
    return out


@st.composite
def any_statement(draw) -> dict:
    out: dict = {"Effect": draw(st.sampled_from(["Allow", "Deny"]))}
    if draw(st.booleans()):
        out["Sid"] = draw(_TEXT)
    principal = st.one_of(st.just("*"), st.dictionaries(
        st.sampled_from(["AWS", "Service", "Federated", "CanonicalUser"]),
        st.one_of(st.sampled_from(SERVICES + ["*", OWNER]), st.lists(st.sampled_from(SERVICES + ["*"]), max_size=2)),
        max_size=3))
    which = draw(st.sampled_from(["Principal", "NotPrincipal", None]))
    if which:
        out[which] = draw(principal)
    patterns = st.one_of(st.sampled_from(ACTIONS + ARNS), st.lists(st.sampled_from(ACTIONS + ARNS), max_size=2))
    out[draw(st.sampled_from(["Action", "NotAction"]))] = draw(patterns)
    if draw(st.booleans()):
        out[draw(st.sampled_from(["Resource", "NotResource"]))] = draw(patterns)
    if draw(st.booleans()):
        out["Condition"] = draw(any_condition())
    return out


@st.composite
def any_document(draw) -> dict:
    doc: dict = {}
    if draw(st.booleans()):
        doc["Version"] = draw(st.sampled_from(["2012-10-17", "2008-10-17"]))
    if draw(st.booleans()):
        doc["Id"] = draw(_TEXT)
    statements = draw(st.lists(any_statement(), min_size=1, max_size=3))
    doc["Statement"] = statements[0] if len(statements) == 1 and draw(st.booleans()) else statements
    return doc


@st.composite
def any_request(draw):
    context = draw(st.dictionaries(st.sampled_from(sorted(KEYS) + ["s3:prefix"]),
                                   st.one_of(_TEXT, st.lists(_TEXT, min_size=1, max_size=3)), max_size=5))
    resource = draw(st.one_of(st.none(), st.sampled_from(ARNS), _TEXT))
    return make_request(draw(st.sampled_from(REQUEST_PRINCIPALS + [_arn_principal()])),
                        draw(st.sampled_from(ACTIONS)), context, resource)


def _arn_principal() -> str:
    return f"arn:aws:iam::{OWNER}:role/r"


# -- pairs of versions of a policy, for deputy diff ---------------------------------------


@st.composite
def policy_pair(draw, keys=None) -> tuple[str, str]:
    """Two versions of a policy: unrelated, or the second one edit away from
    the first (a statement added, removed or replaced, a condition dropped,
    an effect flipped, a Sid renamed), as pull requests make them."""
    old = json.loads(draw(policy_text(keys)))
    if draw(st.integers(0, 3)) == 0:
        return json.dumps(old), draw(policy_text(keys))
    new = json.loads(json.dumps(old))
    statements = new["Statement"]
    edit = draw(st.sampled_from(["add", "remove", "replace", "uncondition", "flip", "sid", "condition"]))
    index = draw(st.integers(0, len(statements) - 1))
    if edit == "add":
        statements.insert(draw(st.integers(0, len(statements))), draw(statement(keys=keys)))
    elif edit == "remove" and len(statements) > 1:
        del statements[index]
    elif edit == "replace":
        statements[index] = draw(statement(keys=keys))
    elif edit == "uncondition":
        statements[index].pop("Condition", None)
    elif edit == "flip":
        statements[index]["Effect"] = "Deny" if statements[index]["Effect"] == "Allow" else "Allow"
    elif edit == "sid":
        statements[index]["Sid"] = draw(st.sampled_from(["A", "B", "Renamed"]))
    else:
        statements[index]["Condition"] = draw(condition(keys))
    return json.dumps(old), json.dumps(new)
