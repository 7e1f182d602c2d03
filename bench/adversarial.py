"""Hostile inputs, each answered within its budget (issue 17), measured on
purpose (not in the test suite).

    python bench/adversarial.py [--timeout 5] [--only NAME,...] [--json]
                                [--cap-seconds 120] [--cap-memory-gib 4] [--deputy COMMAND]

Each input of the family is written to a temporary directory and checked
by a whole ``deputy`` process (``check --account ... --timeout T --format
json``, or the command the case names), one at a time. For each it prints
the wall time, the peak resident memory of the process and of the workers
it waited for (``wait4``), the exit code and the verdicts, and whether it
met the target: decided (or ``unknown``, or a clear ``error``) within
``--timeout`` + 1 s of wall time and under 1 GiB, with no traceback.

``--cap-seconds`` and ``--cap-memory-gib`` protect a shared machine when
the figures of a version without the bounds are taken: a process past
either is killed, and the row says so.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OWNER = "111122223333"
MIB = 1 << 20
TARGET_MEMORY_MIB = 1024


def _allow(condition=None, principal=None) -> dict:
    statement = {"Effect": "Allow", "Principal": principal or {"Service": "s3.amazonaws.com"},
                 "Action": "sts:AssumeRole"}
    return statement | ({"Condition": condition} if condition is not None else {})


def _policy(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, separators=(",", ":"))


def _source_arn(pattern: str) -> str:
    return _policy(_allow({"StringLike": {"aws:SourceArn": pattern}}))


def _template(service_yaml: str, logical: str = "Role") -> str:
    return ("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n"
            f"  {logical}:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n"
            "        Version: '2012-10-17'\n        Statement:\n          - Effect: Allow\n"
            f"            Principal: {{Service: {service_yaml}}}\n            Action: sts:AssumeRole\n")


def _explained(n: int) -> str:
    return _policy(*[_allow({"StringEquals": {"aws:SourceAccount": OWNER},
                             "ArnLike": {"aws:SourceArn": f"arn:aws:s3:::b{i}"}}) for i in range(n)])


def _resource_proof(resource) -> str:
    """A resource policy that is safe, so that the prover must read its Resource."""
    return _policy({"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sns:Publish",
                    "Resource": resource, "Condition": {"StringEquals": {"aws:SourceAccount": OWNER}}})


CASES: dict[str, tuple] = {
    # name: (file name, content, extra arguments, what it is)
    "star-40": ("star40.json", lambda: _source_arn("*" * 40), (),
                "StringLike aws:SourceArn of 40 '*'"),
    "star-300k": ("star300k.json", lambda: _source_arn("*" * 300_000), (),
                  "StringLike aws:SourceArn of 300,000 '*'"),
    "a-star-40": ("astar40.json", lambda: _source_arn("a*" * 40), (),
                  "StringLike aws:SourceArn of 'a*' x 40 (no two '*' together)"),
    "any-100": ("any100.json", lambda: _source_arn("?" * 100), (),
                "StringLike aws:SourceArn of 100 '?'"),
    "star-any-mix": ("mix.json", lambda: _source_arn("*?" * 60), (),
                     "StringLike aws:SourceArn of '*?' x 60"),
    "services-20k": ("services.json",
                     lambda: _policy(_allow(principal={"Service": [f"svc{i}.amazonaws.com" for i in range(20_000)]})),
                     (), "Principal.Service list of 20,000 names"),
    "resource-star-300k": ("resource.json", lambda: _resource_proof("arn:aws:sns:*" + "*" * 300_000), (),
                           "Resource of one pattern with 300,000 '*' (a topic policy to prove)"),
    "resource-list-90k": ("resources.json", lambda: _resource_proof(["*"] * 90_000), (),
                          "Resource list of 90,000 '*' (a topic policy to prove)"),
    "json-ones-500k": ("ones.json", lambda: "[" + ",".join(["1"] * 500_000) + "]", (),
                       "1 MiB JSON array of 500,000 tiny values"),
    "values-50k": ("values.json",
                   lambda: _policy(_allow({"StringEquals": {"aws:SourceAccount": [f"{i:012d}" for i in range(50_000)]}})),
                   (), "one StringEquals aws:SourceAccount with 50,000 values"),
    "explain-5000": ("explain.json", lambda: _explained(5000), ("--explain",),
                     "--explain on 5,000 statements"),
    "quotes-80k": ("quotes80k.json", lambda: '["' + '\\"' * 40_960, (),
                   "unterminated string of escaped quotes, 80 KiB"),
    "quotes-1m": ("quotes1m.json", lambda: '["' + '\\"' * 524_000, (),
                  "unterminated string of escaped quotes, 1 MiB"),
    "yaml-deep": ("deep.yaml", lambda: "Resources: " + "[" * 493, (),
                  "504-byte YAML of nested '['"),
    "select-unicode": ("select.yaml", lambda: _template('!Select ["\\u00b2", [a.amazonaws.com]]'), (),
                       "!Select with the index '\\u00b2'"),
    "select-5000-digits": ("select5000.yaml", lambda: _template('!Select ["' + "9" * 5000 + '", [a.amazonaws.com]]'),
                           (), "!Select with a 5,000-digit index"),
    "findinmap-self": ("findinmap.yaml", lambda: (
        "AWSTemplateFormatVersion: '2010-09-09'\nMappings:\n  M:\n    K:\n      V: {'Fn::FindInMap': [M, K, V]}\n"
        + _template("!FindInMap [M, K, V]").split("\n", 1)[1]), (), "!FindInMap whose entry refers to itself"),
    "surrogate-id": ("surrogate.yaml", lambda: _template("s3.amazonaws.com", logical='"R\\ud800"'), (),
                     "a logical ID holding a lone surrogate"),
    "yaml-control": ("control.yaml", lambda: "Resources:\n  B:\n    Type: AWS::S3::Bucket\x07\n", (),
                     "a YAML control character"),
    "fix-zero": ("zero", None, ("fix", "/dev/zero"), "deputy fix /dev/zero"),
    "fix-services-300": ("services300.json", lambda: _policy(*[_allow(principal={"Service": f"svc{i}.amazonaws.com"})
                                                               for i in range(300)]),
                         ("fix",), "deputy fix on 300 statements, one deputy each (--budget = --timeout)"),
}


def run_case(name: str, directory: Path, timeout: float, caps: tuple[float, int], deputy: str) -> dict:
    filename, content, extra, what = CASES[name]
    if content is not None:
        path = directory / filename
        path.write_text(content(), encoding="utf-8", errors="surrogatepass")
        size = path.stat().st_size
    else:
        size = None
    if extra == ("fix",):  # a whole repair, bounded by --budget: held to the same target as a check
        argv = [deputy, "fix", str(directory / filename), "--account", OWNER, "--timeout", str(timeout),
                "--budget", str(timeout)]
    elif extra[:1] == ("fix",):
        argv = [deputy, *extra, "--account", OWNER, "--timeout", str(timeout)]
    else:
        argv = [deputy, "check", str(directory / filename), "--account", OWNER, "--timeout", str(timeout),
                "--format", "json", *extra]
    row = {"name": name, "what": what, "bytes": size}
    row.update(_measure(argv, caps))
    answered = row["answered"] or extra[:1] == ("fix",)
    row["met"] = (row["status"] == "exited" and row["seconds"] <= timeout + 1 and row["peak_rss_mib"] < TARGET_MEMORY_MIB
                  and row["exit"] in (0, 1, 2, 3) and not row["traceback"] and not row["internal_error"] and answered)
    return row


def _measure(argv: list[str], caps: tuple[float, int]) -> dict:
    cap_seconds, cap_bytes = caps

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (cap_bytes, cap_bytes))
        os.setsid()

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, preexec_fn=limit)
        status, usage, killed = _wait(process, started, cap_seconds)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read().decode("utf-8", "replace")
    code = os.waitstatus_to_exitcode(status)
    return {"seconds": round(seconds, 2), "peak_rss_mib": round(usage.ru_maxrss / 1024),
            "exit": code, "status": "killed at the cap" if killed else "exited",
            "verdicts": _verdicts(stdout), "answered": bool(_verdicts(stdout)), "traceback": "Traceback" in stderr,
            "internal_error": "internal error" in stderr,
            "stderr": stderr.strip().splitlines()[-1][:160] if stderr.strip() else ""}


def _wait(process, started: float, cap_seconds: float):
    killed = False
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            return status, usage, killed
        if time.perf_counter() - started > cap_seconds and not killed:
            os.killpg(process.pid, signal.SIGKILL)
            killed = True
        time.sleep(0.02)


def _verdicts(stdout: bytes) -> dict:
    try:
        summary = json.loads(stdout)["summary"]
    except (ValueError, KeyError, TypeError):
        return {}
    return {k: v for k, v in summary.items() if isinstance(v, int) and v}


def table(rows: list[dict], timeout: float) -> str:
    lines = [f"target: decided, unknown or a clear error within --timeout + 1 s = {timeout + 1:g} s and under "
             f"{TARGET_MEMORY_MIB} MiB, whole process", "",
             f"{'input':<22} {'bytes':>9} {'seconds':>8} {'peak MiB':>9} {'exit':>5}  {'met':<4} verdicts / note"]
    for r in rows:
        note = ", ".join(f"{k} {v}" for k, v in r["verdicts"].items()) or r["stderr"]
        if r["status"] != "exited":
            note = r["status"] + (f"; {note}" if note else "")
        size = "-" if r["bytes"] is None else f"{r['bytes']:,}"
        lines.append(f"{r['name']:<22} {size:>9} {r['seconds']:>8.2f} {r['peak_rss_mib']:>9} {r['exit']:>5}  "
                     f"{'yes' if r['met'] else 'NO':<4} {note}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=float, default=5.0, help="deputy's --timeout (default 5)")
    parser.add_argument("--only", default="", help="comma-separated case names (default: all): " + ", ".join(CASES))
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--cap-seconds", type=float, default=120.0, help="kill a run after this long (default 120)")
    parser.add_argument("--cap-memory-gib", type=float, default=4.0,
                        help="address-space limit of a run, GiB (default 4)")
    parser.add_argument("--deputy", default=str(Path(sys.executable).parent / "deputy"),
                        help="the deputy command to measure (default: the one beside this Python)")
    args = parser.parse_args(argv)
    names = [n for n in args.only.split(",") if n] or list(CASES)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        parser.error("unknown case(s): " + ", ".join(unknown))
    caps = (args.cap_seconds, int(args.cap_memory_gib * (1 << 30)))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            rows.append(run_case(name, Path(tmp), args.timeout, caps, args.deputy))
            if not args.json:
                sys.stderr.write(f"  {name}: {rows[-1]['seconds']} s\n")
    if args.json:
        print(json.dumps({"timeout": args.timeout, "cases": rows}, indent=2))
    else:
        sys.stdout.write(table(rows, args.timeout))
    return 0 if all(r["met"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
