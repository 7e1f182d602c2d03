"""Speed and memory of deputy, measured on purpose (not in the test suite).

    python bench/speed.py [--corpus DIR] [--templates DIR] [--json] [--skip parliament,jobs,scale,startup]

Prints one table: per-policy latency over the corpus (parse + encode +
solve + replay + report, in one process, files warm in the page cache),
verdict counts, throughput and peak memory; start-up time and one policy
file checked by a whole process; the whole ``deputy check`` command beside
parliament's over the same files, and over the corpus templates beside
cfn-lint's, in wall-clock and in CPU time (deputy's default starts a worker
per CPU); ``-j`` speed-up with its spread; a generated repository of
10,000 files scanned whole; and the synthetic scale families with their
fitted exponents.
``--json`` prints the same figures as one JSON document. Each section runs
in a fresh process so that its memory and caches are its own.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The shared corpus sits beside the project's checkout (../shared), or beside
# the folder of work trees.
_SHARED = next((p / "shared" / "corpus" for p in (ROOT.parent, ROOT.parent.parent)
                if (p / "shared" / "corpus").is_dir()), ROOT.parent / "shared" / "corpus")
DEFAULT_CORPUS = _SHARED / "policies"
DEFAULT_TEMPLATES = _SHARED / "cfn"
OWNER = "111122223333"
TOOLS_VENV = ROOT / "bench" / ".venv-tools"
FAMILIES = {
    "statements": [125, 250, 500, 1000],
    "values": [1250, 2500, 5000, 10000],
    "patterns": [25, 50, 100, 200],
}


# -- sections that run in a child process ------------------------------------------


def corpus_section(directory: str) -> dict:
    from verifier.outputs import json as report
    from verifier.checking import check_path, expand_paths
    from verifier.prove.threat import ThreatModel

    model = ThreatModel(owner=OWNER)  # the default question: every deputy, every action
    paths = expand_paths([directory])
    for path in paths:  # into the page cache
        Path(path).read_bytes()
    check_path(paths[0], model, 5.0)  # grammar and tables: start-up, measured apart
    latencies, verdicts, slowest = [], {}, []
    started = time.perf_counter()
    for path in paths:
        t = time.perf_counter()
        result = check_path(path, model, 5.0)
        report.dumps(report.check_json([result], model))
        elapsed = time.perf_counter() - t
        latencies.append(elapsed)
        slowest.append((elapsed, path))
        verdicts[result.verdict.value] = verdicts.get(result.verdict.value, 0) + 1
    total = time.perf_counter() - started
    slowest.sort(reverse=True)
    return {"count": len(paths), "verdicts": verdicts, "latency_ms": _quantiles(latencies),
            "throughput_per_s": len(paths) / total, "seconds": total,
            "peak_rss_mb": _peak_rss_mb(), "slowest": [[round(s * 1e3, 1), p] for s, p in slowest[:5]]}


def certify_section(directory: str) -> dict:
    """What ``--certify`` costs: every corpus file checked without it and
    with it, one after the other (so that machine noise falls on both), and
    what cvc5 said: proofs it confirmed, disagreements, answers it gave
    where z3 could not."""
    from verifier.checking import check_path, expand_paths
    from verifier.prove import certify
    from verifier.prove.threat import ThreatModel

    model = ThreatModel(owner=OWNER)
    paths = expand_paths([directory])
    for flag in (False, True, False):  # grammar, tables and cvc5's library: start-up, measured apart
        certify.enable(flag)
        check_path(paths[0], model, 5.0)
    times: dict[bool, list[float]] = {False: [], True: []}
    tally = {"proofs": 0, "disagreements": 0, "portfolio": 0, "verdicts_changed": 0}
    for path in paths:
        verdicts = []
        for flag in (False, True):
            certify.enable(flag)
            t = time.perf_counter()
            result = check_path(path, model, 5.0)
            times[flag].append(time.perf_counter() - t)
            verdicts.append(result.verdict)
        certify.enable(False)
        tally["verdicts_changed"] += verdicts[0] != verdicts[1]
        for answer in [a.result for a in result.deputies or ()] or [result]:
            tally["proofs"] += answer.verdict.value == "safe" and answer.solver == "z3 and cvc5"
            tally["disagreements"] += "disagree" in answer.message
            tally["portfolio"] += answer.solver == "cvc5"
    plain, certified = sum(times[False]), sum(times[True])
    extra = [b - a for a, b in zip(times[False], times[True])]
    return {"count": len(paths), "plain_s": plain, "certified_s": certified, "ratio": certified / plain,
            "extra_ms": _quantiles(extra), **tally}


MUTATIONS = ("add-account", "drop-condition", "new-deputy", "rename-sid", "add-deny")
"""How ``diff_section`` makes a policy's second version, one per file in
turn: a foreign account added to a source-key condition, an Allow's
condition dropped, an unconditioned Allow for another service, every Sid
renamed (nothing opens), a Deny of requests from another account added."""


def mutate(document: dict, how: str) -> dict:
    """A second version of a policy document, as a pull request makes it."""
    doc = json.loads(json.dumps(document))
    statements = doc.get("Statement")
    statements = statements if isinstance(statements, list) else [statements]
    allows = [s for s in statements if isinstance(s, dict) and s.get("Effect") == "Allow"]
    if how == "add-account":
        for statement in allows:
            for block in (statement.get("Condition") or {}).values():
                for key, value in (block.items() if isinstance(block, dict) else ()):
                    if key.lower() == "aws:sourceaccount":
                        block[key] = (value if isinstance(value, list) else [value]) + ["444455556666"]
                        return doc
        how = "new-deputy"  # no such condition: open another way
    if how == "drop-condition" and any("Condition" in s for s in allows):
        next(s for s in allows if "Condition" in s).pop("Condition")
        return doc
    if how == "rename-sid":
        for number, statement in enumerate(statements):
            if isinstance(statement, dict):
                statement["Sid"] = f"Renamed{number}"
        return doc
    if how == "add-deny":
        statements.append({"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*",
                           "Condition": {"StringNotEquals": {"aws:SourceAccount": OWNER}}})
        doc["Statement"] = statements
        return doc
    resource = {"Resource": "*"} if any("Resource" in s for s in allows) else {}
    statements.append({"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                       "Action": "sts:AssumeRole" if not resource else "*", **resource})
    doc["Statement"] = statements
    return doc


def diff_section(directory: str) -> dict:
    """``deputy diff`` on corpus pairs: each policy against a mutated copy
    (``MUTATIONS``, in turn), timed per pair from the two parsed inputs to
    the answer (both versions encoded over one request, every deputy's
    query, the replays)."""
    from verifier import diffing
    from verifier.checking import expand_paths
    from verifier.prove.threat import ThreatModel
    from verifier.sources import detect

    model = ThreatModel(owner=OWNER)
    latencies, answers, by_mutation, slowest = [], {}, {}, []
    with tempfile.TemporaryDirectory() as tmp:
        pairs = []
        for index, path in enumerate(expand_paths([directory])):
            try:
                document = json.loads(Path(path).read_text())
            except (ValueError, UnicodeDecodeError):
                continue  # not JSON: no second version to make
            if not isinstance(document, dict):
                continue
            how = MUTATIONS[index % len(MUTATIONS)]
            second = Path(tmp) / Path(path).name
            second.write_text(json.dumps(mutate(document, how), indent=2))
            pairs.append((how, detect.find(path, None, OWNER, set()), detect.find(str(second), None, OWNER, set())))
        diffing.pair(pairs[0][1][0], pairs[0][2][0], model, 5.0)  # start-up, measured apart
        started = time.perf_counter()
        for how, old, new in pairs:
            t = time.perf_counter()
            change = diffing.pair(old[0], new[0], model, 5.0)
            elapsed = time.perf_counter() - t
            latencies.append(elapsed)
            slowest.append((elapsed, new[0].file))
            answers[change.change.value] = answers.get(change.change.value, 0) + 1
            counts = by_mutation.setdefault(how, {})
            counts[change.change.value] = counts.get(change.change.value, 0) + 1
        total = time.perf_counter() - started
    slowest.sort(reverse=True)
    return {"count": len(latencies), "answers": answers, "by_mutation": by_mutation,
            "latency_ms": _quantiles(latencies), "seconds": total, "peak_rss_mb": _peak_rss_mb(),
            "slowest": [[round(s * 1e3, 1), Path(p).name] for s, p in slowest[:5]]}


def scale_section(family: str, sizes: list[int]) -> dict:
    from verifier.checking import check_path
    from verifier.prove.threat import ThreatModel

    model = ThreatModel(owner=OWNER)  # the default question: every deputy, every action
    points = []
    with tempfile.TemporaryDirectory() as tmp:
        warm = Path(tmp) / "warm.json"
        warm.write_text(json.dumps(_family(family, 2)))
        check_path(str(warm), model, 60.0)
        for size in sizes:
            path = Path(tmp) / f"{family}-{size}.json"
            path.write_text(json.dumps(_family(family, size)))
            best, verdict = math.inf, None
            for _ in range(2):
                t = time.perf_counter()
                result = check_path(str(path), model, 60.0)
                best = min(best, time.perf_counter() - t)
                verdict = result.verdict.value
            points.append({"size": size, "seconds": best, "verdict": verdict})
    return {"family": family, "points": points, "exponent": _exponent(points)}


def _family(family: str, n: int) -> dict:
    """Policies that grow in one dimension and stay safe: the solver must
    prove every size."""
    def allow(condition):
        return {"Effect": "Allow", "Principal": {"Service": "rekognition.amazonaws.com"},
                "Action": "sts:AssumeRole", "Condition": condition}
    arn = f"arn:aws:rekognition:us-east-1:{OWNER}:collection"
    if family == "statements":
        statements = [allow({"StringEquals": {"aws:SourceAccount": OWNER},
                             "ArnLike": {"aws:SourceArn": f"{arn}/team{i}"}}) for i in range(n)]
    elif family == "values":
        statements = [allow({"StringEquals": {"aws:SourceArn": [f"{arn}/c{i}" for i in range(n)]}})]
    else:
        statements = [allow({"StringEquals": {"aws:SourceAccount": OWNER},
                             "ArnLike": {"aws:SourceArn": [f"arn:aws:rekognition:*:{OWNER}:collection/p{i}-*"
                                                           for i in range(n)]}})]
    return {"Version": "2012-10-17", "Statement": statements}


def _quantiles(values: list[float]) -> dict:
    ordered = sorted(values)

    def at(q):
        return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))] * 1e3
    return {"p50": at(0.5), "p90": at(0.9), "p99": at(0.99), "max": ordered[-1] * 1e3,
            "mean": statistics.fmean(ordered) * 1e3}


def _exponent(points: list[dict]) -> float:
    """Least-squares slope of log(time) against log(size)."""
    xs = [math.log(p["size"]) for p in points]
    ys = [math.log(max(p["seconds"], 1e-6)) for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# -- sections that time whole commands ---------------------------------------------------


def _deputy() -> list[str]:
    found = shutil.which("deputy", path=str(Path(sys.executable).parent)) or shutil.which("deputy")
    return [found] if found else [sys.executable, "-m", "verifier"]


def _timed(argv: list[str]) -> float:
    return _timed_cpu(argv)[0]


def _timed_cpu(argv: list[str]) -> tuple[float, float]:
    """Wall-clock seconds and CPU seconds (user and system, the command's
    worker processes included) of one run of ``argv``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, check=False)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def startup_section() -> dict:
    argv = _deputy() + ["--version"]
    times = [_timed(argv) for _ in range(7)]
    return {"deputy_version_s": statistics.median(times)}


