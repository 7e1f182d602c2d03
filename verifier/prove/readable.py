"""The values a counterexample prefers, so that it is a request that can
occur and a person can read: a real service principal, a real action of the
service a statement names, a resource of a type that action takes, a
foreign account such as 444455556666, a real Region.

Shared by the symbolic search (``counterexample.preferences``: soft wishes)
and the concrete one (``witness``: candidate requests); none of it decides
a verdict.
"""

from __future__ import annotations

import itertools
import re

from verifier.policy import actions
from verifier.policy.ast import Effect, Policy
from verifier.prove.threat import Deputy, ThreatModel, global_name

NICE_FOREIGN_ACCOUNT = "444455556666"
NICE_REGION = "us-east-1"

# AWS's Regions (botocore partitions.json, cross-checked with
# https://docs.aws.amazon.com/global-infrastructure/latest/regions/doc-history.html),
# only so that a counterexample names a real one. The questions range over
# every Region-shaped name: a Region launched after this list is no blind spot.
REGIONS = (
    "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1",
    "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
    "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2", "eu-north-1",
    "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1", "me-central-1",
    "me-south-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
    "cn-north-1", "cn-northwest-1", "us-gov-east-1", "us-gov-west-1",
)


def regions_named(policy: Policy) -> list[str]:
    """Real Regions the policy's text names, then us-east-1 and the rest
    (remembered for the policy last asked about: a question asks often)."""
    memo = _per_policy(policy)
    if "regions" not in memo:
        text = "\n".join(_texts(policy))
        memo["regions"] = list(dict.fromkeys([r for r in REGIONS if r in text] + [NICE_REGION, *REGIONS]))
    return list(memo["regions"])


_remembered: tuple = (None, {})


def _per_policy(policy: Policy) -> dict:
    """What was worked out for the policy last asked about: each of its
    questions asks again, often the same."""
    global _remembered
    if _remembered[0] is not policy:
        _remembered = (policy, {})
    return _remembered[1]


def _texts(policy: Policy):
    """Every value a policy's statements write (principals, actions,
    resources, condition values); ``repr`` of a large policy costs seconds."""
    for s in policy.statements:
        for block in (s.principal, s.not_principal):
            if block is not None:
                yield from (v.value for e in block.entries for v in e.values.items)
        for block in (s.action, s.not_action, s.resource, s.not_resource):
            if block is not None:
                yield from (v.value for v in block.patterns.items)
        if s.condition is not None:
            yield from (v.value for o in s.condition.operators for e in o.entries for v in e.values.items)


def regional_names(service: str, policy: Policy) -> list[str]:
    """``service`` with each real Region inserted (P2), the policy's first."""
    for suffix in ("amazonaws.com.cn", "amazonaws.com"):
        if service.endswith("." + suffix) and "." not in service[: -len(suffix) - 1]:
            name = service[: -len(suffix) - 1]
            return [f"{name}.{r}.{suffix}" for r in regions_named(policy)]
    return []

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


def spelled_principals(deputy: Deputy, policy: Policy) -> list[str]:
    """The names of a named deputy exactly as an Allow statement's
    ``Principal`` spells them: a request carrying one is admitted under
    every reading, where another form of the name (the global one for a
    regional entry) is admitted only by a reading of section 8 (A6, A16)."""
    if deputy.service is None:
        return []
    out = []
    for s in policy.statements:
        block = s.principals
        if s.effect_kind is Effect.DENY or block is None or block.negated:
            continue
        out += [v.value for e in block.entries if e.kind.value == "Service" for v in e.values.items
                if deputy.admits(v.value)]
    # The global name first where the policy spells it too: the one a reader expects.
    return sorted(dict.fromkeys(out), key=lambda name: name != global_name(name))


def principal_names(deputy: Deputy, policy: Policy) -> list[str]:
    """Names a request of the deputy may carry, preferred first: those the
    policy spells (allowed under every reading), then its readable name
    (one: for "any other service principal" each name tried is another
    search over the whole policy, and the solver finds what it misses)."""
    return list(dict.fromkeys(spelled_principals(deputy, policy) + services(deputy)[:1]))


def has_resource(policy: Policy) -> bool:
    return any(s.resources is not None for s in policy.statements)


