"""Terraform plans and states as JSON (``terraform show -json``).

Read from ``resource_changes`` (a plan: ``change.after``, with
``change.after_unknown`` marking values known only after apply), else from
``planned_values`` or ``values`` (a state). A value known only after apply
is unresolved (see ``unresolved.py``); a policy that is wholly unknown makes
its verdict ``unknown``.
"""

from __future__ import annotations

from verifier.errors import InputError
from verifier.jsontree import JArray, JMember, JObject, JScalar
from verifier.sources import Found, JUnresolved
from verifier.sources.embedded import parse_embedded
from verifier.wellformed import PolicyKind

POLICY_ATTRIBUTES = {
    "aws_iam_role": ("assume_role_policy", PolicyKind.TRUST),
    "aws_s3_bucket_policy": ("policy", PolicyKind.RESOURCE),
    "aws_sns_topic_policy": ("policy", PolicyKind.RESOURCE),
    "aws_sqs_queue_policy": ("policy", PolicyKind.RESOURCE),
    "aws_kms_key": ("policy", PolicyKind.RESOURCE),
}

LAMBDA_PERMISSION = "aws_lambda_permission"
LAMBDA_CONDITIONS = (
    ("source_account", "StringEquals", "AWS:SourceAccount"),
    ("source_arn", "ArnLike", "AWS:SourceArn"),
    ("principal_org_id", "StringEquals", "aws:PrincipalOrgID"),
    ("event_source_token", "StringEquals", "lambda:EventSourceToken"),
    ("function_url_auth_type", "StringEquals", "lambda:FunctionUrlAuthType"),
)


def extract(path: str, root) -> list[Found]:
    if not isinstance(root, JObject):
        raise InputError("a Terraform plan must be a JSON object", path, root.span.line, root.span.column)
    changes = _get(root, "resource_changes")
    found = []
    if isinstance(changes, JArray):
        for change in changes.items:
            body = _get(change, "change")
            after = _get(body, "after")
            if isinstance(after, JObject):
                found += _resource(path, change, after, _get(body, "after_unknown"))
        return found
    for section in ("planned_values", "values"):
        module = _get(_get(root, section), "root_module")
        if module is not None:
            for resource in _module_resources(module):
                values = _get(resource, "values")
                if isinstance(values, JObject):
                    found += _resource(path, resource, values, None)
            return found
    raise InputError("the plan has no resource_changes, planned_values or values", path, root.span.line,
                     root.span.column)


def _module_resources(module):
    for resource in getattr(_get(module, "resources"), "items", ()):
        yield resource
    for child in getattr(_get(module, "child_modules"), "items", ()):
        yield from _module_resources(child)


def _resource(path: str, entry, values: JObject, unknown) -> list[Found]:
    rtype = _text(_get(entry, "type"))
    if _text(_get(entry, "mode")) == "data":
        return []
    address = _text(_get(entry, "address")) or rtype or "?"
    if rtype not in POLICY_ATTRIBUTES and rtype != LAMBDA_PERMISSION:
        return []
    span = getattr(_get(entry, "address"), "span", entry.span)
    found = Found(path, "terraform", address, span=span)
    try:
        if rtype == LAMBDA_PERMISSION:
            found.kind = PolicyKind.RESOURCE
            found.node = _lambda(values, unknown, address, span)
            return [found]
        attribute, kind = POLICY_ATTRIBUTES[rtype]
        found.kind = kind
        value = _attribute(values, unknown, attribute, address, span)
        if isinstance(value, JUnresolved):
            found.node = value
        elif isinstance(value, JScalar) and value.kind == "string" and value.value.strip():
            found.node = parse_embedded(value.value, value.span, path, f"{address}.{attribute}")
            found.span = value.span
        elif kind is PolicyKind.TRUST:
            raise InputError(f"{address} has no {attribute}", path, span.line, span.column)
        else:
            return []  # no resource policy (null or empty): nothing to check
    except InputError as exc:
        found.error = exc
    return [found]


def _attribute(values: JObject, unknown, name: str, address: str, span):
    flag = _get(unknown, name)
    if isinstance(flag, JScalar) and flag.value == "true":
        return JUnresolved(f"{address}.{name} (known only after apply)", getattr(flag, "span", span))
    return _get(values, name)


def _lambda(values: JObject, unknown, address: str, span) -> JObject:
    def get(name):
        value = _attribute(values, unknown, name, address, span)
        if isinstance(value, JScalar) and value.kind == "null":
            return None
        if isinstance(value, JScalar) and value.kind == "string" and value.value == "":
            return None
        return value

    principal, action, function = get("principal"), get("action"), get("function_name")
    if principal is None or action is None or function is None:
        raise InputError(f"{address} has no principal, action or function_name", "<plan>", span.line,
                         span.column)
    at = getattr(values, "span", span)
    members = [JMember("Effect", at, JScalar("string", "Allow", at))]
    if isinstance(principal, JScalar) and principal.value == "*":
        members.append(JMember("Principal", at, principal))
    else:
        text = principal.value if isinstance(principal, JScalar) else ""
        kind = "AWS" if text.isdigit() or text.startswith("arn:") else "Service"
        members.append(JMember("Principal", at, JObject((JMember(kind, at, principal),), at)))
    members.append(JMember("Action", at, action))
    if not (isinstance(function, JScalar) and function.value.startswith("arn:")) and \
            not isinstance(function, JUnresolved):
        function = JUnresolved(f"the ARN of function {function.value!r} (function_name is not an ARN)", at)
    members.append(JMember("Resource", at, function))
    operators: dict[str, list[JMember]] = {}
    for attribute, operator, key in LAMBDA_CONDITIONS:
        value = get(attribute)
        if value is not None:
            operators.setdefault(operator, []).append(JMember(key, at, value))
    if operators:
        members.append(JMember("Condition", at, JObject(tuple(
            JMember(op, at, JObject(tuple(entries), at)) for op, entries in operators.items()), at)))
    statement = JObject(tuple(members), at)
    return JObject((JMember("Version", at, JScalar("string", "2012-10-17", at)),
                    JMember("Statement", at, JArray((statement,), at))), at)


def _get(node, name: str):
    if isinstance(node, JObject):
        for m in node.members:
            if m.name == name:
                return m.value
    return None


def _text(node) -> str | None:
    return node.value if isinstance(node, JScalar) else None
