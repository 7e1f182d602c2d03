"""The question of ``deputy diff`` for one deputy: is there a foreign
request that the new version of a policy allows and the old one does not?

Both versions are encoded over ONE symbolic request, with one string space
whose classes are computed once for the tests of both (``Question``'s
threat model, ``encoder.request_for``), so the question is one query:

* ``base ∧ foreign ∧ allowed(NEW) ∧ ¬allowed(OLD)`` is unsatisfiable iff no
  foreign request of the deputy is allowed by NEW and denied by OLD: the
  answer "no new foreign access", a proof;
* ``base ∧ foreign ∧ allowed(OLD) ∧ ¬allowed(NEW)`` is satisfiable iff the
  change takes such a request away ("closes").

Every request either query finds is replayed by the evaluator against both
versions before it is reported (allowed by one, denied by the other,
foreign by ``threat.classify``); one that does not replay makes the answer
``unknown``, as does a timeout.

Two things keep the proof exact where a policy cannot be read exactly:

* Readings (SEMANTICS.md section 8). ``check`` reads every ambiguous
  construct the way that allows more; for a difference that is not
  conservative, since OLD read widely hides what NEW adds. Here each part
  of a statement (principal, action, resource, condition entry;
  ``StatementEncoder.parts``) whose two readings differ is a boolean
  bracketed between them, and equal parts (in either version) share it:
  AWS reads the same text the same way in both versions, whichever way
  that is. UNSAT then holds for every reading; a request found only under a
  reading other than deputy's is reported as ``unknown``.
* Values a template does not state (``sources.unresolved``). Each version
  comes as ``wide`` (allows at least what the real policy allows) and
  ``narrow`` (at most): the proof asks NEW wide against OLD narrow, a
  request is believed when NEW narrow allows it and OLD wide denies it.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from verifier.changes import Change, DeputyChange
from verifier.encoder import logic as F
from verifier.encoder import request_for
from verifier.encoder.statements import StatementEncoder
from verifier.evaluator import Decision, evaluate
from verifier.policy import keys
from verifier.policy.ast import ConditionEntry, Effect, PatternBlock, Policy, PrincipalBlock
from verifier.policy.loading import LoadedPolicy
from verifier.prove import canonical, counterexample, findings, solver, threat, witness
from verifier.prove.question import Question
from verifier.prove.solver import Session
from verifier.prove.threat import ThreatModel
from verifier.request import Request
from verifier.results import StatementRef
from verifier.sources.unresolved import NEVER



@dataclass(frozen=True)
class Version:
    """One version of a policy: ``wide`` allows at least what the real
    policy allows, ``narrow`` at most; the same object when the input
    states every value (``exact``)."""

    wide: LoadedPolicy
    narrow: LoadedPolicy

    @property
    def exact(self) -> bool:
        return self.wide is self.narrow


class DiffQuestion(Question):
    """The threat model of ``Question`` (``base``, ``foreign``) over one
    request that every policy of both versions is encoded on. ``allowed``
    maps each policy (by identity) to its formula; ``brackets`` hold the
    shared readings between their two sides; ``deputy_reading`` holds when
    every reading is the one ``check`` and the evaluator use."""

    def __init__(self, old: Version, new: Version, model: ThreatModel):
        model = model.one_question()
        if model.deputy is None:
            raise ValueError("a question is about one deputy (ThreatModel.deputy)")
        self.model, self.deputy = model, model.deputy
        self.policy = new.narrow.policy  # for readable values only
        loaded = list({id(p): p for p in (new.wide, new.narrow, old.wide, old.narrow)}.values())
        policies = [p.policy for p in loaded]
        self.has_resource = any(s.resources is not None for p in policies for s in p.statements)
        # Each part may be encoded under both readings, each needing its own set witness.
        self.request = request_for(policies + policies, self._wanted(), self._bindings())
        self.space = self.request.space
        self._encoders: dict[bool, StatementEncoder] = {}
        self._readings: dict[tuple, F.Term] = {}
        self.brackets: list[F.Term] = []
        self._usual: list[F.Term] = []
        self.allowed = {id(p): self._allowed(p.policy) for p in loaded}
        self.deputy_reading = F.And(*self._usual)

    def _allowed(self, policy: Policy) -> F.Term:
        encoder = self._encoders.get(policy.variables_enabled)
        if encoder is None:
            encoder = self._encoders[policy.variables_enabled] = StatementEncoder(self.request,
                                                                                 policy.variables_enabled)
        allows, denies = [], []
        for s in policy.statements:
            term = self._statement(encoder, s, policy.variables_enabled)
            (denies if s.effect_kind is Effect.DENY else allows).append(term)
        return F.And(F.Or(*allows), F.Not(F.Or(*denies)))

    def _statement(self, encoder: StatementEncoder, s, variables: bool) -> F.Term:
        usual = s.effect_kind is not Effect.DENY  # the side check reads this statement on
        terms = []
        for what, encode in encoder.parts(s):
            values = encoder.principal_values(s) if what[0] == "principal" else None
            if values is not None:  # read value by value: a value added to a list leaves the others alike
                term = F.Or(*[self._part(s.effect_kind, key, part, usual, variables) for key, part in values])
            else:
                term = self._part(s.effect_kind, what, encode, usual, variables)
            terms.append(term)
            if term is F.FALSE:
                return F.FALSE
        return F.And(*terms)

    def _part(self, effect, what: tuple, encode, usual: bool, variables: bool) -> F.Term:
        term, other = encode(usual), encode(not usual)
        if term is other:
            return term
        return self._reading((effect, _meaning(what), variables), term, other)

    def _reading(self, key: tuple, usual: F.Term, other: F.Term) -> F.Term:
        """AWS's meaning of one ambiguous part: somewhere between its two
        readings (both hold: it holds; neither: it does not), the same for
        every equal part. No ordering of the two is assumed."""
        found = self._readings.get(key)
        if found is None:
            found = self._readings[key] = F.Bool(f"reading!{len(self._readings)}")
            self.brackets += [F.Implies(F.And(usual, other), found), F.Implies(found, F.Or(usual, other))]
            self._usual.append(F.Iff(found, usual))
        return found

    @property
    def ambiguous(self) -> bool:
        return bool(self._readings)


def _meaning(what: tuple) -> tuple:
    """A part's syntax, less what cannot change its meaning: how a list was
    written, the order and repetition of values (ORed), the letter case of
    a condition key (C2)."""
    kind, *rest = what
    node = rest[0] if rest else None
    if isinstance(node, PatternBlock):
        return kind, node.negated, frozenset(t.value for t in node.patterns.items)
    if isinstance(node, PrincipalBlock):
        return kind, node.negated, node.wildcard.value if node.wildcard else None, frozenset(
            (e.kind.value, frozenset(v.value for v in e.values.items)) for e in node.entries)
    if isinstance(node, ConditionEntry):
        return kind, node.operator.value, keys.fold(node.key.value), frozenset(v.value for v in node.values.items), \
            bool(node.values.items)
    return what


class DiffRun:
    """Both questions (opens, closes) about one deputy, over one session."""

    def __init__(self, old: Version, new: Version, model: ThreatModel):
        self.old, self.new, self.model = old, new, model.one_question()
        self.question = DiffQuestion(old, new, self.model)
        self.foreign = self.question.foreign()
        self._prepared: tuple | None = None
        self._session: Session | None = None

    def allowed(self, loaded: LoadedPolicy) -> F.Term:
        return self.question.allowed[id(loaded)]

    def _prepare(self) -> tuple:
        """``(substitution, constraints, base, wishes)``, built when a query
        first needs the solver: a deputy the new version grants nothing
        needs no string classes at all."""
        if self._prepared is None:
            q = self.question
            base = q.base()
            # Deputy's own readings first: a request that needs no other reading replays.
            wishes = [q.deputy_reading] + counterexample.preferences(q, q.policy)
            mapping, constraints = q.finalize()
            self._prepared = (F.Substitution(mapping), constraints, base, wishes)
        return self._prepared

    def session(self, timeout_ms: int) -> Session:
        if self._session is None:
            substitution, constraints, base, wishes = self._prepare()
            session = self._session = Session(timeout_ms, substitution)
            session.add(*constraints, *base, *self.question.brackets)
            session.add(*counterexample.wish_constraints(wishes))
        return self._session

    def find(self, allowing: LoadedPolicy, denying: LoadedPolicy, timeout_ms: int):
        """``("unsat" | "unknown" | "sat", request or reason, on deputy's
        reading)``: a foreign request ``allowing`` allows and ``denying``
        does not."""
        terms = [self.foreign, self.allowed(allowing), F.Not(self.allowed(denying))]
        if any(t is F.FALSE for t in terms) or any(self._prepare()[0](t) is F.FALSE for t in terms):
            # False as encoded: z3 is still the one to say UNSAT.
            return ("unsat", None, True) if solver.refutes_false() else ("unknown", "solver error", True)
        session = self.session(timeout_ms)
        with session.scope():
            session.add(*terms)
            outcome = session.check(timeout_ms=timeout_ms)
            if outcome.status != "sat":
                return outcome.status, outcome.reason, True
            better, kept = counterexample.prefer(session, self._prepare()[3], timeout_ms)
            session.add(*kept)

            def decode(read):  # the least model's request, and whether it is on deputy's reading
                usual = not self.question.ambiguous or bool(read(self.question.deputy_reading))
                return counterexample.decode(read, self.question), usual
            request, usual = canonical.least(session, better or outcome, decode, timeout_ms)
            return "sat", request, usual


def replays(request: Request, allowing: LoadedPolicy, denying: LoadedPolicy, model: ThreatModel) -> str | None:
    """None if the evaluator allows ``request`` under ``allowing``, denies
    it under ``denying`` and ``threat.classify`` calls it foreign with no
    problem; else why not."""
    if any(NEVER in text for text in _texts(request)):  # the narrow reading proves nothing about it
        return "the request holds a value that stands for one the input does not state"
    decision = evaluate(allowing.policy, request).decision
    if decision is not Decision.ALLOW:
        return f"the version that should allow it decides {decision.value}"
    decision = evaluate(denying.policy, request).decision
    if decision not in (Decision.EXPLICIT_DENY, Decision.IMPLICIT_DENY):
        return f"the version that should deny it decides {decision.value}"
    found = threat.classify(request, model)
    if found.problems:
        return "the request breaks the threat model: " + "; ".join(found.problems)
    if found.kind != "foreign":
        return f"the request is {found.kind}, not foreign"
    return None


def _texts(request: Request) -> list[str]:
    return [request.principal, request.action, request.resource or ""] + \
        [v for entry in request.context for v in entry.values]


def diff_deputy(old: Version, new: Version, model: ThreatModel, timeout: float = 5.0) -> DeputyChange:
    """The answer for the question's deputy (``model.deputy``): ``opens``
    with a replayed request, ``no new foreign access`` (a proof, with a
    replayed ``closes`` request when the change also takes access away),
    or ``unknown`` with the reason."""
    started = time.perf_counter()
    model = model.one_question()
    F.new_epoch()
    found = _canonical(old, new, model)
    if found is not None:
        answer = _opens(found, new, model, "evaluator: a canonical request")
    else:
        run = DiffRun(old, new, model)
        answer = _decide(run, int(timeout * 1000))
    answer.seconds = time.perf_counter() - started
    return answer


def _canonical(old: Version, new: Version, model: ThreatModel) -> Request | None:
    """A canonical foreign request (``witness``) that NEW allows and OLD
    does not, found without the solver, or None."""
    request = witness.foreign(new.narrow, model)
    if request is not None and replays(request, new.narrow, old.wide, model) is None:
        return request
    return None


def _decide(run: DiffRun, timeout_ms: int) -> DeputyChange:
    old, new, model = run.old, run.new, run.model
    status, found, usual = run.find(new.wide, old.narrow, timeout_ms)
    if status == "unknown":
        return DeputyChange(model.deputy.service, Change.UNKNOWN, f"could not decide: {found}", solver="z3")
    if status == "sat":
        return _confirm(run, found, usual, timeout_ms)
    answer = DeputyChange(model.deputy.service, Change.NO_NEW,
                          "no foreign request of the deputy is allowed by the new version and denied by the old "
                          "one (proof by z3)", solver="z3", assumptions=_assumptions(run))
    _closes(run, answer, timeout_ms)
    return answer


def _confirm(run: DiffRun, request: Request, usual: bool, timeout_ms: int) -> DeputyChange:
    """``opens`` once a request replays: the one found, or, where a version
    leaves values unstated, one asked of NEW narrow against OLD wide."""
    old, new, model = run.old, run.new, run.model
    why = replays(request, new.narrow, old.wide, model)
    if why is None:
        return _opens(request, new, model, "z3")
    if not (old.exact and new.exact):
        status, second, second_usual = run.find(new.narrow, old.wide, timeout_ms)
        if status == "sat" and replays(second, new.narrow, old.wide, model) is None:
            return _opens(second, new, model, "z3")
        if status == "unknown":
            return _unknown(model, f"could not decide ({second})", request)
        return _unknown(model, "whether the new version allows a foreign request that the old one denies depends "
                        "on values the input does not state (read as widely as possible in the new version and as "
                        "narrowly as possible in the old one, a request is found; read the other way, none)", request)
    unread = [what for what, _, _ in run.question.request.unsupported]
    if unread:
        return _unknown(model, "the requests found depend on what deputy cannot encode (" + "; ".join(unread) + ")",
                        request)
    if not usual:
        return _unknown(model, "the new version allows a foreign request that the old one denies only if AWS reads "
                        "a construct of the policy otherwise than deputy does (SEMANTICS.md section 8)", request)
    return _unknown(model, f"internal error: the request found did not replay ({why}); please report this policy",
                    request)


def _opens(request: Request, new: Version, model: ThreatModel, how: str) -> DeputyChange:
    evaluation = evaluate(new.narrow.policy, request)
    return DeputyChange(model.deputy.service, Change.OPENS, "a foreign request of the deputy is allowed by the new "
                        "version and denied by the old one; the request replays in the evaluator against both",
                        request=request, statements=_refs(new.narrow.policy, evaluation), solver=how,
                        assumptions=findings.readings_of(evaluation))


def _refs(policy: Policy, evaluation) -> list[StatementRef]:
    """The statements of ``policy`` that allow the evaluated request."""
    allowing = {t.index for t in evaluation.allowing}
    return [StatementRef(s.index, s.sid.value if s.sid else None, s.span.line)
            for s in policy.statements if s.index in allowing]


def _unknown(model: ThreatModel, why: str, request: Request) -> DeputyChange:
    compact = json.dumps(request.to_json(), ensure_ascii=False, separators=(", ", ": "))
    return DeputyChange(model.deputy.service, Change.UNKNOWN, f"could not decide: {why}", solver="z3",
                        warnings=[f"unconfirmed request: {compact}"])


def _closes(run: DiffRun, answer: DeputyChange, timeout_ms: int) -> None:
    """Good news beside a proof: a foreign request OLD allowed and NEW
    denies, replayed (none is reported if none replays)."""
    old, new, model = run.old, run.new, run.model
    status, request, _ = run.find(old.narrow, new.wide, timeout_ms)
    if status == "sat" and replays(request, old.narrow, new.wide, model) is None:
        answer.change = Change.CLOSES
        answer.message = ("no new foreign access (proof by z3), and a foreign request the old version allowed is "
                          "denied now; the request replays in the evaluator against both")
        answer.request = request
        answer.old_statements = _refs(old.narrow.policy, evaluate(old.narrow.policy, request))
    elif status == "unknown":
        answer.warnings.append(f"could not decide whether the change takes foreign access away ({request})")


def _assumptions(run: DiffRun) -> list[str]:
    out = run.model.assumptions(run.question.has_resource)
    if run.question.ambiguous:
        out.append("constructs whose meaning AWS leaves open (SEMANTICS.md section 8) mean the same in both versions, "
                   "whatever it is: the proof holds for every reading of them")
    if not (run.old.exact and run.new.exact):
        out.append("values the input does not state were read as widely as possible in the new version and as "
                   "narrowly as possible in the old one")
    return out
