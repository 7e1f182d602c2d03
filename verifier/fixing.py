"""``deputy fix`` as a library: from a file and a ``ThreatModel`` to a
repair, whatever the file is.

A policy file goes to ``debug.repair``. In a template or a plan each policy is
checked as ``deputy check`` checks it; each vulnerable one is repaired by
``repair.search`` on the policy deputy read (template values it cannot know
read as widely as ``check`` reads them, so a proof holds for the real
policy), then ``debug.template_edits`` writes the change into the template's own
text, and the whole template is read again and proved (``fix_template``). A plan is Terraform's output,
not its source: deputy prints each repaired policy and the resource it
belongs to (``fix_plan``), and writes nothing.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field, replace

from verifier import deadline
from verifier.debug import repair
from verifier.debug.repair import Repair
from verifier.errors import BudgetExceeded, DeputyError, InputError, UsageError
from verifier.prove.threat import ThreatModel
from verifier.results import Verdict
from verifier.sources import member_value


@dataclass
class PolicyFix:
    """The outcome for one policy of a template or plan: ``status`` as a
    ``Repair``'s; ``policy``, for a plan, the repaired JSON policy;
    ``arguments``, for a plan's Lambda permission, what to set."""

    resource: str
    status: str
    message: str
    changes: list[dict] = field(default_factory=list)
    kept: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    policy: str | None = None
    arguments: dict | None = None
    assumptions: list[str] = field(default_factory=list)
    repaired: object = None  # the repair.Repaired, until it is verified

    def to_json(self) -> dict:
        return {"resource": self.resource, "status": self.status, "message": self.message,
                "changes": self.changes, "warnings": self.warnings, "assumptions": self.assumptions,
                "policy": self.policy, "arguments": self.arguments,
                "legitimate_requests": [{"deputy": k["deputy"], "request": k["request"].to_json()}
                                        for k in self.kept]}


@dataclass
class FileRepair(Repair):
    """A template's or plan's repair: ``text`` (templates) is the whole
    repaired template, proved; ``policies`` has one entry per policy."""

    format: str = "cloudformation"
    policies: list[PolicyFix] = field(default_factory=list)
    notices: list = field(default_factory=list)
    """The template's warnings, as ``check`` gives them (``sources.Notice``:
    a resource whose type is a near miss of one deputy reads, a template
    in which nothing holds a policy); each is also in ``warnings``."""

    @property
    def exit_code(self) -> int:
        return 1 if self.status == "failed" or any(p.status == "failed" for p in self.policies) else 0

    def to_json(self) -> dict:
        out = super().to_json()
        out["format"] = self.format
        out["policies"] = [p.to_json() for p in self.policies]
        return out


# -- one policy of a template or plan -----------------------------------------------------------


def prepare(found, model: ThreatModel, timeout: float, permission: bool):
    """``(PolicyFix, None)`` when the policy needs no repair or cannot have
    one; else ``(PolicyFix, (loaded, repaired))``: the policy as deputy
    read it and its repair, not yet written anywhere."""

    fix, work = _prepare(found, model, timeout, permission)
    fix.assumptions = [a for a in found.assumptions if a.startswith("the owner's account")]
    return fix, work


def _prepare(found, model: ThreatModel, timeout: float, permission: bool):
    from verifier import checking
    from verifier.policy import loading, parser
    from verifier.sources.unresolved import settle

    name = found.resource or found.file
    if found.error is not None:
        return PolicyFix(name, "failed", f"cannot repair: {found.error}"), None
    result = checking.check_found(found, model, timeout)
    if result.verdict is Verdict.SAFE:
        return PolicyFix(name, "already-safe", "the policy is already safe: no change needed"), None
    failed = PolicyFix(name, "failed", f"cannot repair: the verdict is {result.verdict.value} ({result.message})")
    owner = found.owner or model.owner
    settled = settle(found.node)
    # An unknown verdict may rest on values read widely (a superset of the
    # real policy): a repair proved on that reading holds for the real one.
    if result.verdict is Verdict.ERROR or settled.fatal or not owner:
        return failed, None
    loaded = loading.accept(parser.build_policy(settled.node, found.file), found.kind)
    asked = replace(model, owner=owner)
    if permission:  # one SourceAccount: the owner's (a stricter question, so its proof holds for the real one)
        asked = replace(asked, trusted_accounts=frozenset())
    out = repair.search(loaded, repair.questions(loaded, asked), timeout)
    if isinstance(out, Repair):
        if result.verdict is Verdict.UNKNOWN:
            return failed, None
        return PolicyFix(name, out.status, out.message, warnings=out.warnings), None
    fix = PolicyFix(name, "repaired", "", kept=[{"deputy": k, "request": r} for k, r in out.legitimate.items()],
                    repaired=out)
    if permission and model.trusted_accounts:
        fix.warnings.append("a Lambda permission names one source account: the repair names the owner's only")
    return fix, (loaded, out)


