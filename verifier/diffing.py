"""``deputy diff`` and ``deputy check --base`` as a library: two versions of
the same inputs in, what the change does to foreign access out.

The policies of the two versions are matched by where they come from: the
file's path relative to the root given (for ``--base``, to the top of the
git work tree), and the resource in it (a template's logical ID, a
Terraform address, a role name). Each matched pair is asked, per deputy of
either version, whether a foreign request is allowed by the new version and
denied by the old one (``verifier.prove.diff``: one query over one symbolic
request); a policy only in the new version is checked as ``check`` would;
one only in the old version is listed as removed.

As in ``checking``, nothing here raises for a bad policy: every policy ends
as one ``PolicyChange``.
"""

from __future__ import annotations

import json

import os
from dataclasses import dataclass, field, replace

from verifier import checking
from verifier.changes import Change, DeputyChange, PolicyChange, added, worst
from verifier.errors import DeputyError, InputError
from verifier.prove.threat import ThreatModel
from verifier.sources import Found, JUnresolved, detect

_FAILURES = (DeputyError, RecursionError, MemoryError, ValueError, TypeError, KeyError, RuntimeError,
             AttributeError)


@dataclass
class Side:
    """One version's policies, keyed by where they come from; the walked
    files skipped because they are not policies; where files are named
    otherwise than where they were read (``shown``), where; and the
    inputs' warnings, as ``check`` gives them (``sources.Notice``)."""

    found: dict[tuple, Found] = field(default_factory=dict)
    skipped: list = field(default_factory=list)
    real: dict[str, str] = field(default_factory=dict)
    notices: list = field(default_factory=list)


def read_side(paths: list[str], root: str, model: ThreatModel, input_format: str | None = None,
              exclude: tuple[str, ...] = (), shown=None, skip_other: bool = False) -> Side:
    """Every policy under ``paths``, keyed by (file relative to ``root``,
    resource, occurrence). ``shown(relative)``: the name to give a file
    instead of the path it was read from (the old version of ``--base`` is
    read from a temporary copy and named ``REF:path``). ``skip_other``:
    ``--skip-other-files``."""
    scan = checking.scan_paths(paths, exclude, skip_other)
    side = Side(skipped=scan.skipped)
    for path in scan.files:
        notices: list = []
        for item in detect.find(path, input_format, model.owner or None, set(model.trusted_accounts), notices):
            relative = _relative(item.file, root)
            if shown is not None:
                _rename(item, shown(relative), side)
            key = (relative, item.resource)
            count = sum(1 for k in side.found if k[:2] == key)
            side.found[(*key, count)] = item
        name = shown(_relative(path, root)) if shown is not None else None
        side.notices += [replace(n, file=name) if name else n for n in notices]
    return side


def _rename(item: Found, name: str, side: Side) -> None:
    side.real[name] = item.file
    error = item.error
    if error is not None and error.source == item.file:
        item.error = type(error)(error.message, name, error.line, error.column)
    item.file = name


def _relative(path: str, root: str) -> str:
    if os.path.isfile(root):
        return "."  # two files compared: the file is its own root
    return os.path.relpath(os.path.abspath(path), os.path.abspath(root)).replace(os.sep, "/")


def diff(old: Side, new: Side, model, timeout: float, progress=None) -> list[PolicyChange]:
    """One change per policy: the new version's in order, then the
    removed ones. ``model``: a ``ThreatModel``, or a function of a policy's
    file and resource that gives one (``config.ModelFor``)."""
    _same_placeholders(old, new, model)
    broken = {k[0] for k, f in new.found.items() if f.error is not None and f.resource is None}
    out = []
    for key, item in new.found.items():
        if progress:
            progress(item.where())
        chosen = model if isinstance(model, ThreatModel) else model(item.file, item.resource)
        before = old.found.get(key)
        out.append(pair(before, item, chosen, timeout) if before is not None else _added(item, chosen, timeout))
    for key, item in old.found.items():
        if key not in new.found and key[0] not in broken and item.error is None:
            out.append(PolicyChange("removed", item.file, Change.REMOVED, "the policy is not in the new version",
                                    resource=item.resource, source=_source(item, None, None)))
    return out


def _added(item: Found, model: ThreatModel, timeout: float, note: str | None = None) -> PolicyChange:
    change = added(checking.check_found(item, model, timeout))
    if note:
        change.warnings.append(note)
    return change


