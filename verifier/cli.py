"""The command line: a thin layer over the library. ``main(argv)`` returns
the exit code; streams are passed in so tests can run it in-process."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from typing import TextIO

from verifier import __version__
from verifier.errors import DeputyError, InputError, UsageError

EVAL_EPILOG = """\
exit codes:
  0  a decision was reached (allow, explicit_deny or implicit_deny)
  2  the policy, the request or the command line could not be read
  3  the decision depends on a construct deputy does not model (decision "unknown")

The request is JSON: {"principal": "rekognition.amazonaws.com", "action": "sts:AssumeRole",
"resource": "arn:...", "context": {"aws:SourceAccount": "111122223333"}}. "resource" is optional;
a key absent from "context" is absent from the request; a list is a multivalued key.
A counterexample printed by `deputy check` can be passed as it is.
"""


CHECK_EPILOG = """\
exit codes:
  0  every policy is safe
  1  at least one policy is vulnerable (a foreign request of the deputy is allowed)
  2  no policy is vulnerable, but an input could not be read or the command line is wrong
  3  none of the above, but some verdict is unknown (time limit, a size bound, a construct
     deputy does not model, or a value the input does not state, such as a template parameter)
  130  interrupted (Ctrl-C)
  A finding under a suppression of the configuration file is reported but does not
  count; one whose suppression has expired counts again. With --baseline only new
  findings count; with --base only what the change opens (see deputy diff --help).

verdicts:
  safe        z3 proved that no foreign request of the deputy is allowed
  vulnerable  a foreign request is allowed; it is printed, after the evaluator replayed it
  unknown     deputy could not decide; the reason is printed (never read this as safe)
  error       the input is not a policy deputy can read; file, line and column are printed

A request is foreign when a source key (aws:SourceAccount, or the account in
aws:SourceArn) names an account outside the trusted accounts. See docs/threat-model.md.
"""


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so main() keeps control."""

    def error(self, message):
        raise _UsageError(f"{self.prog}: {message}")


