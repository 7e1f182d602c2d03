"""Proposing the smallest repair: ``deputy fix``.

Loop: take the counterexample, find the Allow statements that let it in
(the evaluator's trace), and change them with the first candidate, smallest
first, that blocks that request while still allowing a *legitimate* request
(a request of the deputy from the owner's account that the original policy
allows, found by the prover and replayed by the evaluator).
``verifier.debug.edits`` chooses the candidate; this module proves it.
Candidates:

1. tighten a source-key condition already there: ``…IfExists`` dropped,
   a set qualifier dropped, ``StringLike`` on ``aws:SourceArn`` read as
   ``ArnLike``, untrusted accounts dropped from a ``StringEquals`` list;
2. add ``StringEquals aws:SourceAccount OWNER``;
3. add ``ArnLike aws:SourceArn arn:aws:PREFIX:*:OWNER:*``;
4. add both.

Re-prove, and repeat until the prover says safe. The repaired text is
produced by small insertions and replacements inside the changed statements
(so the rest of the file keeps its formatting), checked by parsing it back
to exactly the intended policy, else by re-serialising with indent 2. The
text that will be printed or written is then verified from scratch: parsed,
proved safe by the prover, the legitimate request allowed by the evaluator,
and some trusted request allowed by the prover (usefulness). Nothing that
fails this is printed as a repair or written.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field

from verifier import deadline
from verifier.policy import keys, loading
from verifier.debug import edits, textedit
from verifier.prove import threat
from verifier.policy.ast import Effect, Policy
from verifier.errors import BudgetExceeded, DeputyError, InputError
from verifier.evaluator import Decision, evaluate
from verifier.policy.loading import LoadedPolicy
from verifier.request import Request
from verifier.results import Verdict
from verifier.prove.threat import ThreatModel

MAX_ROUNDS = 8
AUX_MS = 4000


@dataclass
class Repair:
    path: str
    status: str  # "repaired" | "already-safe" | "failed"
    message: str
    original: str = ""
    text: str | None = None
    changes: list[dict] = field(default_factory=list)
    legitimate: Request | None = None
    warnings: list[str] = field(default_factory=list)
    layout: str = ""  # "edited in place" | "re-serialised"
    written: bool = False
    kept: list[dict] = field(default_factory=list)  # every deputy's legitimate request, still allowed

    @property
    def exit_code(self) -> int:
        return 1 if self.status == "failed" else 0

    def diff(self) -> str:
        if self.text is None or self.text == self.original:
            return ""
        return "".join(difflib.unified_diff(self.original.splitlines(keepends=True),
                                            _ending(self.text).splitlines(keepends=True),
                                            fromfile=self.path, tofile=f"{self.path} (repaired)"))

    def to_json(self) -> dict:
        return {"path": self.path, "status": self.status, "message": self.message, "changes": self.changes,
                "legitimate_request": self.legitimate.to_json() if self.legitimate else None,
                "legitimate_requests": [{"deputy": k["deputy"], "request": k["request"].to_json()} for k in self.kept],
                "warnings": self.warnings, "layout": self.layout or None, "diff": self.diff() or None,
                "policy": self.text, "written": self.written}


def _ending(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"


# -- the search --------------------------------------------------------------------------------


def repair_file(path: str, model: ThreatModel, timeout: float = 5.0) -> Repair:
    """The repair of one policy file; ``InputError`` if it cannot be read."""
    from verifier.policy import jsontree, parser

    # The size is checked before the file is read whole, as ``check`` does.
    original = parser.decode(jsontree.read_file(path), path)
    return repair_text(original, path, model, timeout)


def repair_text(original: str, path: str, model: ThreatModel, timeout: float = 5.0) -> Repair:
    """The repair of one policy given as text (``path`` names it in
    messages); ``InputError`` if it cannot be read."""
    loaded = loading.load_text(original, path)
    try:
        return repair(loaded, original, model, timeout)
    except InputError:
        raise
    except deadline.TimeLimit as exc:  # the whole repair's time (fix --budget), not the policy's verdict
        return Repair(path, "failed", f"cannot repair: {exc}", original)
    except BudgetExceeded as exc:
        return Repair(path, "failed", f"cannot repair: the verdict is unknown: {exc}", original)
    except (DeputyError, RecursionError, MemoryError, ValueError, TypeError, KeyError, RuntimeError) as exc:
        return Repair(path, "failed", f"cannot repair: internal error ({type(exc).__name__}: {exc}); please "
                      "report this policy", original)


def repair(loaded: LoadedPolicy, original: str, model: ThreatModel, timeout: float = 5.0) -> Repair:
    """Repair every vulnerable deputy of the policy (or the one ``model``
    asks about), one after the other on the same text, keeping every
    deputy's legitimate request allowed."""
    found = search(loaded, questions(loaded, model), timeout, original)
    if isinstance(found, Repair):
        return found
    return _finish(loaded, original, found.policy, found.changes, found.legitimate, found.models, timeout)


