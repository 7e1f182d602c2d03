"""Several counterexamples of different kinds: ``deputy check --all``.

Each kind is one extra term added to the prover's own foreign-request query
(``prover.extended_run``; the terms are built before the string classes are
computed), so a kind is asked exactly like the first counterexample and its
answer is replayed by the prover through the evaluator in the same way. A
kind whose query is unsatisfiable has no request and is not listed.

Which kinds a replayed request belongs to is decided again here, concretely
from the request and the evaluator's trace (``kinds_of``), not from the
model; a request that does not show the kind it was asked for is dropped
and the mismatch reported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from verifier.policy import keys
from verifier.evaluator import evaluate
from verifier.results import STATEMENT_KIND as _STATEMENT
from verifier.prove.threat import is_regional
from verifier.results import Result, Verdict

if TYPE_CHECKING:  # no z3 at import time: start-up pays only for what a command uses
    from verifier.policy.loading import LoadedPolicy
    from verifier.request import Request
    from verifier.prove.threat import ThreatModel



def kind_terms(model: ThreatModel):
    """The ``extend`` hook for ``prover.extended_run``: one term per kind."""
    from verifier.encoder import logic as F
    from verifier.encoder.symbolic import Kind, arn_names_account
    from verifier.prove.question import REGIONAL

    def extend(question) -> dict:
        r, space = question.request, question.space
        sa, arn = r.keys[keys.SOURCE_ACCOUNT], r.keys[keys.SOURCE_ARN]

        def untrusted(term):
            return F.And(*[F.Not(space.equals(term, a)) for a in sorted(model.trusted)])

        terms = {"foreign-source-account": F.And(sa.present, untrusted(sa.elements[0].text)),
                 "no-source-account": question.unattributed()}
        if arn.kind is Kind.ARN:
            terms["foreign-source-arn-only"] = F.And(F.Not(sa.present), arn.present, arn_names_account(r),
                                                     untrusted(arn.elements[0].parts[3]))
        regional = space.member(r.principal, REGIONAL)
        terms["regional-principal"] = regional
        name, dot, rest = (model.service or "").partition(".")
        terms["wish:regional"] = space.equals(r.principal, f"{name}.us-east-1.{rest}") if dot else regional
        terms["global-principal"] = F.Not(regional)
        for statement, term in question.encoding.allows:
            terms[f"statement:{statement.index}"] = term
        return terms

    return extend


def kinds_of(request: Request, model: ThreatModel, allowing: set[int]) -> list[str]:
    """The kinds a concrete request belongs to (no solver, no encoder)."""
    account = _single(request.get(keys.SOURCE_ACCOUNT))
    arn = _single(request.get(keys.SOURCE_ARN))
    arn_account = None
    if arn is not None:
        pieces = arn.split(":", 5)
        arn_account = pieces[4] if len(pieces) == 6 and pieces[4] else None
    out = []
    if account is not None and account not in model.trusted:
        out.append("foreign-source-account")
    if account is None and arn_account is not None and arn_account not in model.trusted:
        out.append("foreign-source-arn-only")
    if account is None and arn_account is None:
        out.append("no-source-account")
    out.append("regional-principal" if is_regional(request.principal) else "global-principal")
    out += [f"statement:{i}" for i in sorted(allowing)]
    return out


def _single(values):
    return values[0] if values is not None and len(values) == 1 else None


def enumerate_counterexamples(loaded: LoadedPolicy, model: ThreatModel, first: Result, limit: int,
                              timeout: float, explain: bool = False) -> list[dict]:
    """Up to ``limit`` replayed counterexamples, the first being ``first``'s,
    each showing at least one kind no earlier one showed."""
    from verifier.prove.prover import extended_run

    found: list[dict] = []
    covered: set[str] = set()

    def add(request: Request, asked: str | None) -> bool:
        evaluation = evaluate(loaded.policy, request)
        allowing = {t.index for t in evaluation.allowing}
        kinds = kinds_of(request, model, allowing)
        if asked is not None and asked not in kinds:
            return False
        entry = {"kinds": kinds, "asked_for": asked, "request": request.to_json(),
                 "statements": [_ref(loaded, i) for i in sorted(allowing)]}
        if explain:
            from verifier.debug import explain as ex

            entry["explanation"] = ex.counterexample(loaded.policy, request)
        found.append(entry)
        covered.update(kinds)
        return True

    add(first.counterexample, None)
    if limit <= 1:
        return found
    run = extended_run(loaded, model, kind_terms(model))
    run.wishes.insert(1, run.extra["wish:regional"])  # a readable Region when the name is regional
    order = ["foreign-source-account", "foreign-source-arn-only", "no-source-account"]
    order += sorted((k for k in run.extra if _STATEMENT.fullmatch(k)), key=lambda k: int(k.split(":")[1]))
    order += ["regional-principal", "global-principal"]
    for kind in order:
        if len(found) >= limit:
            break
        if kind in covered or kind not in run.extra:
            continue
        result = run.decide(int(timeout * 1000), also=[run.extra[kind]])
        if result.verdict is Verdict.VULNERABLE and not add(result.counterexample, kind):
            found.append({"kinds": [], "asked_for": kind, "request": None, "statements": [],
                          "note": "internal error: the request found does not show the kind asked for; "
                                  "please report this policy"})
        elif result.verdict is Verdict.UNKNOWN:
            found.append({"kinds": [], "asked_for": kind, "request": None, "statements": [],
                          "note": f"undecided: {result.message}"})
    return found


def _ref(loaded: LoadedPolicy, index: int) -> dict:
    s = next(s for s in loaded.policy.statements if s.index == index)
    return {"index": index, "sid": s.sid.value if s.sid else None, "line": s.span.line}