BUDGET = 60.0
"""The time one file's whole repair may take by default (``--budget``):
a repair asks many questions (each deputy's rounds, then every deputy
again on the result), each bounded by ``--timeout``; this bounds them all."""


def fix_file(path: str, model: ThreatModel, timeout: float = 5.0, write: bool = False,
             budget: float | None = BUDGET) -> Repair:
    """The repair of one file of any format deputy reads (``InputError`` if
    it cannot be read; ``UsageError`` for ``write`` on a plan)."""
    from verifier.sources import detect

    return fix_data(path, detect.read(path), model, timeout, write, budget)


def fix_data(path: str, data: bytes, model: ThreatModel, timeout: float = 5.0, write: bool = False,
             budget: float | None = BUDGET) -> Repair:
    """``fix_file`` of a file's content (``path`` names it in messages).
    ``budget``: seconds for the whole repair (None: no bound but each
    question's ``timeout``); past it, the file's repair fails, naming the
    bound, and nothing is printed or written as a repair."""
    from verifier.sources import detect

    fmt, root = detect.parse(path, data, None)
    text = data.decode("utf-8")  # parse has refused anything else
    if fmt == "account-export":
        raise InputError("deputy fix does not edit account exports: repair each role's trust policy where it is "
                         "defined", path, 1, 1)
    if fmt == "policy" and not model.owner:
        raise InputError("a policy file does not say which account owns it; give --account (the owner's "
                         "12-digit account)", path, root.span.line, root.span.column)
    if fmt == "terraform" and write:
        raise UsageError("--write cannot edit a Terraform plan (deputy cannot edit HCL): apply the printed "
                         "policies to the configuration", "deputy fix")
    with deadline.limit(budget, flag="--budget") if budget is not None else nullcontext():
        if fmt == "policy":
            return repair.repair_text(text, path, model, timeout)
        if fmt == "terraform":
            return _guarded(path, text, lambda: fix_plan(path, root, model, timeout))
        return _guarded(path, text, lambda: fix_template(path, text, root, model, timeout))


def _guarded(path: str, text: str, run) -> Repair:
    try:
        return run()
    except InputError:
        raise
    except BudgetExceeded as exc:  # a bound of deputy's (--budget, the size of the question), not a fault
        return Repair(path, "failed", f"cannot repair: {exc}", text)
    except (DeputyError, ValueError, TypeError, KeyError, RuntimeError, RecursionError, MemoryError) as exc:
        return Repair(path, "failed", f"cannot repair: internal error ({type(exc).__name__}: {exc}); please "
                      "report this input")


# -- CloudFormation templates ----------------------------------------------------------------------


def fix_template(path: str, text: str, root, model: ThreatModel, timeout: float) -> FileRepair:
    """Each vulnerable policy of the template repaired in its text; the
    text read again, and every policy in it proved (``_verify``)."""
    from verifier.debug import template_edits as edits
    from verifier.sources import cloudformation, detect

    notices: list = []
    found = cloudformation.extract(path, root, model.owner or None, set(model.trusted_accounts), notices)
    yaml = not detect.looks_like_json(text.encode("utf-8"), path)
    fixes, writers = [], {}
    for item in found:
        body = member_value(member_value(root, "Resources"), item.resource)
        permission = getattr(member_value(body, "Type"), "value", None) == cloudformation.LAMBDA_PERMISSION
        fix, work = prepare(item, model, timeout, permission)
        if work is not None:
            writer, problem = _try(lambda: edits.writer(item, body, permission, *work), text, yaml)
            if problem is None:
                writers[item.resource] = writer
                fix.changes = edits.described(work[1].changes, item.owner, permission, *work)
            else:
                fix.status, fix.message = "failed", f"cannot repair in place: {_why_not(problem, item.node)}"
        fixes.append(fix)
    repaired_text = _verified(path, text, yaml, found, fixes, writers, model, timeout)
    for fix in fixes:
        if fix.status == "repaired":
            fix.message = "repaired: the template, read again, is proved safe and still allows the legitimate request"
    out = file_repair(path, "cloudformation", fixes, text, repaired_text)
    out.notices = notices
    out.warnings = [str(n) for n in notices] + out.warnings
    return out