def questions(loaded: LoadedPolicy, model: ThreatModel) -> list[ThreatModel]:
    """One model per deputy to repair: the one ``--service`` names, else
    every deputy the policy has."""
    from verifier.prove import deputies

    single = model.one_question()
    if single.deputy is not None:
        return [single]
    return [model.asking(d) for d in deputies.questions(loaded.policy, model)[1]]


@dataclass
class Repaired:
    """A repaired AST, not yet rendered as text nor verified from it:
    ``legitimate`` maps each deputy's label to its legitimate request."""

    policy: Policy
    changes: list[dict]
    legitimate: dict[str, Request]
    models: list[ThreatModel]


def search(loaded: LoadedPolicy, models: list[ThreatModel], timeout: float, original: str = "") -> Repaired | Repair:
    """The repaired policy, or a ``Repair`` that says the policy is already
    safe or why it cannot be repaired (``original`` is its text)."""
    from verifier.prove.prover import verdict_only

    path = loaded.policy.source
    verdicts = [verdict_only(loaded, m, timeout) for m in models]
    undecided = next((r for r in verdicts if r.verdict not in (Verdict.SAFE, Verdict.VULNERABLE)), None)
    if undecided is not None:
        return Repair(path, "failed", f"cannot repair: the verdict is {undecided.verdict.value} "
                      f"({undecided.message})", original)
    vulnerable = [m for m, r in zip(models, verdicts) if r.verdict is Verdict.VULNERABLE]
    if not vulnerable:
        out = Repair(path, "already-safe", "the policy is already safe: no change needed", original)
        out.warnings += [f"but no request of {m.deputy.label} from a trusted account is allowed"
                         for m in models if _admits(loaded, m) and not _useful(loaded, m)]
        return out
    legitimate = {m.deputy.label: r for m in models if (r := legitimate_request(loaded, m)) is not None}
    missing = next((m for m in vulnerable if m.deputy.label not in legitimate), None)
    if missing is not None:
        return Repair(path, "failed", f"cannot repair: the policy allows no request of {missing.deputy.label} from "
                      "a trusted account, so no repair can keep the legitimate request allowed", original)
    policy, changes = loaded.policy, []
    for m in vulnerable:
        step = _repair_deputy(loaded, policy, m, list(legitimate.values()), timeout)
        if isinstance(step, str):
            return Repair(path, "failed", f"cannot repair {m.deputy.label}: {step}", original, changes=changes,
                          legitimate=legitimate[m.deputy.label])
        policy, made = step
        changes += made
    return Repaired(policy, changes, legitimate, models)


def _repair_deputy(loaded: LoadedPolicy, policy: Policy, model: ThreatModel, keep: list[Request], timeout: float):
    """``(policy, changes)`` once this deputy is proved safe, or why not."""
    from verifier.prove.prover import verdict_only

    changes: list[dict] = []
    result = verdict_only(loading.accept(policy, loaded.kind), model, timeout)
    for _ in range(MAX_ROUNDS):
        if result.verdict is Verdict.SAFE:
            return policy, changes
        if result.verdict is not Verdict.VULNERABLE:
            return f"a candidate's verdict is {result.verdict.value}"
        step = edits.one_round(policy, result.counterexample, keep, model)
        if step is None:
            return (f"no candidate change blocks the counterexample {_compact(result.counterexample)} and keeps the "
                    "legitimate requests allowed")
        policy, made = step
        changes += made
        try:
            current = loading.accept(policy, loaded.kind)
        except InputError as exc:
            return f"a candidate is not a valid policy ({exc})"
        result = verdict_only(current, model, timeout)
    return (policy, changes) if result.verdict is Verdict.SAFE else f"not safe within {MAX_ROUNDS} rounds"


