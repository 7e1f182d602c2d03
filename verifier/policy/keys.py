"""The catalogue of condition keys deputy knows, as pure data.

Key names compare case-insensitively (C2), so everything here is keyed by the
ASCII-lower-cased name. A key's *cardinality* is a property of the request,
not of the policy (SO1): single-valued keys carry one value, multivalued keys
a set. Keys not listed are unknown: deputy lets them carry any set of values,
which only ever admits more requests (SEMANTICS.md A5, A15).

Two kinds of names are never in a request: names without a namespace (a
Terraform placeholder such as ``${account_id}`` read as a variable), and
near misses of AWS's global keys (``aws:SourceAcount``: SEMANTICS.md case
17), since AWS sets only the global keys it documents. An ``aws:`` name that
is neither listed nor a near miss stays unknown (free), in case AWS added a
key after this list was written.

Sources: IAMUG/reference_policies_condition-keys.html,
IAMUG/reference_policies_condition-single-vs-multi-valued-context-keys.html
"""

from __future__ import annotations

from enum import Enum
from functools import lru_cache


class Cardinality(Enum):
    SINGLE = "single"
    MULTI = "multi"
    UNKNOWN = "unknown"


SOURCE_ACCOUNT = "aws:sourceaccount"
SOURCE_ARN = "aws:sourcearn"
SOURCE_OWNER = "aws:sourceowner"
SOURCE_ORG_ID = "aws:sourceorgid"
SOURCE_ORG_PATHS = "aws:sourceorgpaths"
PRINCIPAL_ORG_ID = "aws:principalorgid"
PRINCIPAL_ORG_PATHS = "aws:principalorgpaths"
PRINCIPAL_SERVICE_NAME = "aws:principalservicename"
PRINCIPAL_IS_AWS_SERVICE = "aws:principalisawsservice"
PRINCIPAL_SERVICE_NAMES_LIST = "aws:principalservicenameslist"

SOURCE_KEYS = (SOURCE_ACCOUNT, SOURCE_ARN, SOURCE_OWNER, SOURCE_ORG_ID, SOURCE_ORG_PATHS)
"""The keys the threat model ties to the source of a service request."""

NOT_FOR_SERVICES = (PRINCIPAL_ORG_ID, PRINCIPAL_ORG_PATHS)
"""Keys a service principal's own request never carries: they describe the
organization of an IAM principal, and a service principal is none (K10)."""

DEPUTY_SOURCE_ARNS = {
    # https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
    "kms:encryptioncontext:aws:logs:arn": "logs.amazonaws.com",
    # https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
    "kms:encryptioncontext:aws:cloudtrail:arn": "cloudtrail.amazonaws.com",
}
"""K11: keys a deputy sets to the ARN of the resource it acts for (so they
name the source as aws:SourceArn does), by the deputy's global name. Add
an entry only with the documentation that says so."""

# AWS's global condition keys and their documented types ("Strings" marks a
# multivalued key). Tag keys are prefixes: aws:PrincipalTag/<tag>.
GLOBAL_KEYS = {
    "aws:PrincipalArn": "Arn", "aws:PrincipalAccount": "String", "aws:PrincipalOrgPaths": "Strings",
    "aws:PrincipalOrgID": "String", "aws:PrincipalIsAWSService": "Bool", "aws:PrincipalServiceName": "String",
    "aws:PrincipalServiceNamesList": "Strings", "aws:PrincipalType": "String", "aws:userid": "String",
    "aws:username": "String", "aws:AssumedRoot": "Bool", "aws:FederatedProvider": "String",
    "aws:TokenIssueTime": "Date", "aws:MultiFactorAuthAge": "Numeric", "aws:MultiFactorAuthPresent": "Bool",
    "aws:ChatbotSourceArn": "Arn", "aws:Ec2InstanceSourceVpc": "String",
    "aws:Ec2InstanceSourcePrivateIPv4": "IpAddress", "aws:SourceIdentity": "String", "aws:SourceIp": "IpAddress",
    "aws:SourceVpc": "String", "aws:SourceVpcArn": "String", "aws:SourceVpce": "String",
    "aws:VpceAccount": "String", "aws:VpceOrgPaths": "Strings", "aws:VpceOrgID": "String",
    "aws:VpcSourceIp": "IpAddress", "aws:ResourceAccount": "String", "aws:ResourceOrgID": "String",
    "aws:ResourceOrgPaths": "Strings", "aws:CalledVia": "Strings", "aws:CalledViaFirst": "String",
    "aws:CalledViaLast": "String", "aws:CalledViaAWSMCP": "String", "aws:ViaAWSService": "Bool",
    "aws:ViaAWSMCPService": "Bool", "aws:CurrentTime": "Date", "aws:EpochTime": "Date", "aws:referer": "String",
    "aws:RequestedRegion": "String", "aws:TagKeys": "Strings", "aws:SecureTransport": "Bool",
    "aws:SourceArn": "Arn", "aws:SourceAccount": "String", "aws:SourceOwner": "String",
    "aws:SourceOrgPaths": "Strings", "aws:SourceOrgID": "String", "aws:UserAgent": "String",
    "aws:IsMcpServiceAction": "Bool",
}
TAG_PREFIXES = ("aws:principaltag/", "aws:requesttag/", "aws:resourcetag/")