def pair(old: Found, new: Found, model: ThreatModel, timeout: float) -> PolicyChange:
    """What the change from ``old`` to ``new`` (one policy) does, per
    deputy; never raises for bad input (``error``) or for a bug met on the
    way (``unknown``)."""
    if new.error is not None:
        return PolicyChange("changed", new.file, Change.ERROR, str(new.error), resource=new.resource,
                            old_path=old.file, source=_source(new, None, None))
    if old.error is not None:
        change = _added(new, model, timeout, f"the old version could not be read ({old.error}): checked as a new "
                                              "policy")
        change.kind, change.old_path = "changed", old.file
        return change
    try:
        if _canonical(old) == _canonical(new):
            return PolicyChange("changed", new.file, Change.NO_NEW, "the policy is the same in both versions (its "
                                "lines may have moved)", resource=new.resource, old_path=old.file,
                                source=_source(new, None, None))
        if old.variants or new.variants:
            return _variants(old, new, model, timeout)
        return _pair(old, new, model, timeout)
    except InputError as exc:
        return PolicyChange("changed", new.file, Change.ERROR, str(exc), resource=new.resource, old_path=old.file,
                            source=_source(new, None, None))
    except _FAILURES as exc:
        return PolicyChange("changed", new.file, Change.UNKNOWN, f"internal error while comparing "
                            f"({type(exc).__name__}: {exc}); please report this input", resource=new.resource,
                            old_path=old.file, source=_source(new, None, None))


def _pair(old: Found, new: Found, model: ThreatModel, timeout: float) -> PolicyChange:
    from verifier.prove import deputies
    from verifier.prove.diff import diff_deputy

    try:
        before = _version(old)
    except InputError as exc:
        return _added(new, model, timeout, f"the old version could not be read ({exc}): checked as a new policy")
    after = _version(new)
    unresolved = before[1] + after[1]
    if unresolved:
        return PolicyChange("changed", new.file, Change.UNKNOWN, "could not decide: the answer depends on values "
                            "deputy cannot resolve: " + "; ".join(unresolved), resource=new.resource,
                            old_path=old.file, source=_source(new, None, None))
    old_version, new_version = before[0], after[0]
    model, assumptions, placeholder = _owner(old, new, model)
    found = [deputies.of_policy(v.wide.policy) for v in (old_version, new_version)]
    named = tuple(sorted({s for f in found for s in f.named}))
    asked = deputies.questions(new_version.wide.policy, model)[1] if model.services else \
        deputies.Deputies(named).questions()
    answers = []
    for deputy in asked:
        if placeholder:
            answer = _owner_unstated(old, new, model.asking(deputy), old_version, new_version, timeout)
        else:
            answer = diff_deputy(old_version, new_version, model.asking(deputy), timeout)
        answers.append(answer)
    wildcard = any(f.wildcard for f in found)
    shown = [a for a in answers if model.services or a.service is not None or wildcard
             or a.change is not Change.NO_NEW]
    return _combined(old, new, new_version, answers, shown, assumptions + new.assumptions)


def _combined(old: Found, new: Found, version, answers: list[DeputyChange], shown, assumptions) -> PolicyChange:
    change = worst(a.change for a in answers)
    top = next((a for a in answers if a.change is change), None)
    message = top.message if top is not None else "no deputy: neither version admits a service principal"
    if change is Change.NO_NEW and top is not None:
        message = "no new foreign access for any deputy (proof by z3)"
    out = PolicyChange("changed", new.file, change, message, resource=new.resource, old_path=old.file,
                       deputies=shown, assumptions=assumptions, warnings=list(new.warnings),
                       seconds=sum(a.seconds for a in answers))
    out.source = _source(new, version.narrow if version else None, top.statements if top else [])
    return out


def _version(found: Found):
    """``(Version, unresolved)``: the policy read wide and narrow where the
    input leaves values unstated (``sources.unresolved``), or what makes
    the answer depend on values deputy cannot resolve."""
    from verifier.policy import loading, parser
    from verifier.prove.diff import Version
    from verifier.sources.unresolved import settle, without_statements

    settled = settle(found.node)
    fatal = found.unknown + settled.fatal
    if isinstance(found.node, JUnresolved) or fatal:
        return None, fatal or ["the whole document"]

    def load(node):
        return loading.accept(parser.build_policy(node, found.file), found.kind)

    full = load(settled.node)
    wide = load(without_statements(settled.node, settled.deny_indexes)[0]) if settled.deny_indexes else full
    narrow = load(settled.narrowed) if settled.narrowed is not None else full
    return Version(wide, narrow), []


