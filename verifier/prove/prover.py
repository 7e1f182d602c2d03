"""Deciding the confused-deputy question for one policy.

A verdict of ``safe`` is an UNSAT answer on the full encoding; ``vulnerable``
needs a model whose request the evaluator allows and ``threat.classify``
calls foreign. Everything else (a timeout, a construct the encoder could not
read, a counterexample that does not replay) is ``unknown`` with the reason.
"""

from __future__ import annotations

import json
import time

from verifier.prove import canonical, certify, counterexample, deputies, findings, grants, readable, solver
from verifier.prove import threat, witness
from verifier.policy.ast import Statement
from verifier.encoder import logic as F
from verifier.errors import BudgetExceeded, InternalError
from verifier.evaluator import Decision, evaluate
from verifier.policy.loading import LoadedPolicy
from verifier.request import Request
from verifier.results import DeputyResult, Result, StatementRef, Verdict
from verifier.prove.solver import Session
from verifier.prove.question import Question
from verifier.prove.threat import ThreatModel

AUX_TIMEOUT_MS = 2000


def check_policy(loaded: LoadedPolicy, model: ThreatModel, timeout: float = 5.0) -> Result:
    """The verdict for one parsed, well-formed policy: for the question's
    deputy if ``model`` names one, else for every deputy the policy has
    (or ``--service`` names), combined."""
    if model.deputy is not None:
        return check_deputy(loaded, model, timeout)
    found, asked = deputies.questions(loaded.policy, model)
    answers = [DeputyResult(d.service, grants.granted(loaded.policy, model.asking(d)),
                            check_deputy(loaded, model.asking(d), timeout)) for d in asked]
    return deputies.combine(answers, deputies.reported(found, answers, bool(model.services)), loaded.policy.source)


def check_deputy(loaded: LoadedPolicy, model: ThreatModel, timeout: float = 5.0) -> Result:
    """The verdict of one deputy's question (``model.deputy``); unknown,
    with the bound named, when the question passes one of deputy's bounds."""
    try:
        return _check_deputy(loaded, model, timeout)
    except BudgetExceeded as exc:
        return Result(loaded.policy.source, Verdict.UNKNOWN, f"could not decide: {exc}")


def _check_deputy(loaded: LoadedPolicy, model: ThreatModel, timeout: float) -> Result:
    started = time.perf_counter()
    F.new_epoch()
    run = _Run(loaded, model, with_wishes=False)
    try:
        result = _answered(loaded, run, timeout)
    finally:
        run.close()
    result.seconds = time.perf_counter() - started
    return result


def _answered(loaded: LoadedPolicy, run: _Run, timeout: float) -> Result:
    found = witness.foreign(loaded, run.model)
    if found is not None:
        result = run.witnessed(found)
    else:
        result = run.decide(int(timeout * 1000))
        result.assumptions += run.readings()
    result.warnings = findings.diagnostic_warnings(loaded) + (run.unencoded() if run.built else []) + result.warnings
    if result.verdict is not Verdict.UNKNOWN:
        try:
            result.warnings += run.side_questions(result)
        except BudgetExceeded as exc:  # the verdict stands; what is said beside it is cut short
            result.warnings.append(f"the questions beside the verdict (a request naming no source account, a "
                                   f"trusted request) were not all asked: {exc}")
    result.useless = findings.placeholders(loaded, run.admitting()) + run.blocked
    if result.counterexample is not None:
        result.assumptions += findings.uncatalogued(result.counterexample.action)
    return result


