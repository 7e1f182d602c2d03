"""CloudFormation templates (JSON or YAML): the policies they create.

Role trust policies (``AWS::IAM::Role`` ``AssumeRolePolicyDocument``),
resource policies (S3 bucket, SNS topic, SQS queue, KMS key), and
``AWS::Lambda::Permission``, which stands for one statement of the function's
resource policy. Positions are the template's own.
"""

from __future__ import annotations

import itertools

from verifier.errors import InputError
from verifier.jsontree import JArray, JMember, JObject, JScalar
from verifier.sources import Found, JUnresolved, owner
from verifier.sources.intrinsics import NOVALUE, Resolver
from verifier.wellformed import PolicyKind

POLICY_PROPERTIES = {
    "AWS::IAM::Role": ("AssumeRolePolicyDocument", PolicyKind.TRUST, True),
    "AWS::S3::BucketPolicy": ("PolicyDocument", PolicyKind.RESOURCE, True),
    "AWS::SNS::TopicPolicy": ("PolicyDocument", PolicyKind.RESOURCE, True),
    "AWS::SQS::QueuePolicy": ("PolicyDocument", PolicyKind.RESOURCE, True),
    "AWS::KMS::Key": ("KeyPolicy", PolicyKind.RESOURCE, False),
}
"""type -> (property, kind, required)."""

LAMBDA_PERMISSION = "AWS::Lambda::Permission"

# Lambda permission property -> (condition operator, condition key), as
# Lambda's AddPermission writes them into the function's policy.
LAMBDA_CONDITIONS = (
    ("SourceAccount", "StringEquals", "AWS:SourceAccount"),
    ("SourceArn", "ArnLike", "AWS:SourceArn"),
    ("PrincipalOrgID", "StringEquals", "aws:PrincipalOrgID"),
    ("EventSourceToken", "StringEquals", "lambda:EventSourceToken"),
    ("FunctionUrlAuthType", "StringEquals", "lambda:FunctionUrlAuthType"),
)


def extract(path: str, root, account: str | None, avoid: set[str]) -> list[Found]:
    """Every policy the template creates, in template order."""
    if not isinstance(root, JObject):
        raise InputError("a CloudFormation template must be a mapping with a Resources section", path,
                         root.span.line, root.span.column)
    resources = _get(root, "Resources")
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
        item = _resource(path, member, resolver)
        if item is not None:
            found.append(item)
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
    transform = _get(root, "Transform")
    for item in found:
        if transform is not None:
            item.warnings.append("the template has a Transform (for example SAM): the policies and permissions it "
                                 "generates are not in the template and were not checked")
        item.owner = account
        item.placeholder_owner = bool(assumed)
        item.assumptions = assumed + item.assumptions + resolver.assumptions()
    return found


def _resource(path: str, member: JMember, resolver: Resolver) -> Found | None:
    body = member.value
    if not isinstance(body, JObject):
        return None
    kind_node = _get(body, "Type")
    rtype = kind_node.value if isinstance(kind_node, JScalar) else None
    if rtype not in POLICY_PROPERTIES and rtype != LAMBDA_PERMISSION:
        return None
    found = Found(path, "cloudformation", member.name, span=member.name_span)
    condition = _get(body, "Condition")
    if isinstance(condition, JScalar):
        found.assumptions.append(f"resource {member.name} exists only under condition {condition.value}; it is "
                                 "checked as if it exists")
    properties = _get(body, "Properties")
    if not isinstance(properties, JObject):
        properties = JObject((), body.span)
    if rtype == LAMBDA_PERMISSION:
        found.kind = PolicyKind.RESOURCE
    else:
        name, kind, required = POLICY_PROPERTIES[rtype]
        if _get(properties, name) is None:
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
    return found


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
    value = resolver.value(_get(properties, prop))
    if isinstance(value, JScalar) and value.kind == "string":
        return _inner_json(value, path, f"{name}.{prop}")
    return value


def _inner_json(node: JScalar, path: str, what: str):
    """A policy given as a JSON string: its nodes, all at the string's place."""
    from verifier.sources.embedded import parse_embedded

    return parse_embedded(node.value, node.span, path, what)


def lambda_permission(props: JObject, resolver: Resolver) -> JObject:
    """The one-statement resource policy an ``AWS::Lambda::Permission``
    stands for: Allow Principal/Action on the function, with the
    conditions Lambda derives from SourceAccount, SourceArn and the rest."""
    values = {m.name: (m, resolver.value(m.value)) for m in props.members}
    values = {k: v for k, v in values.items() if v[1] is not NOVALUE}
    for required in ("Action", "FunctionName", "Principal"):
        if required not in values:
            raise InputError(f"AWS::Lambda::Permission has no {required}", "<template>", props.span.line,
                             props.span.column)
    members = [_m("Effect", JScalar("string", "Allow", props.span), props.span)]
    pm, principal = values["Principal"]
    members.append(_m("Principal", _principal(principal, pm), pm.name_span))
    am, action = values["Action"]
    members.append(_m("Action", action, am.name_span))
    fm, function = values["FunctionName"]
    members.append(_m("Resource", _function_resource(function), fm.name_span))
    operators: dict[str, list[JMember]] = {}
    for prop, operator, key in LAMBDA_CONDITIONS:
        if prop in values:
            m, value = values[prop]
            operators.setdefault(operator, []).append(_m(key, value, m.name_span))
    if operators:
        first = next(iter(operators.values()))[0].name_span
        condition = JObject(tuple(_m(op, JObject(tuple(entries), entries[0].name_span), entries[0].name_span)
                                  for op, entries in operators.items()), first)
        members.append(_m("Condition", condition, first))
    statement = JObject(tuple(members), props.span)
    return JObject((_m("Version", JScalar("string", "2012-10-17", props.span), props.span),
                    _m("Statement", JArray((statement,), props.span), props.span)), props.span)


def _principal(value, member: JMember):
    """Lambda's Principal: a service name, an account ID or ARN, or ``*``."""
    if isinstance(value, JScalar) and value.kind in ("string", "number"):
        text = value.value or ""
        if text == "*":
            return value
        kind = "AWS" if text.isdigit() or text.startswith("arn:") else "Service"
        return JObject((_m(kind, value, member.name_span),), value.span)
    return JObject((_m("Service", value, member.name_span),), getattr(value, "span", member.name_span))


def _function_resource(value):
    """The function's ARN as Resource. A bare name or an unresolved value
    (usually ``!Ref Function`` or ``!GetAtt Function.Arn``) is left as it
    is: a bare name is not an ARN, so it is made an unresolved value too,
    which an Allow reads as ``"*"`` (see ``unresolved.py``)."""
    if isinstance(value, JScalar) and value.kind == "string" and value.value.startswith("arn:"):
        return value
    if isinstance(value, JUnresolved):
        return value
    text = value.value if isinstance(value, JScalar) else "?"
    return JUnresolved(f"the ARN of function {text!r} (FunctionName is not an ARN)", value.span)


def _m(name: str, value, span) -> JMember:
    return JMember(name, span, value)


def _get(node, name: str):
    if isinstance(node, JObject):
        for m in node.members:
            if m.name == name:
                return m.value
    return None
