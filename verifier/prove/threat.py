"""The threat model of THREAT_MODEL.md: who is trusted, which deputy a
question is about, and, for one concrete request, whether it is foreign.

``ThreatModel`` is what the user states (the owner, trusted accounts and
organizations, the assumptions to make, and optionally ``--service`` /
``--action`` to narrow the question). A *question* is about one deputy:
``ThreatModel.deputy`` names it, a service principal by its global name or
"any other service principal" (``Deputy(None, others)``: every service
principal that is not one of ``others``). ``verifier.prove.deputies`` finds
the deputies a policy has; ``verifier.prove.question`` states a question
symbolically; ``classify`` decides the same properties for one concrete
request, with its own code, so that every counterexample is checked against
the threat model by something other than the formula that produced it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from verifier.policy import keys
from verifier.request import Request
from verifier.results import OTHER_DEPUTY

SUFFIXES = ("amazonaws.com.cn", "amazonaws.com")
_REGION = r"[a-z]{2}(?:-[a-z]+)+-[0-9]+"
_REGIONAL = re.compile(rf"([^.]+)\.{_REGION}\.({'|'.join(re.escape(s) for s in SUFFIXES)})")
SERVICE_NAME = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)+")
"""A service principal's name as a request carries it (P1: DNS-like, lower case)."""
ACTION_NAME = re.compile(r"[A-Za-z0-9-]+:[A-Za-z0-9]+")
"""An action as a request carries it: a service prefix and a name (AC1)."""


def global_name(service: str) -> str:
    """The deputy a service principal name stands for: ASCII letters lower
    case, and ``name.REGION.amazonaws.com`` read as ``name.amazonaws.com``
    (P2, P8, A6, A16: one deputy, however the policy spells it)."""
    lower = service.lower() if service.isascii() else "".join(chr(ord(c) | 0x20) if "A" <= c <= "Z" else c
                                                               for c in service)
    match = _REGIONAL.fullmatch(lower)
    return f"{match.group(1)}.{match.group(2)}" if match else lower


def is_regional(service: str) -> bool:
    return _REGIONAL.fullmatch(service) is not None


@dataclass(frozen=True)
class Deputy:
    """The deputy one question is about: ``service`` (a global name), or,
    when it is None, any service principal that is none of ``others`` (nor
    a regional form of one)."""

    service: str | None
    others: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.service or OTHER_DEPUTY

    def admits(self, principal: str) -> bool:
        """Whether a concrete principal name is this deputy calling."""
        if not SERVICE_NAME.fullmatch(principal):
            return False
        name = global_name(principal)
        if self.service is not None:
            return principal in (self.service, *regional_forms(self.service, principal))
        return name not in self.others and principal not in self.others


def regional_forms(service: str, principal: str) -> tuple[str, ...]:
    """``principal`` if it is ``service`` with a Region inserted (P2)."""
    match = _REGIONAL.fullmatch(principal)
    if match and "." not in match.group(1) and f"{match.group(1)}.{match.group(2)}" == service:
        return (principal,)
    return ()


