"""``deputy check`` as a library: from paths and a ``ThreatModel`` to results.

The library's front door: it takes plain values (paths, a threat model, a
timeout), never command-line options; ``verifier.cli`` and
``verifier.config`` turn flags and settings into those values.

Every path ends as exactly one ``Result``; nothing here raises for a bad
policy (that is an ``error`` verdict) or for a bug met while checking one
(that is an ``unknown`` verdict naming the failure), so one bad file never
hides the verdicts of the others.
"""

from __future__ import annotations

import time
from dataclasses import replace

from verifier import deadline, partial
from verifier.policy import loading
from verifier.errors import BudgetExceeded, DeputyError, InputError
from verifier.results import DeputyResult, Result, Verdict
from verifier.sources import Found, JUnresolved, detect
from verifier.prove import certify
from verifier.prove.threat import ThreatModel


def expand_paths(paths: list[str], exclude: tuple[str, ...] = ()) -> list[str]:
    """Files as given; globs expanded; directories walked for the files
    that are policies, templates, plans or exports (``sources.walk``)."""
    return scan_paths(paths, exclude).files


def scan_paths(paths: list[str], exclude: tuple[str, ...] = (), skip_other: bool = False):
    """``sources.walk.Scan``: the files to read and the walked files
    skipped because they are not policies (with ``skip_other``, the files
    named too: ``--skip-other-files``)."""
    from verifier.sources import walk

    return walk.scan(paths, exclude, skip_other)


def collect(paths: list[str], model: ThreatModel, input_format: str | None = None,
            notices: list | None = None) -> list[Found]:
    """Every policy in ``paths`` (files, directories, globs), in order;
    ``notices`` receives the inputs' warnings (``sources.Notice``)."""
    found = []
    for path in expand_paths(paths):
        found += _find(path, model, input_format, notices)
    return found


def _find(path: str, model: ThreatModel, input_format: str | None, notices: list | None = None) -> list[Found]:
    started = time.monotonic()
    try:
        found = detect.find(path, input_format, model.owner or None, set(model.trusted_accounts), notices)
    except Exception as exc:  # noqa: BLE001 - a bug met reading one file must not cost the others
        found = [Found(path, input_format or "unknown", failure=_internal(exc, "reading"))]
    spent = time.monotonic() - started
    for item in found:
        item.spent = spent
    return found


def _internal(exc: BaseException, doing: str) -> str:
    return f"internal error while {doing} ({type(exc).__name__}: {exc}); please report this input"


def check_all(found: list[Found], model: ThreatModel, timeout: float, jobs: int = 1, progress=None,
              details: dict | None = None) -> list[Result]:
    """The verdict for each policy found, in order; ``jobs`` worker
    processes share them (each policy is independent, and z3 holds the
    interpreter's lock while it solves, so threads would not help).
    ``progress(i, found)`` is called as each one starts (in one process)
    or is done (with workers). A worker that dies costs only the policy it
    was checking, which is then unknown (``verifier.workers``)."""
    if jobs <= 1 or len(found) < 2:
        results = []
        for index, item in enumerate(found):
            if progress:
                progress(index, item)
            results.append(check_found(item, model, timeout, details))
        return results
    from verifier import workers

    def done(index):
        if progress:
            progress(index, found[index])

    return workers.run(_check_found_job, [(f, model, timeout, details, certify.enabled()) for f in found], jobs,
                       lambda job, cause: _lost(job[0], cause), done, ahead=1)