class _UsageError(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="deputy", description="Formal verifier for the cross-service confused deputy "
                                                "in AWS access policies.")
    parser.add_argument("--version", action="version", version=f"deputy {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    ev = commands.add_parser("eval", help="decide one request against a policy, with a trace",
                             description="Decide one concrete request against a policy and explain "
                                         "every statement's outcome.",
                             epilog=EVAL_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    ev.add_argument("policy", metavar="POLICY", help="policy JSON file")
    ev.add_argument("--request", required=True, metavar="REQUEST.json", help="request JSON file")
    ev.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    _add_check(commands)
    _add_diff(commands)
    _add_fix(commands)
    return parser


def _add_threat_model(parser, configurable: bool) -> None:
    """The threat-model options of check and fix. ``configurable``: a
    config file may supply them, so an absent flag stays None (and
    merge_settings tells it from one given on the command line)."""
    def unset(value):
        return None if configurable else value

    parser.add_argument("--trusted-account", metavar="ACCT", action="append", default=unset([]),
                        help="another account whose requests are legitimate (repeatable)")
    parser.add_argument("--trusted-org", metavar="ORGID", action="append", default=unset([]),
                        help="an organization (o-...) whose accounts are trusted (repeatable)")
    parser.add_argument("--service", metavar="S", action="append", default=unset([]),
                        help="ask only about this deputy, a service principal such as events.amazonaws.com "
                             "(repeatable; default: every deputy the policy admits, each named service and any "
                             "other service principal)")
    parser.add_argument("--action", metavar="A", action="append", default=unset([]),
                        help="ask only about this action, such as sns:Publish (repeatable; default: every action "
                             "the policy grants the deputy)")
    parser.add_argument("--require-key", metavar="KEY", action="append", default=unset([]),
                        help="assume the service always sends this key, e.g. aws:SourceAccount (repeatable)")
    parser.add_argument("--source-service", metavar="NAME",
                        help="assume aws:SourceArn names a resource of this service, e.g. rekognition")
    parser.add_argument("--strict-attribution", action="store_true", default=unset(False),
                        help="count requests that name no source account as foreign")


def _add_check(commands) -> None:
    ck = commands.add_parser(
        "check", help="prove that no foreign request of a service can be allowed, or show one",
        description="Decide, for each policy, whether any request of the deputy service that names an "
                    "account outside the trusted ones can be allowed (THREAT_MODEL in docs/threat-model.md).",
        epilog=CHECK_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    ck.add_argument("paths", nargs="+", metavar="PATH",
                    help="policy JSON files, CloudFormation templates (JSON or YAML), Terraform plans "
                         "(terraform show -json), account exports (aws iam get-account-authorization-details), "
                         "directories of them, or globs")
    _add_common(ck, ("text", "json", "sarif", "junit", "markdown"))
    ck.add_argument("--fail-on-useless", action="store_true",
                    help="count useless findings (a deputy no legitimate request can reach, a value that cannot be "
                         "what it claims) as failures: exit 1, JUnit failures")
    ck.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                    help="worker processes (default: one per CPU, at most 4, one per 8 files; -j 1: none); the same "
                         "results in the same order for any N; a worker the system kills costs only its file")
    ck.add_argument("--base", metavar="REF", help="fail only on what the change from git revision REF opens (each "
                    "PATH as it is at REF, read with git, no checkout, against PATH now; as `deputy diff`)")
    ck.add_argument("--baseline", metavar="FILE", help="findings listed in FILE are known: reported, not failing")
    ck.add_argument("--write-baseline", metavar="FILE", help="write this run's findings to FILE (text, one a line)")
    _add_debugging(ck)


def _add_common(parser, formats: tuple[str, ...]) -> None:
    """The options check and diff share: inputs, owner, threat model,
    configuration, output."""
    from verifier.sources import FORMATS
    from verifier.sources.walk import EXCLUDED_DIRS

    parser.add_argument("--input-format", choices=FORMATS, metavar="FORMAT",
                        help="read every input as this format instead of detecting it from the content: "
                             + ", ".join(FORMATS))
    parser.add_argument("--account", metavar="ACCT",
                        help="the owner's 12-digit account (the account of the role or resource); required for "
                             "policy files; for templates and plans a placeholder stands for it when absent, and "
                             "an account export states it in each role's ARN")
    _add_threat_model(parser, configurable=True)
    parser.add_argument("--config", metavar="FILE",
                        help="configuration file (default: deputy.toml, else [tool.deputy] in pyproject.toml, "
                             "in the working directory); command-line flags override it")
    parser.add_argument("--format", choices=formats, default="text",
                        help="output format: text (for a person), json (stable fields, see README), sarif (SARIF "
                             "2.1.0, for code scanning)" + (", junit (JUnit XML, one test case per policy)"
                                                            if "junit" in formats else "")
                             + ", markdown (a table and the counterexamples, for a pull request or a job summary)")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour the text output: auto (when stdout is a terminal and NO_COLOR is not set)")
    parser.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                        help="time limit per policy (default 5), for all of its work: the automata built before "
                             "the solver, every deputy's question, the solver, --explain; what is undecided then "
                             "is unknown")
    _add_certify(parser)
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print more detail: every result's assumptions and warnings (by default a safe policy "
                             "is one line), and the files of a directory that were skipped, and why")
    parser.add_argument("--exclude", metavar="GLOB", action="append", default=None,
                        help="in a directory, do not read files or directories matching GLOB (a name, or a path "
                             "from the directory if it has a /; repeatable; replaces exclude in deputy.toml). "
                             "Never read: " + ", ".join(sorted(EXCLUDED_DIRS)) + ", and what .gitignore ignores")
    parser.add_argument("--skip-other-files", action="store_true",
                        help="a file named on the command line that is not a policy, template, plan or account "
                             "export is skipped and counted, as in a directory (for hooks that pass every changed "
                             "file); without it such a file is an error")


