"""CloudFormation templates (JSON or YAML): the policies they create.

Role trust policies (``AWS::IAM::Role`` ``AssumeRolePolicyDocument``),
resource policies (S3 bucket, SNS topic, SQS queue, KMS key), and
``AWS::Lambda::Permission``, which stands for one statement of the function's
resource policy. Positions are the template's own.
"""

from __future__ import annotations

import itertools
from functools import lru_cache

from verifier.errors import InputError
from verifier.policy.jsontree import JArray, JMember, JObject, JScalar
from verifier.sources import Found, Notice, member_value, owner
from verifier.sources import lambda_permission as permissions
from verifier.sources.intrinsics import NOVALUE, Resolver
from verifier.policy.wellformed import PolicyKind

POLICY_PROPERTIES = {
    "AWS::IAM::Role": ("AssumeRolePolicyDocument", PolicyKind.TRUST, True),
    "AWS::S3::BucketPolicy": ("PolicyDocument", PolicyKind.RESOURCE, True),
    "AWS::SNS::TopicPolicy": ("PolicyDocument", PolicyKind.RESOURCE, True),
    "AWS::SQS::QueuePolicy": ("PolicyDocument", PolicyKind.RESOURCE, True),
    "AWS::KMS::Key": ("KeyPolicy", PolicyKind.RESOURCE, False),
}
"""type -> (property, kind, required)."""

LAMBDA_PERMISSION = "AWS::Lambda::Permission"


def unread(path: str, resources: JObject, found: list[Found]) -> list[Notice]:
    """Warnings about what a template's reader skipped that a person may
    have meant it to read: a resource whose ``Type`` is a near miss of a
    type deputy reads (``AWS::IAM:Role``), and a template with no policy
    at all."""
    out = []
    for member in resources.members:
        kind = member_value(member.value, "Type")
        meant = near_miss(kind.value) if isinstance(kind, JScalar) and isinstance(kind.value, str) else None
        if meant:
            out.append(Notice(path, kind.span.line, kind.span.column,
                              f"resource {member.name}: Type {kind.value!r} is not a CloudFormation type; did you "
                              f"mean {meant!r}? deputy did not read it (CloudFormation would refuse the template)"))
    if not found and not out:  # (a near miss already says why)
        where = resources.span
        out.append(Notice(path, where.line, where.column,
                          "nothing in this template holds a policy deputy checks (" + ", ".join(READ_TYPES)
                          + "), so no policy in it was checked"))
    return out


READ_TYPES = tuple(POLICY_PROPERTIES) + (LAMBDA_PERMISSION,)


@lru_cache(maxsize=1024)  # a template repeats its types; each costs a dozen edit distances
def near_miss(rtype: str) -> str | None:
    """The type deputy reads that ``rtype`` is probably a typo of: equal
    but for colons, spaces and letter case, or one or two edits away."""
    if rtype in READ_TYPES or not 8 <= len(rtype) <= 64:
        return None
    folded = _fold(rtype)
    for known in READ_TYPES:
        if _fold(known) == folded or _edits(rtype.casefold(), known.casefold(), 2) <= 2:
            return known
    return None


def _fold(text: str) -> str:
    return "".join(c for c in text if c != ":" and not c.isspace()).casefold()


def _edits(a: str, b: str, most: int) -> int:
    """Levenshtein distance, or ``most + 1`` once it exceeds ``most``."""
    if abs(len(a) - len(b)) > most:
        return most + 1
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
        if min(row) > most:
            return most + 1
    return row[-1]


def extract(path: str, root, account: str | None, avoid: set[str], notices: list | None = None) -> list[Found]:
    """Every policy the template creates, in template order; ``notices``
    receives the warnings about resources not read (``unread``)."""
    if not isinstance(root, JObject):
        raise InputError("a CloudFormation template must be a mapping with a Resources section", path,
                         root.span.line, root.span.column)
    resources = member_value(root, "Resources")
    if not isinstance(resources, JObject):
        where = resources.span if resources is not None else root.span
        raise InputError("the template has no Resources mapping", path, where.line, where.column)
    # Without --account, resolve with a sentinel for AWS::AccountId first:
    # the placeholder must differ from every string the template builds
    # (a !Join can assemble an account from pieces), not only those it spells.
    if account is None and any(owner.SENTINEL in text for text in owner.strings(root)):
        raise InputError("the template holds deputy's internal marker text; give --account", path, 1, 1)
    resolver = Resolver(root, account or owner.SENTINEL)
    found = []
    for member in resources.members:
        item = _resource(path, member, resolver, stated_owner=account is None)
        if item is not None:
            found.append(item)
    if notices is not None:
        notices += unread(path, resources, found)
    assumed = []
    if account is None:
        texts = owner.strings(root) + [t for item in found for node in [item.node] + [v for _, v in item.variants]
                                       for t in owner.strings(node)]
        account = owner.placeholder(texts, avoid)
        if account is None:
            raise InputError("cannot pick a placeholder for the owner's account (every candidate appears in "
                             "the template); give --account", path, 1, 1)
        assumed.append(owner.assumption(account))
        for item in found:
            item.node = owner.fill(item.node, account)
            item.variants = [(label, owner.fill(node, account)) for label, node in item.variants]
    transform = member_value(root, "Transform")
    for item in found:
        if transform is not None:
            item.warnings.append("the template has a Transform (for example SAM): the policies and permissions it "
                                 "generates are not in the template and were not checked")
        if item.owner is not None:  # stated by the resource's own identifier (_identifier_owner)
            item.assumptions = item.assumptions + resolver.assumptions()
            continue
        item.owner = account
        item.placeholder_owner = bool(assumed)
        item.assumptions = assumed + item.assumptions + resolver.assumptions()
    return found