def check_files(files: list[str], model: ThreatModel, input_format: str | None, timeout: float, jobs: int,
                progress=None, details: dict | None = None, notices: list | None = None) -> list[Result]:
    """The verdicts of every policy in ``files``, in order, each worker
    reading, detecting and checking whole files: reading and parsing is a
    good part of the work, and a parsed tree costs more to send to a worker
    than the file it came from. ``progress(i, file)`` as each file is done;
    ``notices`` receives the files' warnings."""
    from verifier import workers

    if workers.forks():
        # Import the prover and build the grammar once, here: forked workers
        # inherit them instead of each paying for them.
        from verifier.policy import parser
        parser.prepare()
        _warm(_base(model))

    def done(index):
        if progress:
            progress(index, files[index])

    def lost(job, cause):
        return [_lost(Found(job[0], job[2] or "unknown"), cause)], []

    jobs_in = [(f, model, input_format, timeout, details, certify.enabled()) for f in files]
    results = []
    for found, noticed in workers.run(_check_file_job, jobs_in, jobs, lost, done):
        results += found
        if notices is not None:
            notices += noticed
    return results


def _lost(found: Found, cause: str) -> Result:
    """The result of a policy (or file) whose worker process died."""
    result = Result(found.file, Verdict.UNKNOWN, f"could not decide: {cause}; the other policies were checked")
    result.source = _source(found, None, result)
    return result


_WARM_POLICY = """{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
  "Principal": {"Service": "events.amazonaws.com"}, "Action": "sns:Publish", "Resource": "*",
  "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"},
                "ArnLike": {"aws:SourceArn": "arn:aws:s3:::*"}}}]}"""


def _warm(model: ThreatModel) -> None:
    """Check one small policy under ``model``, so that the automata and
    string classes of the threat model's own languages are built once,
    here, and inherited by every forked worker."""
    from verifier.prove.prover import check_policy

    try:
        check_policy(loading.load_text(_WARM_POLICY, "<warm-up>"), model, 5.0)
    except (DeputyError, ValueError, TypeError, KeyError, RuntimeError):
        pass  # only a head start: the workers build what is missing


def _check_file_job(job: tuple) -> tuple[list[Result], list]:
    path, model, input_format, timeout, details, certified = job
    certify.enable(certified)  # each job carries --certify, however its worker started
    notices: list = []
    found = _find(path, _base(model), input_format, notices)
    return [check_found(item, model, timeout, details) for item in found], notices


def _base(model) -> ThreatModel:
    """The threat model before per-resource settings (``config.ModelFor``)."""
    return model if isinstance(model, ThreatModel) else model.base


def _check_found_job(job: tuple) -> Result:
    certify.enable(job[-1])
    return check_found(*job[:-1])


def check_found(found: Found, model, timeout: float, details: dict | None = None) -> Result:
    """The verdict for one policy found in an input; never raises for bad
    input (``error``) or for a bug met while checking (``unknown``).
    ``model`` is a ``ThreatModel``, or a function of the policy's file and
    resource that gives one (``config.ModelFor``: per-resource settings)."""
    if not isinstance(model, ThreatModel):
        model = model(found.file, found.resource)
    # The time its file took to read and parse counts against the policy's
    # time: a whole run on one input stays within --timeout (and start-up).
    with deadline.limit(max(0.0, timeout - found.spent), timeout):
        return _checked(found, model, timeout, details)


def _checked(found: Found, model: ThreatModel, timeout: float, details: dict | None) -> Result:
    started = time.monotonic()
    try:
        if found.failure is not None:
            result = Result(found.file, Verdict.UNKNOWN, found.failure)
        elif found.variants:
            return _check_variants(found, model, timeout)
        else:
            result = _check_found(found, model, timeout, details)
    except InputError as exc:
        result = Result(found.file, Verdict.ERROR, str(exc))
    except BudgetExceeded as exc:
        result = Result(found.file, Verdict.UNKNOWN, f"could not decide: {exc}")
    except Exception as exc:  # noqa: BLE001 - one policy's failure is its own unknown, never the run's
        result = Result(found.file, Verdict.UNKNOWN, _internal(exc, "checking"))
    if not result.seconds:  # a verdict that ended in an exception took time too (a time limit: all of it)
        result.seconds = found.spent + time.monotonic() - started
    result.path = found.file
    if result.source is None:
        result.source = _source(found, None, result)
    if details and details["explain"] and result.explanation is None:
        result.explanation = {"kind": "none", "note": f"no explanation for a verdict of {result.verdict.value}"
                              + ("" if result.verdict in (Verdict.UNKNOWN, Verdict.ERROR) else
                                 " that rests on template values deputy had to read widely or per !If branch")}
    return result