def action_names(policy: Policy, model: ThreatModel) -> list[str]:
    """Real actions the policy's Allow statements name, in the catalogue's
    spelling: literal ones first, then those a wildcard pattern admits."""
    if model.actions:
        return list(model.actions)
    literal, wild, excluded = [], [], []
    for s in policy.statements:
        if s.effect_kind is Effect.DENY or s.actions is None:
            continue
        for item in s.actions.patterns.items:
            text = item.value
            if s.actions.negated:
                excluded.append(text)
            elif text == "*":
                wild.append(_service_of(policy) + ":*")
            elif "*" in text or "?" in text:
                wild.append(text)
            elif ":" in text:
                literal.append(actions.spelled(text) or text)
    out = list(dict.fromkeys(literal))
    for pattern in wild:
        out += [a for a in actions.matching(pattern, limit=50) if a not in out]
    if excluded:  # NotAction: real actions it does not exclude, of the services it names first
        services = [p.split(":")[0].lower() for p in excluded if ":" in p] + [_service_of(policy)]
        out += [a for s in dict.fromkeys(services) for a in actions.of_service(s)[:200]
                if not any(_glob(p, a) for p in excluded)][:50]
    if not out:
        out = ["sts:AssumeRole"] if not has_resource(policy) else []
    return out


def _service_of(policy: Policy) -> str:
    """The service of the policy's resources (a trust policy's: STS)."""
    for s in policy.statements:
        for item in s.resource.patterns.items if s.resource is not None else ():
            parts = item.value.split(":")
            if len(parts) > 2 and parts[2] and "*" not in parts[2] and "?" not in parts[2]:
                return parts[2].lower()
    return "sts" if not has_resource(policy) else "s3"


def _glob(pattern: str, text: str, exact: bool = False) -> bool:
    """Whether ``text`` matches a ``*``/``?`` pattern, in time linear in
    their product at worst (a regular expression backtracks exponentially
    on a hostile pattern such as ``*a*a*a...b``)."""
    if not exact:
        pattern, text = pattern.lower(), text.lower()
    p = t = 0
    star, mark = -1, 0
    while t < len(text):
        if p < len(pattern) and pattern[p] != "*" and (pattern[p] == "?" or pattern[p] == text[t]):
            p, t = p + 1, t + 1
        elif p < len(pattern) and pattern[p] == "*":
            star, mark, p = p, t, p + 1
        elif star >= 0:
            mark += 1
            p, t = star + 1, mark
        else:
            return False
    return all(c == "*" for c in pattern[p:])


def instance_of(pattern: str) -> str:
    """A readable string a wildcard pattern matches: for an ARN pattern,
    part by part, a real Region where the Region part allows one."""
    pieces = pattern.split(":", 5)
    if len(pieces) == 6 and pieces[0] == "arn":
        nice = ["arn", "aws", "example", NICE_REGION, "", "example"]
        parts = [p if "*" not in p and "?" not in p else n if _glob(p, n) else _fill(p)
                 for p, n in zip(pieces, nice)]
        return ":".join(parts)
    return _fill(pattern)


def _fill(pattern: str) -> str:
    return _STARS.sub("example", pattern).replace("?", "x")


_STARS = re.compile(r"\*+")


_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")


def resource_names(policy: Policy, model: ThreatModel, action: str | None) -> list[str]:
    """Resources of the owner a request to this policy may name: instances
    of its Resource patterns of a type ``action`` takes first (each
    pattern read through each of the action's ARN formats), then the other
    instances, then an ARN of a type the action takes. Remembered for the
    policy last asked about (each of its questions asks, often the same)."""
    memo = _per_policy(policy)
    key = ("resources", model.owner, action)
    if key not in memo:
        memo[key] = _resource_names(policy, model, action)
    return list(memo[key])


def _resource_names(policy: Policy, model: ThreatModel, action: str | None) -> list[str]:
    patterns = [item.value for s in policy.statements if s.resource is not None
                for item in s.resource.patterns.items]
    arn_patterns = [p if p.startswith("arn:") else _api_arn(p) for p in patterns
                    if p.startswith("arn:") or p.startswith(API_SHORTHAND)]
    instances = list(dict.fromkeys(instance_of(p) for p in arn_patterns))
    arn_formats = actions.resource_arns(action) if action else []
    formats = [_filled(f, model) for f in arn_formats]
    shapes = [_filled(f, model, names=False) for f in arn_formats]
    regions = regions_named(policy)[:3]
    typed = [t for p in arn_patterns[:_MAX_TYPED] for f in arn_formats for t in [_typed(p, f, model, regions)] if t]
    fitting = [i for i in instances if any(_fits(i, f) for f in shapes)]
    rest = [i for i in instances if i not in fitting]
    prefix = (action or "s3:").split(":")[0].lower() or "s3"
    fallback = formats or [f"arn:aws:{prefix}:{NICE_REGION}:{model.owner}:example"]
    # A name as long as a hostile pattern is no help to a reader, and its
    # automaton would cost more than the whole question.
    return [n for n in dict.fromkeys(typed + fitting + rest + fallback) if len(n) <= MAX_NAME]


