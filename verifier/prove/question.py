"""One question of THREAT_MODEL.md over one policy's encoding: a request of
the question's deputy (``ThreatModel.deputy``), calling any action the
policy may grant it (or one of ``--action``), is foreign and allowed.

Query contracts (over the ``Question``'s encoding, with its string classes):

* ``base() ∧ foreign() ∧ allowed`` is unsatisfiable iff no foreign request
  of the deputy is allowed by the policy (the ``safe`` verdict);
* ``base() ∧ unattributed() ∧ allowed`` is unsatisfiable iff no deputy
  request that names no source account is allowed;
* ``base() ∧ legitimate() ∧ allowed`` is unsatisfiable iff no deputy request
  from a trusted source is allowed (the deputy cannot do its job).

The deputy is either one service (its global name and its regional forms,
P2) or "any other service principal": the principal is then a free string,
any well-formed service principal name outside the named deputies' forms,
so that one question covers every service the policy never names, with no
list of services standing in for "all".
"""

from __future__ import annotations

from verifier.encoder import encode
from verifier.encoder import lang as L
from verifier.encoder import logic as F
from verifier.encoder.statements import REGION
from verifier.encoder.strings import Const, Pick, Var
from verifier.encoder.symbolic import Bindings, Kind, arn_names_account
from verifier.policy import keys
from verifier.policy.ast import Policy
from verifier.prove.threat import SUFFIXES, ThreatModel

_LABEL = L.plus(L.chars((ord("a"), ord("z")), (ord("0"), ord("9")), (ord("-"), ord("-"))))
SERVICE_PRINCIPAL = L.seq(_LABEL, L.plus(L.seq(L.char("."), _LABEL)))
"""Every service principal name a request can carry (P1: DNS-like, lower case)."""
REGIONAL = L.seq(L.plus(L.all_but(".")), L.char("."), REGION, L.char("."), L.alt(*[L.literal(s) for s in SUFFIXES]))
ACTION = L.seq(_LABEL, L.char(":"), L.plus(L.chars((ord("a"), ord("z")), (ord("A"), ord("Z")), (ord("0"), ord("9")))))
"""Every action a request can carry: a service prefix and a name (AC1)."""
_ARN_SHAPE = L.seq(L.literal("arn:"), *([L.star(L.NOT_COLON), L.char(":")] * 4), L.ANYTHING)


def _OWNED(owner: str) -> L.Lang:  # noqa: N802 - a language, like the constants above
    """The owner's resources (THREAT_MODEL.md point 2): an ARN whose account
    is the owner's, or that names no account (an S3 bucket)."""
    return L.seq(L.literal("arn:"), *([L.star(L.NOT_COLON), L.char(":")] * 3),
                 L.alt(L.literal(owner), L.EMPTY_STRING), L.char(":"), L.ANYTHING)


def extra_keys(deputy=None) -> dict[str, tuple[Kind, int]]:
    """Keys the question constrains, with the witnesses it needs (for the
    deputy, the K11 keys it sets from its source, held as ARNs)."""
    out = {
        keys.SOURCE_ACCOUNT: (Kind.TEXT, 0),
        keys.SOURCE_ARN: (Kind.TEXT, 0),
        keys.SOURCE_OWNER: (Kind.TEXT, 0),
        keys.SOURCE_ORG_ID: (Kind.TEXT, 0),
        keys.SOURCE_ORG_PATHS: (Kind.TEXT, 0),
        keys.PRINCIPAL_SERVICE_NAME: (Kind.TEXT, 0),
        keys.PRINCIPAL_IS_AWS_SERVICE: (Kind.TEXT, 0),
        keys.PRINCIPAL_SERVICE_NAMES_LIST: (Kind.TEXT, 2),
    }
    for key in deputy_source_arns(deputy):
        out[key] = (Kind.ARN, 0)
    return out


def deputy_source_arns(deputy) -> list[str]:
    """The K11 keys the deputy sets to its source's ARN."""
    service = deputy.service if deputy is not None else None
    return [k for k, s in keys.DEPUTY_SOURCE_ARNS.items() if s == service]


def service_forms(service: str) -> L.Lang:
    """The names the deputy may call with: its own, or with a Region inserted
    before ``amazonaws.com`` (P2, A16)."""
    exact = L.literal(service)
    for suffix in SUFFIXES:
        if service.endswith("." + suffix):
            name = service[: -len(suffix) - 1]
            if name and "." not in name:
                return L.alt(exact, L.seq(L.literal(name + "."), REGION, L.literal("." + suffix)))
    return exact


_PRINCIPAL = Var("principal")
_GLOBAL = Var("principal.global")
_ACTION = Var("action")


