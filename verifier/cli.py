"""The command line: a thin layer over the library. ``main(argv)`` returns
the exit code; streams are passed in so tests can run it in-process."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from verifier import __version__
from verifier.errors import DeputyError, InputError

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
    return parser


def main(argv: list[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except _UsageError as exc:
        stderr.write(f"{exc}\n")
        return 2
    except SystemExit as exc:  # --help and --version
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help(stderr)
        return 2
    try:
        return _COMMANDS[args.command](args, stdout, stderr)
    except InputError as exc:
        stderr.write(f"deputy: error: {exc}\n")
        return 2
    except DeputyError as exc:
        stderr.write(f"deputy: {exc}\n")
        return 3


def _eval(args, stdout: TextIO, stderr: TextIO) -> int:
    from verifier import loading, report
    from verifier.evaluator import Decision, evaluate
    from verifier.request import read_request

    loaded = loading.load_file(args.policy)
    request = read_request(args.request)
    evaluation = evaluate(loaded.policy, request)
    if args.format == "json":
        stdout.write(report.dumps(report.eval_json(loaded, request, evaluation)))
    else:
        stdout.write(report.eval_text(loaded, request, evaluation))
    return 3 if evaluation.decision is Decision.UNKNOWN else 0


_COMMANDS = {"eval": _eval}


def entry() -> None:
    """Console-script entry point."""
    try:
        code = main()
    except KeyboardInterrupt:
        code = 130
    except BrokenPipeError:
        code = 0
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a traceback
        sys.stderr.write(f"deputy: internal error: {type(exc).__name__}: {exc} (please report this)\n")
        code = 3
    sys.exit(code)
