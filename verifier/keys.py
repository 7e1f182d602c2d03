"""The catalogue of condition keys deputy knows, as pure data.

Key names compare case-insensitively (C2), so everything here is keyed by the
ASCII-lower-cased name. A key's *cardinality* is a property of the request,
not of the policy (SO1): single-valued keys carry one value, multivalued keys
a set. Keys not listed are unknown: deputy lets them carry any set of values,
which only ever admits more requests (SEMANTICS.md A5, A15).

Sources: IAMUG/reference_policies_condition-keys.html,
IAMUG/reference_policies_condition-single-vs-multi-valued-context-keys.html
"""

from __future__ import annotations

from enum import Enum


class Cardinality(Enum):
    SINGLE = "single"
    MULTI = "multi"
    UNKNOWN = "unknown"


SOURCE_ACCOUNT = "aws:sourceaccount"
SOURCE_ARN = "aws:sourcearn"
SOURCE_ORG_ID = "aws:sourceorgid"
SOURCE_ORG_PATHS = "aws:sourceorgpaths"
PRINCIPAL_SERVICE_NAME = "aws:principalservicename"
PRINCIPAL_IS_AWS_SERVICE = "aws:principalisawsservice"
PRINCIPAL_SERVICE_NAMES_LIST = "aws:principalservicenameslist"

SOURCE_KEYS = (SOURCE_ACCOUNT, SOURCE_ARN, SOURCE_ORG_ID, SOURCE_ORG_PATHS)
"""The keys the threat model ties to the source of a service request."""

# Global keys that hold one value (SO1 and the key reference).
_SINGLE = {
    SOURCE_ACCOUNT, SOURCE_ARN, SOURCE_ORG_ID, PRINCIPAL_SERVICE_NAME, PRINCIPAL_IS_AWS_SERVICE,
    "aws:sourceowner", "aws:principalaccount", "aws:principalarn", "aws:principalorgid",
    "aws:principaltype", "aws:userid", "aws:username", "aws:sourceip", "aws:sourcevpc",
    "aws:sourcevpce", "aws:vpcsourceip", "aws:currenttime", "aws:epochtime", "aws:securetransport",
    "aws:referer", "aws:useragent", "aws:requestedregion", "aws:tokenissuetime",
    "aws:multifactorauthpresent", "aws:multifactorauthage", "aws:viaawsservice",
    "aws:sourceidentity", "aws:federatedprovider", "aws:resourceaccount", "aws:resourceorgid",
    "aws:ec2instancesourcevpc", "aws:ec2instancesourceprivateipv4",
    "sts:externalid", "sts:rolesessionname", "sts:sourceidentity",
}

# Global keys that hold a set of values (SO1).
_MULTI = {
    SOURCE_ORG_PATHS, PRINCIPAL_SERVICE_NAMES_LIST, "aws:principalorgpaths", "aws:resourceorgpaths",
    "aws:tagkeys", "aws:calledvia", "sts:transitivetagkeys",
}

# Tag keys are per-tag single values: aws:PrincipalTag/team holds one string.
_SINGLE_PREFIXES = ("aws:principaltag/", "aws:requesttag/", "aws:resourcetag/")

# Keys whose values AWS documents with a fixed type. A policy may still use
# another operator family on them; the encoder then treats the value as text.
_TYPED = {
    "aws:currenttime": "Date", "aws:tokenissuetime": "Date", "aws:epochtime": "Date",
    "aws:multifactorauthage": "Numeric", "aws:securetransport": "Bool",
    "aws:multifactorauthpresent": "Bool", "aws:viaawsservice": "Bool",
    PRINCIPAL_IS_AWS_SERVICE: "Bool", "aws:sourceip": "IpAddress", "aws:vpcsourceip": "IpAddress",
    SOURCE_ARN: "Arn", "aws:principalarn": "Arn",
}


def fold(name: str) -> str:
    """The case-insensitive identity of a key name (C2).

    Only ASCII letters are folded: IAM key names are ASCII, and folding
    anything else could merge names AWS keeps apart.
    """
    return name.translate(_ASCII_LOWER)


_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def cardinality(folded: str) -> Cardinality:
    """Whether a (folded) key holds one value, a set, or is not known."""
    if folded in _SINGLE or folded.startswith(_SINGLE_PREFIXES):
        return Cardinality.SINGLE
    if folded in _MULTI:
        return Cardinality.MULTI
    return Cardinality.UNKNOWN


def documented_type(folded: str) -> str | None:
    """The operator family AWS documents for a key, if deputy knows it."""
    return _TYPED.get(folded)


def can_be_present(folded: str) -> bool:
    """Whether a request can carry this key at all.

    Every AWS condition key is namespaced (``service:name``). A name without
    a colon, such as the Terraform placeholder ``${account_id}`` read as a
    policy variable, names no key AWS sets, so it is always absent.
    """
    return ":" in folded
