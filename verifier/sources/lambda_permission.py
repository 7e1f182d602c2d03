"""The one-statement resource policy a Lambda permission stands for, built
the same way from a CloudFormation ``AWS::Lambda::Permission`` and from a
Terraform ``aws_lambda_permission``: Allow Principal/Action on the
function, with the conditions Lambda's AddPermission derives from the
source account, source ARN and the rest."""

from __future__ import annotations

from verifier.policy.ast import Span
from verifier.policy.jsontree import JArray, JMember, JObject, JScalar
from verifier.sources import JUnresolved

CONDITIONS = (
    # (CloudFormation property, Terraform attribute, operator, condition key)
    ("SourceAccount", "source_account", "StringEquals", "AWS:SourceAccount"),
    ("SourceArn", "source_arn", "ArnLike", "AWS:SourceArn"),
    ("PrincipalOrgID", "principal_org_id", "StringEquals", "aws:PrincipalOrgID"),
    ("EventSourceToken", "event_source_token", "StringEquals", "lambda:EventSourceToken"),
    ("FunctionUrlAuthType", "function_url_auth_type", "StringEquals", "lambda:FunctionUrlAuthType"),
)


def policy(principal: tuple, action: tuple, function: tuple, conditions: list[tuple], at: Span,
           function_field: str) -> JObject:
    """``principal``, ``action``, ``function``: (value, span of the field);
    ``conditions``: (operator, key, value, span) in ``CONDITIONS`` order;
    ``at``: the span of the permission itself; ``function_field`` names the
    function's field for a person ("FunctionName", "function_name")."""
    members = [_m("Effect", JScalar("string", "Allow", at), at),
               _m("Principal", _principal(*principal), principal[1]),
               _m("Action", action[0], action[1]),
               _m("Resource", _function_resource(function[0], function[1], function_field), function[1])]
    operators: dict[str, list[JMember]] = {}
    for operator, key, value, span in conditions:
        operators.setdefault(operator, []).append(_m(key, value, span))
    if operators:
        first = next(iter(operators.values()))[0].name_span
        condition = JObject(tuple(_m(op, JObject(tuple(entries), entries[0].name_span), entries[0].name_span)
                                  for op, entries in operators.items()), first)
        members.append(_m("Condition", condition, first))
    statement = JObject(tuple(members), at)
    return JObject((_m("Version", JScalar("string", "2012-10-17", at), at),
                    _m("Statement", JArray((statement,), at), at)), at)


def _principal(value, span: Span):
    """Lambda's Principal: a service name, an account ID or ARN, or ``*``."""
    if isinstance(value, JScalar) and value.kind in ("string", "number"):
        text = value.value or ""
        if text == "*":
            return value
        kind = "AWS" if text.isdigit() or text.startswith("arn:") else "Service"
        return JObject((_m(kind, value, span),), value.span)
    return JObject((_m("Service", value, span),), getattr(value, "span", span))


def _function_resource(value, span: Span, field: str):
    """The function's ARN as Resource. A bare name or an unresolved value
    (usually ``!Ref Function`` or ``!GetAtt Function.Arn``) is an
    unresolved value, which an Allow reads as ``"*"`` (see
    ``unresolved.py``): a bare name is not an ARN."""
    if isinstance(value, JScalar) and value.kind == "string" and value.value.startswith("arn:"):
        return value
    if isinstance(value, JUnresolved):
        return value
    text = value.value if isinstance(value, JScalar) else "?"
    return JUnresolved(f"the ARN of function {text!r} ({field} is not an ARN)", getattr(value, "span", span))


def _m(name: str, value, span) -> JMember:
    return JMember(name, span, value)