def _check_variants(found: Found, model: ThreatModel, timeout: float) -> Result:
    """A template policy under each assignment of the template conditions
    its ``!If`` depend on: safe only if safe under every one; vulnerable if
    vulnerable under one (named: deputy does not know whether the template
    can be deployed with it); otherwise unknown."""
    results = [(label, check_found(replace(found, node=node, variants=[]), model, timeout))
               for label, node in found.variants]
    names = ", ".join(sorted({part.split("=")[0] for label, _ in results for part in label.split(", ")}))
    for label, result in results:
        if result.verdict is Verdict.VULNERABLE:
            result.assumptions.append(f"the template's conditions are {label} (checked each assignment of "
                                      f"{names}; deputy does not know whether every one can be deployed)")
            return result
    if results and all(r.verdict is Verdict.SAFE for _, r in results):
        first = results[0][1]
        first.assumptions.append(f"safe under each of the {len(results)} assignments of the template's conditions "
                                 f"{names}")
        first.seconds = sum(r.seconds for _, r in results)
        return first
    if not results:
        return Result(found.file, Verdict.SAFE, "the template leaves no policy under any of its conditions",
                      source=_source(found, None, Result(found.file, Verdict.SAFE, "")))
    summary = "; ".join(f"{label}: {r.verdict.value} ({r.message})" for label, r in results
                        if r.verdict is not Verdict.SAFE)
    worst = next(r for _, r in results if r.verdict is not Verdict.SAFE)
    return Result(found.file, Verdict.UNKNOWN, f"could not decide under every assignment of the template's "
                  f"conditions {names}: {summary}", source=worst.source,
                  seconds=sum(r.seconds for _, r in results))


def _check_found(found: Found, model: ThreatModel, timeout: float, details: dict | None = None) -> Result:
    from verifier.policy import parser
    from verifier.sources import owner as owners
    from verifier.sources.unresolved import settle

    if found.error is not None:
        return Result(found.file, Verdict.ERROR, str(found.error))
    settled = settle(found.node)
    fatal = found.unknown + settled.fatal
    assumptions = found.assumptions + settled.assumptions
    if isinstance(found.node, JUnresolved):  # the whole document: nothing else to read
        return _unresolved(found, fatal, assumptions, "", settled.fatal_span)
    try:
        loaded = loading.accept(parser.build_policy(settled.node, found.file), found.kind)
    except InputError as exc:
        if not fatal:
            raise
        return _unresolved(found, fatal, assumptions, f" (the document also has this error: {exc})",
                           settled.fatal_span)
    if fatal:
        return _unresolved(found, fatal, assumptions, "", settled.fatal_span)
    warnings = list(found.warnings)
    owner = found.owner or model.owner
    placeholder = found.placeholder_owner or not owner
    if found.owner and model.owner and found.owner != model.owner:
        warnings.append(f"the owner's account is {found.owner}, from the input, not --account {model.owner}")
    if not owner:
        owner = owners.placeholder(owners.strings(settled.node) + list(found.candidates), set(model.trusted_accounts))
        if owner is None:
            raise InputError("cannot pick a placeholder for the owner's account (every candidate appears in "
                             "the policy); give --account", found.file, found.span.line if found.span else 0,
                             found.span.column if found.span else 0)
        assumptions.append(owners.assumption(owner))
    model = replace(model, owner=owner)
    result = _each_deputy(found, settled, loaded, model, timeout, details, placeholder)
    result.assumptions += assumptions
    result.warnings = warnings + result.warnings
    for answer in result.deputies or ():
        answer.result.assumptions += assumptions
    return result