def _tool(name: str) -> Path | None:
    """The bin/ of a virtual environment holding the tool ``name`` (made in
    bench/.venv-tools when missing), or None if it cannot be installed."""
    bin_dir = TOOLS_VENV / "bin"
    if not (bin_dir / name).exists():
        print(f"bench: installing {name} into bench/.venv-tools ...", file=sys.stderr)
        if not (bin_dir / "pip").exists():
            subprocess.run([sys.executable, "-m", "venv", str(TOOLS_VENV)], check=True)
        subprocess.run([str(bin_dir / "pip"), "install", "-q", name], check=False)
    return bin_dir if (bin_dir / name).exists() else None


def _parliament() -> Path | None:
    return _tool("parliament")


_CRASHES = """
import json, os, sys
from parliament import analyze_policy_string
bad = []
for name in sorted(os.listdir(sys.argv[1])):
    try:
        analyze_policy_string(open(os.path.join(sys.argv[1], name), encoding="utf-8").read())
    except Exception:
        bad.append(name)
print(json.dumps(bad))
"""


def command_section(directory: str, rounds: int) -> dict:
    """Both whole commands over the same files: those parliament can read.
    parliament's command stops at the first file that crashes it, so such
    files are left out of both runs (and counted)."""
    parliament = _parliament()
    out: dict = {"rounds": rounds}
    if parliament is None:
        out["parliament"] = "could not be installed"
        files = sorted(os.listdir(directory))
        crashes = []
    else:
        done = subprocess.run([str(parliament / "python"), "-c", _CRASHES, directory], capture_output=True,
                              text=True, check=False)
        crashes = json.loads(done.stdout) if done.returncode == 0 else []
        files = [f for f in sorted(os.listdir(directory)) if f not in set(crashes)]
    out["files"], out["left_out"] = len(files), crashes
    with tempfile.TemporaryDirectory() as tmp:
        for name in files:
            os.symlink(os.path.join(os.path.abspath(directory), name), os.path.join(tmp, name))
        deputy = _deputy() + ["check", tmp, "--account", OWNER, "--format", "json"]
        timings: dict[str, list[tuple[float, float]]] = {"deputy": [], "parliament": []}
        for _ in range(rounds):  # side by side, alternating, so load affects both alike
            timings["deputy"].append(_timed_cpu(deputy))
            if parliament:
                timings["parliament"].append(_timed_cpu([str(parliament / "parliament"), "--directory", tmp]))
    # deputy's default uses the machine's CPUs (workers); its CPU time says what one core would take.
    out["deputy_s"], out["deputy_cpu_s"] = _medians(timings["deputy"])
    if parliament:
        out["parliament_s"], out["parliament_cpu_s"] = _medians(timings["parliament"])
        out["ratio"] = out["deputy_s"] / out["parliament_s"]
        out["cpu_ratio"] = out["deputy_cpu_s"] / out["parliament_cpu_s"]
    return out