def _owner(old: Found, new: Found, model: ThreatModel):
    """The model with the owner both versions are read for (the new
    version's), the assumptions that choice makes, and whether the owner
    is a placeholder."""
    from verifier.sources import owner as owners

    owner = new.owner or old.owner or model.owner
    placeholder = new.placeholder_owner or not owner
    if not owner:
        texts = [t for f in (old, new) for t in owners.strings(f.node) + list(f.candidates)]
        owner = owners.placeholder(texts, set(model.trusted_accounts))
        if owner is None:
            raise InputError("cannot pick a placeholder for the owner's account (every candidate appears in the "
                             "policy); give --account", new.file, new.span.line if new.span else 0,
                             new.span.column if new.span else 0)
        return replace(model, owner=owner), [owners.assumption(owner)], True
    return replace(model, owner=owner), [], placeholder


def _owner_unstated(old: Found, new: Found, model: ThreatModel, old_version, new_version,
                    timeout: float) -> DeputyChange:
    """The answer when a placeholder stands for the owner's account, as
    ``partial.owner_unstated`` for ``check``: no new access is proved with
    the resource in any account (which resources are the owner's depends
    on the owner), an opening must be on the owner's resource whichever
    account the input names owns it; anything between is unknown."""
    from verifier.prove.diff import diff_deputy
    from verifier.prove.threat import classify

    def owners_resource(answer: DeputyChange) -> bool:
        return answer.request is not None and not classify(answer.request, model).problems

    anywhere = diff_deputy(old_version, new_version, replace(model, any_owner=True), timeout)
    if anywhere.change is Change.NO_NEW or (anywhere.change is Change.CLOSES and owners_resource(anywhere)):
        return anywhere
    strict = anywhere if anywhere.change is Change.OPENS and owners_resource(anywhere) else \
        diff_deputy(old_version, new_version, model, timeout)
    if strict.change is Change.OPENS:
        return _whoever_owns(old, new, model, strict, old_version, new_version, timeout)
    if anywhere.change is Change.CLOSES:
        return strict  # no new access is proved; the request that closes is the one on the owner's resource
    if anywhere.change is not Change.OPENS:
        return anywhere  # unknown or error: no proof over every owner
    if strict.change in (Change.UNKNOWN, Change.ERROR):
        return strict
    return DeputyChange(anywhere.service, Change.UNKNOWN, "could not decide: the input does not say which account "
                        f"owns the resource, and the new version opens {anywhere.request.resource}, which is the "
                        "owner's only if the owner is that account: give --account", solver=anywhere.solver,
                        seconds=anywhere.seconds + strict.seconds,
                        warnings=["unconfirmed request: " + json.dumps(anywhere.request.to_json(), ensure_ascii=False)])


def _whoever_owns(old: Found, new: Found, model: ThreatModel, answer: DeputyChange, old_version, new_version,
                  timeout: float) -> DeputyChange:
    """An opening found under a placeholder owner stands only if it holds
    whichever account the input names owns the resource (as
    ``partial.whoever_owns`` for ``check``)."""
    from verifier.prove.diff import diff_deputy
    from verifier.sources import owner as owners

    named = set()
    for item in (old, new):
        named |= set(item.candidates) | owners.named_accounts(owners.strings(item.node))
    named -= set(model.trusted_accounts) | {model.owner}
    if not named:
        return answer
    second = diff_deputy(old_version, new_version, replace(model, trusted_accounts=frozenset(
        model.trusted_accounts) | named), timeout)
    if second.change is Change.OPENS:
        second.assumptions.append("the input does not say which account owns the resource: the request is foreign "
                                  f"whichever of the accounts it names ({', '.join(sorted(named))}) is the owner")
        return second
    return DeputyChange(answer.service, Change.UNKNOWN, "could not decide: the input does not say which account owns "
                        "the resource, and the foreign request found comes from an account it names, which may be "
                        "the owner's own: give --account", solver=answer.solver, seconds=answer.seconds)


