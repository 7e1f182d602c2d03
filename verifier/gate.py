"""The command line of the pull-request gate: ``deputy diff``, ``deputy
check --base REF`` and baselines (``--baseline``, ``--write-baseline``).

Like ``cli``, a thin layer: options in, the library (``diffing``,
``baseline``) called, a rendering and an exit code out. It sits beside
``cli`` (which stays under its size limit) and receives the parsed options
from it.
"""

from __future__ import annotations

import glob
import json
import os
import tempfile
from typing import TextIO

from verifier.errors import InputError, UsageError

DIFF_EPILOG = """\
exit codes:
  0  the change opens no foreign access
  1  it opens some: a foreign request the new version allows and the old one denied
     (printed, after the evaluator replayed it against both); a new vulnerable policy opens too
  2  nothing opens, but an input could not be read or the command line is wrong
  3  none of the above, but some answer is unknown
  A finding under a suppression of the configuration file is reported but does not count.

answers, per policy and per deputy:
  opens                  printed with the request that proves it
  no new foreign access  z3 proved that no foreign request is allowed by NEW and denied by OLD
  closes                 proved as above, and OLD allowed a foreign request NEW denies (printed)
  unknown, error         as for check; never read unknown as no new access
Policies are matched by file (relative to OLD and NEW) and resource (logical ID, Terraform
address, role name); one only in NEW is checked as check would, one only in OLD is removed.
"""


def diff_command(args, configured, colour: bool, stdout: TextIO, stderr: TextIO) -> int:
    """``deputy diff OLD NEW``: two files, or two directories."""
    from verifier import diffing

    settings, model, chooser = configured
    for path in (args.old, args.new):
        if not os.path.exists(path):
            raise InputError("no such file or directory", path)
    if os.path.isdir(args.old) != os.path.isdir(args.new):
        raise UsageError("OLD and NEW must both be files or both be directories", "deputy diff")
    exclude = tuple(args.exclude)
    skip = args.skip_other_files
    old = diffing.read_side([args.old], args.old, model, args.input_format, exclude, skip_other=skip)
    new = diffing.read_side([args.new], args.new, model, args.input_format, exclude, skip_other=skip)
    changes = diffing.diff(old, new, chooser, args.timeout)
    return _finish(args, changes, (settings, model), colour, (args.old, args.new, None, new), stdout, stderr)


def check_base(args, configured, colour: bool, stdout: TextIO, stderr: TextIO) -> int:
    """``deputy check PATH... --base REF``: each path as it is at REF (read
    with git into a temporary copy, nothing checked out) against the path
    now; a path absent at REF is new."""
    from verifier import diffing
    from verifier.sources import gitref

    settings, model, chooser = configured
    refused = [flag for flag, given in (("--baseline", args.baseline), ("--write-baseline", args.write_baseline),
                                        ("--explain", args.explain), ("--all", args.all_counterexamples),
                                        ("--format junit", args.format == "junit")) if given]
    if refused:
        raise UsageError(f"--base does not combine with {', '.join(refused)}", "deputy check")
    tree = gitref.locate(args.paths, args.base)
    exclude = tuple(args.exclude)
    with tempfile.TemporaryDirectory(prefix="deputy-base-") as copy:
        old_paths = gitref.materialize(tree, args.base, copy)
        old = diffing.read_side([p for p in old_paths if p], copy, model, args.input_format, exclude,
                                shown=lambda relative: f"{args.base}:{relative}", skip_other=args.skip_other_files)
        # A path deleted since REF: its policies are removed, not unreadable.
        now = [p for p, before in zip(args.paths, old_paths) if before is None or os.path.lexists(p)
               or glob.has_magic(p)]
        new = diffing.read_side(now, tree.top, model, args.input_format, exclude, skip_other=args.skip_other_files)
        changes = diffing.diff(old, new, chooser, args.timeout)
    where = (f"{args.base}:" + " ".join(tree.paths), " ".join(args.paths), args.base, new)
    return _finish(args, changes, (settings, model), colour, where, stdout, stderr)