# Service keys documented as single-valued that trust policies use.
_SERVICE_SINGLE = {"sts:externalid", "sts:rolesessionname", "sts:sourceidentity", *DEPUTY_SOURCE_ARNS}
_SERVICE_MULTI = {"sts:transitivetagkeys"}


def fold(name: str) -> str:
    """The case-insensitive identity of a key name (C2).

    Only ASCII letters are folded: IAM key names are ASCII, and folding
    anything else could merge names AWS keeps apart.
    """
    # str.lower agrees with ASCII folding on ASCII text and runs in C.
    return name.lower() if name.isascii() else name.translate(_ASCII_LOWER)


_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
_GLOBAL = {fold(k): v for k, v in GLOBAL_KEYS.items()}


def is_global(folded: str) -> bool:
    return folded in _GLOBAL or folded.startswith(TAG_PREFIXES)


def cardinality(folded: str) -> Cardinality:
    """Whether a (folded) key holds one value, a set, or is not known."""
    if folded.startswith(TAG_PREFIXES) or folded in _SERVICE_SINGLE:
        return Cardinality.SINGLE
    if folded in _SERVICE_MULTI:
        return Cardinality.MULTI
    kind = _GLOBAL.get(folded)
    if kind is None:
        return _service_cardinality(folded)
    return Cardinality.MULTI if kind == "Strings" else Cardinality.SINGLE


def _service_cardinality(folded: str) -> Cardinality:
    """A service key's, from AWS's service authorization reference: an
    ``ArrayOf...`` type is multivalued. Unknown keys stay unknown (any set
    of values, which can only admit more)."""
    if folded.startswith("aws:"):
        return Cardinality.UNKNOWN
    from verifier.policy import actions

    kind = actions.key_type(folded)
    if kind is None:
        return Cardinality.UNKNOWN
    return Cardinality.MULTI if kind.startswith("ArrayOf") else Cardinality.SINGLE


def documented_type(folded: str) -> str | None:
    """The operator family AWS documents for a global key, if any."""
    kind = _GLOBAL.get(folded)
    return "String" if kind == "Strings" else kind


_FAMILY_NAMES = {"IPAddress": "IpAddress", "ARN": "Arn", "Boolean": "Bool", "Long": "Numeric", "Integer": "Numeric"}


def value_type(folded: str) -> str | None:
    """The type of a key's values as an operator family name (``String``,
    ``Numeric``, ``Date``, ``Bool``, ``IpAddress``, ``Arn``), from AWS's
    documentation of the global keys and its service authorization
    reference; None when no catalogue lists the key."""
    if folded.startswith(TAG_PREFIXES):
        return "String"
    kind = documented_type(folded)
    if kind is None and not folded.startswith("aws:"):
        from verifier.policy import actions

        kind = actions.key_type(folded)
        if kind is not None and kind.startswith("ArrayOf"):
            kind = kind[len("ArrayOf"):]
    return _FAMILY_NAMES.get(kind, kind)


@lru_cache(maxsize=4096)
def can_be_present(folded: str) -> bool:
    """Whether a request can carry this key at all (see the module docstring)."""
    if ":" not in folded:
        return False
    return not near_miss(folded)


@lru_cache(maxsize=4096)
def near_miss(folded: str) -> str | None:
    """The global key an unknown ``aws:`` name misspells, if it is within two
    edits of one; None for known keys and other names."""
    if not folded.startswith("aws:") or is_global(folded):
        return None
    for known, _ in sorted(_GLOBAL.items()):
        if _within_two_edits(folded, known):
            return _canonical(known)
    if "/" in folded:
        head, tail = folded.split("/", 1)
        for prefix in TAG_PREFIXES:
            if _within_two_edits(head + "/", prefix):
                return _canonical_prefix(prefix) + tail
    return None


def _canonical(folded: str) -> str:
    return next(k for k in GLOBAL_KEYS if fold(k) == folded)


def _canonical_prefix(prefix: str) -> str:
    return {"aws:principaltag/": "aws:PrincipalTag/", "aws:requesttag/": "aws:RequestTag/",
            "aws:resourcetag/": "aws:ResourceTag/"}[prefix]


def _within_two_edits(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 2:
        return False
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > 2:
            return False
        previous = current
    return previous[-1] <= 2
