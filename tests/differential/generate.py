"""Random (policy, request) pairs for the comparison with iam-simulate.

A fixed seed, the vocabulary of ``tests/strategies.py`` (so both
differential tests explore the same constructs), and the request shape
iam-simulate needs: it fills in no context key itself, so the deputy's keys
are always given explicitly.
"""

from __future__ import annotations

import random

from tests.strategies import ACTIONS as _ACTIONS
from tests.strategies import ACCOUNTS, ARNS, DEPUTY, KEYS, LOST_ZERO, MIXED_VARIABLES, MULTI, OWNER, VARIABLES

# iam-simulate refuses values AWS would refuse (an action without a service
# prefix); deputy's reading of those is tested against its own encoder.
ACTIONS = [a for a in _ACTIONS if a == "*" or ":" in a]

PRINCIPALS = [
    *[{"Service": DEPUTY}] * 8, "*", {"AWS": "*"},
    {"Service": [DEPUTY, "s3.amazonaws.com"]}, {"Service": "s3.amazonaws.com"},
    {"Service": "REKOGNITION.amazonaws.com"}, {"Service": "rekognition.us-east-1.amazonaws.com"},
    {"Service": "*.amazonaws.com"}, {"Service": DEPUTY, "AWS": f"arn:aws:iam::{OWNER}:root"},
]
NOT_PRINCIPALS = [{"AWS": OWNER}, {"Service": "s3.amazonaws.com"}, {"Service": DEPUTY}]
REQUEST_PRINCIPALS = [*[DEPUTY] * 8, "rekognition.us-east-1.amazonaws.com", "s3.amazonaws.com"]

# Values on which the two evaluators knowingly differ (A12 forms, epoch
# dates, short ARN patterns, non-ASCII case): drawn less often, so that most
# cases compare the evaluators on common ground.
_AWKWARD = {"1e3", "True", "10.0.0.1/8", "1600000000", "1700000000", "arn:aws:rekognition:*", "*", "ß", "SS"}


def _pick(rng: random.Random, values: list, count: int) -> list:
    tidy = [v for v in values if v not in _AWKWARD]
    pool = values if rng.random() < 0.25 or len(tidy) < count else tidy
    return rng.sample(pool, count)


def cases(seed: int, count: int) -> list[tuple[dict, dict]]:
    rng = random.Random(seed)
    return [(_policy(rng), _request(rng)) for _ in range(count)]


def _policy(rng: random.Random) -> dict:
    statements = [_statement(rng, "Allow")]
    for _ in range(rng.choice([0, 0, 1, 2])):
        statements.append(_statement(rng, rng.choice(["Allow", "Deny", "Deny"])))
    version = rng.choice(["2012-10-17"] * 6 + ["2008-10-17", None])
    return {"Version": version, "Statement": statements} if version else {"Statement": statements}


def _statement(rng: random.Random, effect: str) -> dict:
    out: dict = {"Effect": effect}
    if rng.random() < 0.1:
        out["NotPrincipal"] = rng.choice(NOT_PRINCIPALS)
    else:
        out["Principal"] = rng.choice(PRINCIPALS)
    actions = rng.sample(ACTIONS, rng.choice([1, 1, 2]))
    key = "NotAction" if rng.random() < 0.1 else "Action"
    out[key] = actions[0] if len(actions) == 1 else actions
    if rng.random() < 0.85:
        out["Condition"] = _condition(rng)
    return out


def _condition(rng: random.Random) -> dict:
    out: dict = {}
    for _ in range(rng.choice([1, 1, 2, 3])):
        key = rng.choice(sorted(KEYS))
        families, values, _ = KEYS[key]
        base = rng.choice(families + ["Null"])
        if base == "Null":
            operator, chosen = "Null", [rng.choice(["true", "false"])]
        else:
            operator = rng.choice(["", "", "", "ForAllValues:", "ForAnyValue:"]) + base
            operator += rng.choice(["", "", "IfExists"])
            chosen = _pick(rng, values, rng.choice([1, 1, 2]))
            variable_ops, variables = VARIABLES.get(key, ((), ()))
            if base in variable_ops and rng.random() < 0.3:
                chosen.append(rng.choice(variables))
            mixed_ops, mixed = MIXED_VARIABLES.get(key, ((), ()))
            if base in mixed_ops and rng.random() < 0.3:
                chosen.append(rng.choice(mixed))
        block = out.setdefault(operator, {})
        if any(k.lower() == key.lower() for k in block):
            continue
        spelled = rng.choice([key, key, key.upper()])
        block[spelled] = chosen[0] if len(chosen) == 1 and rng.random() < 0.5 else chosen
    return out


def _request(rng: random.Random) -> dict:
    principal = rng.choice(REQUEST_PRINCIPALS)
    context: dict = {"aws:PrincipalIsAWSService": "true", "aws:PrincipalServiceName": principal,
                     "aws:PrincipalServiceNamesList": sorted({principal, DEPUTY})}
    account = rng.choice([None, *ACCOUNTS, LOST_ZERO])
    if account:
        context["aws:SourceAccount"] = account
    arn = rng.choice([None, *ARNS])
    if arn and (account is None or arn.split(":")[4] in ("", account)):
        context["aws:SourceArn"] = arn
    for key, (_, _, values) in KEYS.items():
        if key in context or key in ("aws:SourceAccount", "aws:SourceArn") or rng.random() < 0.5:
            continue
        context[key] = _pick(rng, values, rng.choice([1, 2])) if key in MULTI else _pick(rng, values, 1)[0]
    if "aws:SourceOrgPaths" in context and "aws:SourceOrgID" not in context:
        del context["aws:SourceOrgPaths"]
    action = rng.choice(["sts:AssumeRole", "sts:AssumeRole", "sts:TagSession"])
    return {"principal": principal, "action": action, "context": context}
