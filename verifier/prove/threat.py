"""The confused-deputy question of THREAT_MODEL.md, symbolically and concretely.

``Question`` turns the threat model into constraints over a policy's
symbolic request; ``classify`` decides the same properties for one concrete
request, with its own code, so that every counterexample is checked against
the threat model by something other than the formula that produced it.

Query contracts (over the ``Question``'s encoding, with its string classes):

* ``base() ∧ foreign() ∧ allowed`` is unsatisfiable iff no foreign request
  of the deputy is allowed by the policy (the ``safe`` verdict);
* ``base() ∧ unattributed() ∧ allowed`` is unsatisfiable iff no deputy
  request that names no source account is allowed;
* ``base() ∧ legitimate() ∧ allowed`` is unsatisfiable iff no deputy request
  from a trusted source is allowed (the policy would be useless).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from verifier.policy import keys
from verifier.policy.ast import Policy
from verifier.encoder import encode
from verifier.encoder import lang as L
from verifier.encoder import logic as F
from verifier.encoder.statements import REGION
from verifier.encoder.strings import Const, Var
from verifier.encoder.symbolic import Bindings, Kind, arn_names_account
from verifier.request import Request

from verifier.defaults import DEFAULT_ACTION, DEFAULT_SERVICE  # noqa: E402 - re-exported


@dataclass(frozen=True)
class ThreatModel:
    owner: str
    trusted_accounts: frozenset[str] = frozenset()
    trusted_orgs: frozenset[str] = frozenset()
    service: str = DEFAULT_SERVICE
    action: str = DEFAULT_ACTION
    required_keys: tuple[str, ...] = ()
    source_service: str | None = None
    strict_attribution: bool = False

    @property
    def trusted(self) -> frozenset[str]:
        return frozenset({self.owner, *self.trusted_accounts})

    def assumptions(self, has_resource: bool = False) -> list[str]:
        """What a verdict under this model rests on, in words."""
        out = [
            f"the request comes from the service principal {self.service} (or a regional form of its "
            f"name) calling {self.action}",
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
        if has_resource:
            out.append("the request's resource is an ARN the policy may be attached to (any, as far as the "
                       "policy's Resource elements allow)")
        out += [f"the service always sends {key} (--require-key)" for key in self.required_keys]
        if self.source_service:
            out.append(f"aws:SourceArn names a resource of the {self.source_service} service (--source-service)")
        return out


def extra_keys() -> dict[str, tuple[Kind, int]]:
    """Keys the question constrains, with the witnesses it needs."""
    return {
        keys.SOURCE_ACCOUNT: (Kind.TEXT, 0),
        keys.SOURCE_ARN: (Kind.TEXT, 0),
        keys.SOURCE_ORG_ID: (Kind.TEXT, 0),
        keys.SOURCE_ORG_PATHS: (Kind.TEXT, 0),
        keys.PRINCIPAL_SERVICE_NAME: (Kind.TEXT, 0),
        keys.PRINCIPAL_IS_AWS_SERVICE: (Kind.TEXT, 0),
        keys.PRINCIPAL_SERVICE_NAMES_LIST: (Kind.TEXT, 2),
    }


def service_forms(service: str) -> L.Lang:
    """The names the deputy may call with: its own, or with a Region inserted
    before ``amazonaws.com`` (P2, A16)."""
    exact = L.literal(service)
    for suffix in ("amazonaws.com.cn", "amazonaws.com"):
        if service.endswith("." + suffix):
            name = service[: -len(suffix) - 1]
            if name and "." not in name:
                return L.alt(exact, L.seq(L.literal(name + "."), REGION, L.literal("." + suffix)))
    return exact


_PRINCIPAL = Var("principal")


class Question:
    """The threat model over one policy's encoding. Build every question
    (``base``, ``foreign``, ...) before ``finalize``: string tests register
    atoms, and the classes are computed once for all of them."""

    def __init__(self, policy: Policy, model: ThreatModel):
        self.model = model
        self.has_resource = any(s.resources is not None for s in policy.statements)
        bindings = Bindings(
            principal=_PRINCIPAL, action=Const(model.action),
            elements={
                keys.PRINCIPAL_SERVICE_NAME: [_PRINCIPAL],
                keys.PRINCIPAL_IS_AWS_SERVICE: [Const("true")],
                keys.PRINCIPAL_SERVICE_NAMES_LIST: [_PRINCIPAL, Const(model.service)],
            },
            # base() asserts this in every question; knowing it while encoding
            # folds the principal tests of statements for other services.
            domains={_PRINCIPAL.name: service_forms(model.service)},
        )
        # A required key the policy never reads still needs a symbol, or
        # base() could not say it is present (--require-key aws:SourceIp).
        wanted = extra_keys()
        for key in model.required_keys:
            wanted.setdefault(keys.fold(key), (None, 0))
        self.encoding = encode(policy, wanted, bindings)
        self.request = self.encoding.request
        self.space = self.request.space

    def finalize(self) -> tuple[dict, list[F.Term]]:
        """Compute the string classes; the base's string tests hold in every
        question, so classes that fail one are dropped first."""
        mapping, constraints = self.space.finalize(required=[t for t in self.base() if t.op == "bvar"])
        return mapping, constraints + self.space.domains()

    def base(self) -> list[F.Term]:
        """A request of the deputy, consistent as THREAT_MODEL.md point 4 says
        (the source-account link is built into the encoding)."""
        r, m, space = self.request, self.model, self.space
        out = list(r.domain)
        out += [
            space.member(r.principal, service_forms(m.service)),
            r.has_resource if self.has_resource else F.Not(r.has_resource),
            space.member(r.resource, _ARN_SHAPE),
            r.keys[keys.PRINCIPAL_SERVICE_NAME].present,
            r.keys[keys.PRINCIPAL_IS_AWS_SERVICE].present,
            r.keys[keys.PRINCIPAL_SERVICE_NAMES_LIST].present,
            F.Implies(r.keys[keys.SOURCE_ORG_PATHS].present, r.keys[keys.SOURCE_ORG_ID].present),
            F.Implies(self._untrusted_source(), self._no_trusted_org_paths()),
        ]
        out += [r.keys[keys.fold(key)].present for key in m.required_keys]
        arn = r.keys[keys.SOURCE_ARN]
        if m.source_service and arn.kind is Kind.ARN:
            out.append(F.Implies(arn.present, space.equals(arn.elements[0].parts[1], m.source_service)))
        return out

    def foreign(self) -> F.Term:
        untrusted = self._untrusted_source()
        if self.model.strict_attribution:
            return F.Or(untrusted, F.And(self.unattributed(), F.Not(self._org_trusted())))
        return untrusted

    def unattributed(self) -> F.Term:
        r = self.request
        return F.And(F.Not(r.keys[keys.SOURCE_ACCOUNT].present),
                      F.Or(F.Not(r.keys[keys.SOURCE_ARN].present), F.Not(arn_names_account(r))))

    def legitimate(self) -> F.Term:
        return F.And(F.Not(self.unattributed()), F.Not(self._untrusted_source()))

    # -- parts -------------------------------------------------------------------

    def _untrusted_account(self, term) -> F.Term:
        """``term`` (twelve digits, by the domain) is outside the trusted accounts."""
        return F.And(*[F.Not(self.space.equals(term, a)) for a in sorted(self.model.trusted)])

    def _org_trusted(self) -> F.Term:
        org = self.request.keys[keys.SOURCE_ORG_ID]
        if not self.model.trusted_orgs:
            return F.BoolVal(False)
        return F.And(org.present, F.Or(*[self.space.equals(org.elements[0].text, o)
                                           for o in sorted(self.model.trusted_orgs)]))

    def _untrusted_source(self) -> F.Term:
        r = self.request
        sa, arn = r.keys[keys.SOURCE_ACCOUNT], r.keys[keys.SOURCE_ARN]
        by_account = F.And(sa.present, self._untrusted_account(sa.elements[0].text))
        by_arn = F.BoolVal(False)
        if arn.kind is Kind.ARN:
            by_arn = F.And(arn.present, arn_names_account(r), self._untrusted_account(arn.elements[0].parts[3]))
        return F.And(F.Or(by_account, by_arn), F.Not(self._org_trusted()))

    def _no_trusted_org_paths(self) -> F.Term:
        paths = self.request.keys[keys.SOURCE_ORG_PATHS]
        if not self.model.trusted_orgs:
            return F.BoolVal(True)
        starts = [self.space.member(e.text, L.seq(L.literal(o + "/"), L.ANYTHING))
                  for e in paths.elements for o in sorted(self.model.trusted_orgs)]
        return F.Or(F.Not(paths.present), F.Not(F.Or(*starts)))


_ARN_SHAPE = L.seq(L.literal("arn:"), *([L.star(L.NOT_COLON), L.char(":")] * 4), L.ANYTHING)


# -- the same question for one concrete request -------------------------------------


@dataclass(frozen=True)
class Classification:
    kind: str  # "foreign" | "unattributed" | "legitimate"
    problems: tuple[str, ...] = ()


_ACCOUNT = re.compile(r"[0-9]{12}")


def classify(request: Request, model: ThreatModel) -> Classification:
    """Whether a concrete request is a deputy request that is foreign,
    unattributed or legitimate; ``problems`` lists every way it breaks the
    threat model (then it proves nothing)."""
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
    for key in model.required_keys:
        if request.get(key) is None:
            problems.append(f"{key} is required (--require-key) but absent")
    named = [a for a in (account, arn_account) if a is not None]
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


def _shape_problems(request: Request, model: ThreatModel):
    forms = re.escape(model.service)
    for suffix in ("amazonaws.com.cn", "amazonaws.com"):
        if model.service.endswith("." + suffix) and "." not in model.service[: -len(suffix) - 1]:
            name = re.escape(model.service[: -len(suffix) - 1])
            forms += rf"|{name}\.[a-z]{{2}}(?:-[a-z]+)+-[0-9]+\.{re.escape(suffix)}"
            break
    if not re.fullmatch(forms, request.principal):
        yield f"principal {request.principal!r} is not {model.service}"
    if request.action != model.action:
        yield f"action {request.action!r} is not {model.action}"
    if _one(request, keys.PRINCIPAL_SERVICE_NAME) != request.principal:
        yield "aws:PrincipalServiceName is not the principal"
    if _one(request, keys.PRINCIPAL_IS_AWS_SERVICE) != "true":
        yield "aws:PrincipalIsAWSService is not true"
    names = request.get(keys.PRINCIPAL_SERVICE_NAMES_LIST) or ()
    if request.principal not in names or model.service not in names:
        yield "aws:PrincipalServiceNamesList does not list the service"


def _one(request: Request, key: str) -> str | None:
    values = request.get(key)
    if values is None:
        return None
    return values[0] if len(values) == 1 else "\u0000several values"