@dataclass(frozen=True)
class ThreatModel:
    owner: str
    trusted_accounts: frozenset[str] = frozenset()
    trusted_orgs: frozenset[str] = frozenset()
    services: tuple[str, ...] = ()
    """``--service``: ask about these deputies only (empty: every deputy the policy has)."""
    actions: tuple[str, ...] = ()
    """``--action``: ask about these actions only (empty: every action the policy grants)."""
    required_keys: tuple[str, ...] = ()
    source_service: str | None = None
    strict_attribution: bool = False
    deputy: Deputy | None = None
    """The deputy of one question (set per question, never by the user)."""
    any_owner: bool = False
    """The owner's account is a placeholder (the input does not state it):
    the request's resource may be in any account, so that a ``safe``
    verdict holds whichever account owns the resource (``verifier.partial``)."""

    @property
    def trusted(self) -> frozenset[str]:
        return frozenset({self.owner, *self.trusted_accounts})

    @property
    def service(self) -> str | None:
        """The deputy's name, where the question has one."""
        if self.deputy is not None:
            return self.deputy.service
        return self.services[0] if len(self.services) == 1 else None

    def one_question(self) -> ThreatModel:
        """This model with its deputy set where there is only one to ask
        about (``--service`` naming one)."""
        if self.deputy is None and len(self.services) == 1:
            return self.asking(Deputy(self.services[0]))
        return self

    def asking(self, deputy: Deputy) -> ThreatModel:
        from dataclasses import replace

        return replace(self, deputy=deputy)

    def calls(self) -> str:
        """The action part of the question, in words."""
        if not self.actions:
            return "any action the policy grants it"
        return " or ".join(self.actions)

    def assumptions(self, has_resource: bool = False) -> list[str]:
        """What a verdict under this model rests on, in words."""
        deputy = self.deputy.label if self.deputy else "the deputy"
        who = (f"the service principal {deputy} (or a regional form of its name)" if self.service else
               "a service principal the policy does not name" + (f" ({', '.join(self.deputy.others)} are asked "
                                                                 "about on their own)" if self.deputy and
                                                                 self.deputy.others else ""))
        out = [
            f"the request comes from {who} calling {self.calls()}",
            "trusted accounts: " + ", ".join(sorted(self.trusted))
            + (("; trusted organizations: " + ", ".join(sorted(self.trusted_orgs))) if self.trusted_orgs else ""),
            "an account ID is 12 digits and aws:SourceArn is a well-formed ARN",
            "when aws:SourceAccount and an account in aws:SourceArn are both present they are equal (A13)",
            "aws:SourceOrgID and aws:SourceOrgPaths, when present, describe the source account's organization",
            "every other condition key may be absent or hold any value of its type",
        ]
        if self.strict_attribution:
            out.append("requests that name no source account count as foreign (--strict-attribution)")
        else:
            out.append("requests that name no source account are not counted as foreign "
                       "(see the warnings; --strict-attribution counts them)")
        if has_resource and self.any_owner:
            out.append("the request's resource is an ARN in any account, as far as the policy's Resource elements "
                       "allow (the owner's account is not stated)")
        elif has_resource:
            out.append(f"the request's resource is the owner's: an ARN in account {self.owner} or naming no "
                       "account, as far as the policy's Resource elements allow")
        out += [f"the service always sends {key} (--require-key)" for key in self.required_keys]
        if self.source_service:
            out.append(f"aws:SourceArn names a resource of the {self.source_service} service (--source-service)")
        return out


# -- the question for one concrete request ------------------------------------------


@dataclass(frozen=True)
class Classification:
    kind: str  # "foreign" | "unattributed" | "legitimate"
    problems: tuple[str, ...] = ()


_ACCOUNT = re.compile(r"[0-9]{12}")


def classify(request: Request, model: ThreatModel) -> Classification:
    """Whether a concrete request is a request of the question's deputy that
    is foreign, unattributed or legitimate; ``problems`` lists every way it
    breaks the threat model (then it proves nothing)."""
    problems = list(_shape_problems(request, model))
    account = _one(request, keys.SOURCE_ACCOUNT)
    arn = _one(request, keys.SOURCE_ARN)
    arn_account = None
    if arn is not None:
        pieces = arn.split(":", 5)
        if len(pieces) != 6 or pieces[0] != "arn" or not (pieces[4] == "" or _ACCOUNT.fullmatch(pieces[4])):
            problems.append(f"aws:SourceArn {arn!r} is not a well-formed ARN")
        else:
            arn_account = pieces[4] or None
            if model.source_service and pieces[2] != model.source_service:
                problems.append(f"aws:SourceArn names service {pieces[2]!r}, not {model.source_service!r}")
    if account is not None and not _ACCOUNT.fullmatch(account):
        problems.append(f"aws:SourceAccount {account!r} is not a 12-digit account")
    if account is not None and arn_account is not None and account != arn_account:
        problems.append("aws:SourceAccount and the account in aws:SourceArn differ")
    others = list(_other_sources(request, model, problems))
    if len({a for a in [account, arn_account, *others] if a is not None}) > 1:
        problems.append("the source keys name different accounts")
    problems += _request_problems(request, model)
    for key in model.required_keys:
        if request.get(key) is None:
            problems.append(f"{key} is required (--require-key) but absent")
    named = [a for a in (account, arn_account, *others) if a is not None]
    org = _one(request, keys.SOURCE_ORG_ID)
    org_trusted = org is not None and org in model.trusted_orgs
    if not named:
        kind = "unattributed"
    elif all(a in model.trusted for a in named) or org_trusted:
        kind = "legitimate"
    else:
        kind = "foreign"
        paths = request.get(keys.SOURCE_ORG_PATHS) or ()
        if any(p.startswith(o + "/") for p in paths for o in model.trusted_orgs):
            problems.append("aws:SourceOrgPaths names a trusted organization for an untrusted account")
    if request.get(keys.SOURCE_ORG_PATHS) is not None and org is None:
        problems.append("aws:SourceOrgPaths is present without aws:SourceOrgID")
    if kind == "unattributed" and model.strict_attribution and not org_trusted:
        kind = "foreign"
    return Classification(kind, tuple(problems))


