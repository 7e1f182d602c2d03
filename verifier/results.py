"""Verdicts as data: what ``deputy check`` found for one policy."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

from verifier.request import Request


class Verdict(Enum):
    SAFE = "safe"
    VULNERABLE = "vulnerable"
    UNKNOWN = "unknown"
    ERROR = "error"


@dataclass(frozen=True)
class StatementRef:
    index: int
    sid: str | None
    line: int

    def to_json(self) -> dict:
        return {"index": self.index, "sid": self.sid, "line": self.line}

    def describe(self) -> str:
        sid = f" ({self.sid})" if self.sid else ""
        return f"statement {self.index}{sid} at line {self.line}"


@dataclass
class Result:
    path: str
    verdict: Verdict
    message: str
    counterexample: Request | None = None
    statements: list[StatementRef] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unattributed: Request | None = None
    solver: str | None = None
    seconds: float = 0.0
    explanation: dict | None = None  # --explain (verifier.debug.explain)
    counterexamples: list[dict] | None = None  # --all (verifier.debug.attacks)
    source: dict | None = None
    suppression: dict | None = None
    useless: list[dict] = field(default_factory=list)  # {"message", "line", "column"}: the deputy cannot work
    deputies: list[DeputyResult] | None = None  # one answer per deputy (verifier.prove.deputies)
    deputy: str | None = None  # which of them the top-level fields describe

    @property
    def suppressed(self) -> bool:
        """Under a suppression that has not expired: reported, not failing."""
        return bool(self.suppression) and not self.suppression.get("expired")

    def where(self) -> str:
        """The file, and the resource in it (a template's logical ID, a
        Terraform address, a role name) when there is one."""
        resource = (self.source or {}).get("resource")
        return f"{self.path} [{resource}]" if resource else self.path

    def to_json(self) -> dict:
        """The stable JSON shape (README "JSON output"); fields may be added,
        never changed."""
        out = {
            "path": self.path,
            "verdict": self.verdict.value,
            "counterexample": self.counterexample.to_json() if self.counterexample else None,
            "statements": [s.to_json() for s in self.statements],
            "assumptions": list(self.assumptions),
            "warnings": list(self.warnings),
            "message": self.message,
            "unattributed_request": self.unattributed.to_json() if self.unattributed else None,
            "solver": self.solver,
            "seconds": round(self.seconds, 4),
            "source": self.source,
            "suppression": self.suppression,
        }
        out["useless"] = list(self.useless)
        if self.deputies is not None:
            out["deputy"] = self.deputy
            out["deputies"] = [d.to_json() for d in self.deputies]
        # Optional fields, present only when asked for (--explain, --all).
        if self.explanation is not None:
            out["explanation"] = self.explanation
        if self.counterexamples is not None:
            out["counterexamples"] = self.counterexamples
        return out


@dataclass
class DeputyResult:
    """The answer for one deputy of a policy: ``service`` is its global
    name, or None for "any other service principal"; ``actions`` are the
    Action patterns of the Allow statements that admit it."""

    service: str | None
    actions: list[str]
    result: Result

    @property
    def label(self) -> str:
        return self.service or OTHER_DEPUTY

    def to_json(self) -> dict:
        r = self.result
        out = {"service": self.service, "deputy": self.label, "verdict": r.verdict.value,
               "counterexample": r.counterexample.to_json() if r.counterexample else None,
               "statements": [s.to_json() for s in r.statements], "actions": list(self.actions),
               "message": r.message, "assumptions": list(r.assumptions), "warnings": list(r.warnings),
               "useless": list(r.useless),
               "unattributed_request": r.unattributed.to_json() if r.unattributed else None}
        if r.explanation is not None:
            out["explanation"] = r.explanation
        if r.counterexamples is not None:
            out["counterexamples"] = r.counterexamples
        return out


OTHER_DEPUTY = "any other service principal"

STATEMENT_KIND = re.compile(r"statement:(\d+)")
"""The kind of a counterexample let in by one Allow statement (its index)."""

KINDS = {
    "foreign-source-account": "aws:SourceAccount names a foreign account",
    "foreign-source-arn-only": "aws:SourceArn names a foreign account and aws:SourceAccount is absent",
    "no-source-account": "no source key names an account (foreign under --strict-attribution only)",
    "regional-principal": "the deputy calls with a regional form of its name (P2)",
    "global-principal": "the deputy calls with its global name",
}


def describe_kind(kind: str) -> str:
    match = STATEMENT_KIND.fullmatch(kind)
    if match:
        return f"allowed by statement {match.group(1)}"
    return KINDS.get(kind, kind)


def counts(results) -> dict:
    """How many results have each verdict, every verdict named."""
    out = {"safe": 0, "vulnerable": 0, "unknown": 0, "error": 0}
    for r in results:
        out[r.verdict.value] += 1
    return out