def _medians(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def jobs_section(directory: str, rounds: int) -> dict:
    """-j 1 and -j <cpus>, alternating; the speed-up of the medians and
    its spread (the speed-up of each round's pair, lowest and highest)."""
    jobs = os.cpu_count() or 1
    base = _deputy() + ["check", directory, "--account", OWNER, "--format", "json"]
    one, many = [], []
    for _ in range(rounds):
        one.append(_timed(base + ["-j", "1"]))
        many.append(_timed(base + ["-j", str(jobs)]))
    pairs = [a / b for a, b in zip(one, many)]
    return {"jobs": jobs, "j1_s": statistics.median(one), "jn_s": statistics.median(many),
            "speedup": statistics.median(one) / statistics.median(many), "rounds": rounds,
            "speedup_min": min(pairs), "speedup_max": max(pairs)}


def onefile_section(directory: str, rounds: int) -> dict:
    """One policy file checked by a whole process (the first of the corpus),
    beside ``python -c "import z3"`` (the floor: deputy needs z3), alternating."""
    path = sorted(Path(directory).glob("*.json"))[0]
    deputy = _deputy() + ["check", str(path), "--account", OWNER, "--format", "json"]
    floor = [sys.executable, "-c", "import z3"]
    times: dict[str, list[float]] = {"deputy": [], "z3": []}
    for _ in range(rounds):
        times["deputy"].append(_timed(deputy))
        times["z3"].append(_timed(floor))
    return {"file": path.name, "rounds": rounds, "deputy_s": statistics.median(times["deputy"]),
            "import_z3_s": statistics.median(times["z3"])}


def templates_section(directory: str, rounds: int) -> dict:
    """The whole ``deputy check DIR`` over CloudFormation templates beside
    ``cfn-lint`` over the same files, alternating, median of ``rounds``."""
    files = sorted(str(p) for p in Path(directory).iterdir() if p.suffix in (".yaml", ".yml", ".json"))
    out: dict = {"files": len(files), "rounds": rounds}
    lint = _tool("cfn-lint")
    deputy = _deputy() + ["check", directory, "--account", OWNER, "--format", "json"]
    times: dict[str, list[tuple[float, float]]] = {"deputy": [], "cfn-lint": []}
    for _ in range(rounds):
        times["deputy"].append(_timed_cpu(deputy))
        if lint:
            times["cfn-lint"].append(_timed_cpu([str(lint / "cfn-lint"), *files]))
    out["deputy_s"], out["deputy_cpu_s"] = _medians(times["deputy"])
    if lint:
        out["cfn_lint_s"], out["cfn_lint_cpu_s"] = _medians(times["cfn-lint"])
        out["speedup"] = out["cfn_lint_s"] / out["deputy_s"]
        out["cpu_speedup"] = out["cfn_lint_cpu_s"] / out["deputy_cpu_s"]
    else:
        out["cfn_lint"] = "could not be installed"
    return out


REPO_SHAPE = {"node_modules": 5000, "policies": 25, "templates": 25, "total": 10000}

_TEMPLATE = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Topic:
    Type: AWS::SNS::Topic
  Queue:
    Type: AWS::SQS::Queue
  QueuePolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Queue]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: sns.amazonaws.com}
            Action: sqs:SendMessage
            Resource: !GetAtt Queue.Arn
            Condition: {ArnEquals: {aws:SourceArn: !Ref Topic}}
  Role%d:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: rekognition.amazonaws.com}
            Action: sts:AssumeRole
            Condition: {StringEquals: {aws:SourceAccount: !Ref AWS::AccountId}}