class Question:
    """The threat model over one policy's encoding. Build every question
    (``base``, ``foreign``, ...) before ``finalize``: string tests register
    atoms, and the classes are computed once for all of them."""

    _base: list[F.Term] | None = None  # base(), once built (a subclass may skip __init__)

    def __init__(self, policy: Policy, model: ThreatModel):
        model = model.one_question()
        if model.deputy is None:
            raise ValueError("a question is about one deputy (ThreatModel.deputy)")
        self.model = model
        self.policy = policy
        self.deputy = model.deputy
        self.has_resource = any(s.resources is not None for s in policy.statements)
        self.encoding = encode(policy, self._wanted(), self._bindings())
        self.request = self.encoding.request
        self.space = self.request.space

    def _bindings(self) -> Bindings:
        service = self.deputy.service
        if service is not None:
            names, domain, excluded = [_PRINCIPAL, Const(service)], service_forms(service), ()
        else:
            names, domain = [_PRINCIPAL, _GLOBAL], SERVICE_PRINCIPAL
            excluded = tuple(service_forms(s) for s in self.deputy.others)
        actions = L.alt(*[L.literal(a) for a in self.model.actions]) if self.model.actions else ACTION
        return Bindings(
            principal=_PRINCIPAL, action=_ACTION,
            elements={keys.PRINCIPAL_SERVICE_NAME: [_PRINCIPAL], keys.PRINCIPAL_IS_AWS_SERVICE: [Const("true")],
                      keys.PRINCIPAL_SERVICE_NAMES_LIST: names},
            # K5: the list holds the principal and its global name, nothing
            # else; a further element (a witness of a set condition) is one of them.
            fill={keys.PRINCIPAL_SERVICE_NAMES_LIST: lambda i: Pick(F.Bool(f"names#{i}"), names[0], names[1])},
            # base() asserts these in every question; knowing them while
            # encoding folds the tests of statements for other services.
            domains={_PRINCIPAL.name: domain, _ACTION.name: actions}, excluded={_PRINCIPAL.name: excluded},
            excluded_services=frozenset(self.deputy.others),
        )

    def _wanted(self) -> dict:
        # A required key the policy never reads still needs a symbol, or
        # base() could not say it is present (--require-key aws:SourceIp).
        wanted = extra_keys(self.deputy)
        for key in self.model.required_keys:
            wanted.setdefault(keys.fold(key), (None, 0))
        return wanted

    def finalize(self) -> tuple[dict, list[F.Term]]:
        """Compute the string classes; the base's string tests hold in every
        question, so classes that fail one are dropped first."""
        mapping, constraints = self.space.finalize(required=[t for t in self.base() if t.op == "bvar"])
        return mapping, constraints + self.space.domains()

    def base(self) -> list[F.Term]:
        """A request of the deputy, consistent as THREAT_MODEL.md point 4 says
        (the source-account link is built into the encoding). Built once:
        ``finalize`` needs it too."""
        if self._base is None:
            self._base = self._build_base()
        return list(self._base)

    def _build_base(self) -> list[F.Term]:
        r, m, space = self.request, self.model, self.space
        out = list(r.domain) + space.domain_constraints() + self._names_list()
        out += [
            r.has_resource if self.has_resource else F.Not(r.has_resource),
            space.member(r.resource, _ARN_SHAPE),
            r.keys[keys.PRINCIPAL_SERVICE_NAME].present,
            r.keys[keys.PRINCIPAL_IS_AWS_SERVICE].present,
            r.keys[keys.PRINCIPAL_SERVICE_NAMES_LIST].present,
            F.Implies(r.keys[keys.SOURCE_ORG_PATHS].present, r.keys[keys.SOURCE_ORG_ID].present),
            F.Implies(self._untrusted_source(), self._no_trusted_org_paths()),
        ]
        out += [r.keys[keys.fold(key)].present for key in m.required_keys]
        out += [F.Not(r.keys[k].present) for k in keys.NOT_FOR_SERVICES if k in r.keys]  # K10
        if not m.any_owner:
            out.append(space.member(r.resource, _OWNED(m.owner)))
        arn = r.keys[keys.SOURCE_ARN]
        if m.source_service and arn.kind is Kind.ARN:
            out.append(F.Implies(arn.present, space.equals(arn.elements[0].parts[1], m.source_service)))
        return out

    def _names_list(self) -> list[F.Term]:
        """aws:PrincipalServiceNamesList holds the deputy's names (K5): the
        principal and its global name (its further elements are one of the
        two, by the bindings). For a free deputy the second name is a global
        service name, the principal's own when that is global (P2); which
        global name a regional principal has is not tied to it here, which
        can only admit more: a counterexample names the real one, and the
        evaluator's replay decides."""
        space = self.space
        if self.deputy.service is not None:
            return []
        out = [space.member(_GLOBAL, SERVICE_PRINCIPAL), F.Not(space.member(_GLOBAL, REGIONAL)),
               F.Or(space.member(_PRINCIPAL, REGIONAL), space.same(_GLOBAL, _PRINCIPAL))]
        out += [F.Not(space.equals(_GLOBAL, s)) for s in self.deputy.others]
        return out

    def foreign(self) -> F.Term:
        untrusted = self._untrusted_source()
        if self.model.strict_attribution:
            return F.Or(untrusted, F.And(self.unattributed(), F.Not(self._org_trusted())))
        return untrusted

    def unattributed(self) -> F.Term:
        """No source key names an account."""
        r = self.request
        return F.And(F.Not(r.keys[keys.SOURCE_ACCOUNT].present),
                     F.Or(F.Not(r.keys[keys.SOURCE_ARN].present), F.Not(arn_names_account(r))),
                     F.Not(r.keys[keys.SOURCE_OWNER].present),
                     *[F.Not(r.keys[k].present) for k in deputy_source_arns(self.deputy)])

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
        owner = r.keys[keys.SOURCE_OWNER]  # K9
        by_owner = F.And(owner.present, self._untrusted_account(owner.elements[0].text)) \
            if owner.kind is Kind.TEXT else F.FALSE
        by_context = [F.And(r.keys[k].present, self._untrusted_account(r.keys[k].elements[0].parts[3]))
                      for k in deputy_source_arns(self.deputy) if r.keys[k].kind is Kind.ARN]  # K11
        return F.And(F.Or(by_account, by_arn, by_owner, *by_context), F.Not(self._org_trusted()))

    def _no_trusted_org_paths(self) -> F.Term:
        paths = self.request.keys[keys.SOURCE_ORG_PATHS]
        if not self.model.trusted_orgs:
            return F.BoolVal(True)
        starts = [self.space.member(e.text, L.seq(L.literal(o + "/"), L.ANYTHING))
                  for e in paths.elements for o in sorted(self.model.trusted_orgs)]
        return F.Or(F.Not(paths.present), F.Not(F.Or(*starts)))
