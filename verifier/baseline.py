"""Baselines: the findings a repository has when a gate is adopted, so that
only new ones fail it (``deputy check --write-baseline FILE``, then
``--baseline FILE``).

A finding is a (policy, deputy) whose verdict is vulnerable or unknown,
named by where the policy is (its file, relative to the working directory,
and its resource), the deputy, and the kind of finding: for a vulnerable
one, which source key names the foreign account in its counterexample
(``foreign-source-account``, ``foreign-source-arn-only``, ...), for an
unknown one ``undecided``. The file is text for review, one finding a line,
sorted, fields separated by a tab::

    # deputy baseline: file, resource (- for none), deputy, kind
    infra/roles.yaml	HandlerRole	lambda.amazonaws.com	foreign-source-account

A finding in the baseline is reported as known and does not fail the run;
a finding that is not fails as usual; an entry that matches no finding any
more is reported as fixed. Unreadable input always fails.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from verifier.errors import InputError
from verifier.policy import keys
from verifier.request import Request
from verifier.results import Result, Verdict

HEADER = ("# deputy baseline: findings known when it was written; `deputy check --baseline FILE` does not fail "
          "on them.\n# One finding a line, tab-separated: file, resource (- for none), deputy, kind.\n")


@dataclass(frozen=True, order=True)
class Entry:
    file: str
    resource: str
    deputy: str
    kind: str

    def line(self) -> str:
        return "\t".join((self.file, self.resource, self.deputy, self.kind))

    def to_json(self) -> dict:
        return {"file": self.file, "resource": None if self.resource == "-" else self.resource,
                "deputy": self.deputy, "kind": self.kind}

    def describe(self) -> str:
        where = self.file + ("" if self.resource == "-" else f" [{self.resource}]")
        return f"{where}: {self.deputy}: {self.kind}"


@dataclass
class Report:
    """What a baseline says of one run: each finding known or new, and the
    entries no finding matched (fixed)."""

    path: str
    known: list[Entry] = field(default_factory=list)
    new: list[Entry] = field(default_factory=list)
    fixed: list[Entry] = field(default_factory=list)
    failing: dict[int, list[Entry]] = field(default_factory=dict)
    """Per result (by ``id``): its new findings."""

    def to_json(self) -> dict:
        return {"file": self.path, "known": [e.to_json() for e in self.known],
                "new": [e.to_json() for e in self.new], "fixed": [e.to_json() for e in self.fixed]}


def kind_of(request: Request) -> str:
    """Which source key names the foreign account in a counterexample."""
    present = {keys.fold(c.name): c.values for c in request.context}
    if keys.SOURCE_ACCOUNT in present:
        return "foreign-source-account"
    arn = present.get(keys.SOURCE_ARN)
    if arn and any(len(a.split(":")) >= 6 and a.split(":")[4] for a in arn):
        return "foreign-source-arn-only"
    if keys.SOURCE_OWNER in present:
        return "foreign-source-owner"
    if any(k in present for k in keys.DEPUTY_SOURCE_ARNS):
        return "foreign-source-key"
    return "no-source-account"


def findings(result: Result) -> list[Entry]:
    """The findings of one policy's result, one per failing deputy."""
    where = _file(result.path)
    resource = (result.source or {}).get("resource") or "-"
    answers = [(a.label, a.result) for a in result.deputies] if result.deputies else [(result.deputy or "-", result)]
    out = []
    for deputy, answer in answers:
        if answer.verdict is Verdict.VULNERABLE and answer.counterexample is not None:
            out.append(Entry(where, resource, deputy, kind_of(answer.counterexample)))
        elif answer.verdict is Verdict.UNKNOWN:
            out.append(Entry(where, resource, deputy, "undecided"))
    return out


def _file(path: str) -> str:
    try:
        path = os.path.relpath(os.path.abspath(path))
    except ValueError:  # another drive on Windows
        pass
    return path.replace(os.sep, "/")


def render(results: list[Result]) -> str:
    """The baseline text for ``results`` (sorted, so that it diffs well)."""
    entries = sorted({e for r in results if not r.suppressed for e in findings(r)})
    return HEADER + "".join(e.line() + "\n" for e in entries)


def read(path: str) -> set[Entry]:
    """The entries of a baseline file; ``InputError`` at the line that is
    not one."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the baseline: {getattr(exc, 'strerror', None) or exc}", path) from None
    out = set()
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 4 or not all(f.strip() for f in fields):
            raise InputError("not a baseline entry (file, resource, deputy and kind, separated by tabs)", path,
                             number, 1)
        out.add(Entry(*fields))
    return out


def apply(results: list[Result], entries: set[Entry], path: str) -> Report:
    """Sort each finding of ``results`` into known or new, and the entries
    nothing matched into fixed."""
    report = Report(path)
    seen = set()
    for result in results:
        found = findings(result)
        new = [e for e in found if e not in entries]
        report.known += [e for e in found if e in entries]
        report.new += new
        seen.update(found)
        report.failing[id(result)] = new
    report.fixed = sorted(entries - seen)
    return report


def exit_code(results: list[Result], report: Report, fail_on_useless: bool = False) -> int:
    """As ``checking.exit_code``, counting only new findings: 1 a new
    vulnerable one (or, with ``fail_on_useless``, a useless finding) > 2
    unreadable input (always counted) > 3 a new unknown one > 0."""
    counted = [r for r in results if not r.suppressed]
    new = [e for r in counted for e in report.failing.get(id(r), ())]
    if any(e.kind != "undecided" for e in new) or (fail_on_useless and any(r.useless for r in counted)):
        return 1
    if any(r.verdict is Verdict.ERROR for r in counted):
        return 2
    return 3 if new else 0
