"""CloudFormation templates (JSON or YAML): the policies they create.

Role trust policies (``AWS::IAM::Role`` ``AssumeRolePolicyDocument``),
resource policies (S3 bucket, SNS topic, SQS queue, KMS key), and
``AWS::Lambda::Permission``, which stands for one statement of the function's
resource policy. Positions are the template's own.
"""

from __future__ import annotations

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
        texts = owner.strings(root) + [t for item in found for t in owner.strings(item.node)]
        account = owner.placeholder(texts, avoid)
        if account is None:
            raise InputError("cannot pick a placeholder for the owner's account (every candidate appears in "
                             "the template); give --account", path, 1, 1)
        assumed.append(owner.assumption(account))
        for item in found:
            item.node = owner.fill(item.node, account)
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
        try:
            found.node = lambda_permission(properties, resolver)
        except InputError as exc:
            exc.source = path
            found.error = exc
        return found
    name, kind, required = POLICY_PROPERTIES[rtype]
    document = _get(properties, name)
    if document is None:
        if not required:
            return None
        found.error = InputError(f"{rtype} {member.name} has no {name}", path, member.name_span.line,
                                 member.name_span.column)
        return found
    found.kind = kind
    value = resolver.value(document)
    found.node = JObject((), document.span) if value is NOVALUE else value
    if isinstance(found.node, JScalar) and found.node.kind == "string":
        found.node = _inner_json(found.node, path, f"{member.name}.{name}")
    return found


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
