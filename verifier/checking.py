"""``deputy check`` as a library: from paths and options to results.

Every path ends as exactly one ``Result``; nothing here raises for a bad
policy (that is an ``error`` verdict) or for a bug met while checking one
(that is an ``unknown`` verdict naming the failure), so one bad file never
hides the verdicts of the others.
"""

from __future__ import annotations

import os
import re

from verifier import keys, loading
from verifier.errors import DeputyError, InputError
from verifier.results import Result, Verdict
from verifier.threat import ThreatModel

_ACCOUNT = re.compile(r"[0-9]{12}")
_ORG = re.compile(r"o-[a-z0-9]{10,32}")


class UsageError(InputError):
    """A command-line value that cannot be right."""


def threat_model_from_args(args) -> ThreatModel:
    for flag, value in [("--account", args.account)] + [("--trusted-account", a) for a in args.trusted_account]:
        if not _ACCOUNT.fullmatch(value):
            raise UsageError(f"{flag} {value!r} is not a 12-digit AWS account ID", "deputy check")
    for org in args.trusted_org:
        if not _ORG.fullmatch(org):
            raise UsageError(f"--trusted-org {org!r} is not an organization ID such as o-a1b2c3d4e5", "deputy check")
    for key in args.require_key:
        if not keys.can_be_present(keys.fold(key)):
            raise UsageError(f"--require-key {key!r} is not a condition key such as aws:SourceAccount",
                             "deputy check")
    if not args.timeout > 0:
        raise UsageError("--timeout must be a positive number of seconds", "deputy check")
    if getattr(args, "jobs", 1) < 1:
        raise UsageError("--jobs must be at least 1", "deputy check")
    if not args.service or not args.action:
        raise UsageError("--service and --action must not be empty", "deputy check")
    return ThreatModel(
        owner=args.account, trusted_accounts=frozenset(args.trusted_account),
        trusted_orgs=frozenset(args.trusted_org), service=args.service, action=args.action,
        required_keys=tuple(args.require_key), source_service=args.source_service,
        strict_attribution=args.strict_attribution,
    )


def expand_paths(paths: list[str]) -> list[str]:
    """Files as given; directories walked for ``*.json`` files, in sorted order."""
    out = []
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs.sort()
                out += [os.path.join(root, f) for f in sorted(files) if f.lower().endswith(".json")]
        else:
            out.append(path)
    return out


def check_path(path: str, model: ThreatModel, timeout: float) -> Result:
    """The verdict for one policy file."""
    from verifier.prover import check_policy

    try:
        loaded = loading.load_file(path)
    except InputError as exc:
        return Result(path, Verdict.ERROR, str(exc))
    try:
        return check_policy(loaded, model, timeout)
    except (DeputyError, RecursionError, MemoryError, ValueError, TypeError, KeyError, RuntimeError) as exc:
        return Result(path, Verdict.UNKNOWN,
                      f"internal error while checking ({type(exc).__name__}: {exc}); please report this policy")


def check_paths(paths: list[str], model: ThreatModel, timeout: float, jobs: int = 1) -> list[Result]:
    """The verdict for each path, in the order given; ``jobs`` worker
    processes share the files (each policy is independent, and z3 holds the
    interpreter's lock while it solves, so threads would not help)."""
    if jobs <= 1 or len(paths) < 2:
        return [check_path(path, model, timeout) for path in paths]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    chunk = max(1, min(16, len(paths) // (jobs * 8)))
    with ProcessPoolExecutor(max_workers=min(jobs, len(paths)), mp_context=context) as pool:
        return list(pool.map(_check_one, [(p, model, timeout) for p in paths], chunksize=chunk))


def _check_one(job: tuple[str, ThreatModel, float]) -> Result:
    return check_path(*job)


def exit_code(results: list[Result]) -> int:
    verdicts = {r.verdict for r in results}
    if Verdict.VULNERABLE in verdicts:
        return 1
    if Verdict.ERROR in verdicts:
        return 2
    if Verdict.UNKNOWN in verdicts:
        return 3
    return 0
