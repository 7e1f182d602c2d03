"""Reading a policy for use: parse, then check well-formedness.

The one place that decides which diagnostics stop a policy from being used:
an ``error`` diagnostic (AWS would refuse the document) is raised as an
``InputError`` at its location; everything else travels with the policy.
"""

from __future__ import annotations

from dataclasses import dataclass

from verifier.policy import parser, wellformed
from verifier.policy.ast import Policy
from verifier.errors import InputError
from verifier.policy.wellformed import Diagnostic, PolicyKind


@dataclass(frozen=True)
class LoadedPolicy:
    policy: Policy
    kind: PolicyKind
    diagnostics: tuple[Diagnostic, ...]

    @property
    def unsupported(self) -> tuple[Diagnostic, ...]:
        return tuple(wellformed.unsupported(list(self.diagnostics)))

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity is wellformed.Severity.WARNING)


def load_file(path: str, kind: PolicyKind | None = None) -> LoadedPolicy:
    return accept(parser.read_policy(path), kind)


def load_text(text: str, source: str = "<policy>", kind: PolicyKind | None = None) -> LoadedPolicy:
    return accept(parser.parse_policy(text, source), kind)


def accept(policy: Policy, kind: PolicyKind | None = None) -> LoadedPolicy:
    """Check a parsed policy; raise ``InputError`` on its first error diagnostic."""
    kind = kind or wellformed.infer_kind(policy)
    diagnostics = wellformed.check(policy, kind)
    errors = wellformed.errors(diagnostics)
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more error(s))" if len(errors) > 1 else ""
        raise InputError(f"{first.message}{more} [{first.rule}]", policy.source, first.span.line,
                         first.span.column)
    return LoadedPolicy(policy, kind, tuple(diagnostics))