def _admits(loaded: LoadedPolicy, model: ThreatModel) -> bool:
    from verifier.prove.grants import granted

    return bool(granted(loaded.policy, model))


def _compact(request: Request) -> str:
    return json.dumps(request.to_json(), separators=(", ", ": "))


# -- the legitimate request and the final verification -----------------------------------------


def legitimate_request(loaded: LoadedPolicy, model: ThreatModel) -> Request | None:
    """A request of the deputy from a trusted account that ``loaded``
    allows, from the prover and replayed by the evaluator; one with
    ``aws:SourceAccount`` set to the owner when the policy allows one."""
    from verifier.prove import counterexample
    from verifier.encoder import lang as L
    from verifier.encoder import logic as F
    from verifier.encoder.symbolic import Kind
    from verifier.prove.prover import extended_run

    _PLAIN = L.plus(L.NOT_COLON)

    def extend(question):
        r, space = question.request, question.space
        sa, arn = r.keys[keys.SOURCE_ACCOUNT], r.keys[keys.SOURCE_ARN]
        out = {"owner": F.And(sa.present, space.equals(sa.elements[0].text, model.owner))}
        if arn.kind is Kind.ARN:  # a plain resource part, as real ARNs have
            out["plain"] = F.Or(F.Not(arn.present), space.member(arn.elements[0].parts[4], _PLAIN))
        return out

    run = extended_run(loaded, model, extend)
    if "plain" in run.extra:
        run.wishes.insert(1, run.extra["plain"])
    session = run.session(AUX_MS)

    def attempt(narrowing):
        with session.scope():  # the run's one session is shared: leave it as found
            session.add(run.legitimate, run.encoding.allowed, *narrowing)
            outcome = session.check()
            if outcome.status != "sat":
                return None
            return counterexample.request(session, outcome, run.wishes, run.question, AUX_MS)[0]

    request = attempt([run.extra["owner"]]) or attempt([])
    if request is None:
        return None
    classification = threat.classify(request, model)
    if (evaluate(loaded.policy, request).decision is not Decision.ALLOW or classification.problems
            or classification.kind != "legitimate"):
        return None
    return request


def _useful(loaded: LoadedPolicy, model: ThreatModel) -> bool:
    """The prover's usefulness question: some trusted request is allowed."""
    from verifier.prove.prover import extended_run

    run = extended_run(loaded, model, None)
    session = run.session(AUX_MS)
    with session.scope():
        session.add(run.legitimate, run.encoding.allowed)
        return session.check().status == "sat"


def _finish(loaded, original, policy, changes, legitimate: dict, models: list[ThreatModel], timeout) -> Repair:
    path = loaded.policy.source
    touched = {c["statement"]["index"] for c in changes}
    text, layout = textedit.render(original, loaded.policy, policy, touched)
    first = next(iter(legitimate.values()))
    problem = verify(text, path, loaded, models, legitimate, timeout)
    if problem:
        return Repair(path, "failed", f"cannot repair: the repaired text did not verify ({problem})", original,
                      changes=changes, legitimate=first)
    out = Repair(path, "repaired", _summary(changes), original, text, changes, first, layout=layout,
                 kept=[{"deputy": label, "request": r} for label, r in legitimate.items()])
    model = models[0]
    out.warnings += _shared_statement_warnings(loaded.policy, touched, models)
    if model.trusted_orgs and any("aws:SourceAccount" in c["change"] or "aws:SourceArn" in c["change"]
                                  for c in changes):
        out.warnings.append("the repair names accounts, not organizations: requests from other accounts of "
                            + ", ".join(sorted(model.trusted_orgs)) + " that the changed statements allowed "
                            "are no longer allowed by them")
    final = loading.load_text(text, path, loaded.kind)
    for m in models:
        if m.deputy.label in legitimate:
            out.warnings += _dead_statement_warnings(final, touched, m)
    return out


