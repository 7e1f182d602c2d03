"""Proposing the smallest repair: ``deputy fix``.

Loop: take the counterexample, find the Allow statements that let it in
(the evaluator's trace), and change them with the first candidate, smallest
first, that blocks that request while still allowing a *legitimate* request
(a request of the deputy from the owner's account that the original policy
allows, found by the prover and replayed by the evaluator). Candidates:

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

import dataclasses
import difflib
import json
import os
import tempfile
from dataclasses import dataclass, field

from verifier.policy import keys, loading
from verifier.debug import textedit
from verifier.prove import threat
from verifier.policy.ast import (NOWHERE, ConditionBlock, ConditionEntry, Effect, OperatorBlock, Policy, Statement, Text,
                          Values)
from verifier.errors import DeputyError, InputError
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
                "warnings": self.warnings, "layout": self.layout or None, "diff": self.diff() or None,
                "policy": self.text, "written": self.written}


def _ending(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"


# -- the search --------------------------------------------------------------------------------


def repair_file(path: str, model: ThreatModel, timeout: float = 5.0) -> Repair:
    """The repair of one policy file; ``InputError`` if it cannot be read."""
    try:
        with open(path, "rb") as handle:
            original = handle.read().decode("utf-8")
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", path) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"input is not UTF-8 (byte {exc.start})", path) from None
    loaded = loading.load_text(original, path)
    try:
        return repair(loaded, original, model, timeout)
    except InputError:
        raise
    except (DeputyError, RecursionError, MemoryError, ValueError, TypeError, KeyError, RuntimeError) as exc:
        return Repair(path, "failed", f"cannot repair: internal error ({type(exc).__name__}: {exc}); please "
                      "report this policy", original)


def repair(loaded: LoadedPolicy, original: str, model: ThreatModel, timeout: float = 5.0) -> Repair:
    from verifier.prove.prover import verdict_only

    path = loaded.policy.source
    result = verdict_only(loaded, model, timeout)
    if result.verdict is Verdict.SAFE:
        out = Repair(path, "already-safe", "the policy is already safe: no change needed", original)
        if not _useful(loaded, model):
            out.warnings.append(f"but no request of {model.service} from a trusted account is allowed")
        return out
    if result.verdict is not Verdict.VULNERABLE:
        return Repair(path, "failed", f"cannot repair: the verdict is {result.verdict.value} ({result.message})",
                      original)
    legitimate = legitimate_request(loaded, model)
    if legitimate is None:
        return Repair(path, "failed", "cannot repair: the policy allows no request of the deputy from a trusted "
                      "account, so no repair can keep the legitimate request allowed", original)
    policy, changes = loaded.policy, []
    for _ in range(MAX_ROUNDS):
        step = _one_round(policy, result.counterexample, legitimate, model)
        if step is None:
            return Repair(path, "failed", "cannot repair: no candidate change blocks the counterexample "
                          f"{_compact(result.counterexample)} and keeps the legitimate request allowed",
                          original, changes=changes, legitimate=legitimate)
        policy, made = step
        changes += made
        try:
            current = loading.accept(policy, loaded.kind)
        except InputError as exc:
            return Repair(path, "failed", f"cannot repair: a candidate is not a valid policy ({exc})", original)
        result = verdict_only(current, model, timeout)
        if result.verdict is Verdict.SAFE:
            return _finish(loaded, original, policy, changes, legitimate, model, timeout)
        if result.verdict is not Verdict.VULNERABLE:
            return Repair(path, "failed", f"cannot repair: a candidate's verdict is {result.verdict.value}",
                          original, changes=changes, legitimate=legitimate)
    return Repair(path, "failed", f"cannot repair within {MAX_ROUNDS} rounds", original, changes=changes,
                  legitimate=legitimate)


def _one_round(policy: Policy, request: Request, legitimate: Request, model: ThreatModel):
    """The first candidate that blocks ``request`` and keeps ``legitimate``."""
    offending = [t.index for t in evaluate(policy, request).allowing]
    if not offending:
        return None
    for kind in ("tighten", "source-account", "source-arn", "both"):
        candidate, changes = policy, []
        for index in offending:
            pos = next(p for p, s in enumerate(candidate.statements) if s.index == index)
            edited = _candidate(candidate.statements[pos], kind, model)
            if edited is None:
                break
            statement, what = edited
            candidate = _put(candidate, pos, statement)
            changes += [{"statement": _ref(statement), "change": w} for w in what]
        else:
            if (evaluate(candidate, request).decision is not Decision.ALLOW
                    and evaluate(candidate, legitimate).decision is Decision.ALLOW):
                return candidate, changes
    return None


def _put(policy: Policy, pos: int, statement: Statement) -> Policy:
    statements = list(policy.statements)
    statements[pos] = statement
    return dataclasses.replace(policy, statements=tuple(statements))


def _ref(s: Statement) -> dict:
    return {"index": s.index, "sid": s.sid.value if s.sid else None, "line": s.span.line}


def _candidate(s: Statement, kind: str, model: ThreatModel):
    """``(statement, descriptions)`` for one kind of change, or None when it
    does not apply (or would change nothing)."""
    if kind == "tighten":
        return _tighten(s, model)
    accounts = [model.owner] + sorted(model.trusted - {model.owner})
    prefix = model.source_service or model.service.split(".")[0]
    arns = [f"arn:aws:{prefix}:*:{a}:*" for a in accounts]
    out, what = s, []
    if kind in ("source-account", "both"):
        step = _require(out, "StringEquals", "aws:SourceAccount", accounts)
        if step is None:
            return None
        out, text = step
        what.append(text)
    if kind in ("source-arn", "both"):
        step = _require(out, "ArnLike", "aws:SourceArn", arns)
        if step is None:
            return None
        out, text = step
        what.append(text)
    return out, what


def _require(s: Statement, operator: str, key: str, values: list[str]):
    """Add ``operator key values`` to ``s``; where ``s`` already has that
    operator and key, keep only its values among ``values`` (or ``values``)."""
    entries = list(s.condition.entries) if s.condition else []
    found = next((i for i, e in enumerate(entries) if e.operator.value == operator
                  and keys.fold(e.key.value) == keys.fold(key)), None)
    if found is None:
        entry = ConditionEntry(Text(operator), Text(key), _values(values))
        return _with_entries(s, entries + [entry]), f"added {operator} {key} {_show(values)}"
    old = [v.value for v in entries[found].values.items]
    kept = [v for v in old if v in values] or values
    if kept == old:
        return None
    entries[found] = dataclasses.replace(entries[found], values=_values(kept))
    return _with_entries(s, entries), f"narrowed {operator} {entries[found].key.value} from {_show(old)} to {_show(kept)}"


def _tighten(s: Statement, model: ThreatModel):
    """Fix the weak spots of the source-key conditions already there."""
    from verifier.policy.operators import Family, lookup

    if s.condition is None:
        return None
    entries, what = list(s.condition.entries), []
    for i, e in enumerate(entries):
        folded = keys.fold(e.key.value)
        if folded not in (keys.SOURCE_ACCOUNT, keys.SOURCE_ARN):
            continue
        op = lookup(e.operator.value)
        if op is None or op.negated or op.family is Family.NULL:
            continue
        new = op.base.name  # without IfExists (C6) or a set qualifier (SO2)
        if folded == keys.SOURCE_ARN and new == "StringLike":
            new = "ArnLike"  # C4: segment-wise, so "*" cannot reach into the account field
        if new != e.operator.value:
            entries[i] = dataclasses.replace(e, operator=Text(new))
            what.append(f"changed {e.operator.value} {e.key.value} to {new}")
    if not what:
        return None
    if _duplicates(entries):
        return None
    return _with_entries(s, entries), what


def _duplicates(entries) -> bool:
    seen = set()
    for e in entries:
        mark = (e.operator.value, keys.fold(e.key.value))
        if mark in seen:
            return True
        seen.add(mark)
    return False


def _with_entries(s: Statement, entries: list[ConditionEntry]) -> Statement:
    """``s`` with ``entries`` (its own entries, in order, possibly changed,
    then new ones), grouped under their operators in first-seen order; an
    operator block that was empty stays where it was (A9)."""
    blocks: dict[str, list] = {}
    position = 0
    for block in s.condition.operators if s.condition else ():
        if not block.entries:
            blocks.setdefault(block.operator.value, [])
        for _ in block.entries:
            blocks.setdefault(entries[position].operator.value, []).append(entries[position])
            position += 1
    for entry in entries[position:]:
        blocks.setdefault(entry.operator.value, []).append(entry)
    condition = ConditionBlock(tuple(OperatorBlock(Text(op), tuple(es)) for op, es in blocks.items()),
                               s.condition.span if s.condition else NOWHERE)
    return dataclasses.replace(s, condition=condition)


def _values(values: list[str]) -> Values:
    return Values(tuple(Text(v) for v in values), len(values) != 1)


def _show(values: list[str]) -> str:
    return json.dumps(values[0] if len(values) == 1 else values)


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
            better = counterexample.prefer(session, run.wishes, AUX_MS // 4)
            return counterexample.decode((better or outcome).read, run.question)

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


def _finish(loaded, original, policy, changes, legitimate, model, timeout) -> Repair:
    path = loaded.policy.source
    touched = {c["statement"]["index"] for c in changes}
    text, layout = textedit.render(original, loaded.policy, policy, touched)
    problem = verify(text, path, loaded, model, legitimate, timeout)
    if problem:
        return Repair(path, "failed", f"cannot repair: the repaired text did not verify ({problem})", original,
                      changes=changes, legitimate=legitimate)
    out = Repair(path, "repaired", _summary(changes), original, text, changes, legitimate, layout=layout)
    out.warnings += _shared_statement_warnings(loaded.policy, touched, model)
    if model.trusted_orgs and any("aws:SourceAccount" in c["change"] or "aws:SourceArn" in c["change"]
                                  for c in changes):
        out.warnings.append("the repair names accounts, not organizations: requests from other accounts of "
                            + ", ".join(sorted(model.trusted_orgs)) + " that the changed statements allowed "
                            "are no longer allowed by them")
    out.warnings += _dead_statement_warnings(loading.load_text(text, path, loaded.kind), touched, model)
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
            if not applies:
                out.append(f"{s.label} now applies to no request of {model.service}: its conditions contradict "
                           "each other; deleting it would say the same more plainly")
    return out


def verify(text: str, path: str, loaded: LoadedPolicy, model: ThreatModel, legitimate: Request,
           timeout: float) -> str | None:
    """Why ``text`` is not a proven repair, or None when it is."""
    from verifier.prove.prover import verdict_only

    try:
        final = loading.load_text(text, path, loaded.kind)
    except InputError as exc:
        return f"it does not parse: {exc}"
    verdict = verdict_only(final, model, timeout)
    if verdict.verdict is not Verdict.SAFE:
        return f"the prover's verdict is {verdict.verdict.value}"
    if evaluate(final.policy, legitimate).decision is not Decision.ALLOW:
        return "the evaluator does not allow the legitimate request"
    if not _useful(final, model):
        return "the prover finds no trusted request of the deputy allowed"
    return None


def _summary(changes: list[dict]) -> str:
    statements = sorted({c["statement"]["index"] for c in changes})
    return (f"changed {len(changes)} condition(s) in statement(s) {', '.join(map(str, statements))}; the "
            "repaired policy is proved safe and still allows the legitimate request")


def _shared_statement_warnings(policy: Policy, touched: set[int], model: ThreatModel) -> list[str]:
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
            out.append(f"{s.label} also applies to principals other than {model.service}; the added conditions "
                       "apply to them too (split the statement if they must not)")
    return out


# -- writing ---------------------------------------------------------------------------------


def write(repair: Repair) -> None:
    """Replace the file with the verified repair, atomically."""
    if repair.status != "repaired" or repair.text is None:
        raise ValueError("only a verified repair is written")
    target = os.path.realpath(repair.path)  # through a symlink, not over it
    directory = os.path.dirname(target)
    mode = os.stat(target).st_mode & 0o777
    fd, temp = tempfile.mkstemp(prefix=".deputy-fix-", suffix=".json", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(repair.text)
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
    repair.written = True


def render_text(repair: Repair) -> str:
    lines = [f"{repair.path}: {repair.status.upper()}: {repair.message}"]
    for c in repair.changes if repair.status == "repaired" else []:
        ref = c["statement"]
        sid = f" ({ref['sid']})" if ref["sid"] else ""
        lines.append(f"  statement {ref['index']}{sid} at line {ref['line']}: {c['change']}")
    if repair.legitimate is not None and repair.status == "repaired":
        lines.append(f"  still allowed (evaluator and prover): {_compact(repair.legitimate)}")
    lines += [f"  warning: {w}" for w in repair.warnings]
    if repair.status == "repaired":
        lines.append(f"  layout: {repair.layout}")
        if repair.written:
            lines.append(f"  written to {repair.path}")
        diff = repair.diff()
        if diff:
            lines.append(diff.rstrip("\n"))
        lines.append("repaired policy:")
        lines.append(repair.text.rstrip("\n"))
    return "\n".join(lines) + "\n"
