"""The policy as formulas over a symbolic request (``logic`` terms, handed
to z3 by the query).

No evaluator code here: wildcard matching, value reading and the section 8
readings are written a second time on purpose, so that the differential
tests can check one implementation against the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from verifier import deadline
from verifier.policy.ast import Effect, Policy, Statement
from verifier.encoder import logic as F
from verifier.encoder import symbolic
from verifier.encoder.statements import StatementEncoder
from verifier.encoder.symbolic import Bindings, Kind, SymbolicRequest
from verifier.encoder.variables import variable_keys


@dataclass
class PolicyEncoding:
    """``allowed`` holds exactly for the requests the policy allows (E2)."""

    request: SymbolicRequest
    allows: list[tuple[Statement, F.Term]]
    denies: list[tuple[Statement, F.Term]]
    entries: dict[int, list[F.Term]] = field(default_factory=dict)
    """The terms of each encoded statement's condition entries, by statement
    index (a statement that cannot apply is not encoded further)."""

    @property
    def allowed(self) -> F.Term:
        return F.And(self.any_allow, F.Not(F.Or(*[t for _, t in self.denies])))

    @property
    def any_allow(self) -> F.Term:
        return F.Or(*[t for _, t in self.allows])


def encode(policy: Policy, extra_keys: dict[str, tuple[Kind, int]] | None = None,
           bindings: Bindings | None = None, value_places: dict[str, int] | None = None) -> PolicyEncoding:
    """Encode ``policy``. ``extra_keys`` declares keys a query constrains
    (kind, witnesses it needs); ``bindings`` fixes terms of the request;
    ``value_places`` widens the integer scale of numeric keys for binding
    concrete requests with more decimals.

    String tests only register atoms: the caller adds its own tests, then
    calls ``encoding.request.space.finalize()`` and asserts what it returns.
    """
    request = request_for([policy], extra_keys, bindings, value_places)
    encoder = StatementEncoder(request, policy.variables_enabled)
    allows, denies = [], []
    for statement in policy.statements:
        deadline.check()  # a policy of thousands of statements is encoded one statement at a time
        term = encoder.statement(statement)
        (denies if statement.effect_kind is Effect.DENY else allows).append((statement, term))
    return PolicyEncoding(request, allows, denies, encoder.entries)


def request_for(policies: list[Policy], extra_keys: dict[str, tuple[Kind, int]] | None = None,
                bindings: Bindings | None = None, value_places: dict[str, int] | None = None) -> SymbolicRequest:
    """One symbolic request over which every policy of ``policies`` can be
    encoded (``StatementEncoder``): every key any of them reads, with one
    set witness per condition entry of all of them (``deputy diff`` asks
    about one request that two versions of a policy decide)."""
    merged = Policy(tuple(s for policy in policies for s in policy.statements))
    plans = symbolic.plan_keys(merged, extra_keys)
    for policy in policies:
        for key in _variable_keys(policy):
            plans.setdefault(key, symbolic.KeyPlan(key))
    return symbolic.build(plans, bindings, value_places)


def _variable_keys(policy: Policy) -> list[str]:
    if not policy.variables_enabled:
        return []
    found = []
    for statement in policy.statements:
        for entry in (statement.condition.entries if statement.condition else ()):
            for value in entry.values.items:
                found += variable_keys(value.value)
        for pattern in (statement.resources.patterns.items if statement.resources else ()):
            found += variable_keys(pattern.value)
    return found