def _other_sources(request: Request, model: ThreatModel, problems: list):
    """The accounts aws:SourceOwner (K9) and the deputy's K11 keys name."""
    owner = _one(request, keys.SOURCE_OWNER)
    if owner is not None:
        if not _ACCOUNT.fullmatch(owner):
            problems.append(f"aws:SourceOwner {owner!r} is not a 12-digit account")
        yield owner
    service = model.deputy.service if model.deputy else None
    for key, deputy in keys.DEPUTY_SOURCE_ARNS.items():
        value = _one(request, key)
        if value is None or deputy != service:
            continue
        pieces = value.split(":", 5)
        if len(pieces) != 6 or pieces[0] != "arn" or not _ACCOUNT.fullmatch(pieces[4]):
            problems.append(f"{key} {value!r} is not an ARN naming an account (K11)")
        else:
            yield pieces[4]


def _request_problems(request: Request, model: ThreatModel):
    """THREAT_MODEL.md points 2 and 5: the resource is the owner's, and a
    service principal's request carries no organization key of its own."""
    if request.resource is not None:
        pieces = request.resource.split(":", 5)
        if len(pieces) != 6 or pieces[0] != "arn" or not (model.any_owner or pieces[4] in ("", model.owner)):
            yield f"the resource {request.resource!r} is not the owner's"
    for key in keys.NOT_FOR_SERVICES:
        if request.get(key) is not None:
            yield f"{key} is present, but a service principal belongs to no organization (K10)"


def _shape_problems(request: Request, model: ThreatModel):
    # Without a question's deputy: any service principal is one, or one of
    # --service's.
    deputy = model.deputy or Deputy(global_name(request.principal) if not model.services
                                    or global_name(request.principal) in model.services else model.services[0])
    if not deputy.admits(request.principal):
        yield f"principal {request.principal!r} is not {deputy.label}"
    if not ACTION_NAME.fullmatch(request.action):
        yield f"action {request.action!r} is not an action name (service:Name)"
    elif model.actions and request.action not in model.actions:
        yield f"action {request.action!r} is not {model.calls()}"
    if _one(request, keys.PRINCIPAL_SERVICE_NAME) != request.principal:
        yield "aws:PrincipalServiceName is not the principal"
    if _one(request, keys.PRINCIPAL_IS_AWS_SERVICE) != "true":
        yield "aws:PrincipalIsAWSService is not true"
    names = request.get(keys.PRINCIPAL_SERVICE_NAMES_LIST) or ()
    if request.principal not in names or global_name(request.principal) not in names:
        yield "aws:PrincipalServiceNamesList does not list the principal and its global name"
    for name in names:
        if name != request.principal and name != global_name(request.principal):
            yield f"aws:PrincipalServiceNamesList lists {name!r}, another service"


def _one(request: Request, key: str) -> str | None:
    values = request.get(key)
    if values is None:
        return None
    return values[0] if len(values) == 1 else "\u0000several values"