"""


def make_repo(root: Path) -> dict:
    """A repository of ``REPO_SHAPE["total"]`` files: a node_modules/ of
    5,000 (JavaScript, package.json, JSON data), source code and a
    package.json per service, and 50 policies and templates among them.
    Returns the counts and the paths of the policies and templates."""
    files = 0
    for i in range(REPO_SHAPE["node_modules"]):
        package = root / "node_modules" / f"pkg{i // 10:03d}"
        package.mkdir(parents=True, exist_ok=True)
        kind = i % 10
        if kind == 0:
            (package / "package.json").write_text(json.dumps({"name": package.name, "version": "1.0.0"}))
        elif kind == 1:
            (package / f"data{i}.json").write_text(json.dumps({"Statement": "not a policy", "resources": [i]}))
        else:
            (package / f"m{i}.js").write_text(f"module.exports = {i};\n")
        files += 1
    wanted: list[str] = []
    services = 50
    per_service = (REPO_SHAPE["total"] - REPO_SHAPE["node_modules"]) // services
    for s in range(services):
        service = root / "services" / f"svc{s:02d}"
        (service / "src").mkdir(parents=True)
        (service / "package.json").write_text(json.dumps({"name": f"svc{s}", "scripts": {"build": "tsc"}}))
        (service / "tsconfig.json").write_text('{"compilerOptions": {"strict": true}}')
        if s < REPO_SHAPE["policies"]:
            path = service / "trust-policy.json"
            condition = {} if s % 5 == 0 else {"Condition": {"StringEquals": {"aws:SourceAccount": OWNER}}}
            path.write_text(json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "rekognition.amazonaws.com"},
                "Action": "sts:AssumeRole", **condition}]}, indent=2))
        else:
            path = service / "template.yaml"
            path.write_text(_TEMPLATE % s)
        wanted.append(str(path))
        for f in range(per_service - 3):
            suffix = (".py", ".ts", ".md", ".yml")[f % 4]
            (service / "src" / f"file{f}{suffix}").write_text(f"# {s} {f}\n" if suffix != ".yml" else "on: push\n")
        files += per_service
    return {"files": files, "policies": wanted}


def repo_section(rounds: int) -> dict:
    """The whole ``deputy check TREE`` over a generated repository, beside
    the same command on its 50 policies and templates named one by one,
    and the walk alone (in a child process): the difference is what the
    walk costs."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        shape = make_repo(root)
        if shutil.which("git"):  # a work tree, so that .gitignore is asked of git as in real use
            subprocess.run(["git", "init", "-q", str(root)], check=False)
            (root / ".gitignore").write_text("build/\n")
        whole = _deputy() + ["check", str(root), "--account", OWNER, "--format", "json"]
        named = _deputy() + ["check", *shape["policies"], "--account", OWNER, "--format", "json"]
        walk_only = [sys.executable, "-c", "import sys, time; from verifier.sources.walk import scan; "
                     "t = time.perf_counter(); s = scan([sys.argv[1]]); "
                     "print(time.perf_counter() - t, len(s.files), len(s.skipped))", str(root)]
        done = subprocess.run(walk_only, capture_output=True, text=True, cwd=ROOT, check=False)
        walk_s, kept, skipped = done.stdout.split() if done.returncode == 0 else ("nan", "0", "0")
        timings: dict[str, list[float]] = {"whole": [], "named": []}
        for _ in range(rounds):
            timings["whole"].append(_timed(whole))
            timings["named"].append(_timed(named))
    out = {"files": shape["files"], "policy_files": len(shape["policies"]), "kept": int(kept),
           "skipped": int(skipped), "walk_s": float(walk_s), "rounds": rounds,
           "whole_s": statistics.median(timings["whole"]), "named_s": statistics.median(timings["named"])}
    out["walk_share"] = (out["whole_s"] - out["named_s"]) / out["whole_s"]
    return out