def _add_diff(commands) -> None:
    from verifier.gate import DIFF_EPILOG

    df = commands.add_parser(
        "diff", help="what a change opens: foreign requests the new version allows and the old one denied",
        description="Decide, per policy and deputy, whether NEW lets in a foreign request that OLD denied "
                    "(`deputy check PATH --base REF` compares with a git revision).",
        epilog=DIFF_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    df.add_argument("old", metavar="OLD", help="the old version: a file or a directory")
    df.add_argument("new", metavar="NEW", help="the new version: a file or a directory (the same kind as OLD)")
    _add_common(df, ("text", "json", "sarif", "markdown"))


def main(argv: list[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    parser = build_parser()
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            args = parser.parse_args(argv)
    except _UsageError as exc:
        stderr.write(f"{exc}\n")
        return 2
    except SystemExit as exc:  # --help and --version
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help(stderr)
        return 2
    from verifier.outputs.stream import Writer

    stdout, stderr = Writer(stdout, getattr(args, "format", "text")), Writer(stderr, "text")
    try:
        return _COMMANDS[args.command](args, stdout, stderr)
    except InputError as exc:
        stderr.write(f"deputy: error: {exc}\n")
        return 2
    except DeputyError as exc:
        stderr.write(f"deputy: {exc}\n")
        return 3


def _eval(args, stdout: TextIO, stderr: TextIO) -> int:
    from verifier.outputs import json as json_output
    from verifier.outputs import text
    from verifier.policy import loading
    from verifier.evaluator import Decision, evaluate
    from verifier.request import read_request

    loaded = loading.load_file(args.policy)
    request = read_request(args.request)
    evaluation = evaluate(loaded.policy, request)
    if args.format == "json":
        stdout.write(json_output.dumps(json_output.eval_json(loaded, request, evaluation)))
    else:
        stdout.write(text.eval_text(loaded, request, evaluation))
    return 3 if evaluation.decision is Decision.UNKNOWN else 0


def _configured(args):
    """The settings, the threat model and the per-resource chooser the
    options and the configuration file give."""
    from verifier import config as configuration

    settings = configuration.find(args.config)
    configuration.merge_settings(args, settings)
    model = _threat_model(args)
    _second_solver(args.certify)
    return settings, model, configuration.ModelFor(model, settings.scopes) if settings.scopes else model


def _diff(args, stdout: TextIO, stderr: TextIO) -> int:
    from verifier import gate
    from verifier.outputs import console

    return gate.diff_command(args, _configured(args), console.colour(args.color, stdout), stdout, stderr)


def _check(args, stdout: TextIO, stderr: TextIO) -> int:
    from verifier import checking, gate, workers
    from verifier import config as configuration
    from verifier.outputs import console

    settings, model, chooser = _configured(args)
    if args.base:
        return gate.check_base(args, (settings, model, chooser), console.colour(args.color, stdout), stdout, stderr)
    scan = checking.scan_paths(args.paths, tuple(args.exclude), args.skip_other_files)
    notices: list = []
    jobs = args.jobs if args.jobs is not None else workers.default_jobs(len(scan.files))
    if jobs > 1:
        # Workers read, detect and check whole files: nothing needs the whole list first.
        progress = console.Progress(stderr, len(scan.files))
        results = checking.check_files(scan.files, chooser, args.input_format, args.timeout, jobs,
                                       lambda index, path: progress.show(path), _details(args), notices)
    else:
        found = checking.collect(scan.files, model, args.input_format, notices)
        progress = console.Progress(stderr, len(found))
        results = checking.check_all(found, chooser, args.timeout, 1,
                                     lambda index, item: progress.show(item.where()), _details(args))
    progress.done()
    for note in configuration.apply(results, settings.suppressions):
        stderr.write(f"deputy: {note}\n")
    for notice in notices:
        stderr.write(f"deputy: warning: {notice}\n")
    if not results:
        stderr.write("deputy: note: no policy found in " + ", ".join(args.paths) + "\n")
    report = gate.baseline(args, results, stderr)
    document = console.check_document(args.format, results, model, skipped=scan.skipped, notices=notices,
                                      colour=console.colour(args.color, stdout), verbose=args.verbose,
                                      fail_on_useless=args.fail_on_useless)
    stdout.write(gate.with_baseline(document, args.format, report))
    if args.verbose:
        for skipped in scan.skipped:
            stderr.write(f"deputy: skipped {skipped.path}: {skipped.reason}\n")
    return gate.exit_code(results, report, args.fail_on_useless)


def _second_solver(wanted: bool) -> None:
    from verifier.prove import certify

    try:
        certify.enable(bool(wanted))
    except certify.Unavailable as exc:
        raise UsageError(str(exc), "deputy check") from exc


def _threat_model(args):
    """The threat model the options describe (flags over deputy.toml)."""
    from verifier import config

    if not args.timeout > 0:
        raise UsageError("--timeout must be a positive number of seconds", "deputy check")
    if getattr(args, "jobs", None) is not None and args.jobs < 1:
        raise UsageError("--jobs must be at least 1", "deputy check")
    settings = {"trusted_accounts": args.trusted_account, "trusted_orgs": args.trusted_org,
                "require_keys": args.require_key, "service": args.service or [], "action": args.action or [],
                "source_service": args.source_service, "strict_attribution": args.strict_attribution}
    return config.threat_model(args.account, settings, flags=True)


def _add_debugging(ck) -> None:
    ck.add_argument("--explain", action="store_true",
                    help="explain each verdict: for a counterexample, the allowing statements and every "
                         "condition's outcome from the evaluator's trace; for a proof, the conditions and "
                         "statements it rests on (each deleted and the policy re-proved)")
    ck.add_argument("--all", action="store_true", dest="all_counterexamples",
                    help="list counterexamples of different kinds (foreign aws:SourceAccount, aws:SourceArn "
                         "alone, no source key, each allowing statement, regional principal name)")
    ck.add_argument("--max-counterexamples", type=_at_least_one, default=5, metavar="K",
                    help="with --all, list at most K counterexamples (default 5)")


def _at_least_one(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return value


def _details(args) -> dict | None:
    """What --explain and --all ask of each check (done where the policy
    was read, so templates and worker processes are explained too)."""
    if not (args.explain or args.all_counterexamples):
        return None
    return {"explain": args.explain, "all": args.all_counterexamples,
            "max_counterexamples": args.max_counterexamples}


FIX_EPILOG = """\
exit codes:
  0  repaired (the diff and the repaired policy are printed), or already safe
  1  some policy could not be repaired (the reason is printed: no repair proved, or --budget
     reached); the others' repairs stand
  2  the input or the command line could not be read, or --write was refused (the repair is
     printed, the file left as it was)

A repair changes only the Allow statements that let counterexamples in: it tightens a
source-key condition already there (drops IfExists or a set qualifier, reads StringLike on
aws:SourceArn as ArnLike), or adds StringEquals aws:SourceAccount OWNER and/or ArnLike
aws:SourceArn arn:aws:SERVICE:*:OWNER:*, repeating until the prover says safe. Before it is
printed or written, the repaired text is parsed again, proved safe, and checked to still
allow a legitimate request (the owner's account, the service, the action) in the evaluator
and in the prover. --write replaces the file atomically (a temporary file beside it, synced
to disk, renamed over it), keeping its formatting outside the changed conditions, its line
endings, its final newline or lack of one, its mode and its owner. It refuses a read-only
file unless --force, and a file with other names (hard links), which the rename would split.
A template is repaired in its own text and proved again; a Terraform plan's repaired policies
are printed with their addresses (deputy cannot edit HCL).
"""


def _add_fix(commands) -> None:
    fx = commands.add_parser(
        "fix", help="propose the smallest change that makes a policy safe, proved before it is shown",
        description="Repair a vulnerable policy: change the offending Allow statements until the prover "
                    "says safe, keeping the legitimate request of the owner's account allowed.",
        epilog=FIX_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    fx.add_argument("policy", metavar="POLICY", help="policy JSON file, CloudFormation template or Terraform plan")
    fx.add_argument("--account", metavar="ACCT", help="the owner's 12-digit account (needed for a policy file)")
    _add_threat_model(fx, configurable=False)
    fx.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    fx.add_argument("--timeout", type=float, default=5.0, metavar="SECONDS",
                    help="solver time limit per proof (default 5)")
    fx.add_argument("--budget", type=float, default=None, metavar="SECONDS",
                    help="time limit for the whole repair of POLICY, every proof in it (default 60); past it "
                         "the repair fails, saying so, and nothing is written")
    fx.add_argument("--write", action="store_true",
                    help="replace POLICY with the repaired policy (only once it is proved), keeping its mode, owner "
                         "and line endings; refused for a read-only file (see --force) and for a file with other "
                         "names (hard links)")
    fx.add_argument("--force", action="store_true",
                    help="with --write: replace a read-only file too, or one whose owner cannot be kept")
    _add_certify(fx)


def _add_certify(parser) -> None:
    parser.add_argument("--certify", action="store_true", default=None,
                        help="re-check every proof (each UNSAT answer) with a second solver, cvc5, on the same "
                             "SMT-LIB script: a disagreement or a cvc5 failure makes the answer unknown, naming "
                             "both answers; where z3 cannot decide, cvc5 is asked before giving up")


def _fix(args, stdout: TextIO, stderr: TextIO) -> int:
    from verifier import fixing
    from verifier.debug import repair
    from verifier.outputs import json as json_output
    from verifier.outputs import text

    model = _threat_model(args)
    _second_solver(args.certify)
    budget = fixing.BUDGET if args.budget is None else args.budget
    if budget <= 0 or args.timeout <= 0:
        raise UsageError("--budget and --timeout must be positive numbers of seconds", "deputy fix")
    outcome = fixing.fix_file(args.policy, model, args.timeout, args.write, budget)
    refused = None
    if args.write and outcome.status == "repaired":
        try:
            repair.write(outcome, args.force)
        except (OSError, InputError) as exc:
            refused = exc.strerror or exc if isinstance(exc, OSError) else exc.message
    if args.format == "json":
        stdout.write(json_output.dumps(outcome.to_json()))
    else:
        stdout.write(text.fix_text(outcome))
    if refused is not None:  # the repair is printed, the file left as it was
        stderr.write(f"deputy: error: cannot write {args.policy}: {refused}\n")
        return 2
    return outcome.exit_code


_COMMANDS = {"eval": _eval, "check": _check, "diff": _diff, "fix": _fix}


def entry() -> None:
    """Console-script entry point."""
    try:
        code = main()
    except KeyboardInterrupt:
        sys.stderr.write("deputy: interrupted\n")
        code = 130
    except BrokenPipeError:
        code = 0
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a traceback
        message = f"deputy: internal error: {type(exc).__name__}: {exc} (please report this)\n"
        sys.stderr.write(message.encode("ascii", "backslashreplace").decode("ascii"))
        code = 3
    if sys.getprofile() is not None or sys.gettrace() is not None:
        sys.exit(code)  # a profiler or a coverage tool writes its report at exit
    # A process about to end need not free what it built (every cache, z3's
    # context): that teardown is a tenth of a one-file run. What was written
    # is flushed, then the process leaves (mypy's "fast exit" does the same).
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # a reader that went away, a stream closed
        pass
    os._exit(code)