def _each_deputy(found: Found, settled, loaded, model: ThreatModel, timeout: float, details,
                 placeholder: bool) -> Result:
    """One answer per deputy of the policy (``verifier.prove.deputies``),
    each decided as the policy's own question, then combined."""
    from verifier.prove import deputies, grants

    discovered, asked = deputies.questions(loaded.policy, model)
    answers, explain = [], []
    for d in asked:
        if deadline.expired():  # each deputy costs time: the rest are not asked about
            answers.append(DeputyResult(d.service, [], _out_of_time(found)))
            continue
        answers.append(DeputyResult(d.service, grants.granted(loaded.policy, model.asking(d)),
                                    _one_deputy(found, settled, loaded, model.asking(d), timeout, details,
                                                placeholder, explain)))
    # Explained once every deputy has its verdict: explanations only use the time left.
    final = {id(a.result) for a in answers}
    for result, asked_model in explain:
        if id(result) in final:
            _add_details(result, loaded, asked_model, timeout, details)
    shown = deputies.reported(discovered, answers, bool(model.services))
    result = deputies.combine(answers, shown, found.file)
    result.source = result.source or _source(found, loaded, result)
    return result


def _out_of_time(found: Found) -> Result:
    """A deputy not asked about: the policy's time ran out on the others."""
    return Result(found.file, Verdict.UNKNOWN, f"could not decide: {deadline.reason()} before this deputy "
                  "was asked about")


def _one_deputy(found: Found, settled, loaded, model: ThreatModel, timeout: float, details,
                placeholder: bool, explain: list) -> Result:
    """One deputy's verdict; ``explain`` receives ``(result, model)`` where
    --explain or --all asks for details of it."""
    if placeholder:  # the owner's account is not stated: the verdict must hold whoever owns the resource
        return partial.owner_unstated(found, model,
                                      lambda m: _decided(found, settled, loaded, m, timeout, details, explain))
    return _decided(found, settled, loaded, model, timeout, details, explain)


def _decided(found: Found, settled, loaded, model: ThreatModel, timeout: float, details, explain: list) -> Result:
    if settled.deny_indexes:
        result = _bracketed(found, settled, loaded, model, timeout)
    else:
        result = _prove(loaded, model, timeout)
        result.source = _source(found, loaded, result)
        if details and settled.narrowed is None:  # explained on the policy as written, nothing widened
            explain.append((result, model))
    if result.verdict is Verdict.VULNERABLE and settled.narrowed is not None:
        result = partial.confirm(found, settled, result, model, timeout, _prove,
                                 lambda policy, r: _source(found, policy, r))
    return result


def _add_details(result: Result, loaded, model: ThreatModel, timeout: float, details: dict) -> None:
    """--explain and --all, on the policy just checked (as read from its
    source, with the owner the check used)."""
    from verifier.debug.details import add_details

    add_details(result, model, timeout, explain=details["explain"], enumerate_all=details["all"],
                max_counterexamples=details["max_counterexamples"], loaded=loaded)


def _prove(loaded, model: ThreatModel, timeout: float) -> Result:
    from verifier.prove import prover

    return prover.check_policy(loaded, model, timeout)


