"""Which Allow statements admit a deputy, and what they grant it.

Read from the evaluator's principal and action checks of a probe request
(the deputy's name, or for "any other service principal" a name the policy
does not use), not from the encoding: these lists name the statements a
verdict rests on and the actions a result reports, never the verdict.
"""

from __future__ import annotations

from verifier.evaluator import evaluate
from verifier.policy.ast import Statement
from verifier.prove.threat import ThreatModel
from verifier.request import make_request


def admitting_allows(policy, model: ThreatModel) -> list[Statement]:
    """Allow statements whose principal admits the deputy and whose action
    may be one it calls: the ones whose conditions (or a Deny) the proof
    shows to block it."""
    admitted = set()
    by_index = {s.index: s for s in policy.statements}
    for action in model.actions or ["deputy-probe:AnyAction"]:
        probe = make_request(probe_principal(policy, model), action)
        for t in evaluate(policy, probe).statements:
            action_may = t.action.result is not False if model.actions else grants_some_action(by_index[t.index])
            if t.effect == "Allow" and t.principal.result is not False and action_may:
                admitted.add(t.index)
    return [s for s in policy.statements if s.index in admitted]


def probe_principal(policy, model: ThreatModel) -> str:
    """A name of the deputy, to see which statements admit it: its own, or
    for "any other service principal" one the policy does not name."""
    if model.service is not None:
        return model.service
    number = 0
    while f"other{number}.amazonaws.com" in model.deputy.others:
        number += 1
    return f"other{number}.amazonaws.com"


def grants_some_action(statement: Statement) -> bool:
    block = statement.actions
    return block is not None and (block.negated or bool(block.patterns.items))


def granted_by(policy, model: ThreatModel) -> set[int]:
    """The indexes of the Allow statements that admit the question's deputy."""
    return {s.index for s in admitting_allows(policy, model.one_question())}


def granted(policy, model: ThreatModel) -> list[str]:
    """The actions the deputy's admitting Allow statements name, as written."""
    out: dict[str, None] = {}
    for s in admitting_allows(policy, model):
        block = s.actions
        for item in block.patterns.items if block else ():
            out.setdefault(("everything but " if block.negated else "") + item.value)
    return list(out)
