"""Terraform plans and states as JSON (``terraform show -json``).

Read from ``resource_changes`` (a plan: ``change.after``, with
``change.after_unknown`` marking values known only after apply) and from
``planned_values`` for any resource ``resource_changes`` does not list, or
from ``values`` (a state). A value known only after apply is unresolved
(see ``unresolved.py``); a policy that is wholly unknown makes its verdict
``unknown``. A plan with no resource at all is an error, not a silent "no
policy". The owner's account, without ``--account``, is what the plan
states (``owner.plan_owner``).
"""

from __future__ import annotations

from verifier.errors import InputError
from verifier.policy.jsontree import JArray, JObject, JScalar
from verifier.sources import Found, JUnresolved, member_value, owner, scalar_text
from verifier.sources import lambda_permission as permissions
from verifier.sources.embedded import parse_embedded
from verifier.policy.wellformed import PolicyKind

POLICY_ATTRIBUTES = {
    "aws_iam_role": ("assume_role_policy", PolicyKind.TRUST),
    "aws_s3_bucket_policy": ("policy", PolicyKind.RESOURCE),
    "aws_sns_topic_policy": ("policy", PolicyKind.RESOURCE),
    "aws_sqs_queue_policy": ("policy", PolicyKind.RESOURCE),
    "aws_kms_key": ("policy", PolicyKind.RESOURCE),
}

LAMBDA_PERMISSION = "aws_lambda_permission"


def extract(path: str, root, account: str | None = None) -> list[Found]:
    if not isinstance(root, JObject):
        raise InputError("a Terraform plan must be a JSON object", path, root.span.line, root.span.column)
    found, seen = [], set()
    for entry, values, unknown in _entries(root):
        address = scalar_text(member_value(entry, "address"))
        if address in seen:
            continue
        seen.add(address)
        found += _resource(path, entry, values, unknown)
    if not seen:
        changes = member_value(root, "resource_changes")
        if isinstance(changes, JArray):
            raise InputError("the plan's resource_changes is empty and it plans no resource, so it holds no policy "
                             "to check (was it made from the intended configuration?)", path, changes.span.line,
                             changes.span.column)
        if not any(member_value(root, s) is not None for s in ("resource_changes", "planned_values", "values")):
            raise InputError("the plan has no resource_changes, planned_values or values", path, root.span.line,
                             root.span.column)
    owner.settle_plan_owners(found, root, account)
    return found


def _entries(root):
    """``(entry, values, after_unknown)`` of every resource the plan or
    state describes: ``resource_changes`` first, then ``planned_values``,
    then ``values`` (a state)."""
    changes = member_value(root, "resource_changes")
    for change in getattr(changes, "items", ()):
        body = member_value(change, "change")
        after = member_value(body, "after")
        if isinstance(after, JObject):
            yield change, after, member_value(body, "after_unknown")
    for section in ("planned_values", "values"):
        module = member_value(member_value(root, section), "root_module")
        for resource in _module_resources(module) if module is not None else ():
            values = member_value(resource, "values")
            if isinstance(values, JObject):
                yield resource, values, None


def _module_resources(module):
    for resource in getattr(member_value(module, "resources"), "items", ()):
        yield resource
    for child in getattr(member_value(module, "child_modules"), "items", ()):
        yield from _module_resources(child)


def _resource(path: str, entry, values: JObject, unknown) -> list[Found]:
    rtype = scalar_text(member_value(entry, "type"))
    if scalar_text(member_value(entry, "mode")) == "data":
        return []
    address = scalar_text(member_value(entry, "address")) or rtype or "?"
    if rtype not in POLICY_ATTRIBUTES and rtype != LAMBDA_PERMISSION:
        return []
    span = getattr(member_value(entry, "address"), "span", entry.span)
    found = Found(path, "terraform", address, span=span)
    own = owner.resource_account(values, unknown)
    if own:
        found.owner = own
        found.assumptions.append(f"the owner's account is {own}, from the identifier of {address} in the plan")
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
    flag = member_value(unknown, name)
    if isinstance(flag, JScalar) and flag.value == "true":
        return JUnresolved(f"{address}.{name} (known only after apply)", getattr(flag, "span", span))
    return member_value(values, name)


def _lambda(values: JObject, unknown, address: str, span) -> JObject:
    """The one-statement resource policy an ``aws_lambda_permission``
    stands for (``sources.lambda_permission.policy``)."""
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
    conditions = [(operator, key, value, at) for _, attribute, operator, key in permissions.CONDITIONS
                  if (value := get(attribute)) is not None]
    return permissions.policy((principal, at), (action, at), (function, at), conditions, at, "function_name")