def _variants(old: Found, new: Found, model: ThreatModel, timeout: float) -> PolicyChange:
    """A template policy that depends on template conditions (``!If``):
    each assignment of the new version against the same assignment of the
    old one (or the old policy, if it has no ``!If``). Opens if one
    assignment opens; no new foreign access if none does under any."""
    before = dict(old.variants) if old.variants else None
    if before is not None and new.variants and set(before) != {label for label, _ in new.variants}:
        return PolicyChange("changed", new.file, Change.UNKNOWN, "could not decide: the template conditions the "
                            "policy depends on are not the same in both versions", resource=new.resource,
                            old_path=old.file, source=_source(new, None, None))
    labels = [label for label, _ in new.variants] or [label for label, _ in old.variants]
    changes = []
    for label in labels:
        old_node = before[label] if before is not None else old.node
        new_node = dict(new.variants)[label] if new.variants else new.node
        changes.append((label, pair(replace(old, node=old_node, variants=[]), replace(new, node=new_node,
                                                                                     variants=[]), model, timeout)))
    answer = worst(c.change for _, c in changes)
    label, chosen = next((label, c) for label, c in changes if c.change is answer)
    if answer is Change.OPENS:
        chosen.assumptions.append(f"the template's conditions are {label} (deputy does not know whether every "
                                  "assignment can be deployed)")
    elif answer in (Change.NO_NEW, Change.CLOSES):
        chosen.assumptions.append(f"under each of the {len(changes)} assignments of the template's conditions")
    chosen.seconds = sum(c.seconds for _, c in changes)
    return chosen


def _canonical(found: Found):
    """The policy's document with every position dropped: two versions
    that say the same thing, wherever their text sits, compare equal."""
    from verifier.policy.jsontree import JArray, JObject, JScalar

    def walk(node):
        if isinstance(node, JObject):
            return ("{", tuple((m.name, walk(m.value)) for m in node.members))
        if isinstance(node, JArray):
            return ("[", tuple(walk(i) for i in node.items))
        if isinstance(node, JScalar):
            return (node.kind, node.value)
        if isinstance(node, JUnresolved):
            return ("?", node.what, node.arn, node.widened, node.instance)
        return ("!", repr(node))

    return (found.kind, found.owner, walk(found.node), tuple((label, walk(n)) for label, n in found.variants))


def _same_placeholders(old: Side, new: Side, model) -> None:
    """Two versions of a template without ``--account`` must stand the
    same placeholder for the owner: each is read again, avoiding the
    other's, until they agree."""
    files = {}
    for side, index in ((old, 0), (new, 1)):
        for key, item in side.found.items():
            if item.placeholder_owner:
                files.setdefault(key[0], [None, None])[index] = item
    base = model if isinstance(model, ThreatModel) else model.base
    for relative, (before, after) in files.items():
        if before is None or after is None or before.owner == after.owner:
            continue
        avoid = set(base.trusted_accounts) | {before.owner, after.owner}
        for _ in range(8):
            found_old = detect.find(old.real.get(before.file, before.file), before.format, None, avoid)
            found_new = detect.find(new.real.get(after.file, after.file), after.format, None, avoid)
            owners = {f.owner for f in found_old + found_new if f.error is None}
            if len(owners) == 1:
                _replace(old, relative, found_old)
                _replace(new, relative, found_new)
                break
            avoid |= owners


def _replace(side: Side, relative: str, found: list[Found]) -> None:
    for key in [k for k in side.found if k[0] == relative]:
        shown = side.found[key].file
        item = next((f for f in found if f.resource == key[1]), None)
        if item is not None:
            if shown in side.real:
                _rename(item, shown, side)
            side.found[key] = item


def _source(found: Found, loaded, statements) -> dict:
    """Where the policy is in its version, at the first statement named."""
    span = found.span
    if loaded is not None and statements:
        by_index = {s.index: s for s in loaded.policy.statements}
        first = next((by_index[r.index] for r in statements if r.index in by_index), None)
        span = first.span if first is not None else loaded.policy.span
    if span is None and isinstance(found.error, InputError) and found.error.line:
        line, column = found.error.line, found.error.column
    else:
        line, column = (span.line, span.column) if span else (None, None)
    return {"file": found.file, "format": found.format, "resource": found.resource, "line": line, "column": column}