MAX_NAME = 2048
_MAX_TYPED = 50  # patterns read through the action's formats (the first names are the ones used)
API_SHORTHAND = "execute-api:/"
EXAMPLE_API_ID = "a1b2c3d4e5"  # API Gateway's IDs are 10 lower-case letters and digits


def _api_arn(shorthand: str) -> str:
    """API Gateway's ``execute-api:/PATH`` as the ARN pattern of one API
    (R1: it stands for the ARNs of the API the policy is attached to)."""
    return f"arn:*:execute-api:*:*:{EXAMPLE_API_ID}/{shorthand[len(API_SHORTHAND):]}"


# Readable values of an ARN format's placeholders ("example" for the others).
_EXAMPLES = {"Partition": "aws", "Region": NICE_REGION, "ApiId": EXAMPLE_API_ID, "Stage": "prod", "Method": "GET"}


def _filled(arn_format: str, model: ThreatModel, region: str = NICE_REGION, names: bool = True) -> str:
    """A format with the owner's account, a real Region, and its other
    placeholders readable (``names``) or all "example"."""
    values = {**(_EXAMPLES if names else {"Partition": "aws"}), "Region": region, "Account": model.owner}
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), "example"), arn_format)


def _typed(pattern: str, arn_format: str, model: ThreatModel, regions: list[str]) -> str | None:
    """An ARN both a Resource pattern and an ARN format of the action
    describe, part by part (the pattern's literal part, else the format's
    readable one, else the pattern's own instance), or None if a part has
    none that fits both."""
    pieces, shapes = pattern.split(":", 5), arn_format.split(":", 5)
    if len(pieces) != 6 or len(shapes) != 6:
        return None
    fills = [_filled(arn_format, model, r).split(":", 5) for r in regions or [NICE_REGION]]
    out = []
    for i, (piece, shape) in enumerate(zip(pieces, shapes)):
        shape_glob = _PLACEHOLDER.sub("?*", shape)  # a placeholder stands for a non-empty name
        choices = [piece] if "*" not in piece and "?" not in piece else \
            [f[i] for f in fills] + [instance_of(piece) if i == 5 else _fill(piece)]
        part = next((c for c in choices if _glob(piece, c, exact=True) and _glob(shape_glob, c, exact=True)), None)
        if part is None:
            return None
        out.append(part)
    return ":".join(out)


PARTITIONS = ("aws", "aws-cn", "aws-us-gov")
_MAX_REPAIRS = 64


def repairs(value: str, names: list[str], policy: Policy, owner: str, action: str | None) -> list[str]:
    """Readable variants of an ARN a model gave (``arn:::::``, a partition
    or Region ``0``) when none of ``names`` fits it: its parts kept where
    they are readable, else a real partition, the action's service, a real
    Region, the owner's account, the resource part of a name. The caller
    keeps one only if it lies in the model's own class."""
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return []
    service = (action or "").split(":")[0].lower()
    split = [n.split(":", 5) for n in names[:3] if n.count(":") >= 5]
    shown = [[n[i] for n in split] for i in range(6)]  # the names' own parts
    # Most important first (it varies slowest): a resource of a type the action takes, then the rest.
    options = [
        [service] * bool(service) + [p for p in (parts[2],) if re.fullmatch(r"[a-z][a-z0-9-]*", p)] + [parts[2]],
        shown[5] + [p for p in (parts[5],) if p] + ["example"],
        [p for p in (parts[1],) if p in PARTITIONS] + list(PARTITIONS),
        [p for p in (parts[3],) if p in REGIONS] + [""] * ("" in shown[3]) + regions_named(policy)[:6]
        + ["cn-north-1", "us-gov-west-1"],
        [p for p in (parts[4],) if ACCOUNT.fullmatch(p)] + [""] * ("" in shown[4]) + [owner],
    ]
    out = []
    for service_, rest, partition, region, account in itertools.product(*[list(dict.fromkeys(o)) for o in options]):
        if region and _partition_of(region) != partition:
            continue  # a Region of another partition
        out.append(":".join(("arn", partition, service_, region, account, rest)))
        if len(out) == _MAX_REPAIRS:
            break
    return [v for v in out if v != value]


def _partition_of(region: str) -> str:
    return "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"


ACCOUNT = re.compile(r"[0-9]{12}")


def _fits(instance: str, filled: str) -> bool:
    """Whether an ARN has the service and resource-type shape of a filled
    format (the parts other than the names must agree)."""
    a, b = instance.split(":", 5), filled.split(":", 5)
    if len(a) != 6 or len(b) != 6 or a[2] != b[2]:
        return False
    head = re.split(r"[/:]", b[5], 1)
    return (len(head) == 1) == (len(re.split(r"[/:]", a[5], 1)) == 1) and (
        len(head) == 1 or a[5].startswith(b[5][:len(head[0]) + 1]) or head[0] == "example")