class _Run:
    """Every question about one policy, over one encoding whose string
    classes are computed once.

    A run without wishes leaves out those for a readable counterexample
    (``counterexample.preferences``): they are string tests too, and their
    classes cost more than most questions. Its answers are those of the
    same questions (the wishes constrain nothing until a model is sought),
    but once a request must be read from a model it takes the wishes
    (``_take_wishes``) and asks again, so every request printed comes from
    the same encoding whichever way the run began."""

    def __init__(self, loaded: LoadedPolicy, model: ThreatModel, extend=None, with_wishes: bool = True):
        model = model.one_question()
        self.with_wishes = with_wishes or extend is not None
        self.loaded = loaded
        self.policy = loaded.policy
        self.model = model
        self._question: Question | None = None
        # Extension point (verifier.debug.attacks, verifier.debug.repair): named extra
        # terms, built with the questions because string tests must exist
        # before the classes are computed.
        self._extend = extend
        self._questions: dict | None = None
        self._admitting: list[Statement] | None = None
        self._session: Session | None = None
        self._finalized: tuple | None = None
        self.blocked: list[dict] = []  # useless findings: why no legitimate request gets through

    @property
    def built(self) -> bool:
        return self._question is not None

    @property
    def question(self) -> Question:
        """The encoding, built when a question first needs the solver (a
        concrete witness may settle everything first)."""
        if self._question is None:
            self._question = Question(self.policy, self.model)
        return self._question

    @property
    def encoding(self):
        return self.question.encoding

    @property
    def guards(self) -> list:
        return [F.Bool(f"deny!{statement.index}") for statement, _ in self.encoding.denies]

    def admitting(self) -> list[Statement]:
        if self._admitting is None:
            self._admitting = grants.admitting_allows(self.policy, self.model)
        return self._admitting

    def _prepared(self) -> dict:
        # The questions are built when first needed: a policy that grants
        # the deputy nothing (most do) needs none of them.
        if self._questions is None:
            q = self.question
            wishes = counterexample.preferences(q, self.policy) if self.with_wishes else []
            self._questions = {"base": q.base(), "foreign": q.foreign(), "unattributed": q.unattributed(),
                               "legitimate": q.legitimate(), "wishes": wishes,
                               "extra": self._extend(q) if self._extend else {}}
        return self._questions

    base = property(lambda self: self._prepared()["base"])
    foreign = property(lambda self: self._prepared()["foreign"])
    unattributed = property(lambda self: self._prepared()["unattributed"])
    legitimate = property(lambda self: self._prepared()["legitimate"])
    wishes = property(lambda self: self._prepared()["wishes"])
    extra = property(lambda self: self._prepared()["extra"])

    def _classes(self) -> tuple:
        # The string classes are computed when a question first needs them,
        # after every question has made its string tests.
        if self._finalized is None:
            self._prepared()
            mapping, constraints = self.question.finalize()
            self._finalized = (mapping, constraints, F.Substitution(mapping))
        return self._finalized

    @property
    def mapping(self) -> dict:
        return self._classes()[0]

    @property
    def constraints(self) -> list:
        return self._classes()[1]

    @property
    def substitution(self) -> F.Substitution:
        """Shared by every session of this run."""
        return self._classes()[2]

    def session(self, timeout_ms: int) -> Session:
        """The one solver of this run: the shared constraints, the Deny
        guards and the readability wishes are asserted once; each question
        is asked inside ``scope``."""
        if self._session is None:
            session = self._session = Session(timeout_ms, self.substitution)
            session.add(*self.constraints, *self.base)
            session.add(*[F.Implies(g, F.Not(term)) for g, (_, term) in zip(self.guards, self.encoding.denies)])
            session.add(*counterexample.wish_constraints(self.wishes))
        return self._session

    def close(self) -> None:
        """The run's solver given back (``Session.close``): once its
        questions are all asked."""
        if self._session is not None:
            self._session.close()
            self._session = None

    def _take_wishes(self) -> None:
        """Start again with the wishes: in a fresh epoch of terms, so the
        encoding is built exactly as a run with wishes builds it."""
        F.new_epoch()
        self.with_wishes = True
        self._question = self._questions = self._session = self._finalized = None

    def refuted(self, terms: list[F.Term]) -> bool:
        """Whether the question ``base() ∧ terms`` folds to false and z3
        calls that UNSAT (no Allow statement admits the deputy, say): a term
        false as encoded, or once the variables the question fixes by itself
        are put in (a key the question says is absent, under a condition
        that needs it), or over the string classes. Each step rewrites the
        question into an equivalent one, so the full query is UNSAT too, and
        need not be sent to the solver; the first two need no string
        classes. With ``--certify`` the units are not put in: cvc5 is to
        re-check the question itself, not more of deputy's rewriting of it."""
        if any(term is F.FALSE for term in terms):
            return solver.refutes_false()
        if not certify.enabled():
            fixed = F.units([*self.base, *terms])
            if fixed is None:
                return solver.refutes_false()
            put = F.Substitution(fixed)
            # A term of thousands of nodes (a condition's long value list) is
            # left to the class substitution below: a second pass over it
            # costs more than the refutations it could add.
            terms = [put(term) if F.smaller_than(term, 4096) else term for term in terms]
        if any(term is F.FALSE for term in terms) or any(self.substitution(t) is F.FALSE for t in terms):
            return solver.refutes_false()
        return False

    def decide(self, timeout_ms: int, also=()) -> Result:
        """``also``: extra terms (from ``extra``) narrowing the foreign
        requests asked about; unsat then means none of that kind exists."""
        source = self.policy.source
        # The policy's own part first: when it is false, the questions are never built.
        if _folded(self.encoding.any_allow) or self.refuted([self.encoding.any_allow, self.foreign, *also]):
            return self._safe([])
        session = self.session(timeout_ms)
        with session.scope():
            session.add(self.foreign, self.encoding.any_allow, *also)
            outcome = session.check(self.guards, timeout_ms=timeout_ms)
            if outcome.status == "unknown":
                return Result(source, Verdict.UNKNOWN, f"could not decide: {outcome.reason}", solver=outcome.solver)
            if outcome.status == "unsat":
                needed = canonical.least_core(session, self.guards, outcome.core, timeout_ms)
                core = {id(c) for c in needed}
                return self._safe([s for g, (s, _) in zip(self.guards, self.encoding.denies) if id(g) in core],
                                  outcome.solver)
            if not self.with_wishes:
                self._take_wishes()
                return self.decide(timeout_ms, also)
            # The Deny statements stay in force while a readable model is sought.
            session.add(*self.guards)
            return self._counterexample(session, outcome, timeout_ms)

    def witnessed(self, request: Request) -> Result:
        """The verdict when a canonical request (``witness``) is allowed and
        foreign: vulnerable, with that request, as the evaluator decided."""
        evaluation = evaluate(self.policy, request)
        indexes = {t.index for t in evaluation.allowing}
        assumptions = self.model.assumptions(readable.has_resource(self.policy)) + findings.readings_of(evaluation)
        return Result(self.policy.source, Verdict.VULNERABLE,
                      "a foreign request of the deputy is allowed; the counterexample replays in the evaluator",
                      counterexample=request, assumptions=assumptions,
                      statements=_refs([s for s in self.policy.statements if s.index in indexes]),
                      solver="evaluator: a canonical request")

    def _safe(self, denies: list[Statement], by: str | None = None) -> Result:
        by = by or ("z3 and cvc5" if certify.enabled() else "z3")
        return Result(self.policy.source, Verdict.SAFE, f"no foreign request of the deputy is allowed (proof by {by})",
                      statements=_refs(self.admitting() + denies),
                      assumptions=self.model.assumptions(self.question.has_resource), solver=by)

    def _counterexample(self, session: Session, outcome, timeout_ms: int) -> Result:
        request, found_by = counterexample.request(session, outcome, self.wishes, self.question, timeout_ms)
        try:
            allowing = _replay(self.loaded, request, self.model, expected="foreign")
        except InternalError as exc:
            return self._replay_failure(request, str(exc))
        return Result(self.policy.source, Verdict.VULNERABLE,
                      "a foreign request of the deputy is allowed; the counterexample replays in the evaluator",
                      counterexample=request, statements=_refs(allowing), solver=found_by,
                      # what the question assumes, as for a witnessed request or a proof
                      assumptions=self.model.assumptions(self.question.has_resource)
                      + findings.readings_of(evaluate(self.policy, request)))

    def _replay_failure(self, request: Request, why: str) -> Result:
        constructs = self.unencoded()
        if constructs:
            message = ("could not decide: the requests found depend on what deputy cannot encode ("
                       + "; ".join(constructs) + ")")
        else:
            message = f"internal error: a counterexample did not replay ({why}); please report this policy"
        return Result(self.policy.source, Verdict.UNKNOWN, message,
                      warnings=[f"unconfirmed request: {_compact(request)}"], solver="z3")

    def readings(self) -> list[str]:
        """Values deputy cannot read as AWS does, read on the side that
        admits more (SEMANTICS.md section 8): every verdict rests on them."""
        return [f"line {span.line}, column {span.column}: {what} (the reading that admits more, section 8)"
                for what, span in self.encoding.request.readings]

    def unencoded(self) -> list[str]:
        """What the encoding could not represent exactly, in words."""
        out = [f"line {span.line}: deputy cannot encode {what}; the verdict holds whatever it means"
               for what, span, _ in self.encoding.request.unsupported]
        space = self.encoding.request.space
        out += [f"deputy cannot relate the strings {pair} exactly; the verdict holds whatever they are"
                for pair in space.unchecked]
        return out

    def side_questions(self, result: Result) -> list[str]:
        warnings = []
        if not self.model.strict_attribution:
            warnings += self._unattributed(result)
        if self.admitting():
            warnings += self._usefulness()
        elif self.model.services or self.model.actions:
            warnings.append(f"no Allow statement admits {self.model.deputy.label} calling {self.model.calls()}: the "
                            "policy grants this deputy nothing (is --service or --action right?)")
        return warnings

    def _unattributed(self, result: Result) -> list[str]:
        request = witness.unattributed(self.loaded, self.model)
        if request is not None:
            return self._unattributed_warning(result, request)
        if _folded(self.encoding.allowed) or self.refuted([self.encoding.allowed, self.unattributed]):
            return []
        session = self.session(AUX_TIMEOUT_MS)
        with session.scope():
            session.add(self.unattributed, self.encoding.allowed)
            outcome = session.check(timeout_ms=AUX_TIMEOUT_MS)
            if outcome.status == "unsat":
                return []
            if outcome.status == "unknown":
                return [f"could not decide whether a request naming no source account is allowed "
                        f"({outcome.reason})"]
            if not self.with_wishes:
                self._take_wishes()
                return self._unattributed(result)
            request, _ = counterexample.request(session, outcome, self.wishes, self.question, AUX_TIMEOUT_MS)
        try:
            _replay(self.loaded, request, self.model, expected="unattributed")
        except InternalError as exc:
            return [f"a request naming no source account may be allowed, but it did not replay ({exc})"]
        return self._unattributed_warning(result, request)

    def _unattributed_warning(self, result: Result, request: Request) -> list[str]:
        result.unattributed = request
        return ["a request of the deputy that names no source account (no aws:SourceAccount, no account in "
                "aws:SourceArn) is allowed; not every service sends these keys (A2), so this may let other "
                f"accounts in; --strict-attribution counts it as foreign: {_compact(request)}"]

    def _usefulness(self) -> list[str]:
        if witness.legitimate(self.loaded, self.model) is not None:
            return []
        if not self.refuted([self.legitimate, self.encoding.allowed]):
            session = self.session(AUX_TIMEOUT_MS)
            with session.scope():
                session.add(self.legitimate, self.encoding.allowed)
                outcome = session.check(timeout_ms=AUX_TIMEOUT_MS)
            if outcome.status == "unknown":
                return [f"could not decide whether any trusted request of the service is allowed ({outcome.reason})"]
            if outcome.status == "sat":
                return []
        reasons = self._impossible()
        text = (f"no request of {self.model.deputy.label} from a trusted account is allowed: the policy "
                "blocks the service itself")
        span = self.admitting()[0].span
        self.blocked = [{"message": why, "line": entry.span.line, "column": entry.span.column}
                        for why, entry in reasons] or [{"message": text, "line": span.line, "column": span.column}]
        return [text + (": " + "; ".join(why for why, _ in reasons) if reasons else "")]

    def _impossible(self) -> list:
        """``findings.impossible_conditions``, asked in this run's session
        where the encoding holds every entry's term (the same terms the
        statements were built from), else over an encoding of its own."""
        entries = findings.condition_entries(self.admitting())
        encoded = self.encoding.entries
        if not entries or any(s.index not in encoded for s, _ in entries):
            return findings.impossible_conditions(self.loaded, self.model, self.admitting())
        terms = [term for s in dict.fromkeys(s for s, _ in entries) for term in encoded[s.index]]
        session = self.session(AUX_TIMEOUT_MS)
        with session.scope():
            session.add(self.legitimate)
            return findings.never_holding(session, entries, terms)