def _resource(path: str, member: JMember, resolver: Resolver, stated_owner: bool = False) -> Found | None:
    body = member.value
    if not isinstance(body, JObject):
        return None
    kind_node = member_value(body, "Type")
    rtype = kind_node.value if isinstance(kind_node, JScalar) else None
    if rtype not in POLICY_PROPERTIES and rtype != LAMBDA_PERMISSION:
        return None
    found = Found(path, "cloudformation", member.name, span=member.name_span)
    condition = member_value(body, "Condition")
    if isinstance(condition, JScalar):
        found.assumptions.append(f"resource {member.name} exists only under condition {condition.value}; it is "
                                 "checked as if it exists")
    properties = member_value(body, "Properties")
    if not isinstance(properties, JObject):
        properties = JObject((), body.span)
    if rtype == LAMBDA_PERMISSION:
        found.kind = PolicyKind.RESOURCE
    else:
        name, kind, required = POLICY_PROPERTIES[rtype]
        if member_value(properties, name) is None:
            if not required:
                return None
            found.error = InputError(f"{rtype} {member.name} has no {name}", path, member.name_span.line,
                                     member.name_span.column)
            return found
        found.kind = kind
    try:
        resolver.assignment, resolver.conditions_seen = {}, set()
        found.node = _document(path, member.name, rtype, properties, resolver)
        names = sorted(resolver.conditions_seen)
        if names and len(names) <= MAX_CONDITIONS:
            found.variants = _variants(path, member.name, rtype, properties, resolver, names)
    except InputError as exc:
        exc.source = path
        found.error = exc
    finally:
        resolver.assignment = {}
    if found.node is NOVALUE:
        return None
    if stated_owner and found.error is None:
        _identifier_owner(found, rtype, properties, resolver)
    return found


# The property naming the resource a policy is attached to, where its value
# is an ARN or a queue URL, which spells the owner's account.
IDENTIFIERS = {LAMBDA_PERMISSION: "FunctionName", "AWS::SNS::TopicPolicy": "Topics",
               "AWS::SQS::QueuePolicy": "Queues"}


def _identifier_owner(found: Found, rtype: str, properties: JObject, resolver: Resolver) -> None:
    """Without --account: the owner a resource's own identifier states
    (a function's ARN, the topics' ARNs, the queues' URLs, all of one
    account), as a plan's does. Only where the policy does not depend on
    the stack's account (no AWS::AccountId in it): the stack may be
    deployed in another account than the resource's, and the placeholder
    that stands for the stack's account must then stay apart from it."""
    prop = IDENTIFIERS.get(rtype)
    value = resolver.value(member_value(properties, prop)) if prop else None
    items = value.items if isinstance(value, JArray) else [value]
    texts = [v.value for v in items if isinstance(v, JScalar) and isinstance(v.value, str)]
    if not texts or len(texts) != len(items) or any(owner.SENTINEL in t for t in texts):
        return
    stated = owner.identifier_account(texts)
    documents = [found.node] + [node for _, node in found.variants]
    if stated is None or any(owner.SENTINEL in t for node in documents for t in owner.strings(node)):
        return
    found.owner = stated
    found.assumptions.append(f"the owner's account is {stated}, from the {prop} of {found.resource} in the "
                             "template; --account overrides it")


MAX_CONDITIONS = 4
"""A policy under more template conditions than this (2**4 deployments)
stays unknown rather than multiplying the solver's work."""


def _variants(path, name, rtype, properties, resolver, names) -> list[tuple[str, object]]:
    out = []
    for bits in itertools.product((True, False), repeat=len(names)):
        resolver.assignment = dict(zip(names, bits))
        node = _document(path, name, rtype, properties, resolver)
        if node is not NOVALUE:  # no policy at all under these conditions: nothing to check
            out.append((", ".join(f"{n}={'true' if b else 'false'}" for n, b in zip(names, bits)), node))
    return out


def _document(path: str, name: str, rtype: str, properties: JObject, resolver: Resolver):
    """The policy document (positioned nodes), or NOVALUE if the template
    removes it under the current condition assignment."""
    if rtype == LAMBDA_PERMISSION:
        return lambda_permission(properties, resolver)
    prop = POLICY_PROPERTIES[rtype][0]
    value = resolver.value(member_value(properties, prop))
    if isinstance(value, JScalar) and value.kind == "string":
        return _inner_json(value, path, f"{name}.{prop}")
    return value


def _inner_json(node: JScalar, path: str, what: str):
    """A policy given as a JSON string: its nodes, all at the string's place."""
    from verifier.sources.embedded import parse_embedded

    return parse_embedded(node.value, node.span, path, what)


def lambda_permission(props: JObject, resolver: Resolver) -> JObject:
    """The one-statement resource policy an ``AWS::Lambda::Permission``
    stands for (``sources.lambda_permission.policy``)."""
    values = {m.name: (m, resolver.value(m.value)) for m in props.members}
    values = {k: v for k, v in values.items() if v[1] is not NOVALUE}
    for required in ("Action", "FunctionName", "Principal"):
        if required not in values:
            raise InputError(f"AWS::Lambda::Permission has no {required}", "<template>", props.span.line,
                             props.span.column)

    def field(name):
        m, value = values[name]
        return value, m.name_span

    conditions = [(operator, key, *field(prop)) for prop, _, operator, key in permissions.CONDITIONS
                  if prop in values]
    return permissions.policy(field("Principal"), field("Action"), field("FunctionName"), conditions,
                               props.span, "FunctionName")