def _child(section: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", section, *args], capture_output=True,
                          text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1:] or ["no output"]}
    return json.loads(done.stdout)


# -- output ---------------------------------------------------------------------------


def text(figures: dict) -> str:
    lines = ["deputy speed benchmark", ""]
    corpus = figures.get("corpus")
    if corpus and "error" not in corpus:
        lat = corpus["latency_ms"]
        lines += [f"corpus: {corpus['count']} policies  verdicts {corpus['verdicts']}",
                  f"  latency ms  p50 {lat['p50']:.1f}  p90 {lat['p90']:.1f}  p99 {lat['p99']:.1f}  "
                  f"max {lat['max']:.1f}  mean {lat['mean']:.1f}",
                  f"  unknown {corpus['verdicts'].get('unknown', 0)}  throughput {corpus['throughput_per_s']:.0f}/s"
                  f"  peak memory {corpus['peak_rss_mb']:.0f} MB",
                  "  slowest: " + ", ".join(f"{Path(p).name} {ms} ms" for ms, p in corpus["slowest"])]
    elif corpus:
        lines.append(f"corpus: failed: {corpus['error']}")
    diff = figures.get("diff")
    if diff and "error" not in diff:
        lat = diff["latency_ms"]
        lines += [f"diff: {diff['count']} corpus pairs (each policy against a mutated copy)  answers {diff['answers']}",
                  f"  latency ms  p50 {lat['p50']:.1f}  p90 {lat['p90']:.1f}  p99 {lat['p99']:.1f}  "
                  f"max {lat['max']:.1f}  mean {lat['mean']:.1f}  peak memory {diff['peak_rss_mb']:.0f} MB",
                  "  by mutation: " + "; ".join(f"{how} {counts}" for how, counts in diff["by_mutation"].items()),
                  "  slowest: " + ", ".join(f"{name} {ms} ms" for ms, name in diff["slowest"])]
    elif diff:
        lines.append(f"diff: failed: {diff['error']}")
    cert = figures.get("certify")
    if cert and "error" not in cert:
        extra = cert["extra_ms"]
        lines.append(f"--certify: {cert['count']} policies {cert['plain_s']:.2f} s without, {cert['certified_s']:.2f} s "
                     f"with ({cert['ratio']:.2f}x); extra ms per policy p50 {extra['p50']:.1f} p90 {extra['p90']:.1f} "
                     f"max {extra['max']:.1f}; {cert['proofs']} proofs confirmed by cvc5, {cert['disagreements']} "
                     f"disagreements, {cert['portfolio']} answered by cvc5 alone, {cert['verdicts_changed']} "
                     "verdicts changed")
    elif cert:
        lines.append(f"--certify: failed: {cert['error']}")
    if "startup" in figures:
        lines.append(f"start-up: deputy --version {figures['startup']['deputy_version_s'] * 1e3:.0f} ms")
    command = figures.get("command")
    if command:
        row = f"whole command: deputy {command['deputy_s']:.2f} s"
        if "ratio" in command:
            row += (f"  parliament {command['parliament_s']:.2f} s  ratio {command['ratio']:.2f}x"
                    f"  (CPU time: deputy {command['deputy_cpu_s']:.2f} s, parliament "
                    f"{command['parliament_cpu_s']:.2f} s, ratio {command['cpu_ratio']:.2f}x)")
        else:
            row += f"  parliament {command.get('parliament')}"
        lines.append(row + f"  (median of {command['rounds']}, {command['files']} files"
                     + (f"; left out, parliament crashes on them: {', '.join(command['left_out'])}"
                        if command["left_out"] else "") + ")")
    onefile = figures.get("onefile")
    if onefile:
        lines.append(f"one policy file, whole process: deputy {onefile['deputy_s'] * 1e3:.0f} ms  "
                     f"(python -c 'import z3' {onefile['import_z3_s'] * 1e3:.0f} ms; median of {onefile['rounds']})")
    templates = figures.get("templates")
    if templates:
        row = f"templates: deputy {templates['deputy_s']:.2f} s"
        row += (f"  cfn-lint {templates['cfn_lint_s']:.2f} s  deputy {templates['speedup']:.1f}x faster"
                f"  (CPU time {templates['cpu_speedup']:.1f}x)"
                if "speedup" in templates else f"  cfn-lint {templates.get('cfn_lint')}")
        lines.append(row + f"  (median of {templates['rounds']}, {templates['files']} files)")
    jobs = figures.get("jobs")
    if jobs:
        lines.append(f"workers: -j 1 {jobs['j1_s']:.2f} s  -j {jobs['jobs']} {jobs['jn_s']:.2f} s  "
                     f"speed-up {jobs['speedup']:.2f}x (each round's {jobs['speedup_min']:.2f}-"
                     f"{jobs['speedup_max']:.2f}x, median of {jobs['rounds']})")
    repo = figures.get("repo")
    if repo:
        lines.append(f"repository scan: {repo['files']} files ({repo['policy_files']} policies and templates): "
                     f"whole deputy check {repo['whole_s']:.2f} s, the {repo['policy_files']} named alone "
                     f"{repo['named_s']:.2f} s, walk alone {repo['walk_s']:.2f} s (the walk is "
                     f"{repo['walk_share']:.0%} of the whole; {repo['kept']} read, {repo['skipped']} skipped; "
                     f"median of {repo['rounds']})")
    for family in figures.get("scale", []):
        if "error" in family:
            lines.append(f"scale: failed: {family['error']}")
            continue
        points = "  ".join(f"{p['size']}: {p['seconds']:.2f} s {p['verdict']}" for p in family["points"])
        lines.append(f"scale {family['family']}: {points}  exponent {family['exponent']:.2f}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="directory of policies (default %(default)s)")
    parser.add_argument("--templates", default=str(DEFAULT_TEMPLATES),
                        help="directory of CloudFormation templates (default %(default)s)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--rounds", type=int, default=3, help="runs per whole-command timing (median kept)")
    parser.add_argument("--skip", default="", help="comma-separated sections to skip: "
                        "corpus, diff, certify, startup, onefile, parliament, templates, jobs, repo, scale")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        section, *rest = args.child
        if section == "scale":
            result = scale_section(rest[0], [int(n) for n in rest[1:]])
        else:
            result = {"corpus": corpus_section, "diff": diff_section, "certify": certify_section}[section](rest[0])
        print(json.dumps(result))
        return 0
    skip = set(filter(None, args.skip.split(",")))
    if not Path(args.corpus).is_dir():
        print(f"bench: no corpus at {args.corpus}; pass --corpus DIR", file=sys.stderr)
        return 2
    figures: dict = {"python": sys.version.split()[0], "cpus": os.cpu_count()}
    if "corpus" not in skip:
        figures["corpus"] = _child("corpus", args.corpus)
    if "diff" not in skip:
        figures["diff"] = _child("diff", args.corpus)
    if "certify" not in skip:
        figures["certify"] = _child("certify", args.corpus)
    if "startup" not in skip:
        figures["startup"] = startup_section()
    if "onefile" not in skip:
        figures["onefile"] = onefile_section(args.corpus, max(7, args.rounds))
    if "parliament" not in skip:
        figures["command"] = command_section(args.corpus, args.rounds)
    if "templates" not in skip and Path(args.templates).is_dir():
        figures["templates"] = templates_section(args.templates, args.rounds)
    if "jobs" not in skip:
        figures["jobs"] = jobs_section(args.corpus, args.rounds)
    if "repo" not in skip:
        figures["repo"] = repo_section(args.rounds)
    if "scale" not in skip:
        figures["scale"] = [_child("scale", family, *map(str, sizes)) for family, sizes in FAMILIES.items()]
    print(json.dumps(figures, indent=2) if args.json else text(figures), end="" if not args.json else "\n")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