def _folded(term: F.Term) -> bool:
    """Whether ``term`` is false as encoded and z3 calls that UNSAT: checked
    before the questions (and their string classes) are built."""
    return term is F.FALSE and solver.refutes_false()


def _replay(loaded: LoadedPolicy, request: Request, model: ThreatModel, expected: str) -> list[Statement]:
    """The Allow statements that let ``request`` through, after checking it
    is allowed and of the expected class; raise ``InternalError`` if not."""
    evaluation = evaluate(loaded.policy, request)
    if evaluation.decision is not Decision.ALLOW:
        raise InternalError(f"the evaluator's decision is {evaluation.decision.value}, not allow")
    classification = threat.classify(request, model)
    if classification.problems:
        raise InternalError("the request breaks the threat model: " + "; ".join(classification.problems))
    if classification.kind != expected:
        raise InternalError(f"the request is {classification.kind}, not {expected}")
    indexes = {t.index for t in evaluation.allowing}
    return [s for s in loaded.policy.statements if s.index in indexes]


def _refs(statements: list[Statement]) -> list[StatementRef]:
    seen = {}
    for s in statements:
        seen.setdefault(s.index, StatementRef(s.index, s.sid.value if s.sid else None, s.span.line))
    return [seen[i] for i in sorted(seen)]


def _compact(request: Request) -> str:
    return json.dumps(request.to_json(), ensure_ascii=False, separators=(", ", ": "))


def verdict_only(loaded: LoadedPolicy, model: ThreatModel, timeout: float = 5.0) -> Result:
    """The verdict alone, without the side questions (for callers that
    re-check many variants of one policy: explanations, repairs): the
    question's deputy's, or the worst of every deputy's."""
    if model.deputy is not None:
        return _Run(loaded, model).decide(int(timeout * 1000))
    _, asked = deputies.questions(loaded.policy, model)
    answers = [DeputyResult(d.service, [], _Run(loaded, model.asking(d)).decide(int(timeout * 1000))) for d in asked]
    return deputies.combine(answers, answers, loaded.policy.source)


def extended_run(loaded: LoadedPolicy, model: ThreatModel, extend) -> _Run:
    """A run whose question carries the terms ``extend(question)`` returns
    (a dict of name to term), for ``run.decide(ms, also=[...])``."""
    return _Run(loaded, model, extend)