def _why_not(problem: Exception, node) -> str:
    """Why the edits cannot be made; where deputy read values the template
    does not state widened (``unresolved.settle``), those values: the text
    it would edit is not the text it read."""
    from verifier.debug import template_edits as edits
    from verifier.sources import unresolved

    widened = unresolved.settle(node).widened_what if isinstance(problem, edits.NotAsRead) else []
    if widened:
        return ("the policy depends on values the template does not state (" + "; ".join(widened)
                + "): give them in the template, or pin the source with a value deputy can read, and run again")
    return str(problem) or type(problem).__name__


def _try(make, text: str, yaml: bool):
    """``(writer, None)``, or ``(None, the exception)`` when the edits cannot be made."""
    from verifier.debug import template_edits as edits

    try:
        writer = make()
        writer(edits.Editor(text, yaml))
    except (edits.CannotEdit, ValueError, IndexError) as exc:
        return None, exc
    return writer, None


def _verified(path, text, yaml, found, fixes, writers, model, timeout) -> str | None:
    """The text with every repair that verifies; a repair that does not is
    dropped (its policy reported as not repaired) and the rest re-proved."""
    from verifier.debug import template_edits as edits

    while writers:
        editor = edits.Editor(text, yaml)
        for writer in writers.values():
            writer(editor)
        try:
            candidate = editor.result()
        except ValueError as exc:
            blame, problem = next(iter(writers)), f"the edits overlap ({exc})"
        else:
            blame, problem = _verify(path, candidate, found, fixes, model, timeout)
            if blame is None:
                return candidate
        # The policy to blame loses its repair; one that was not repaired
        # (a safe policy no longer safe?) leaves nothing to keep.
        for fix in fixes:
            if fix.resource in writers and (fix.resource == blame or blame not in writers):
                fix.status, fix.message = "failed", f"cannot repair: the repaired template did not verify ({problem})"
                fix.changes = []
        writers = {} if blame not in writers else {k: w for k, w in writers.items() if k != blame}
    return None


def _verify(path, text, found, fixes, model: ThreatModel, timeout: float):
    """``(resource, why)`` for the first policy the repaired text does not
    prove, else ``(None, None)``."""
    from verifier import checking
    from verifier.sources import cloudformation, detect

    first = next((f.resource for f in fixes if f.status == "repaired"), None)
    try:
        _, root = detect.parse(path, text.encode("utf-8"), "cloudformation")
        again = cloudformation.extract(path, root, model.owner or None, set(model.trusted_accounts))
        exact = again if model.owner else cloudformation.extract(path, root, found[0].owner,
                                                                 set(model.trusted_accounts))
    except InputError as exc:
        return first, f"it does not read: {exc}"
    if [f.resource for f in again] != [f.resource for f in found]:
        return first, "its resources changed"
    for fix, item, read, before in zip(fixes, again, exact, found):
        if fix.status != "repaired" and _tree(read.node) != _tree(before.node):
            return fix.resource, f"{fix.resource}, which is not repaired, changed (a YAML alias?)"
        if fix.status not in ("repaired", "already-safe"):
            continue
        verdict = checking.check_found(item, model, timeout).verdict
        if verdict is not Verdict.SAFE:
            return fix.resource, f"{fix.resource} is {verdict.value}"
        problem = _same_and_useful(read, fix) if fix.status == "repaired" else None
        if problem:
            return fix.resource, problem
    return None, None


def _tree(node):
    """A policy's nodes without their places, to compare two readings."""
    from verifier.policy.jsontree import JArray, JObject, JScalar

    if isinstance(node, JObject):
        return tuple((m.name, _tree(m.value)) for m in node.members)
    if isinstance(node, JArray):
        return [_tree(i) for i in node.items]
    if isinstance(node, JScalar):
        return node.kind, node.value
    return repr(getattr(node, "what", node))