def _bracketed(found: Found, settled, wide, model: ThreatModel, timeout: float) -> Result:
    """A Deny whose Resource is unresolved (``unresolved.py``): the policy
    without it allows more than the real one, the policy with it over
    every resource allows less. Safe without it, or vulnerable with it,
    holds for the real policy; anything else is unknown."""
    from verifier.policy import parser
    from verifier.results import StatementRef
    from verifier.sources.unresolved import without_statements

    lines = ", ".join(f"line {wide.policy.statements[i].span.line}" for i in settled.deny_indexes
                      if i < len(wide.policy.statements))
    what = "; ".join(settled.deny_what)
    narrow_node, kept = without_statements(settled.node, settled.deny_indexes)
    try:
        narrow = loading.accept(parser.build_policy(narrow_node, found.file), found.kind)
        first = _prove(narrow, model, timeout)
    except InputError as exc:  # nothing left to check once those statements are gone
        first = Result(found.file, Verdict.UNKNOWN, str(exc))
    if first.verdict is Verdict.SAFE:
        first.statements = [StatementRef(kept[r.index], r.sid, r.line) for r in first.statements]
        first.source = _source(found, wide, first)
        first.assumptions.append(f"the Deny statement(s) at {lines}, whose Resource deputy cannot resolve ({what}), "
                                 "were left out: without them the policy allows more, and it is safe even so")
        return first
    second = _prove(wide, model, timeout)
    second.source = _source(found, wide, second)
    if second.verdict is Verdict.VULNERABLE:
        second.assumptions.append(f"the Deny statement(s) at {lines}, whose Resource deputy cannot resolve ({what}), "
                                  "were read as applying to every resource: the request is allowed even so")
        return second
    return Result(found.file, Verdict.UNKNOWN,
                  f"could not decide: the verdict depends on the Resource of the Deny statement(s) at {lines} "
                  f"({what}): without them the policy is {first.verdict.value}, with them over every resource "
                  f"it is {second.verdict.value}", source=second.source, solver=second.solver,
                  seconds=first.seconds + second.seconds)


def _unresolved(found: Found, fatal: list[str], assumptions: list[str], extra: str, span=None) -> Result:
    """Unknown, located at the first value deputy cannot resolve."""
    result = Result(found.file, Verdict.UNKNOWN,
                    "could not decide: the verdict depends on values deputy cannot resolve: " + "; ".join(fatal)
                    + extra, assumptions=assumptions, warnings=list(found.warnings))
    result.source = _source(replace(found, span=span or found.span), None, result)
    return result


def _source(found: Found, loaded, result: Result) -> dict:
    """Where the policy came from, and the place of the statement the
    verdict rests on (the first one named), else of the document."""
    span = found.span
    if loaded is not None:
        span = loaded.policy.span
        by_index = {s.index: s for s in loaded.policy.statements}
        for ref in result.statements:
            if ref.index in by_index:
                span = by_index[ref.index].span
                break
    error = found.error
    if loaded is None and isinstance(error, InputError) and error.line:
        line, column = error.line, error.column
    else:
        line, column = (span.line, span.column) if span else (None, None)
    return {"file": found.file, "format": found.format, "resource": found.resource, "line": line,
            "column": column}


def check_path(path: str, model: ThreatModel, timeout: float) -> Result:
    """The verdict for one policy file."""
    from verifier.prove.prover import check_policy

    try:
        loaded = loading.load_file(path)
    except InputError as exc:
        return Result(path, Verdict.ERROR, str(exc))
    try:
        with deadline.limit(timeout):
            return check_policy(loaded, model, timeout)
    except BudgetExceeded as exc:
        return Result(path, Verdict.UNKNOWN, f"could not decide: {exc}")
    except Exception as exc:  # noqa: BLE001 - as check_found
        return Result(path, Verdict.UNKNOWN, _internal(exc, "checking"))


def exit_code(results: list[Result], fail_on_useless: bool = False) -> int:
    """1 vulnerable (or, with ``fail_on_useless``, a useless finding) > 2
    error > 3 unknown > 0; a finding under a valid (unexpired) suppression
    does not count."""
    verdicts = {r.verdict for r in results if not r.suppressed}
    if Verdict.VULNERABLE in verdicts or (fail_on_useless and any(r.useless for r in results if not r.suppressed)):
        return 1
    if Verdict.ERROR in verdicts:
        return 2
    if Verdict.UNKNOWN in verdicts:
        return 3
    return 0
