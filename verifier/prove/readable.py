"""The values a counterexample prefers, so that it is a request that can
occur and a person can read: a real service principal, a real action of the
service a statement names, a resource of a type that action takes, a
foreign account such as 444455556666, a real Region.

Shared by the symbolic search (``counterexample.preferences``: soft wishes)
and the concrete one (``witness``: candidate requests); none of it decides
a verdict.
"""

from __future__ import annotations

import re

from verifier.policy import actions
from verifier.policy.ast import Effect, Policy
from verifier.prove.threat import Deputy, ThreatModel

NICE_FOREIGN_ACCOUNT = "444455556666"
NICE_REGION = "us-east-1"

# Well-known service principals, only to name a readable one for "any other
# service principal" (the question itself ranges over every name).
NICE_SERVICES = ("events.amazonaws.com", "sns.amazonaws.com", "s3.amazonaws.com", "lambda.amazonaws.com",
                 "cloudtrail.amazonaws.com", "logs.amazonaws.com", "config.amazonaws.com", "sqs.amazonaws.com",
                 "ec2.amazonaws.com", "delivery.logs.amazonaws.com", "example.amazonaws.com")


def foreign_account(model: ThreatModel) -> str:
    if NICE_FOREIGN_ACCOUNT not in model.trusted:
        return NICE_FOREIGN_ACCOUNT
    return next(a for a in ("999999999999", "123456789012", "444444444444") if a not in model.trusted)


def services(deputy: Deputy) -> list[str]:
    if deputy.service is not None:
        return [deputy.service]
    return [s for s in NICE_SERVICES if s not in deputy.others] or ["other.example.amazonaws.com"]


def has_resource(policy: Policy) -> bool:
    return any(s.resources is not None for s in policy.statements)


def action_names(policy: Policy, model: ThreatModel) -> list[str]:
    """Real actions the policy's Allow statements name, in the catalogue's
    spelling: literal ones first, then those a wildcard pattern admits."""
    if model.actions:
        return list(model.actions)
    literal, wild = [], []
    for s in policy.statements:
        if s.effect_kind is Effect.DENY or s.actions is None or s.actions.negated:
            continue
        for item in s.actions.patterns.items:
            text = item.value
            if "*" in text or "?" in text:
                wild.append(text)
            elif ":" in text:
                literal.append(actions.spelled(text) or text)
    out = list(dict.fromkeys(literal))
    for pattern in wild:
        out += [a for a in actions.matching(pattern, limit=50) if a not in out]
    if not out:
        out = ["sts:AssumeRole"] if not has_resource(policy) else []
    return out


def instance_of(pattern: str) -> str:
    """A readable string a wildcard pattern matches."""
    return pattern.replace("*", "example").replace("?", "x")


_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")


def resource_names(policy: Policy, model: ThreatModel, action: str | None) -> list[str]:
    """Resources of the owner a request to this policy may name: instances
    of its Resource patterns of a type ``action`` takes first, then the
    other instances, then an ARN of a type the action takes."""
    patterns = [item.value for s in policy.statements if s.resource is not None
                for item in s.resource.patterns.items]
    instances = list(dict.fromkeys(instance_of(p) for p in patterns if p.startswith("arn:")))
    formats = [_filled(f, model) for f in actions.resource_arns(action)] if action else []
    fitting = [i for i in instances if any(_fits(i, f) for f in formats)]
    rest = [i for i in instances if i not in fitting]
    prefix = (action or "s3:").split(":")[0].lower() or "s3"
    fallback = formats or [f"arn:aws:{prefix}:{NICE_REGION}:{model.owner}:example"]
    return list(dict.fromkeys(fitting + rest + fallback))


def _filled(arn_format: str, model: ThreatModel) -> str:
    values = {"Partition": "aws", "Region": NICE_REGION, "Account": model.owner}
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), "example"), arn_format)


def _fits(instance: str, filled: str) -> bool:
    """Whether an ARN has the service and resource-type shape of a filled
    format (the parts other than the names must agree)."""
    a, b = instance.split(":", 5), filled.split(":", 5)
    if len(a) != 6 or len(b) != 6 or a[2] != b[2]:
        return False
    head = re.split(r"[/:]", b[5], 1)
    return (len(head) == 1) == (len(re.split(r"[/:]", a[5], 1)) == 1) and (
        len(head) == 1 or a[5].startswith(b[5][:len(head[0]) + 1]) or head[0] == "example")
