"""``deputy check --explain`` and ``--all``: the explanation and the
counterexamples of other kinds, attached to a result where the policy was
read (so template policies and ``-j`` workers are explained too).

Above both ``verifier.debug.explain`` and ``verifier.debug.attacks``, which
know nothing of each other's callers."""

from __future__ import annotations

from verifier.debug.explain import counterexample, proof
from verifier.errors import DeputyError, InputError
from verifier.policy import loading
from verifier.policy.loading import LoadedPolicy
from verifier.prove.threat import ThreatModel
from verifier.results import Result, Verdict


def add_details(result: Result, model: ThreatModel, timeout: float, explain: bool = False,
                enumerate_all: bool = False, max_counterexamples: int = 5,
                loaded: LoadedPolicy | None = None) -> Result:
    """Fill ``result.explanation`` (``explain``) and ``result.counterexamples``
    (``enumerate_all``) for a safe or vulnerable result; other verdicts get a
    short note. The policy is re-read from ``result.path`` unless given.
    A result of every deputy gets them per deputy, and at the top level
    the worst deputy's."""
    if model.deputy is None and result.deputies:
        return _per_deputy(result, model, timeout, explain, enumerate_all, max_counterexamples, loaded)
    if result.verdict not in (Verdict.SAFE, Verdict.VULNERABLE):
        if explain:
            result.explanation = {"kind": "none", "note": f"no explanation for a verdict of {result.verdict.value}"}
        return result
    if loaded is None:
        try:
            loaded = loading.load_file(result.path)
        except InputError as exc:
            if explain:
                result.explanation = {"kind": "none", "note": f"could not re-read the policy: {exc}"}
            return result
    try:
        return _add_details(result, loaded, model, timeout, explain, enumerate_all, max_counterexamples)
    except (DeputyError, RecursionError, MemoryError, ValueError, TypeError, KeyError, RuntimeError) as exc:
        # One policy's failure must not hide the other verdicts; the verdict itself stands.
        result.warnings.append(f"internal error while explaining ({type(exc).__name__}: {exc}); please report "
                               "this policy")
        return result


def _per_deputy(result, model, timeout, explain, enumerate_all, max_counterexamples, loaded) -> Result:
    from verifier.prove import deputies

    if loaded is None:
        try:
            loaded = loading.load_file(result.path)
        except InputError:
            loaded = None
    named = deputies.of_policy(loaded.policy).named if loaded else ()
    for answer in result.deputies:
        add_details(answer.result, model.asking(deputies.deputy_of(answer, named)), timeout, explain,
                    enumerate_all, max_counterexamples, loaded)
    top = next((a.result for a in result.deputies if a.label == result.deputy), None)
    if top is not None:
        result.explanation, result.counterexamples = top.explanation, top.counterexamples
    elif explain:
        result.explanation = {"kind": "none", "note": f"no explanation for a verdict of {result.verdict.value}"}
    return result


def _add_details(result, loaded, model, timeout, explain, enumerate_all, max_counterexamples) -> Result:
    if enumerate_all and result.verdict is Verdict.VULNERABLE:
        from verifier.debug import attacks

        result.counterexamples = attacks.enumerate_counterexamples(
            loaded, model, result, max_counterexamples, timeout, explain=explain)
    elif enumerate_all:
        result.counterexamples = []
    if explain and result.verdict is Verdict.VULNERABLE:
        result.explanation = counterexample(loaded.policy, result.counterexample)
    elif explain:
        result.explanation = proof(loaded, model, timeout)
    return result