def _dead_statement_warnings(final: LoadedPolicy, touched: set[int], model: ThreatModel) -> list[str]:
    """Changed statements that no request of the deputy can satisfy any more
    (a repair may contradict a condition already there, e.g. Null true)."""
    from verifier.debug import attacks
    from verifier.prove.prover import extended_run

    run = extended_run(final, model, attacks.kind_terms(model))
    out = []
    for s in final.policy.statements:
        if s.index in touched:
            session = run.session(AUX_MS)
            with session.scope():
                session.add(run.extra[f"statement:{s.index}"])
                applies = session.check().status != "unsat"
            if not applies and _admits_statement(final, s, model):
                out.append(f"{s.label} now applies to no request of {model.deputy.label}: its conditions "
                           "contradict each other; deleting it would say the same more plainly")
    return out


def verify(text: str, path: str, loaded: LoadedPolicy, models: list[ThreatModel], legitimate: dict,
           timeout: float) -> str | None:
    """Why ``text`` is not a proven repair, or None when it is: every
    deputy proved safe, and every deputy that had a legitimate request
    still has it allowed, by the evaluator and the prover."""
    from verifier.prove.prover import verdict_only

    try:
        final = loading.load_text(text, path, loaded.kind)
    except InputError as exc:
        return f"it does not parse: {exc}"
    for m in models:
        verdict = verdict_only(final, m, timeout)
        if verdict.verdict is not Verdict.SAFE:
            return f"the prover's verdict for {m.deputy.label} is {verdict.verdict.value}"
    return still_allowed(final, models, legitimate)


def still_allowed(final: LoadedPolicy, models: list[ThreatModel], legitimate: dict) -> str | None:
    """Why ``final`` no longer allows some deputy's legitimate request (in
    the evaluator, or no trusted request at all in the prover), or None."""
    for m in models:
        request = legitimate.get(m.deputy.label)
        if request is None:
            continue
        if evaluate(final.policy, request).decision is not Decision.ALLOW:
            return f"the evaluator does not allow the legitimate request of {m.deputy.label}"
        if not _useful(final, m):
            return f"the prover finds no trusted request of {m.deputy.label} allowed"
    return None


def _summary(changes: list[dict]) -> str:
    statements = sorted({c["statement"]["index"] for c in changes})
    return (f"changed {len(changes)} condition(s) in statement(s) {', '.join(map(str, statements))}; the "
            "repaired policy is proved safe and still allows the legitimate request")


def _shared_statement_warnings(policy: Policy, touched: set[int], models: list[ThreatModel]) -> list[str]:
    names = " or ".join(m.deputy.label for m in models if m.deputy.service) or "the deputy"
    out = []
    for s in policy.statements:
        if s.index not in touched or s.effect_kind is Effect.DENY:
            continue
        block = s.principals
        services = [v.value for e in (block.entries if block else ()) if e.kind.value == "Service"
                    for v in e.values.items]
        only_deputy = block is not None and not block.negated and block.wildcard is None and \
            all(e.kind.value == "Service" for e in block.entries) and len(services) == 1
        if not only_deputy:
            out.append(f"{s.label} also applies to principals other than {names}; the added conditions "
                       "apply to them too (split the statement if they must not)")
    return out


# -- writing ---------------------------------------------------------------------------------


def write(repair: Repair, force: bool = False) -> None:
    """Replace the file with the verified repair, atomically, keeping its
    mode, owner, line endings and final newline (``debug.writing``);
    ``InputError`` when that is refused (read-only without ``force``,
    hard links)."""
    from verifier.debug import writing

    if repair.status != "repaired" or repair.text is None:
        raise ValueError("only a verified repair is written")
    writing.replace(repair.path, writing.keep_layout(repair.original, repair.text), force)
    repair.written = True


def _admits_statement(final: LoadedPolicy, statement, model: ThreatModel) -> bool:
    from verifier.prove.grants import granted_by

    return statement.index in granted_by(final.policy, model)