def _finish(args, changes, configured, colour: bool, where, stdout: TextIO, stderr: TextIO) -> int:
    from verifier import __version__
    from verifier import config as configuration
    from verifier.changes import exit_code
    from verifier.outputs import changes as rendering

    settings, model = configured
    old, new, base, side = where  # side: the new version's (diffing.Side)
    for note in configuration.apply(changes, settings.suppressions):
        stderr.write(f"deputy: {note}\n")
    for notice in side.notices:  # as check warns about the inputs it reads: the new version's
        stderr.write(f"deputy: warning: {notice}\n")
    if not changes:
        stderr.write("deputy: note: no policy found in either version\n")
    if args.format == "json":
        from verifier.outputs import json as json_output

        stdout.write(json_output.dumps(rendering.diff_json(changes, model, old, new, base, side.skipped,
                                                           side.notices)))
    elif args.format == "sarif":
        from verifier.outputs import sarif

        # only what opens is a result (the warnings are on stderr)
        stdout.write(json.dumps(sarif.diff_document(changes, __version__), indent=2, ensure_ascii=False) + "\n")
    elif args.format == "markdown":
        from verifier.outputs import markdown

        stdout.write(markdown.diff_markdown(changes, base))
    else:
        stdout.write(rendering.diff_text(changes, colour, args.verbose))
    return exit_code(changes)


# -- baselines --------------------------------------------------------------------------


def baseline(args, results, stderr: TextIO):
    """The ``baseline.Report`` of this run, or None without ``--baseline``
    and ``--write-baseline``. ``--write-baseline`` writes the findings
    first (atomically), and then they are the known ones."""
    from verifier import baseline as baselines

    if not (args.baseline or args.write_baseline):
        return None
    if args.write_baseline:
        text = baselines.render(results)
        _write(args.write_baseline, text)
        count = sum(1 for line in text.splitlines() if not line.startswith("#"))
        stderr.write(f"deputy: wrote {count} finding(s) to the baseline {args.write_baseline}\n")
    path = args.write_baseline or args.baseline
    report = baselines.apply(results, baselines.read(path), path)
    if report.fixed:
        stderr.write(f"deputy: {len(report.fixed)} baseline finding(s) fixed: remove them from {path}\n")
    return report


def _write(path: str, text: str) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    try:
        handle, temporary = tempfile.mkstemp(prefix=".deputy-baseline-", dir=folder)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except OSError as exc:
        raise InputError(f"cannot write the baseline: {exc.strerror or exc}", path) from None


def exit_code(results, report, fail_on_useless: bool) -> int:
    from verifier import baseline as baselines
    from verifier import checking

    if report is None:
        return checking.exit_code(results, fail_on_useless=fail_on_useless)
    return baselines.exit_code(results, report, fail_on_useless)


def with_baseline(rendered: str, fmt: str, report) -> str:
    """``check``'s output with what the baseline says: a ``baseline``
    member (JSON), ``baselineState`` on each result (SARIF: ``unchanged``
    for a known finding, ``new`` otherwise), a closing section (text,
    markdown)."""
    if report is None or fmt == "junit":
        return rendered
    if fmt == "json":
        document = json.loads(rendered)
        document["baseline"] = report.to_json()
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if fmt == "sarif":
        return _sarif_states(rendered, report)
    if fmt == "markdown":
        from verifier.outputs import markdown

        return rendered + markdown.baseline_section(report)
    lines = [f"baseline {report.path}: {len(report.known)} known (not failing), {len(report.new)} new, "
             f"{len(report.fixed)} fixed"]
    lines += [f"  new: {e.describe()}" for e in report.new] + [f"  fixed: {e.describe()}" for e in report.fixed]
    return rendered + "\n".join(lines) + "\n"


def _sarif_states(rendered: str, report) -> str:
    from urllib.parse import unquote

    document = json.loads(rendered)
    known = {(e.file, e.resource, e.deputy) for e in report.known}
    for result in document["runs"][0]["results"]:
        if result["ruleId"] not in ("DEPUTY001", "DEPUTY002"):
            continue
        location = result["locations"][0]
        uri = unquote(location["physicalLocation"]["artifactLocation"]["uri"])
        resource = (location.get("logicalLocations") or [{}])[0].get("name") or "-"
        deputy = result["properties"].get("deputy") or "-"
        result["baselineState"] = "unchanged" if (uri, resource, deputy) in known else "new"
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