def _same_and_useful(read, fix: PolicyFix) -> str | None:
    """Why the policy read from the repaired text is not the repaired one,
    or no longer allows a legitimate request."""
    from verifier.debug import template_edits as edits
    from verifier.policy import loading, parser
    from verifier.sources.unresolved import settle

    repaired = fix.repaired
    loaded = loading.accept(parser.build_policy(settle(read.node).node, read.file), read.kind)
    if edits.canonical(loaded.policy) != edits.canonical(repaired.policy):
        return "the text does not read as the repaired policy"
    return repair.still_allowed(loaded, repaired.models, repaired.legitimate)


# -- Terraform plans -------------------------------------------------------------------------------


def fix_plan(path: str, root, model: ThreatModel, timeout: float) -> FileRepair:
    """Each vulnerable policy of the plan, repaired and proved, printed with
    its resource address: the JSON policy, or for an ``aws_lambda_permission``
    the arguments to set."""
    from verifier.sources import terraform

    fixes = []
    for found in terraform.extract(path, root, model.owner or None):
        permission = _plan_type(found.resource) == terraform.LAMBDA_PERMISSION
        fix, work = prepare(found, model, timeout, permission)
        if work is not None:
            if found.placeholder_owner or not (found.owner or model.owner):
                fix = PolicyFix(fix.resource, "failed", "cannot repair: the plan does not state the owner's account, "
                                "and the repaired policy must name it: give --account")
            else:
                _finish_plan_policy(fix, found, *work, timeout, permission)
        fixes.append(fix)
    return file_repair(path, "terraform", fixes, "")


def _finish_plan_policy(fix: PolicyFix, found, loaded, repaired, timeout: float, permission: bool) -> None:
    from verifier.policy import printer

    text = printer.dumps(repaired.policy, indent=2) + "\n"
    problem = repair.verify(text, found.where(), loaded, repaired.models, repaired.legitimate, timeout)
    if permission and problem is None:
        from verifier.debug.template_edits import permission_arguments

        arguments = permission_arguments(loaded.policy, repaired.policy)
        if isinstance(arguments, str):
            problem = arguments
        else:
            fix.arguments = {argument: value for _, argument, value in arguments}
    if problem is not None:
        fix.status, fix.message = "failed", f"cannot repair: the repaired policy did not verify ({problem})"
        return
    fix.policy, fix.changes = text, repaired.changes
    fix.message = "repaired: proved safe, and still allows the legitimate request" + (
        "; set these arguments of the aws_lambda_permission" if permission else
        "; put this policy in the resource's configuration")


def _plan_type(address: str | None) -> str | None:
    """The resource type of a Terraform address (``module.m.aws_x.name[0]``)."""
    parts = (address or "").split(".")
    for i, part in enumerate(parts[:-1]):
        if part.startswith("aws_") and (i == 0 or parts[i - 1] != "module"):
            return part
    return None


def file_repair(path: str, fmt: str, fixes: list[PolicyFix], original: str, text: str | None = None) -> FileRepair:
    """The whole file's outcome from its policies'."""
    repaired = [f for f in fixes if f.status == "repaired"]
    failed = [f for f in fixes if f.status == "failed"]
    if not fixes:
        status, message = "already-safe", "no policy found: nothing to repair"
    elif repaired:
        status = "repaired"
        message = (f"repaired {len(repaired)} of {len(fixes)} policies (" + ", ".join(f.resource for f in repaired)
                   + ")" + (f"; could not repair {', '.join(f.resource for f in failed)}" if failed else ""))
    elif failed:
        status, message = "failed", "could not repair " + ", ".join(f.resource for f in failed)
    else:
        status, message = "already-safe", "every policy is already safe: no change needed"
    out = FileRepair(path, status, message, original, text if repaired else None, format=fmt, policies=fixes)
    out.changes = [dict(c, resource=f.resource) for f in repaired for c in f.changes]
    out.kept = [{"deputy": f"{f.resource}: {k['deputy']}", "request": k["request"]} for f in repaired for k in f.kept]
    out.legitimate = out.kept[0]["request"] if out.kept else None
    out.warnings = [f"{f.resource}: {w}" for f in fixes for w in f.warnings]
    out.layout = "edited in place" if text is not None and repaired else ""
    return out
