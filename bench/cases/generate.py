#!/usr/bin/env python3
"""Write the labelled confused-deputy benchmark: one JSON file per case.

Every label here is written by hand, from SEMANTICS.md and THREAT_MODEL.md;
nothing here runs deputy. Families are built by crossing small hand-labelled
tables with hand-written composition rules:

* a condition table (``CONDITIONS``): for each condition block, whether it
  admits a foreign request of the deputy, the rule that says so, and, when
  it does, the source keys of one such request (the witness);
* principal and action tables: whether the element covers the deputy's
  request (P1-P8, AC1-AC3, E4);
* the composition rule for one Allow statement: the policy is vulnerable iff
  the principal covers the deputy AND the action covers the deputy's action
  AND the condition admits a foreign request (E1, E2);
* Deny, multi-statement, option and resource-policy families, each case with
  its own hand-written label and witness.

Each case file is::

    {"id": ..., "policy": {...}, "label": "safe" | "vulnerable",
     "reason": "one line, naming the SEMANTICS.md rule",
     "options": {"account": ..., "service": ..., "action": ...,
                 "trusted_accounts": [...], "trusted_orgs": [...]},
     "witness": <a `deputy eval` request> | null,
     "tags": [...]}

The witness of a vulnerable case is a request the policy allows and that is
foreign under the case's threat model; tests/test_benchmark_labels.py replays
it through deputy's evaluator (and iam-simulate where Node is available).

Templates holding several resource kinds are cases of their own, in
``templates/`` (the policy tools compared in bench/compare.py read policies,
not templates)::

    {"id": ..., "template": {...}, "label": worst of the labels,
     "reason": ..., "options": {"account": ...}, "tags": [...],
     "resources": {LOGICAL_ID: {"policy": the policy the resource amounts to,
                                "deputies": {deputy: label},
                                "witnesses": {deputy: request}}}}

checked with no --service or --action by tests/test_benchmark_templates.py.

Run ``python bench/cases/generate.py`` to rewrite the case files (the
``*.json`` files of the directory and of ``templates/`` are replaced).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"

OWNER = "111122223333"
ATTACKER = "999999999999"
OTHER = "444455556666"
SERVICE = "rekognition.amazonaws.com"
ASSUME = "sts:AssumeRole"
SA = "aws:SourceAccount"
ARN = "aws:SourceArn"
ORG = "o-a1b2c3d4e5"
OWN_ARN = f"arn:aws:rekognition:us-east-1:{OWNER}:streamprocessor/sp"
ATT_ARN = f"arn:aws:rekognition:us-east-1:{ATTACKER}:streamprocessor/sp"
ROLE = f"arn:aws:iam::{OWNER}:role/deputy-target"

SAFE, VULN = "safe", "vulnerable"

# Source keys of a foreign request, as the attacker's resource makes AWS send
# them (THREAT_MODEL.md point 4: consistent, 12-digit accounts).
BOTH = {SA: ATTACKER, ARN: ATT_ARN}
SA_ONLY = {SA: ATTACKER}
ARN_ONLY = {ARN: ATT_ARN}


def acct_arn(account: str, resource: str = "streamprocessor/sp", service: str = "rekognition",
             partition: str = "aws") -> str:
    return f"arn:{partition}:{service}:us-east-1:{account}:{resource}"


def both(account: str) -> dict:
    return {SA: account, ARN: acct_arn(account)}


def request(source: dict | None, service: str = SERVICE, principal: str | None = None,
            action: str = ASSUME, resource: str | None = None, extra: dict | None = None) -> dict:
    """A request of the deputy in `deputy eval` form (THREAT_MODEL.md point 1)."""
    principal = principal or service
    names = [principal] if principal == service else [principal, service]
    context = {"aws:PrincipalServiceName": principal, "aws:PrincipalIsAWSService": "true",
               "aws:PrincipalServiceNamesList": names}
    context.update(source or {})
    context.update(extra or {})
    out = {"principal": principal, "action": action}
    if resource is not None:
        out["resource"] = resource
    out["context"] = context
    return out


def statement(effect="Allow", principal=None, action=ASSUME, condition=None, sid=None, **more) -> dict:
    out = {}
    if sid:
        out["Sid"] = sid
    out["Effect"] = effect
    if principal is not None:
        out["Principal"] = principal
    if action is not None:
        out["Action"] = action
    out.update(more)
    if condition is not None:
        out["Condition"] = condition
    return out


def policy(*statements, version="2012-10-17") -> dict:
    out = {}
    if version is not None:
        out["Version"] = version
    out["Statement"] = list(statements)
    return out


DEPUTY = {"Service": SERVICE}


def allow(condition=None, principal=None, action=ASSUME, **more) -> dict:
    return statement("Allow", principal if principal is not None else DEPUTY, action, condition, **more)


# -- the condition table -------------------------------------------------------------
# (id, condition, label, witness source keys or None, reason, tags, extra)
# ``extra`` may carry "principal" (an Allow principal other than the deputy's
# Service entry) and "context" (more witness keys).

CONDITIONS = [
    # --- safe: the account is pinned -------------------------------------------------
    ("sa-equals", {"StringEquals": {SA: OWNER}}, SAFE, None,
     "K1: aws:SourceAccount must equal the owner; an absent key fails StringEquals and a source ARN must agree with it (A13)",
     ["source-account"], {}),
    ("sa-equals-list", {"StringEquals": {SA: [OWNER]}}, SAFE, None,
     "K1, G5: a one-element list is the scalar", ["source-account"], {}),
    ("sa-key-upper", {"StringEquals": {"AWS:SOURCEACCOUNT": OWNER}}, SAFE, None,
     "C2 (case 16): key names are case-insensitive, so this pins the account", ["source-account", "key-case"], {}),
    ("sa-key-lower", {"StringEquals": {"aws:sourceaccount": OWNER}}, SAFE, None,
     "C2: key names are case-insensitive", ["source-account", "key-case"], {}),
    ("sa-key-mixed", {"StringEquals": {"Aws:SourceACCOUNT": OWNER}}, SAFE, None,
     "C2: key names are case-insensitive", ["source-account", "key-case"], {}),
    ("sa-unquoted-number", {"StringEquals": {SA: int(OWNER)}}, SAFE, None,
     "G5 (case 36): an unquoted number is its literal text, the owner's account", ["source-account", "numeric-account"], {}),
    ("sa-foranyvalue", {"ForAnyValue:StringEquals": {SA: OWNER}}, SAFE, None,
     "case 4: ForAnyValue on a single-valued key is StringEquals (absent key: false)", ["source-account", "set-operator"], {}),
    ("sa-foranyvalue-like", {"ForAnyValue:StringLike": {SA: OWNER}}, SAFE, None,
     "SO rules: ForAnyValue needs a present value matching the owner", ["source-account", "set-operator"], {}),
    ("sa-ignorecase", {"StringEqualsIgnoreCase": {SA: OWNER}}, SAFE, None,
     "C3: digits have no case; the account is pinned", ["source-account"], {}),
    ("sa-like-no-wildcard", {"StringLike": {SA: OWNER}}, SAFE, None,
     "C3: StringLike without a wildcard is equality", ["source-account", "like"], {}),
    ("sa-like-trailing-star", {"StringLike": {SA: OWNER + "*"}}, SAFE, None,
     "C3 + THREAT_MODEL 4: an account is exactly 12 digits, so the trailing * can only match the empty string",
     ["source-account", "like", "wildcard"], {}),
    ("sa-literal-star", {"StringEquals": {SA: "*"}}, SAFE, None,
     "case 9: StringEquals reads * literally; no account is '*' (useless but safe)",
     ["source-account", "wildcard", "useless"], {}),
    ("sa-lost-leading-zero", {"StringEquals": {SA: 12345678901}}, SAFE, None,
     "case 36, F2: 11 digits is no account ID, so nothing matches (useless but safe)",
     ["source-account", "numeric-account", "useless"], {}),
    ("sa-equals-and-null-false", {"StringEqualsIfExists": {SA: OWNER}, "Null": {SA: "false"}}, SAFE, None,
     "C6 + Null: the key must be present and then equal the owner", ["source-account", "ifexists", "null"], {}),
    ("sa-equals-and-isawsservice", {"StringEquals": {SA: OWNER}, "Bool": {"aws:PrincipalIsAWSService": "true"}},
     SAFE, None, "C1: operators are ANDed; the account is pinned", ["source-account"], {}),
    ("sa-numeric-equals", {"NumericEquals": {SA: OWNER}}, SAFE, None,
     "F2: the only 12-digit string whose number is 111122223333 is the owner's account",
     ["source-account", "numeric-account"], {}),
    ("arn-arnlike-owner", {"ArnLike": {ARN: f"arn:aws:rekognition:*:{OWNER}:*"}}, SAFE, None,
     "case 12, C4: ArnLike matches segment by segment, so the account field is the owner (and SourceAccount agrees, A13)",
     ["source-arn"], {}),
    ("arn-arnlike-owner-streams", {"ArnLike": {ARN: f"arn:aws:rekognition:*:{OWNER}:streamprocessor/*"}}, SAFE, None,
     "C4: account segment pinned", ["source-arn"], {}),
    ("arn-arnequals-owner", {"ArnEquals": {ARN: OWN_ARN}}, SAFE, None,
     "C4: one exact ARN of the owner", ["source-arn"], {}),
    ("arn-stringequals-owner", {"StringEquals": {ARN: OWN_ARN}}, SAFE, None,
     "C3: one exact ARN of the owner", ["source-arn"], {}),
    ("arn-stringlike-fixed-prefix", {"StringLike": {ARN: f"arn:aws:rekognition:us-east-1:{OWNER}:streamprocessor/*"}},
     SAFE, None, "C3: no wildcard before the account field, so the fifth field is the owner",
     ["source-arn", "like"], {}),
    ("arn-arnlike-any-partition", {"ArnLike": {ARN: f"arn:*:rekognition:*:{OWNER}:*"}}, SAFE, None,
     "C4, F1: any partition, but the account segment is pinned", ["source-arn", "partition"], {}),
    ("arn-arnlike-aws-cn", {"ArnLike": {ARN: f"arn:aws-cn:rekognition:cn-north-1:{OWNER}:*"}}, SAFE, None,
     "F1: aws-cn partition, account pinned", ["source-arn", "partition"], {}),
    ("arn-arnlike-gov", {"ArnLike": {ARN: f"arn:aws-us-gov:rekognition:us-gov-west-1:{OWNER}:*"}}, SAFE, None,
     "F1: aws-us-gov partition, account pinned", ["source-arn", "partition"], {}),
    ("doc-rekognition", {"StringEquals": {SA: OWNER},
                         "StringLike": {ARN: f"arn:aws:rekognition:*:{OWNER}:streamprocessor/*"}}, SAFE, None,
     "K8: the AWS Rekognition shape; the StringLike is loose (case 11) but SourceAccount pins the account",
     ["source-account", "source-arn", "like", "aws-docs"], {}),
    ("contradiction", {"StringEquals": {SA: OWNER}, "ArnLike": {ARN: f"arn:aws:rekognition:*:{ATTACKER}:*"}},
     SAFE, None, "case 14, K2: the two keys must name the same account, so the statement never applies (useless)",
     ["source-account", "source-arn", "useless"], {}),
    ("misspelt-key-equals", {"StringEquals": {"aws:SourceAcount": OWNER}}, SAFE, None,
     "case 17: AWS never sends the misspelt key, so StringEquals never holds (useless)",
     ["misspelt-key", "useless"], {}),
    ("s3-arn-and-account", {"StringEquals": {SA: OWNER}, "ArnLike": {ARN: "arn:aws:s3:::bucket"}}, SAFE, None,
     "K2, K8: the S3 ARN has no account but SourceAccount pins it", ["source-account", "source-arn"], {}),
    ("sa-or-values-trusted", {"StringEquals": {SA: [OWNER, OWNER]}}, SAFE, None,
     "C1: values are ORed; both are the owner", ["source-account"], {}),
    ("arn-stringequals-config-owner", {"StringEquals": {ARN: f"arn:aws:config:us-east-1:{OWNER}:*"}}, SAFE, None,
     "K3: the literal-* Config ARN of the owner's account", ["source-arn", "wildcard"], {}),
    ("arn-stringequals-literal-star", {"StringEquals": {ARN: f"arn:aws:rekognition:*:{OWNER}:*"}}, SAFE, None,
     "C3: StringEquals reads * literally; the only matching ARN names the owner", ["source-arn", "wildcard"], {}),
    ("arn-arnequals-owner-wildcard", {"ArnEquals": {ARN: f"arn:aws:rekognition:us-east-1:{OWNER}:streamprocessor/*"}},
     SAFE, None, "C4: ArnEquals takes wildcards, but the account segment is pinned", ["source-arn", "wildcard"], {}),
    ("arn-ignorecase-owner", {"StringEqualsIgnoreCase": {ARN: OWN_ARN.upper()}}, SAFE, None,
     "C3: any letter case of the owner's ARN still names the owner's (digit) account", ["source-arn"], {}),
    ("both-ifexists", {"StringEqualsIfExists": {SA: OWNER}, "ArnLikeIfExists": {ARN: f"arn:aws:rekognition:*:{OWNER}:*"}},
     VULN, {"aws:SourceOwner": ATTACKER}, "C6 + K9: a request whose only source key is a foreign aws:SourceOwner "
     "passes both IfExists tests", ["source-account", "source-arn", "ifexists", "source-owner"], {}),
    ("all-ifexists", {"StringEqualsIfExists": {SA: OWNER, "aws:SourceOwner": OWNER},
                      "ArnLikeIfExists": {ARN: f"arn:aws:rekognition:*:{OWNER}:*"}},
     SAFE, None, "C6 + THREAT_MODEL 3: a request naming a foreign account fails one of the tests; only "
     "requests naming no account pass (unattributed, not foreign by default)",
     ["source-account", "source-arn", "ifexists", "source-owner"], {}),
    ("sa-equals-and-notequals", {"StringEquals": {SA: OWNER}, "StringNotEquals": {SA: OWNER}}, SAFE, None,
     "C1: the two tests contradict each other (useless)", ["source-account", "negated", "useless"], {}),
    ("star-not-aws-service", {"Bool": {"aws:PrincipalIsAWSService": "false"}}, SAFE, None,
     "K5: the deputy's own calls carry PrincipalIsAWSService true, so Principal * excludes it here",
     ["service-key", "principal-star"], {"principal": "*"}),
    ("arn-pinned-sa-like-star", {"StringLike": {SA: "*"}, "ArnLike": {ARN: f"arn:aws:rekognition:us-east-1:{OWNER}:*"}},
     SAFE, None, "C4, A13: the ARN pins the owner and SourceAccount must agree with it", ["source-arn", "like"], {}),
    ("sa-leading-space", {"StringEquals": {SA: " " + OWNER}}, SAFE, None,
     "C3, F2: ' 111122223333' is no 12-digit account, nothing matches (useless)", ["source-account", "useless"], {}),
    ("sa-two-keys-contradict", {"StringEquals": {SA: OWNER, ARN: ATT_ARN}}, SAFE, None,
     "C1, K2: keys under one operator are ANDed and must name the same account (useless)",
     ["source-account", "source-arn", "useless"], {}),
    ("sa-forallvalues-null-false", {"ForAllValues:StringEquals": {SA: OWNER}, "Null": {SA: "false"}}, SAFE, None,
     "SO2 + C7: with the key present, ForAllValues on one value is equality", ["source-account", "set-operator", "null"], {}),
    # --- vulnerable ------------------------------------------------------------------
    ("sa-like-list-with-star", {"StringLike": {SA: [OWNER, "*"]}}, VULN, BOTH,
     "C1: values are ORed and the second is *", ["source-account", "like", "wildcard"], {}),
    ("sa-foranyvalue-two", {"ForAnyValue:StringEquals": {SA: [OWNER, ATTACKER]}}, VULN, BOTH,
     "case 7 with a set operator: values are ORed", ["source-account", "set-operator"], {}),
    ("arn-empty-account", {"ArnLike": {ARN: "arn:aws:rekognition:us-east-1::*"}}, VULN,
     {SA: ATTACKER, ARN: "arn:aws:rekognition:us-east-1::streamprocessor/sp"},
     "F1, K2: the pattern only admits ARNs without an account, so SourceAccount can name anyone",
     ["source-arn"], {}),
    ("arn-short-account-prefix", {"ArnLike": {ARN: f"arn:aws:rekognition:*:{OWNER}*"}}, VULN,
     {SA: ATTACKER, ARN: f"arn:aws:rekognition:us-east-1:{ATTACKER}:x:{OWNER}:sp"},
     "A7: five parts make a short pattern, read Allow-side as a whole-string glob", ["source-arn", "wildcard"], {}),
    ("sa-notequals-owner", {"StringNotEquals": {SA: OWNER}}, VULN, BOTH,
     "C3 negated in an Allow: every account but the owner (the Deny-side test written in an Allow)",
     ["source-account", "negated"], {}),
    ("star-service-name-not-deputy", {"StringNotEquals": {"aws:PrincipalServiceName": SERVICE}}, VULN,
     {"principal": "rekognition.us-east-1.amazonaws.com", **BOTH},
     "P2, A16: the deputy calling by its regional name is not the excluded global name",
     ["service-key", "principal-star", "principal-regional", "negated"], {"principal": "*"}),
    ("none", None, VULN, BOTH, "case 1: no condition, so any source account is allowed", ["no-condition"], {}),
    ("empty-condition", {}, VULN, BOTH, "case 35, A9: an empty Condition restricts nothing Allow-side",
     ["no-condition"], {}),
    ("sa-empty-list", {"StringEquals": {SA: []}}, VULN, BOTH,
     "case 35, A9: an empty value list is read as true Allow-side", ["source-account"], {}),
    ("sa-ifexists", {"StringEqualsIfExists": {SA: OWNER}}, VULN, ARN_ONLY,
     "case 2, C6: without aws:SourceAccount the test passes, and the foreign account is in aws:SourceArn",
     ["source-account", "ifexists"], {}),
    ("sa-forallvalues", {"ForAllValues:StringEquals": {SA: OWNER}}, VULN, ARN_ONLY,
     "case 3, SO2: ForAllValues is true for an absent key; the foreign account is in aws:SourceArn",
     ["source-account", "set-operator"], {}),
    ("sa-forallvalues-like", {"ForAllValues:StringLike": {SA: OWNER}}, VULN, ARN_ONLY,
     "SO2: ForAllValues is true for an absent key", ["source-account", "set-operator", "like"], {}),
    ("sa-notequals-attacker", {"StringNotEquals": {SA: ATTACKER}}, VULN, both(OTHER),
     "case 5: a deny-list of one account lets every other account in", ["source-account", "negated"], {}),
    ("sa-notequals-list", {"StringNotEquals": {SA: [ATTACKER, OTHER]}}, VULN, both("555566667777"),
     "case 6, C1: neither A nor B; a third account passes", ["source-account", "negated"], {}),
    ("sa-notlike", {"StringNotLike": {SA: "9999*"}}, VULN, both(OTHER),
     "C3: a negated pattern in an Allow lets every non-matching account in", ["source-account", "negated", "like"], {}),
    ("sa-notequals-ifexists", {"StringNotEqualsIfExists": {SA: ATTACKER}}, VULN, both(OTHER),
     "C6: negated IfExists in an Allow lets other accounts in", ["source-account", "negated", "ifexists"], {}),
    ("sa-foranyvalue-notequals", {"ForAnyValue:StringNotEquals": {SA: OWNER}}, VULN, BOTH,
     "SO3: some value differs from the owner, i.e. any foreign account", ["source-account", "negated", "set-operator"], {}),
    ("sa-forallvalues-notequals", {"ForAllValues:StringNotEquals": {SA: OWNER}}, VULN, BOTH,
     "SO2: every value differs from the owner, i.e. any foreign account", ["source-account", "negated", "set-operator"], {}),
    ("sa-two-values", {"StringEquals": {SA: [OWNER, ATTACKER]}}, VULN, BOTH,
     "case 7, C1: values are ORed, so the second account is admitted", ["source-account"], {}),
    ("sa-like-star", {"StringLike": {SA: "*"}}, VULN, BOTH,
     "C3: StringLike * accepts every present account (the key is present, any value)",
     ["source-account", "like", "wildcard", "key-present-any-value"], {}),
    ("sa-like-prefix", {"StringLike": {SA: "1111222233*"}}, VULN, both("111122223399"),
     "case 8: a prefix pattern admits 100 accounts", ["source-account", "like", "wildcard"], {}),
    ("sa-like-question", {"StringLike": {SA: "11112222333?"}}, VULN, both("111122223334"),
     "case 8: ? admits ten accounts", ["source-account", "like", "wildcard"], {}),
    ("sa-like-twelve-questions", {"StringLike": {SA: "????????????"}}, VULN, BOTH,
     "C3: twelve ? admit every account", ["source-account", "like", "wildcard", "key-present-any-value"], {}),
    ("sa-null-false", {"Null": {SA: "false"}}, VULN, BOTH,
     "C7: Null false only asks that the key be present", ["source-account", "null", "key-present-any-value"], {}),
    ("sa-null-true", {"Null": {SA: "true"}}, VULN, ARN_ONLY,
     "case 33, A2: keyless on SourceAccount, but aws:SourceArn names the foreign account", ["source-account", "null"], {}),
    ("sa-variable-self", {"StringEquals": {SA: "${aws:SourceAccount}"}}, VULN, BOTH,
     "case 18, V1: under 2012-10-17 the variable is the key itself, so any account matches",
     ["source-account", "variable"], {}),
    ("sa-principal-account-variable", {"StringEquals": {SA: "${aws:PrincipalAccount}"}}, VULN, BOTH,
     "case 20, K6, A15: aws:PrincipalAccount is free for a service caller", ["source-account", "variable"],
     {"context": {"aws:PrincipalAccount": ATTACKER}}),
    ("sa-numeric-lost-zero", {"NumericEquals": {SA: 11112222333}}, VULN, both("011112222333"),
     "F2: the number 11112222333 is also the account 011112222333", ["source-account", "numeric-account"], {}),
    ("sa-numeric-less-than", {"NumericLessThan": {SA: OWNER}}, VULN, both("100000000000"),
     "C5: a numeric range admits many accounts", ["source-account", "numeric-account"], {}),
    ("sa-misspelt-notequals", {"StringNotEquals": {"aws:SourceAcount": ATTACKER}}, VULN, BOTH,
     "case 17: the misspelt key is never sent, so the negated test always holds", ["misspelt-key", "negated"], {}),
    ("arn-arnlike-any-account", {"ArnLike": {ARN: "arn:aws:rekognition:*:*:*"}}, VULN, BOTH,
     "C4: the account segment is *, any account", ["source-arn", "wildcard", "key-present-any-value"], {}),
    ("arn-arnequals-wildcards", {"ArnEquals": {ARN: "arn:aws:rekognition:*:*:*"}}, VULN, BOTH,
     "case 10: ArnEquals takes wildcards too", ["source-arn", "wildcard", "key-present-any-value"], {}),
    ("arn-stringlike-any", {"StringLike": {ARN: "arn:aws:rekognition:*:*:*"}}, VULN, BOTH,
     "C3: any account", ["source-arn", "like", "wildcard", "key-present-any-value"], {}),
    ("arn-stringlike-region-star", {"StringLike": {ARN: f"arn:aws:rekognition:*:{OWNER}:*"}}, VULN,
     {SA: ATTACKER, ARN: f"arn:aws:rekognition:us-east-1:{ATTACKER}:x:{OWNER}:sp"},
     "case 11, C3: StringLike's * crosses colons and the resource part may hold ':owner:'",
     ["source-arn", "like", "wildcard"], {}),
    ("arn-stringlike-readme", {"StringLike": {ARN: f"arn:aws:rekognition:*:{OWNER}:streamprocessor/*"}}, VULN,
     {SA: ATTACKER, ARN: f"arn:aws:rekognition:us-east-1:{ATTACKER}:x:{OWNER}:streamprocessor/sp"},
     "case 11 (K8 shape without SourceAccount): the region * crosses colons",
     ["source-arn", "like", "wildcard", "aws-docs"], {}),
    ("arn-arnlike-short", {"ArnLike": {ARN: "arn:aws:rekognition:*"}}, VULN, BOTH,
     "case 12, A7: a short pattern is a whole-string glob Allow-side", ["source-arn", "wildcard", "key-present-any-value"], {}),
    ("arn-arnlike-star", {"ArnLike": {ARN: "*"}}, VULN, BOTH,
     "A7: '*' matches every ARN Allow-side", ["source-arn", "wildcard", "key-present-any-value"], {}),
    ("arn-s3-no-account", {"ArnLike": {ARN: "arn:aws:s3:::bucket"}}, VULN, {SA: ATTACKER, ARN: "arn:aws:s3:::bucket"},
     "case 13, K2: an S3 ARN names no account, so a foreign SourceAccount rides along",
     ["source-arn"], {}),
    ("arn-account-prefix", {"ArnLike": {ARN: "arn:aws:rekognition:us-east-1:1111222233*:*"}}, VULN,
     both("111122223399"), "C4: a wildcard inside the account segment", ["source-arn", "wildcard"], {}),
    ("arn-account-question", {"ArnLike": {ARN: "arn:aws:rekognition:*:11112222333?:*"}}, VULN,
     both("111122223334"), "C4: ? inside the account segment", ["source-arn", "wildcard"], {}),
    ("arn-notlike-attacker", {"ArnNotLike": {ARN: f"arn:aws:rekognition:*:{ATTACKER}:*"}}, VULN, both(OTHER),
     "C4 negated in an Allow: every other account passes", ["source-arn", "negated"], {}),
    ("arn-notequals-owner", {"ArnNotEquals": {ARN: OWN_ARN}}, VULN, BOTH,
     "C4 negated in an Allow: every other ARN passes", ["source-arn", "negated"], {}),
    ("arn-variable-self", {"ArnLike": {ARN: "arn:aws:rekognition:*:${aws:SourceAccount}:*"}}, VULN, BOTH,
     "case 19: the account segment refers to the request's own SourceAccount", ["source-arn", "variable"], {}),
    ("arn-config-literal-attacker", {"StringEquals": {ARN: f"arn:aws:config:us-east-1:{ATTACKER}:*"}}, VULN,
     {SA: ATTACKER, ARN: f"arn:aws:config:us-east-1:{ATTACKER}:*"},
     "case 34, K3: Config sends this literal-* ARN, and it names a foreign account", ["source-arn", "wildcard"], {}),
    ("arn-ifexists", {"ArnLikeIfExists": {ARN: f"arn:aws:rekognition:*:{OWNER}:*"}}, VULN, SA_ONLY,
     "C6: without aws:SourceArn the test passes, and SourceAccount names the foreign account",
     ["source-arn", "ifexists"], {}),
    ("arn-owner-or-attacker", {"ArnLike": {ARN: [OWN_ARN, f"arn:aws:rekognition:*:{ATTACKER}:*"]}}, VULN, BOTH,
     "C1: values are ORed", ["source-arn"], {}),
    ("source-owner", {"StringEquals": {"aws:SourceOwner": OWNER}}, SAFE, None,
     "K9: aws:SourceOwner names the source account, so every source key of a request it lets in names the owner",
     ["source-owner"], {}),
    ("source-owner-attacker", {"StringEquals": {"aws:SourceOwner": ATTACKER}}, VULN, {"aws:SourceOwner": ATTACKER},
     "K9: a foreign aws:SourceOwner makes the request foreign", ["source-owner"], {}),
    ("principal-account", {"StringEquals": {"aws:PrincipalAccount": OWNER}}, VULN, BOTH,
     "K6, A15: aws:PrincipalAccount is undocumented for service callers, so free", ["other-key"],
     {"context": {"aws:PrincipalAccount": OWNER}}),
    ("principal-org", {"StringEquals": {"aws:PrincipalOrgID": ORG}}, SAFE, None,
     "K10: a service principal's request carries no aws:PrincipalOrgID, so the condition never holds (useless)",
     ["principal-org", "useless"], {}),
    ("source-org-untrusted", {"StringEquals": {"aws:SourceOrgID": ORG}}, VULN, BOTH,
     "K4 + THREAT_MODEL T: without --trusted-org, other accounts of that organization are untrusted",
     ["source-org"], {"context": {"aws:SourceOrgID": ORG}}),
    ("source-org-paths", {"ForAnyValue:StringLike": {"aws:SourceOrgPaths": f"{ORG}/*"}}, VULN, BOTH,
     "K4: any account of the organization; none is trusted by default", ["source-org", "set-operator"],
     {"context": {"aws:SourceOrgID": ORG, "aws:SourceOrgPaths": [f"{ORG}/r-ab12/"]}}),
    ("external-id", {"StringEquals": {"sts:ExternalId": "shared-secret"}}, VULN, BOTH,
     "THREAT_MODEL 5: sts:ExternalId is not tied to the source account", ["other-key"],
     {"context": {"sts:ExternalId": "shared-secret"}}),
    ("source-ip", {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, VULN, BOTH,
     "THREAT_MODEL 5: the source IP says nothing about the source account", ["other-key"],
     {"context": {"aws:SourceIp": "203.0.113.7"}}),
    ("secure-transport", {"Bool": {"aws:SecureTransport": "true"}}, VULN, BOTH,
     "THREAT_MODEL 5: an unrelated key", ["other-key"], {"context": {"aws:SecureTransport": "true"}}),
    ("is-aws-service", {"Bool": {"aws:PrincipalIsAWSService": "true"}}, VULN, BOTH,
     "case 22: every service call has PrincipalIsAWSService true", ["service-key"], {}),
    ("service-name", {"StringEquals": {"aws:PrincipalServiceName": SERVICE}}, VULN, BOTH,
     "K5: names the deputy, not the source account", ["service-key"], {}),
    ("star-service-name", {"StringEquals": {"aws:PrincipalServiceName": SERVICE}}, VULN, BOTH,
     "case 21: Principal * narrowed to the deputy only", ["service-key", "principal-star"], {"principal": "*"}),
    ("star-is-aws-service", {"Bool": {"aws:PrincipalIsAWSService": "true"}}, VULN, BOTH,
     "case 22: Principal * narrowed to AWS services only", ["service-key", "principal-star"], {"principal": "*"}),
    ("star-service-names-list", {"ForAnyValue:StringEquals": {"aws:PrincipalServiceNamesList": SERVICE}}, VULN, BOTH,
     "K5: Principal * narrowed to the deputy's names only", ["service-key", "principal-star", "set-operator"],
     {"principal": "*"}),
    ("sa-ifexists-in-ignorecase", {"StringEqualsIgnoreCaseIfExists": {SA: OWNER}}, VULN, ARN_ONLY,
     "C6: IfExists passes a request without aws:SourceAccount", ["source-account", "ifexists"], {}),
]


def condition_cases():
    for cid, condition, label, source, reason, tags, extra in CONDITIONS:
        principal = extra.get("principal", DEPUTY)
        pol = policy(allow(condition, principal=principal))
        witness = None
        if label == VULN:
            source = dict(source)
            witness = request(source, principal=source.pop("principal", None), extra=extra.get("context"))
        yield case(f"cond-{cid}", pol, label, reason, witness, ["condition", *tags])


# -- principals x conditions ---------------------------------------------------------
# (id, element name, value, covers the deputy?, reason, witness principal, tags)
PRINCIPALS = [
    ("service", "Principal", {"Service": SERVICE}, True, "P1: names the deputy", None, []),
    ("service-list", "Principal", {"Service": ["ec2.amazonaws.com", SERVICE, "lambda.amazonaws.com"]}, True,
     "G6: one Service key lists the deputy among others", None, ["service-list"]),
    ("service-capitalised", "Principal", {"Service": "Rekognition.amazonaws.com"}, True,
     "case 30, P8, A6: service names compare case-insensitively Allow-side", None, ["principal-case"]),
    ("service-upper", "Principal", {"Service": "REKOGNITION.AMAZONAWS.COM"}, True,
     "P8, A6: case-insensitive Allow-side", None, ["principal-case"]),
    ("service-regional", "Principal", {"Service": "rekognition.us-east-1.amazonaws.com"}, True,
     "case 30, P2, A16: the deputy may call with its regional name", "rekognition.us-east-1.amazonaws.com",
     ["principal-regional"]),
    ("star", "Principal", "*", True, "P3: * matches service principals", None, ["principal-star"]),
    ("aws-star", "Principal", {"AWS": "*"}, True, "case 28, P4, A1: {AWS: *} matches services Allow-side", None,
     ["principal-aws-star"]),
    ("mixed-owner-role", "Principal", {"Service": SERVICE, "AWS": f"arn:aws:iam::{OWNER}:role/admin"}, True,
     "case 32, G6: principal entries are alternatives; the deputy is one", None, ["principal-mixed"]),
    ("mixed-attacker-root", "Principal", {"AWS": f"arn:aws:iam::{ATTACKER}:root", "Service": [SERVICE]}, True,
     "G6: mixed map; the Service entry covers the deputy", None, ["principal-mixed"]),
    ("notprincipal-account", "NotPrincipal", {"AWS": OWNER}, True,
     "case 29, P7: NotPrincipal in an Allow covers every service", None, ["notprincipal"]),
    ("notprincipal-other-service", "NotPrincipal", {"Service": "ec2.amazonaws.com"}, True,
     "P7: the deputy is not in the exemption list", None, ["notprincipal"]),
    ("notprincipal-deputy-global", "NotPrincipal", {"Service": SERVICE}, True,
     "P7, P2, A16: the exemption names only the global name; the deputy's regional name is not exempt",
     "rekognition.us-east-1.amazonaws.com", ["notprincipal", "principal-regional"]),
    ("other-service", "Principal", {"Service": "ec2.amazonaws.com"}, False,
     "P1: another service, not the deputy", None, []),
    ("other-services", "Principal", {"Service": ["ec2.amazonaws.com", "lambda.amazonaws.com"]}, False,
     "G6: the list does not name the deputy", None, ["service-list"]),
    ("lookalike-service", "Principal", {"Service": "rekognition-stream.amazonaws.com"}, False,
     "P1: a different service name", None, []),
    ("account-id", "Principal", {"AWS": ATTACKER}, False, "P5: an account principal never matches a service",
     None, ["numeric-account"]),
    ("account-root", "Principal", {"AWS": f"arn:aws:iam::{OWNER}:root"}, False,
     "P5: an account principal never matches a service", None, []),
    ("federated", "Principal", {"Federated": "cognito-identity.amazonaws.com"}, False,
     "P5: a federated principal never matches a service", None, []),
    ("empty-map", "Principal", {}, False, "E4: an empty Principal map applies to no one", None, []),
]

PRINCIPAL_CONDITIONS = [
    ("none", None, True, BOTH, "no condition"),
    ("sa-owner", {"StringEquals": {SA: OWNER}}, False, None, "StringEquals aws:SourceAccount owner (K1)"),
    ("sa-like-star", {"StringLike": {SA: "*"}}, True, BOTH, "StringLike aws:SourceAccount * admits any account"),
]


def principal_cases():
    for pid, element, value, covers, preason, wprincipal, ptags in PRINCIPALS:
        for cid, condition, admits, source, creason in PRINCIPAL_CONDITIONS:
            st = statement("Allow", None, ASSUME, condition, **{element: value})
            vulnerable = covers and admits
            if vulnerable:
                reason = f"{preason}; {creason}"
            elif not covers:
                reason = f"{preason}, so no deputy request is allowed"
            else:
                reason = f"{preason}, but {creason}"
            witness = request(source, principal=wprincipal) if vulnerable else None
            yield case(f"principal-{pid}-{cid}", policy(st), VULN if vulnerable else SAFE, reason, witness,
                       ["principal", *ptags] + (["key-present-any-value"] if cid == "sa-like-star" else []))


# -- actions x conditions -----------------------------------------------------------
# (id, element, value, covers sts:AssumeRole?, reason, tags)
ACTIONS = [
    ("exact", "Action", "sts:AssumeRole", True, "AC1: the deputy's action", []),
    ("service-star", "Action", "sts:*", True, "AC1: sts:* covers AssumeRole", ["action-wildcard"]),
    ("star", "Action", "*", True, "AC1: * covers everything", ["action-wildcard"]),
    ("upper", "Action", "STS:ASSUMEROLE", True, "AC1: actions are case-insensitive", ["action-case"]),
    ("lower", "Action", "sts:assumerole", True, "AC1: actions are case-insensitive", ["action-case"]),
    ("question", "Action", "sts:Assume?ole", True, "case 31, AC1: ? matches one character", ["action-wildcard"]),
    ("prefix", "Action", "STS:Assume*", True, "case 31: case-insensitive prefix wildcard", ["action-wildcard", "action-case"]),
    ("suffix", "Action", "sts:*Role", True, "AC1: * matches any run", ["action-wildcard"]),
    ("with-tagsession", "Action", ["sts:AssumeRole", "sts:TagSession"], True,
     "AC3: the list includes AssumeRole", []),
    ("three", "Action", ["sts:TagSession", "sts:SetSourceIdentity", "sts:AssumeRole"], True,
     "AC3: the list includes AssumeRole", []),
    ("notaction-tag", "NotAction", "sts:TagSession", True, "AC2: NotAction TagSession covers AssumeRole",
     ["notaction"]),
    ("notaction-iam", "NotAction", ["iam:*", "s3:*"], True, "AC2: everything outside iam and s3", ["notaction"]),
    ("tagsession", "Action", "sts:TagSession", False, "AC3: only TagSession is granted", []),
    ("web-identity", "Action", "sts:AssumeRoleWithWebIdentity", False, "AC1: a different action", []),
    ("with-star", "Action", "sts:AssumeRoleWith*", False, "AC1: needs the text 'With' after AssumeRole",
     ["action-wildcard"]),
    ("one-more-char", "Action", "sts:AssumeRole?", False, "AC1: ? needs exactly one more character",
     ["action-wildcard"]),
    ("notaction-sts", "NotAction", "sts:*", False, "AC2: NotAction sts:* excludes AssumeRole", ["notaction"]),
    ("notaction-assume", "NotAction", "STS:AssumeRole", False, "AC2: excludes AssumeRole (any case)",
     ["notaction", "action-case"]),
    ("empty-list", "Action", [], False, "E4: an empty Action list has no effect", []),
]

ACTION_CONDITIONS = [
    ("none", None, True, BOTH, "no condition"),
    ("sa-owner", {"StringEquals": {SA: OWNER}}, False, None, "StringEquals aws:SourceAccount owner (K1)"),
]


def action_cases():
    for aid, element, value, covers, areason, atags in ACTIONS:
        for cid, condition, admits, source, creason in ACTION_CONDITIONS:
            st = statement("Allow", DEPUTY, None, condition, **{element: value})
            vulnerable = covers and admits
            if vulnerable:
                reason = f"{areason}; {creason}"
            elif not covers:
                reason = f"{areason}, so the deputy's sts:AssumeRole is not granted"
            else:
                reason = f"{areason}, but {creason}"
            witness = request(source) if vulnerable else None
            yield case(f"action-{aid}-{cid}", policy(st), VULN if vulnerable else SAFE, reason, witness,
                       ["action", *atags])


# -- Deny statements guarding an unconditioned Allow ----------------------------------
DENY_ALL = {"Effect": "Deny", "Principal": "*", "Action": "*"}


def deny(condition, **changes):
    out = {k: v for k, v in dict(DENY_ALL, **changes).items() if v is not None}
    if condition is not None:
        out["Condition"] = condition
    return out


DENIES = [
    ("notequals", deny({"StringNotEquals": {SA: OWNER}}), SAFE, None,
     "case 23: a negated operator is true for an absent key, so every request not from the owner is denied"),
    ("notequals-ifexists", deny({"StringNotEqualsIfExists": {SA: OWNER}}), SAFE, None,
     "case 24, C6: IfExists denies when the key is absent too"),
    ("notequals-sts-action", deny({"StringNotEquals": {SA: OWNER}}, Action="sts:AssumeRole"), SAFE, None,
     "E2: the Deny covers the deputy's action"),
    ("notequals-service-principal", deny({"StringNotEquals": {SA: OWNER}}, Principal={"Service": SERVICE}), VULN,
     {"principal": "rekognition.us-east-1.amazonaws.com", **BOTH},
     "A16, P2: Deny-side a Service name matches only itself; the deputy calling by its regional name escapes the Deny"),
    ("notequals-and-isawsservice", deny({"StringNotEquals": {SA: OWNER},
                                         "Bool": {"aws:PrincipalIsAWSService": "true"}}), SAFE, None,
     "K5: the deputy's calls have PrincipalIsAWSService true, so the Deny applies"),
    ("arnnotlike-owner", deny({"ArnNotLike": {ARN: f"arn:aws:rekognition:*:{OWNER}:*"}}), SAFE, None,
     "C4: denies any request whose source ARN is absent or not the owner's; a foreign SourceAccount with the owner's ARN is inconsistent (A13)"),
    ("notequals-key-upper", deny({"StringNotEquals": {"AWS:SourceAccount": OWNER}}), SAFE, None,
     "C2: the key's case does not matter"),
    ("misspelt-key", deny({"StringNotEquals": {"aws:SourceAcount": OWNER}}), SAFE, None,
     "case 17: the misspelt key is never sent, so the negated test always holds and everything is denied (useless)"),
    ("foranyvalue", deny({"ForAnyValue:StringNotEquals": {SA: OWNER}}), VULN, ARN_ONLY,
     "case 25, A4: ForAnyValue is false Deny-side for an absent key; aws:SourceArn carries the foreign account"),
    ("null-guard", deny({"StringNotEquals": {SA: OWNER}, "Null": {SA: "false"}}), VULN, ARN_ONLY,
     "case 26: the Null guard skips requests without aws:SourceAccount"),
    ("perimeter", deny({"StringNotEqualsIfExists": {SA: OWNER}, "Null": {SA: "false"},
                        "Bool": {"aws:PrincipalIsAWSService": "true"}}), VULN, ARN_ONLY,
     "K8 perimeter Deny: skips keyless-on-SourceAccount requests by design"),
    ("aws-star", deny({"StringNotEquals": {SA: OWNER}}, Principal={"AWS": "*"}), VULN, BOTH,
     "case 27, A1: {AWS: *} does not cover services Deny-side"),
    ("two-accounts", deny({"StringNotEquals": {SA: [OWNER, ATTACKER]}}), VULN, BOTH,
     "C1: the Deny spares the second account"),
    ("notlike-prefix", deny({"StringNotLike": {SA: "1111*"}}), VULN, both("111199999999"),
     "C3: the Deny spares every account starting 1111"),
    ("tagsession-only", deny({"StringNotEquals": {SA: OWNER}}, Action="sts:TagSession"), VULN, BOTH,
     "E1: the Deny does not cover sts:AssumeRole"),
    ("other-service", deny({"StringNotEquals": {SA: OWNER}}, Principal={"Service": "ec2.amazonaws.com"}), VULN, BOTH,
     "E1: the Deny names another service"),
    ("notprincipal-deputy", {"Effect": "Deny", "NotPrincipal": {"Service": SERVICE}, "Action": "*"}, VULN, BOTH,
     "P7: a Deny with NotPrincipal exempts the deputy"),
    ("empty-condition", deny({}), VULN, BOTH,
     "A9: an empty Condition makes a Deny inapplicable (the conservative reading)"),
    ("stringequals-attacker", deny({"StringEquals": {SA: ATTACKER}}), VULN, both(OTHER),
     "E2: denying one account leaves the others"),
    ("arnlike-attacker", deny({"ArnLike": {ARN: f"arn:aws:rekognition:*:{ATTACKER}:*"}}), VULN, both(OTHER),
     "E2: denying one account leaves the others"),
    ("forallvalues", deny({"ForAllValues:StringNotEquals": {SA: OWNER}}), VULN, ARN_ONLY,
     "A3: ForAllValues is false Deny-side for an absent key"),
    ("notequals-and-stringnotlike", deny({"StringNotEquals": {SA: OWNER},
                                          "StringNotLike": {ARN: f"arn:aws:rekognition:*:{OWNER}:*"}}), VULN,
     {ARN: f"arn:aws:rekognition:us-east-1:{ATTACKER}:x:{OWNER}:sp"},
     "C1, C3: both tests must hold to deny; a foreign ARN holding ':owner:' matches the StringLike pattern, so the "
     "StringNotLike is false and the Deny does not apply"),
    ("notequals-and-arnnotlike", deny({"StringNotEquals": {SA: OWNER},
                                       "ArnNotLike": {ARN: f"arn:aws:rekognition:*:{OWNER}:*"}}), SAFE, None,
     "C1, C4: a foreign SourceAccount fails StringNotEquals' exemption; a foreign ARN account fails ArnNotLike's "
     "(segment-wise); only requests naming no account escape"),
    ("arnnotlike-ifexists", deny({"ArnNotLikeIfExists": {ARN: f"arn:aws:rekognition:*:{OWNER}:*"}}), SAFE, None,
     "C6: an absent ARN is denied too; a present one must name the owner, and SourceAccount must agree (A13)"),
    ("arnnotequals-wildcard", deny({"ArnNotEquals": {ARN: f"arn:aws:rekognition:*:{OWNER}:*"}}), SAFE, None,
     "C4: ArnNotEquals is ArnNotLike; absent or non-owner ARNs are denied"),
    ("null-true-only", deny({"Null": {SA: "true"}}), VULN, BOTH,
     "C7: denies only requests without SourceAccount; a foreign one is allowed"),
    ("notaction-tagsession", deny({"StringNotEquals": {SA: OWNER}}, Action=None, NotAction="sts:TagSession"), SAFE,
     None, "AC2: NotAction TagSession covers AssumeRole; case 23"),
    ("notaction-assumerole", deny({"StringNotEquals": {SA: OWNER}}, Action=None, NotAction="sts:AssumeRole"), VULN,
     BOTH, "AC2: the Deny covers everything but AssumeRole"),
    ("action-upper", deny({"StringNotEquals": {SA: OWNER}}, Action="STS:ASSUMEROLE"), SAFE, None,
     "AC1: action names are case-insensitive (documented), Deny-side too; case 23"),
    ("action-wildcard", deny({"StringNotEquals": {SA: OWNER}}, Action="sts:Assume*"), SAFE, None,
     "AC1: sts:Assume* covers AssumeRole; case 23"),
    ("service-capitalised", deny({"StringNotEquals": {SA: OWNER}}, Principal={"Service": "REKOGNITION.amazonaws.com"}),
     VULN, BOTH, "P8, A6: Deny-side a service name compares exactly, so this Deny does not name the deputy"),
    ("variable-self", deny({"StringNotEquals": {SA: "${aws:SourceAccount}"}}), VULN, BOTH,
     "V1, V2: a present SourceAccount equals itself, so the Deny only catches requests without it"),
    ("regional-deny", deny({"StringNotEquals": {SA: OWNER}}, Principal={"Service": "rekognition.us-east-1.amazonaws.com"}),
     VULN, BOTH, "A16: Deny-side the regional name matches only itself; the global name is not denied"),
]


def deny_cases():
    for did, deny_statement, label, source, reason in DENIES:
        pol = policy(allow(None), deny_statement)
        witness = None
        if label == VULN:
            source = dict(source)
            witness = request(source, principal=source.pop("principal", None))
        yield case(f"deny-{did}", pol, label, reason, witness, ["deny"])
    # The Allow is restricted too: a useless Deny changes nothing.
    yield case("deny-allow-restricted", policy(allow({"StringEquals": {SA: OWNER}}),
                                              deny({"StringEquals": {SA: ATTACKER}})),
               SAFE, "K1 on the Allow; the Deny only removes more", None, ["deny"])
    yield case("deny-only", policy(deny(None)), SAFE, "E3: only Deny statements, nothing is allowed", None,
               ["deny", "useless"])


# -- several statements -------------------------------------------------------------
def multi_cases():
    owner_only = {"StringEquals": {SA: OWNER}}
    yield case("multi-split-conditions",
               policy(allow(owner_only), allow({"ArnLike": {ARN: f"arn:aws:rekognition:*:{ATTACKER}:*"}})),
               VULN, "case 15: the second Allow admits the attacker's ARN on its own", request(BOTH), ["multi"])
    yield case("multi-null-true", policy(allow(owner_only), allow({"Null": {SA: "true"}})),
               VULN, "case 33, A2: the second Allow admits requests without SourceAccount; the ARN names the attacker",
               request(ARN_ONLY), ["multi", "null"])
    yield case("multi-both-pinned", policy(allow(owner_only), allow({"ArnLike": {ARN: f"arn:aws:rekognition:*:{OWNER}:*"}})),
               SAFE, "K1, C4: each Allow pins the owner's account", None, ["multi"])
    yield case("multi-other-service-open", policy(allow(owner_only), allow(None, principal={"Service": "ec2.amazonaws.com"})),
               SAFE, "E1: the open Allow is for another service", None, ["multi"])
    yield case("multi-service-list-open",
               policy(allow(owner_only), allow(None, principal={"Service": ["ec2.amazonaws.com", SERVICE]})),
               VULN, "G6: the second, unconditioned Allow lists the deputy", request(BOTH), ["multi", "service-list"])
    yield case("multi-tagsession-open", policy(allow(owner_only), allow(None, action="sts:TagSession")),
               SAFE, "AC3: the open Allow grants only sts:TagSession", None, ["multi"])
    yield case("multi-aws-and-service",
               policy(allow(None, principal={"AWS": f"arn:aws:iam::{OWNER}:root"}), allow(owner_only)),
               SAFE, "P5: the open Allow is for an account principal; the deputy's is pinned", None, ["multi"])
    yield case("multi-star-open", policy(allow(owner_only), allow(None, principal="*")),
               VULN, "P3: an unconditioned Allow for * covers the deputy", request(BOTH), ["multi", "principal-star"])
    yield case("multi-like-star-second",
               policy(allow(owner_only), allow({"StringLike": {SA: "*"}}, action=["sts:AssumeRole", "sts:TagSession"])),
               VULN, "C3: the second Allow accepts any present SourceAccount", request(BOTH),
               ["multi", "key-present-any-value"])
    yield case("multi-deny-closes-both",
               policy(allow(None), allow(None, principal="*"), deny({"StringNotEquals": {SA: OWNER}})),
               SAFE, "case 23: the Deny removes every non-owner request from both Allows", None, ["multi", "deny"])
    yield case("multi-single-object",
               {"Version": "2012-10-17", "Statement": allow({"StringEquals": {SA: OWNER}})},
               SAFE, "G3: Statement may be one object; K1", None, ["multi"])
    yield case("multi-single-object-open",
               {"Version": "2012-10-17", "Statement": allow(None)},
               VULN, "G3: Statement may be one object; no condition", request(BOTH), ["multi"])


# -- Version and variables ----------------------------------------------------------
def version_cases():
    cond = {"StringEquals": {SA: "${aws:SourceAccount}"}}
    yield case("version-2008-variable-literal", policy(allow(cond), version="2008-10-17"), SAFE,
               "case 18, G2: under 2008-10-17 ${...} is literal text, which is no account (useless)", None,
               ["variable", "useless"])
    yield case("version-missing-variable-literal", policy(allow(cond), version=None), SAFE,
               "case 18, G2: without Version ${...} is literal text (useless)", None, ["variable", "useless"])
    yield case("version-2008-no-condition", policy(allow(None), version="2008-10-17"), VULN,
               "case 1: the Version changes nothing without a condition", request(BOTH), ["variable"])
    yield case("version-2012-owner-variable-default",
               policy(allow({"StringEquals": {SA: "${aws:PrincipalTag/none, '111122223333'}"}})), VULN,
               "V1, K6: the tag may be present on the caller with any value (A15), so the default is not forced",
               request(BOTH, extra={"aws:PrincipalTag/none": ATTACKER}), ["variable"])


# -- threat-model options -----------------------------------------------------------
def option_cases():
    two = {"StringEquals": {SA: [OWNER, OTHER]}}
    yield case("options-second-account-untrusted", policy(allow(two)), VULN,
               "C1: the second account is not trusted by default", request(both(OTHER)), ["options"])
    yield case("options-second-account-trusted", policy(allow(two)), SAFE,
               "THREAT_MODEL T: both listed accounts are trusted with --trusted-account", None, ["options"],
               trusted_accounts=[OTHER])
    org = {"StringEquals": {"aws:SourceOrgID": ORG}}
    yield case("options-org-trusted", policy(allow(org)), SAFE,
               "THREAT_MODEL 3-4: with --trusted-org the organization's accounts are trusted", None,
               ["options", "source-org"], trusted_orgs=[ORG])
    yield case("options-org-trusted-open", policy(allow(None)), VULN,
               "THREAT_MODEL 3: a trusted organization does not help an unconditioned Allow",
               request(BOTH), ["options", "source-org"], trusted_orgs=[ORG])
    paths = {"ForAnyValue:StringLike": {"aws:SourceOrgPaths": f"{ORG}/*"}}
    yield case("options-org-paths-trusted", policy(allow(paths)), SAFE,
               "K4, THREAT_MODEL 4: a path under the trusted organization means a trusted source account", None,
               ["options", "source-org", "set-operator"], trusted_orgs=[ORG])
    yield case("options-org-paths-ou-trusted",
               policy(allow({"ForAnyValue:StringLike": {"aws:SourceOrgPaths": f"{ORG}/r-ab12/ou-ab12-11111111/*"}})),
               SAFE, "K4: an OU inside the trusted organization", None,
               ["options", "source-org", "set-operator"], trusted_orgs=[ORG])
    yield case("options-org-paths-forall", policy(allow({"ForAllValues:StringLike": {"aws:SourceOrgPaths": f"{ORG}/*"}})),
               VULN, "SO2: ForAllValues is true when the source account is in no organization (key absent)",
               request(BOTH), ["options", "source-org", "set-operator"], trusted_orgs=[ORG])
    yield case("options-other-org", policy(allow({"StringEquals": {"aws:SourceOrgID": "o-zzzzzzzzzz"}})), VULN,
               "K4: another organization than the trusted one",
               request(BOTH, extra={"aws:SourceOrgID": "o-zzzzzzzzzz"}), ["options", "source-org"],
               trusted_orgs=[ORG])
    yield case("options-other-owner", policy(allow({"StringEquals": {SA: OWNER}})), VULN,
               "THREAT_MODEL: with owner 444455556666, the pinned account 111122223333 is foreign",
               request(both(OWNER)), ["options"], account=OTHER)
    yield case("options-sagemaker-doc",
               policy(allow({"ArnLike": {ARN: f"arn:aws:sagemaker:us-east-1:{OWNER}:training-job/*"}},
                            principal={"Service": "sagemaker.amazonaws.com"})), SAFE,
               "K8 SageMaker shape: the account segment is pinned", None, ["options", "aws-docs"],
               service="sagemaker.amazonaws.com")
    yield case("options-sagemaker-open",
               policy(allow(None, principal={"Service": "sagemaker.amazonaws.com"})), VULN,
               "case 1 for the SageMaker deputy",
               request(both(ATTACKER), service="sagemaker.amazonaws.com"), ["options"],
               service="sagemaker.amazonaws.com")
    yield case("options-other-deputy", policy(allow(None, principal={"Service": "sagemaker.amazonaws.com"})), SAFE,
               "P1: the policy names SageMaker; the deputy checked is Rekognition", None, ["options"])
    yield case("options-personalize-doc",
               policy(allow({"StringEquals": {SA: OWNER}, "ArnLike": {ARN: f"arn:aws:personalize:us-east-1:{OWNER}:*"}},
                            principal={"Service": "personalize.amazonaws.com"})), SAFE,
               "K8 Personalize shape", None, ["options", "aws-docs"], service="personalize.amazonaws.com")
    yield case("options-personalize-like-only",
               policy(allow({"StringLike": {ARN: f"arn:aws:personalize:*:{OWNER}:*"}},
                            principal={"Service": "personalize.amazonaws.com"})), VULN,
               "case 11 for Personalize: StringLike's region * crosses colons",
               request({SA: ATTACKER, ARN: f"arn:aws:personalize:us-east-1:{ATTACKER}:x:{OWNER}:y"},
                       service="personalize.amazonaws.com"), ["options", "like"],
               service="personalize.amazonaws.com")


# -- resource policies --------------------------------------------------------------
BUCKET = "arn:aws:s3:::owner-logs"
TOPIC = f"arn:aws:sns:us-east-1:{OWNER}:alerts"
QUEUE = f"arn:aws:sqs:us-east-1:{OWNER}:jobs"
FUNCTION = f"arn:aws:lambda:us-east-1:{OWNER}:function:handler"
KEY = f"arn:aws:kms:us-east-1:{OWNER}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def resource_cases():
    def rp(label, rid, service, action, resource, condition, reason, source=None, tags=(), request_resource=None,
           policy_action=None, effect_extra=None, context=None):
        st = statement("Allow", {"Service": service}, policy_action or action, condition, Resource=resource)
        statements = [st] + (effect_extra or [])
        witness = None
        if label == VULN:
            witness = request(source, service=service, action=action, extra=context, resource=request_resource or
                              (resource if isinstance(resource, str) and "*" not in resource else None) or
                              resource_instance(resource))
        return case(f"resource-{rid}", policy(*statements), label, reason, witness, ["resource-policy", *tags],
                    service=service, action=action)

    s3_logging = "logging.s3.amazonaws.com"
    obj = BUCKET + "/*"
    yield rp(SAFE, "s3-logging-doc", s3_logging, "s3:PutObject", obj,
             {"ArnLike": {ARN: "arn:aws:s3:::source-bucket"}, "StringEquals": {SA: OWNER}},
             "K8 S3 access-logging shape: SourceAccount pins the account", tags=["aws-docs"])
    yield rp(VULN, "s3-logging-arn-only", s3_logging, "s3:PutObject", obj,
             {"ArnLike": {ARN: "arn:aws:s3:::source-bucket"}},
             "case 13, K8: an S3 bucket ARN has no account; a foreign bucket of that name passes",
             {SA: ATTACKER, ARN: "arn:aws:s3:::source-bucket"}, tags=["source-arn"])
    yield rp(VULN, "s3-logging-open", s3_logging, "s3:PutObject", obj, None, "case 1", BOTH_S3, tags=["no-condition"])
    yield rp(VULN, "s3-logging-like-star", s3_logging, "s3:PutObject", obj, {"StringLike": {SA: "*"}},
             "C3: any present account", BOTH_S3, tags=["key-present-any-value"])
    yield rp(SAFE, "s3-logging-other-action", s3_logging, "s3:PutObject", obj, None,
             "AC1: only s3:GetObject is granted", policy_action="s3:GetObject")
    yield rp(VULN, "s3-logging-action-case", s3_logging, "s3:PutObject", obj, None,
             "AC1: S3:PUTOBJECT is s3:PutObject", BOTH_S3, tags=["action-case"], policy_action="S3:PUTOBJECT")
    yield rp(VULN, "s3-logging-other-resource", s3_logging, "s3:PutObject", "arn:aws:s3:::other-bucket/*", None,
             "THREAT_MODEL 2: the resource is whatever the policy's Resource allows", BOTH_S3)
    config = "config.amazonaws.com"
    yield rp(SAFE, "config-bucket-doc", config, "s3:PutObject", f"{BUCKET}/AWSLogs/{OWNER}/Config/*",
             {"StringEquals": {"AWS:SourceAccount": OWNER, "s3:x-amz-acl": "bucket-owner-full-control"}},
             "K8 Config shape with AWS:SourceAccount (C2)", tags=["aws-docs", "key-case"])
    yield rp(VULN, "config-bucket-acl-only", config, "s3:PutObject", f"{BUCKET}/AWSLogs/{OWNER}/Config/*",
             {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
             "THREAT_MODEL 5: the ACL header says nothing about the source account", BOTH_CONFIG,
             tags=["other-key"], context={"s3:x-amz-acl": "bucket-owner-full-control"})
    yield rp(VULN, "config-bucket-literal-attacker", config, "s3:PutObject", f"{BUCKET}/*",
             {"StringEquals": {ARN: f"arn:aws:config:us-east-1:{ATTACKER}:*"}},
             "case 34, K3: Config's literal-* ARN naming a foreign account",
             {SA: ATTACKER, ARN: f"arn:aws:config:us-east-1:{ATTACKER}:*"}, tags=["source-arn"])
    yield rp(SAFE, "config-bucket-arnlike-owner", config, "s3:PutObject", f"{BUCKET}/*",
             {"ArnLike": {ARN: f"arn:aws:config:*:{OWNER}:*"}}, "C4: account segment pinned", tags=["source-arn"])
    trail = "cloudtrail.amazonaws.com"
    yield rp(SAFE, "cloudtrail-doc", trail, "s3:PutObject", f"{BUCKET}/AWSLogs/{OWNER}/*",
             {"StringEquals": {ARN: f"arn:aws:cloudtrail:us-east-1:{OWNER}:trail/main"}},
             "K8 CloudTrail shape: one exact trail ARN", tags=["aws-docs", "source-arn"])
    yield rp(VULN, "cloudtrail-stringlike-region", trail, "s3:PutObject", f"{BUCKET}/AWSLogs/{OWNER}/*",
             {"StringLike": {ARN: f"arn:aws:cloudtrail:*:{OWNER}:trail/*"}},
             "case 11: StringLike's region * crosses colons",
             {SA: ATTACKER, ARN: f"arn:aws:cloudtrail:us-east-1:{ATTACKER}:x:{OWNER}:trail/t"},
             tags=["source-arn", "like"])
    yield rp(SAFE, "cloudtrail-arnlike-region", trail, "s3:PutObject", f"{BUCKET}/AWSLogs/{OWNER}/*",
             {"ArnLike": {ARN: f"arn:aws:cloudtrail:*:{OWNER}:trail/*"}},
             "C4: ArnLike pins the account segment", tags=["source-arn"])
    yield rp(VULN, "cloudtrail-getbucketacl-open", trail, "s3:GetBucketAcl", BUCKET, None,
             "case 1: GetBucketAcl unconditioned", BOTH)
    s3 = "s3.amazonaws.com"
    yield rp(SAFE, "sns-s3-doc", s3, "SNS:Publish", TOPIC,
             {"ArnLike": {ARN: "arn:aws:s3:*:*:owner-bucket"}, "StringEquals": {SA: OWNER}},
             "K8 S3-to-SNS shape: SourceAccount pins the account", tags=["aws-docs", "action-case"])
    yield rp(VULN, "sns-s3-arn-only", s3, "SNS:Publish", TOPIC, {"ArnLike": {ARN: "arn:aws:s3:*:*:owner-bucket"}},
             "K8, case 13: bucket ARNs name no account, SourceAccount is missing",
             {SA: ATTACKER, ARN: "arn:aws:s3:::owner-bucket"}, tags=["source-arn", "action-case"])
    yield rp(VULN, "sns-action-lowercase", s3, "SNS:Publish", TOPIC, None, "AC1: sns:publish covers SNS:Publish",
             BOTH_S3, tags=["action-case"], policy_action="sns:publish")
    yield rp(SAFE, "sns-subscribe-only", s3, "SNS:Publish", TOPIC, None, "AC1: only SNS:Subscribe is granted",
             policy_action="SNS:Subscribe")
    yield rp(VULN, "sns-events-open", "events.amazonaws.com", "sns:Publish", TOPIC, None, "case 1",
             {SA: ATTACKER, ARN: f"arn:aws:events:us-east-1:{ATTACKER}:rule/r"})
    yield rp(SAFE, "sns-events-arnequals", "events.amazonaws.com", "sns:Publish", TOPIC,
             {"ArnEquals": {ARN: f"arn:aws:events:us-east-1:{OWNER}:rule/r"}}, "C4: one exact rule of the owner",
             tags=["source-arn"])
    sns = "sns.amazonaws.com"
    yield rp(SAFE, "sqs-sns-doc", sns, "sqs:SendMessage", QUEUE, {"ArnEquals": {ARN: TOPIC}},
             "K8 SNS-to-SQS shape: one exact topic ARN of the owner", tags=["aws-docs", "source-arn"])
    yield rp(VULN, "sqs-sns-any-topic", sns, "sqs:SendMessage", QUEUE, {"ArnLike": {ARN: "arn:aws:sns:*:*:alerts"}},
             "C4: any account's topic named alerts", {SA: ATTACKER, ARN: f"arn:aws:sns:us-east-1:{ATTACKER}:alerts"},
             tags=["source-arn", "wildcard"])
    yield rp(VULN, "sqs-sns-star-action", sns, "sqs:SendMessage", QUEUE, {"StringLike": {SA: "*"}},
             "C3, AC1: sqs:* with any present account", BOTH_SNS, tags=["key-present-any-value", "action-wildcard"],
             policy_action="sqs:*")
    yield rp(SAFE, "sqs-sns-account", sns, "sqs:SendMessage", QUEUE, {"StringEquals": {SA: OWNER}},
             "K1 / K8: SourceAccount for many topics", tags=["source-account"])
    yield rp(SAFE, "lambda-s3-doc", s3, "lambda:InvokeFunction", FUNCTION,
             {"StringEquals": {"AWS:SourceAccount": OWNER}, "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::owner-bucket"}},
             "K8 Lambda S3-trigger shape", tags=["aws-docs", "key-case"])
    yield rp(VULN, "lambda-s3-arn-only", s3, "lambda:InvokeFunction", FUNCTION,
             {"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::owner-bucket"}},
             "case 13: S3 ARN without SourceAccount", {SA: ATTACKER, ARN: "arn:aws:s3:::owner-bucket"},
             tags=["source-arn", "key-case"])
    yield rp(VULN, "lambda-s3-ifexists", s3, "lambda:InvokeFunction", FUNCTION,
             {"StringEqualsIfExists": {SA: OWNER}}, "C6: IfExists passes a request without SourceAccount",
             {ARN: f"arn:aws:s3:us-east-1:{ATTACKER}:owner-bucket"}, tags=["ifexists"])
    logs = "logs.amazonaws.com"
    yield rp(SAFE, "kms-logs-arnlike", logs, "kms:Decrypt", "*",
             {"ArnLike": {ARN: f"arn:aws:logs:us-east-1:{OWNER}:*"}}, "C4: account segment pinned",
             tags=["source-arn"], request_resource=KEY)
    yield rp(SAFE, "kms-logs-context", logs, "kms:Decrypt", "*",
             {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:us-east-1:{OWNER}:*"}},
             "K11: CloudWatch Logs sets the encryption context to the log group's ARN, which names the source "
             "account, so AWS's recommended key policy pins it", tags=["k11", "aws-docs"], request_resource=KEY)
    yield rp(VULN, "kms-logs-partition-any", logs, "kms:Decrypt", "*",
             {"ArnLike": {ARN: "arn:aws-cn:*:*:*:*"}}, "F1, C4: any account in the aws-cn partition",
             {SA: ATTACKER, ARN: f"arn:aws-cn:logs:cn-north-1:{ATTACKER}:log-group:g"},
             tags=["partition", "source-arn", "wildcard"], request_resource=KEY)
    yield rp(SAFE, "kms-logs-gov", logs, "kms:Decrypt", "*",
             {"ArnEquals": {ARN: f"arn:aws-us-gov:logs:us-gov-west-1:{OWNER}:log-group:g"}},
             "F1: one exact ARN of the owner in aws-us-gov", tags=["partition", "source-arn"], request_resource=KEY)
    yield rp(VULN, "kms-logs-notresource", logs, "kms:Decrypt", "*", {"StringNotEquals": {SA: ATTACKER}},
             "case 5 for a key policy", both(OTHER), tags=["negated"], request_resource=KEY)


BOTH_S3 = {SA: ATTACKER, ARN: "arn:aws:s3:::attacker-bucket"}
BOTH_CONFIG = {SA: ATTACKER, ARN: f"arn:aws:config:us-east-1:{ATTACKER}:*"}
BOTH_SNS = {SA: ATTACKER, ARN: f"arn:aws:sns:us-east-1:{ATTACKER}:t"}
BOTH_LOGS = {SA: ATTACKER, ARN: f"arn:aws:logs:us-east-1:{ATTACKER}:log-group:g"}


# -- every deputy, every action (the default question) ---------------------------------------
OTHER_DEPUTY = "any other service principal"
TOPIC = f"arn:aws:sns:us-east-1:{OWNER}:alerts"
LOGS_BUCKET = "arn:aws:s3:::owner-logs"


def deputy_cases():
    """Policies asked with no --service or --action: each deputy they admit
    is labelled, and the policy's label is the worst deputy's."""
    def for_service(service, action, condition=None, resource=TOPIC, **more):
        return statement("Allow", {"Service": service}, action, condition, Resource=resource, **more)

    def every(cid, pol, label, reason, deputies, witness=None, tags=()):
        return case(f"deputy-{cid}", pol, label, reason, witness, ["every-deputy", *tags], service=None,
                    action=None, deputies=deputies)

    pinned = {"StringEquals": {SA: OWNER}}
    yield every("topic-events-open", policy(for_service("events.amazonaws.com", "sns:Publish"),
                                            for_service("s3.amazonaws.com", "SNS:Publish", pinned)),
                VULN, "THREAT_MODEL deputies: EventBridge may publish for any account; S3 is pinned",
                {"events.amazonaws.com": VULN, "s3.amazonaws.com": SAFE},
                request(BOTH, service="events.amazonaws.com", action="sns:Publish", resource=TOPIC),
                ["multi-deputy"])
    yield every("topic-all-pinned", policy(for_service("events.amazonaws.com", "sns:Publish", pinned),
                                           for_service("S3.amazonaws.com", "SNS:Publish", pinned)),
                SAFE, "THREAT_MODEL deputies, P8: both deputies pinned to the owner (one deputy per name)",
                {"events.amazonaws.com": SAFE, "s3.amazonaws.com": SAFE}, tags=["multi-deputy", "principal-case"])
    yield every("bucket-acl-open", policy(
        for_service("cloudtrail.amazonaws.com", "s3:GetBucketAcl", resource=LOGS_BUCKET),
        for_service("cloudtrail.amazonaws.com", "s3:PutObject", {"StringEquals": {ARN: f"arn:aws:cloudtrail:"
                                                                                   f"us-east-1:{OWNER}:trail/t"}},
                    resource=LOGS_BUCKET + "/AWSLogs/*")),
                VULN, "THREAT_MODEL actions: the dangerous action is s3:GetBucketAcl, not the PutObject a user "
                "would ask about", {"cloudtrail.amazonaws.com": VULN},
                request(BOTH, service="cloudtrail.amazonaws.com", action="s3:GetBucketAcl", resource=LOGS_BUCKET),
                ["action-differs"])
    yield every("bucket-five-services", policy(
        for_service("cloudtrail.amazonaws.com", ["s3:GetBucketAcl", "s3:PutObject"], pinned,
                    resource=[LOGS_BUCKET, LOGS_BUCKET + "/*"]),
        for_service("config.amazonaws.com", ["s3:GetBucketAcl", "s3:ListBucket"], pinned, resource=LOGS_BUCKET),
        for_service("logging.s3.amazonaws.com", "s3:PutObject", pinned, resource=LOGS_BUCKET + "/*"),
        for_service("delivery.logs.amazonaws.com", "s3:Put*", pinned, resource=LOGS_BUCKET + "/*"),
        for_service("elasticloadbalancing.amazonaws.com", "s3:PutObject", resource=LOGS_BUCKET + "/elb/*")),
                VULN, "THREAT_MODEL deputies: four of five services pinned; the load balancer's statement is not",
                {"cloudtrail.amazonaws.com": SAFE, "config.amazonaws.com": SAFE, "logging.s3.amazonaws.com": SAFE,
                 "delivery.logs.amazonaws.com": SAFE, "elasticloadbalancing.amazonaws.com": VULN},
                request(BOTH, service="elasticloadbalancing.amazonaws.com", action="s3:PutObject",
                        resource=LOGS_BUCKET + "/elb/x"), ["multi-deputy"])
    star_service = {"StringEquals": {"aws:PrincipalServiceName": "cloudfront.amazonaws.com"}}
    yield every("star-service-name", policy(statement("Allow", "*", "s3:GetObject", star_service,
                                                      Resource=LOGS_BUCKET + "/*")),
                VULN, "P3, K5: Principal * narrowed to a service the policy never names as a principal",
                {OTHER_DEPUTY: VULN}, request(BOTH, service="cloudfront.amazonaws.com", action="s3:GetObject",
                                              resource=LOGS_BUCKET + "/x"), ["principal-star", "service-name"])
    yield every("star-service-name-pinned", policy(statement(
        "Allow", "*", "s3:GetObject", {**star_service, "StringEquals": {"aws:PrincipalServiceName":
                                                                         "cloudfront.amazonaws.com",
                                                                         SA: OWNER}}, Resource=LOGS_BUCKET + "/*")),
                SAFE, "P3, K1: Principal * for one service, pinned to the owner's account", {OTHER_DEPUTY: SAFE},
                tags=["principal-star", "service-name"])
    yield every("star-any-service", policy(statement("Allow", "*", "sqs:SendMessage",
                                                     {"Bool": {"aws:PrincipalIsAWSService": "true"}},
                                                     Resource=f"arn:aws:sqs:us-east-1:{OWNER}:q")),
                VULN, "P3, K5: every service principal, none named", {OTHER_DEPUTY: VULN},
                request(BOTH, service="events.amazonaws.com", action="sqs:SendMessage",
                        resource=f"arn:aws:sqs:us-east-1:{OWNER}:q"), ["principal-star"])
    yield every("named-and-star", policy(for_service("events.amazonaws.com", "sns:Publish", pinned),
                                         statement("Allow", {"AWS": "*"}, "sns:Publish",
                                                   {"StringLike": {"aws:PrincipalServiceName": "*.amazonaws.com"}},
                                                   Resource=TOPIC)),
                VULN, "A1, THREAT_MODEL deputies: the named deputy is pinned, but {AWS: *} lets every other "
                "service in", {"events.amazonaws.com": VULN, OTHER_DEPUTY: VULN},
                request(BOTH, service="sns.amazonaws.com", action="sns:Publish", resource=TOPIC),
                ["principal-aws-star", "multi-deputy"])
    yield every("no-deputy", policy(statement("Allow", {"AWS": f"arn:aws:iam::{OWNER}:root"}, "sns:*",
                                              Resource=TOPIC)),
                SAFE, "P5, THREAT_MODEL deputies: an account principal admits no service: no deputy", {},
                tags=["no-deputy"])


def resource_instance(pattern) -> str:
    """A concrete resource a Resource pattern matches (R1): each * becomes 'x'."""
    text = pattern if isinstance(pattern, str) else pattern[0]
    return text.replace("*", "x").replace("?", "x")


# -- where the outside evaluator reads a witness differently ---------------------------
# iam-simulate (tests/differential) departs from SEMANTICS.md in ways that
# tests/differential/divergences.py recognises; these witnesses exercise a
# departure it does not list. Each names the rule that decides the label.
IAM_SIMULATE_DIFFERS = {
    "cond-sa-empty-list": "A9: an empty value list is true Allow-side; iam-simulate reads it as false",
    "deny-empty-condition": "A9: an empty Condition makes a Deny inapplicable; iam-simulate applies the Deny",
}


# -- templates holding several resource kinds ----------------------------------------
# One CloudFormation template per case, checked with no --service or --action:
# each resource that holds a policy is labelled per deputy, and beside the
# label stands the policy the resource amounts to, written by hand from AWS's
# documentation (a Lambda permission is the statement `lambda add-permission`
# documents), so a witness is replayed against it, not against deputy's reading.
FUNCTION = f"arn:aws:lambda:us-east-1:{OWNER}:function:handler"
QUEUE = f"arn:aws:sqs:us-east-1:{OWNER}:jobs"


def permission(service: str, source_arn: str | None = None, source_account: str | None = None):
    """An AWS::Lambda::Permission and the resource-policy statement it adds
    (Lambda developer guide, access-control-resource-based)."""
    props = {"Action": "lambda:InvokeFunction", "FunctionName": FUNCTION, "Principal": service}
    condition = {}
    if source_arn:
        props["SourceArn"] = source_arn
        condition["ArnLike"] = {"AWS:SourceArn": source_arn}
    if source_account:
        props["SourceAccount"] = source_account
        condition["StringEquals"] = {"AWS:SourceAccount": source_account}
    stated = policy(statement("Allow", {"Service": service}, "lambda:InvokeFunction", condition or None,
                              Resource=FUNCTION))
    return {"Type": "AWS::Lambda::Permission", "Properties": props}, stated


def role(document: dict):
    return {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": document}}, document


def bucket_policy(bucket: str, document: dict):
    return {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": bucket, "PolicyDocument": document}}, document


def topic_policy(topic: str, document: dict):
    return {"Type": "AWS::SNS::TopicPolicy", "Properties": {"Topics": [topic], "PolicyDocument": document}}, document


def queue_policy(document: dict):
    url = f"https://sqs.us-east-1.amazonaws.com/{OWNER}/jobs"
    return {"Type": "AWS::SQS::QueuePolicy", "Properties": {"Queues": [url], "PolicyDocument": document}}, document


def key_policy(document: dict):
    return {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": document}}, document


def template_case(cid, reason, resources, tags) -> dict:
    """``resources``: logical ID -> ((resource, stated policy), {deputy: label}, {deputy: witness})."""
    labels = {name: deputies for name, (_, deputies, _) in resources.items()}
    for name, (_, deputies, witnesses) in resources.items():
        assert set(witnesses) == {d for d, v in deputies.items() if v == VULN}, f"{cid}/{name}: witnesses"
    label = VULN if any(VULN in d.values() for d in labels.values()) else SAFE
    return {"id": f"template-{cid}", "label": label, "reason": reason, "options": {"account": OWNER},
            "tags": sorted({"template", "multi-resource", *tags}),
            "template": {"AWSTemplateFormatVersion": "2010-09-09",
                         "Resources": {name: res for name, ((res, _), _, _) in resources.items()}},
            "resources": {name: {"policy": stated, "deputies": deputies, "witnesses": witnesses}
                          for name, ((_, stated), deputies, witnesses) in resources.items()}}


def template_cases():
    pinned = {"StringEquals": {SA: OWNER}}
    trail = f"arn:aws:cloudtrail:us-east-1:{OWNER}:trail/t"
    yield template_case("role-bucket-permission", "THREAT_MODEL deputies and actions: the role and the permission "
                        "are pinned; the bucket lets CloudTrail read its ACL for any account", {
        "EventsRole": (role(policy(statement("Allow", {"Service": "events.amazonaws.com"}, ASSUME, pinned))),
                       {"events.amazonaws.com": SAFE}, {}),
        "LogsBucketPolicy": (bucket_policy("owner-logs", policy(
            statement("Allow", {"Service": "cloudtrail.amazonaws.com"}, "s3:GetBucketAcl", Resource=LOGS_BUCKET),
            statement("Allow", {"Service": "cloudtrail.amazonaws.com"}, "s3:PutObject",
                      {"StringEquals": {ARN: trail}}, Resource=LOGS_BUCKET + "/AWSLogs/*"))),
            {"cloudtrail.amazonaws.com": VULN},
            {"cloudtrail.amazonaws.com": request(BOTH, service="cloudtrail.amazonaws.com", action="s3:GetBucketAcl",
                                                 resource=LOGS_BUCKET)}),
        "TopicInvoke": (permission("sns.amazonaws.com", source_arn=TOPIC), {"sns.amazonaws.com": SAFE}, {}),
    }, ["action-differs"])
    yield template_case("topic-and-queue", "THREAT_MODEL deputies: EventBridge may publish to the topic for any "
                        "account; S3 is pinned, and the queue takes only the owner's topic (SNS to SQS, as AWS "
                        "documents it)", {
        "AlertsPolicy": (topic_policy(TOPIC, policy(
            statement("Allow", {"Service": "events.amazonaws.com"}, "sns:Publish", Resource=TOPIC),
            statement("Allow", {"Service": "s3.amazonaws.com"}, "SNS:Publish", pinned, Resource=TOPIC))),
            {"events.amazonaws.com": VULN, "s3.amazonaws.com": SAFE},
            {"events.amazonaws.com": request(BOTH, service="events.amazonaws.com", action="sns:Publish",
                                             resource=TOPIC)}),
        "JobsPolicy": (queue_policy(policy(statement("Allow", {"Service": "sns.amazonaws.com"}, "sqs:SendMessage",
                                                     {"ArnEquals": {ARN: TOPIC}}, Resource=QUEUE))),
                       {"sns.amazonaws.com": SAFE}, {}),
    }, ["multi-deputy"])
    log_groups = f"arn:aws:logs:us-east-1:{OWNER}:log-group:*"
    yield template_case("all-pinned", "THREAT_MODEL deputies, K11: a task role pinned by source ARN, a key for "
                        "CloudWatch Logs guarded by its encryption context, a rule's permission pinned", {
        "TaskRole": (role(policy(statement("Allow", {"Service": "ecs-tasks.amazonaws.com"}, ASSUME,
                                           {"ArnLike": {ARN: f"arn:aws:ecs:us-east-1:{OWNER}:*"}}))),
                     {"ecs-tasks.amazonaws.com": SAFE}, {}),
        "LogsKey": (key_policy(policy(
            statement("Allow", {"AWS": f"arn:aws:iam::{OWNER}:root"}, "kms:*", Resource="*"),
            statement("Allow", {"Service": "logs.us-east-1.amazonaws.com"},
                      ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                      {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": log_groups}}, Resource="*"))),
            {"logs.amazonaws.com": SAFE}, {}),
        "RuleInvoke": (permission("events.amazonaws.com", source_arn=f"arn:aws:events:us-east-1:{OWNER}:rule/r"),
                       {"events.amazonaws.com": SAFE}, {}),
    }, ["k11"])
    yield template_case("star-bucket-and-account-permission", "P3, K5: a bucket open to any service named only by "
                        "aws:PrincipalServiceName; a permission that pins the account but not the source", {
        "SiteBucketPolicy": (bucket_policy("owner-site", policy(statement(
            "Allow", "*", "s3:GetObject", {"StringEquals": {"aws:PrincipalServiceName": "cloudfront.amazonaws.com"}},
            Resource="arn:aws:s3:::owner-site/*"))),
            {OTHER_DEPUTY: VULN},
            {OTHER_DEPUTY: request(BOTH, service="cloudfront.amazonaws.com", action="s3:GetObject",
                                   resource="arn:aws:s3:::owner-site/index.html")}),
        "UploadsInvoke": (permission("s3.amazonaws.com", source_account=OWNER), {"s3.amazonaws.com": SAFE}, {}),
        "OpenInvoke": (permission("s3.amazonaws.com"), {"s3.amazonaws.com": VULN},
                       {"s3.amazonaws.com": request(BOTH_S3, service="s3.amazonaws.com",
                                                    action="lambda:InvokeFunction", resource=FUNCTION)}),
    }, ["principal-star", "service-name"])


# -- writing ------------------------------------------------------------------------
def case(cid, pol, label, reason, witness, tags, account=OWNER, service=SERVICE, action=ASSUME,
         trusted_accounts=(), trusted_orgs=(), deputies=None) -> dict:
    """``service=None`` / ``action=None``: the default question, every deputy
    and every action; ``deputies`` then labels each deputy (its global name,
    or "any other service principal")."""
    assert label in (SAFE, VULN), cid
    assert (witness is not None) == (label == VULN), f"{cid}: a witness goes with, and only with, vulnerable"
    options = {"account": account, "service": service, "action": action}
    if trusted_accounts:
        options["trusted_accounts"] = list(trusted_accounts)
    if trusted_orgs:
        options["trusted_orgs"] = list(trusted_orgs)
    out = {"id": cid, "policy": pol, "label": label, "reason": reason, "options": options,
           "witness": witness, "tags": sorted(set(tags))}
    if deputies is not None:
        assert label == (VULN if VULN in deputies.values() else SAFE), f"{cid}: the worst deputy's label"
        out["deputies"] = deputies
    if cid in IAM_SIMULATE_DIFFERS:
        out["iam_simulate_differs"] = IAM_SIMULATE_DIFFERS[cid]
    return out


def all_cases() -> list[dict]:
    out = []
    for family in (condition_cases, principal_cases, action_cases, deny_cases, multi_cases, version_cases,
                   option_cases, resource_cases, deputy_cases):
        out += list(family())
    ids = [c["id"] for c in out]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    assert set(IAM_SIMULATE_DIFFERS) <= set(ids), "an iam-simulate note names no case"
    return out


def main(argv=None) -> int:
    cases = all_cases()
    for old in HERE.glob("*.json"):
        old.unlink()
    for c in cases:
        (HERE / f"{c['id']}.json").write_text(json.dumps(c, indent=2) + "\n")
    templates = list(template_cases())
    TEMPLATES.mkdir(exist_ok=True)
    for old in TEMPLATES.glob("*.json"):
        old.unlink()
    for c in templates:
        (TEMPLATES / f"{c['id']}.json").write_text(json.dumps(c, indent=2) + "\n")
    labels = {}
    for c in cases:
        labels[c["label"]] = labels.get(c["label"], 0) + 1
    print(f"wrote {len(cases)} cases to {HERE}: " + ", ".join(f"{k} {v}" for k, v in sorted(labels.items())))
    print(f"wrote {len(templates)} template cases to {TEMPLATES}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
