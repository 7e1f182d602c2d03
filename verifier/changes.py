"""What ``deputy diff`` and ``deputy check --base`` found, as data: per
policy and per deputy, what the change does to foreign access.

A policy of the new version is matched with the old one by where it comes
from (``verifier.diffing``); each matched pair gets one ``Change`` per
deputy, a policy only in the new version is checked as ``check`` would (its
``Result`` kept), and a policy only in the old version is listed as removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from verifier.request import Request
from verifier.results import OTHER_DEPUTY, Result, StatementRef, Verdict


class Change(Enum):
    OPENS = "opens"
    """A foreign request the new version allows and the old one denied (replayed against both)."""
    NO_NEW = "no-new-access"
    """Proved: no foreign request is allowed by the new version and denied by the old one."""
    CLOSES = "closes"
    """Proved as NO_NEW, and a foreign request the old version allowed is denied now (replayed)."""
    UNKNOWN = "unknown"
    ERROR = "error"
    REMOVED = "removed"
    """The policy is only in the old version."""

    @property
    def words(self) -> str:
        return _WORDS[self]


_WORDS = {Change.OPENS: "opens", Change.NO_NEW: "no new foreign access", Change.CLOSES: "closes",
          Change.UNKNOWN: "unknown", Change.ERROR: "error", Change.REMOVED: "removed"}
_WORST = [Change.OPENS, Change.ERROR, Change.UNKNOWN, Change.CLOSES, Change.NO_NEW, Change.REMOVED]
_OF_VERDICT = {Verdict.VULNERABLE: Change.OPENS, Verdict.SAFE: Change.NO_NEW, Verdict.UNKNOWN: Change.UNKNOWN,
               Verdict.ERROR: Change.ERROR}


def worst(changes) -> Change:
    """opens > error > unknown > closes > no new foreign access > removed."""
    return min(changes, key=_WORST.index, default=Change.NO_NEW)


@dataclass
class DeputyChange:
    """The answer for one deputy: ``request`` is the foreign request the
    new version allows and the old one denies (``opens``; ``statements``
    are the new version's that allow it), or the one the old version
    allowed and the new one denies (``closes``; ``old_statements``)."""

    service: str | None
    change: Change
    message: str
    request: Request | None = None
    statements: list[StatementRef] = field(default_factory=list)
    old_statements: list[StatementRef] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    solver: str | None = None
    seconds: float = 0.0

    @property
    def label(self) -> str:
        return self.service or OTHER_DEPUTY

    def to_json(self) -> dict:
        return {"service": self.service, "deputy": self.label, "change": self.change.value,
                "message": self.message, "request": self.request.to_json() if self.request else None,
                "statements": [s.to_json() for s in self.statements],
                "old_statements": [s.to_json() for s in self.old_statements],
                "assumptions": list(self.assumptions), "warnings": list(self.warnings), "solver": self.solver}


@dataclass
class PolicyChange:
    """One policy of either version. ``kind``: ``changed`` (in both; its
    content may be the same), ``added`` (only in the new version: ``result``
    is its ``check`` result) or ``removed``. ``path`` and ``source`` are
    the new version's (the old one's for a removed policy)."""

    kind: str
    path: str
    change: Change
    message: str
    resource: str | None = None
    old_path: str | None = None
    deputies: list[DeputyChange] = field(default_factory=list)
    source: dict | None = None
    result: Result | None = None
    assumptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    suppression: dict | None = None
    seconds: float = 0.0

    @property
    def verdict(self) -> Verdict:
        """What the change means as a ``check`` verdict (``config.apply``
        suppresses by it): opens is vulnerable, what cannot fail is safe."""
        return {Change.OPENS: Verdict.VULNERABLE, Change.UNKNOWN: Verdict.UNKNOWN,
                Change.ERROR: Verdict.ERROR}.get(self.change, Verdict.SAFE)

    @property
    def suppressed(self) -> bool:
        return bool(self.suppression) and not self.suppression.get("expired")

    def where(self) -> str:
        return f"{self.path} [{self.resource}]" if self.resource else self.path

    def opening(self) -> list[DeputyChange]:
        """The deputies to which the change opens foreign access."""
        return [d for d in self.deputies if d.change is Change.OPENS]

    def to_json(self) -> dict:
        out = {"kind": self.kind, "path": self.path, "old_path": self.old_path, "resource": self.resource,
               "change": self.change.value, "message": self.message, "source": self.source,
               "deputies": [d.to_json() for d in self.deputies], "assumptions": list(self.assumptions),
               "warnings": list(self.warnings), "suppression": self.suppression, "seconds": round(self.seconds, 4)}
        if self.result is not None:
            out["result"] = self.result.to_json()
        return out


def added(result: Result) -> PolicyChange:
    """A policy only in the new version, checked as ``check`` would: each
    vulnerable deputy's counterexample is a request it opens (the old
    version had no such policy to allow it)."""
    deputies = [DeputyChange(d.service, _OF_VERDICT[d.result.verdict], d.result.message,
                             request=d.result.counterexample, statements=list(d.result.statements),
                             assumptions=list(d.result.assumptions), warnings=list(d.result.warnings),
                             solver=d.result.solver) for d in result.deputies or ()]
    resource = (result.source or {}).get("resource")
    return PolicyChange("added", result.path, _OF_VERDICT[result.verdict], "new policy: " + result.message,
                        resource=resource, deputies=deputies, source=result.source, result=result,
                        assumptions=list(result.assumptions), warnings=list(result.warnings),
                        seconds=result.seconds)


def summary(changes: list[PolicyChange]) -> dict:
    """How many policies have each answer, every answer named, and how
    many were added."""
    out = {c.value: 0 for c in Change}
    for item in changes:
        out[item.change.value] += 1
    out["added"] = sum(1 for c in changes if c.kind == "added")
    return out


def exit_code(changes: list[PolicyChange]) -> int:
    """1 something opens > 2 unreadable input > 3 unknown > 0; a suppressed
    finding does not count."""
    found = {c.change for c in changes if not c.suppressed}
    for change, code in ((Change.OPENS, 1), (Change.ERROR, 2), (Change.UNKNOWN, 3)):
        if change in found:
            return code
    return 0
