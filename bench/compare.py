#!/usr/bin/env python3
"""Compare deputy with heuristic linters on the labelled benchmark and the corpus.

    python bench/compare.py                       # every tool, whole benchmark and corpus
    python bench/compare.py --subset 20 --tools baseline --no-corpus

Runs deputy (in this Python, through ``verifier.checking.check_path``) and
each chosen heuristic on every case of bench/cases (labelled) and every
policy of the corpus (unlabelled; skipped with a message if absent). Writes,
in ``--out`` (default bench/results):

* ``summary.json``: per tool and data set, TP/FP/TN/FN against the labels,
  precision, recall, accuracy and seconds per policy; tool status;
* ``tables.md``: the same as Markdown tables;
* ``disagreements.json``: every policy on which a tool's decision differs
  from the label (benchmark) or from deputy's verdict (corpus);
* ``accuracy_vs_time.png``: accuracy against time per policy (matplotlib,
  from this Python or the tools' venv; skipped with a message if neither has it);

and ``--report`` (default bench/COMPARISON.md), which embeds all of it plus
five worked examples where heuristics and proof disagree.

The heuristic tools (prowler, parliament, cfn-lint, checkov) are installed
in their own venv, bench/.venv-tools, created on first use (``--no-install``
forbids that); they run in bench/tool_runner.py. A tool that cannot run is
reported as unavailable, with the reason. The ``baseline`` needs nothing: it
flags an Allow statement for a service (or any) principal whose Condition
names none of aws:SourceAccount, aws:SourceArn, aws:SourceOrgID,
aws:SourceOrgPaths.

Decisions: "vulnerable", "safe", or "error"/"unknown". A tool's error and
deputy's unknown count as a warning (flagged): neither tells the user the
policy is fine.
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

DEFAULT_CORPUS = Path("/work/shared/corpus/policies")
TOOLS_VENV = HERE / ".venv-tools"
TOOL_PACKAGES = {"prowler": ["prowler"], "parliament": ["parliament"], "cfn-lint": ["cfn-lint"],
                 "checkov": ["checkov"]}
ALL_TOOLS = ["baseline", "prowler", "parliament", "cfn-lint", "checkov"]
OWNER = "111122223333"
SOURCE_KEYS = {"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths"}
WORKED_PREFERENCE = ["cond-sa-like-star", "deny-notequals", "cond-arn-stringlike-readme", "deny-foranyvalue",
                     "principal-service-list-none", "cond-sa-forallvalues", "cond-source-owner"]


# -- inputs ---------------------------------------------------------------------------

def kind_of(action: str) -> str:
    return "trust" if action.lower().startswith("sts:") else "resource"


def load_cases(folder: Path, subset: int | None) -> list[dict]:
    cases = [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]
    if subset is not None and subset < len(cases):
        # Evenly spaced, so a small subset still spans the families.
        step = len(cases) / subset
        cases = [cases[int(i * step)] for i in range(subset)]
    items = []
    for c in cases:
        o = c["options"]
        # A case of the default question (every deputy, every action) names
        # no service or action; the heuristic tools get its first ones.
        every = o["service"] is None
        service = o["service"] or (_services_in(c["policy"]) or ["events.amazonaws.com"])[0]
        action = o["action"] or _action_for(c["policy"], service) or "sts:AssumeRole"
        items.append({"id": c["id"], "policy": c["policy"], "label": c["label"], "owner": o["account"],
                      "service": service, "action": action, "kind": kind_of(action), "every_deputy": every,
                      "trusted_accounts": o.get("trusted_accounts", []), "trusted_orgs": o.get("trusted_orgs", []),
                      "tags": c["tags"], "reason": c["reason"]})
    return items


def load_corpus(folder: Path, subset: int | None) -> tuple[list[dict], list[str]]:
    """Corpus policies with a threat model each: the first concrete service
    principal INDEX.tsv names, sts:AssumeRole for trust policies or else the
    first action granted to that service (wildcards made concrete), and as
    owner the 12-digit account the policy names most (111122223333 if none)."""
    index = {}
    index_path = folder.parent / "INDEX.tsv"
    if index_path.exists():
        with open(index_path, newline="") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                index[row["file"]] = row
    items, skipped = [], []
    files = sorted(folder.glob("*.json"))
    if subset is not None:
        files = files[:subset]
    for path in files:
        rel = f"{folder.name}/{path.name}"
        try:
            text = path.read_text()
            policy = json.loads(text)
        except (OSError, ValueError) as exc:
            skipped.append(f"{rel}: unreadable ({exc})")
            continue
        row = index.get(rel, {})
        services = [s for s in (row.get("services") or "").split(",") if s and "${" not in s and "*" not in s]
        if not services:
            services = _services_in(policy)
        if not services:
            skipped.append(f"{rel}: no concrete service principal")
            continue
        service = services[0]
        trust = row.get("kind") == "trust" if row else None
        action = "sts:AssumeRole" if trust else _action_for(policy, service)
        if action is None:
            skipped.append(f"{rel}: no action granted to {service} in a form the harness can pick")
            continue
        accounts = collections.Counter(re.findall(r"(?<![0-9])[0-9]{12}(?![0-9])", text))
        owner = accounts.most_common(1)[0][0] if accounts else OWNER
        items.append({"id": rel, "policy": policy, "label": None, "owner": owner, "service": service,
                      "action": action, "kind": kind_of(action), "trusted_accounts": [], "trusted_orgs": [],
                      "tags": [row.get("kind", "?")], "reason": ""})
    return items, skipped


def _statements(policy):
    st = policy.get("Statement") if isinstance(policy, dict) else None
    return [s for s in (st if isinstance(st, list) else [st]) if isinstance(s, dict)]


def _listed(value):
    return value if isinstance(value, list) else [value]


def _services_in(policy) -> list[str]:
    out = []
    for s in _statements(policy):
        p = s.get("Principal") or s.get("NotPrincipal")
        if isinstance(p, dict):
            out += [v for v in _listed(p.get("Service")) if isinstance(v, str) and "${" not in v and "*" not in v]
    return out


def _action_for(policy, service) -> str | None:
    for s in _statements(policy):
        p = s.get("Principal")
        if s.get("Effect") == "Allow" and isinstance(p, dict) and service in _listed(p.get("Service")):
            for a in _listed(s.get("Action")):
                if isinstance(a, str) and a:
                    a = a.replace("*", "X").replace("?", "X")
                    return a if ":" in a else "s3:" + a
    return None


# -- deputy and the baseline (this Python) ------------------------------------------------

def run_deputy(items, workdir: Path) -> dict:
    from verifier.checking import check_path
    from verifier.prove.threat import ThreatModel

    out = {}
    for n, item in enumerate(items):
        path = workdir / f"deputy-{n:05d}.json"
        path.write_text(json.dumps(item["policy"], indent=2))
        narrow = not item.get("every_deputy")
        model = ThreatModel(owner=item["owner"], services=(item["service"],) if narrow else (),
                            actions=(item["action"],) if narrow else (),
                            trusted_accounts=frozenset(item["trusted_accounts"]),
                            trusted_orgs=frozenset(item["trusted_orgs"]))
        start = time.perf_counter()
        result = check_path(str(path), model, 20.0)
        seconds = time.perf_counter() - start
        out[item["id"]] = {"decision": result.verdict.value, "seconds": seconds, "detail": result.message,
                           "counterexample": result.counterexample.to_json() if result.counterexample else None}
    return out


def baseline_flags(policy) -> bool:
    """The plain heuristic: an Allow for a service (or any) principal without
    any source key in its Condition."""
    for s in _statements(policy):
        if s.get("Effect") != "Allow":
            continue
        p = s.get("Principal")
        service_like = ("NotPrincipal" in s or p == "*"
                        or (isinstance(p, dict) and ("Service" in p or "*" in _listed(p.get("AWS")))))
        if not service_like:
            continue
        condition = s.get("Condition")
        keys = set()
        if isinstance(condition, dict):
            for block in condition.values():
                if isinstance(block, dict):
                    keys |= {k.lower() for k in block}
        if not keys & SOURCE_KEYS:
            return True
    return False


def run_baseline(items) -> dict:
    out = {}
    for item in items:
        start = time.perf_counter()
        flagged = baseline_flags(item["policy"])
        out[item["id"]] = {"decision": "vulnerable" if flagged else "safe",
                           "seconds": time.perf_counter() - start, "detail": None}
    return out


# -- the tools' venv --------------------------------------------------------------------

def ensure_tools_venv(tools: list[str], install: bool, log) -> str | None:
    """The tools' Python, creating the venv and installing what is missing
    unless ``install`` is false; None (with a logged reason) if impossible."""
    python = TOOLS_VENV / "bin" / "python"
    if not python.exists():
        if not install:
            log(f"tools venv {TOOLS_VENV} is absent and --no-install was given")
            return None
        done = subprocess.run([sys.executable, "-m", "venv", str(TOOLS_VENV)], capture_output=True, text=True)
        if done.returncode != 0:
            log(f"cannot create {TOOLS_VENV}: {done.stderr.strip()[-300:]}")
            return None
    wanted = [pkg for t in tools for pkg in TOOL_PACKAGES.get(t, [])] + ["matplotlib"]
    missing = [pkg for pkg in wanted if subprocess.run(
        [str(python), "-m", "pip", "show", "-q", pkg], capture_output=True).returncode != 0]
    if missing and install:
        log(f"installing into {TOOLS_VENV}: {' '.join(missing)}")
        done = subprocess.run([str(python), "-m", "pip", "install", "-q", *missing], capture_output=True,
                              text=True, timeout=3600)
        if done.returncode != 0:
            log(f"pip install failed (tools that need it will be unavailable): {done.stderr.strip()[-300:]}")
    elif missing:
        log(f"not installed in {TOOLS_VENV} (--no-install): {' '.join(missing)}")
    return str(python)


def run_tools(tools, items, python, workdir: Path, log) -> dict:
    if not tools:
        return {}
    if python is None:
        return {t: {"status": "unavailable", "message": "the tools' venv is not available"} for t in tools}
    job = workdir / "job.json"
    result = workdir / "tools-result.json"
    job.write_text(json.dumps({"tools": tools, "workdir": str(workdir), "items": [
        {k: i[k] for k in ("id", "policy", "owner", "service", "action", "kind")} for i in items]}))
    try:
        done = subprocess.run([python, str(HERE / "tool_runner.py"), str(job), str(result)],
                              capture_output=True, text=True, timeout=7200)
    except subprocess.TimeoutExpired:
        return {t: {"status": "unavailable", "message": "the tools' run timed out"} for t in tools}
    if done.returncode != 0 or not result.exists():
        message = f"tool_runner.py failed: {done.stderr.strip()[-500:]}"
        log(message)
        return {t: {"status": "unavailable", "message": message} for t in tools}
    return json.loads(result.read_text())["tools"]


# -- scoring ------------------------------------------------------------------------------

def flagged(decision: str) -> bool:
    return decision != "safe"


def score(items, results: dict, reference) -> dict:
    """Counts against ``reference(item)`` ('vulnerable'/'safe'), with an
    error or unknown counted as flagged."""
    counts = collections.Counter()
    seconds = []
    for item in items:
        r = results.get(item["id"])
        if r is None:
            continue
        truth = reference(item)
        if truth is None:
            continue
        flag = flagged(r["decision"])
        counts["errors"] += r["decision"] not in ("safe", "vulnerable")
        counts[("TP" if flag else "FN") if truth == "vulnerable" else ("FP" if flag else "TN")] += 1
        seconds.append(r["seconds"])
    tp, fp, tn, fn = (counts[k] for k in ("TP", "FP", "TN", "FN"))
    n = tp + fp + tn + fn
    return {"n": n, "TP": tp, "FP": fp, "TN": tn, "FN": fn, "errors": counts["errors"],
            "precision": tp / (tp + fp) if tp + fp else None, "recall": tp / (tp + fn) if tp + fn else None,
            "accuracy": (tp + tn) / n if n else None,
            "seconds_per_policy": sum(seconds) / len(seconds) if seconds else None,
            "median_seconds": sorted(seconds)[len(seconds) // 2] if seconds else None}


def _fmt(x, digits=3):
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


def _secs(x):
    return "-" if x is None else f"{x:.2g}"


def table(title: str, rows: dict, tool_info: dict, reference_name: str) -> str:
    lines = [f"### {title}", "",
             f"Against {reference_name}. Flagged = vulnerable, error or unknown.", "",
             "| tool | n | TP | FP | TN | FN | errors/unknown | precision | recall | accuracy | mean s/policy "
             "| median s/policy | timing |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for tool, s in rows.items():
        info = tool_info.get(tool, {})
        if s is None:
            lines.append(f"| {tool} | unavailable: {info.get('message', '?')} |" + " |" * 11)
            continue
        lines.append(f"| {tool} | {s['n']} | {s['TP']} | {s['FP']} | {s['TN']} | {s['FN']} | {s['errors']} | "
                     f"{_fmt(s['precision'])} | {_fmt(s['recall'])} | {_fmt(s['accuracy'])} | "
                     f"{_secs(s['seconds_per_policy'])} | {_secs(s['median_seconds'])} | {info.get('timing', 'per call')} |")
    return "\n".join(lines) + "\n"


# -- plot -----------------------------------------------------------------------------------

PLOT_SCRIPT = r"""
import json, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
points, out = json.loads(sys.argv[1]), sys.argv[2]
fig, ax = plt.subplots(figsize=(6.5, 4.2))
for n, (name, seconds, accuracy) in enumerate(points):
    ax.scatter([max(seconds, 1e-6)], [accuracy], s=60)
    ax.annotate(name, (max(seconds, 1e-6), accuracy), textcoords="offset points",
                xytext=(6, 5 if n % 2 == 0 else -14))
ax.set_xscale("log")
ax.set_xlabel("seconds per policy (log scale)")
ax.set_ylabel("accuracy on the labelled benchmark")
ax.set_ylim(0, 1.05)
ax.grid(True, which="both", alpha=0.3)
ax.set_title("Accuracy against time per policy")
fig.tight_layout()
fig.savefig(out, dpi=120)
"""


def plot(points, out: Path, tools_python: str | None) -> str | None:
    """Write the plot; return None, or why it was not written."""
    candidates = [sys.executable] + ([tools_python] if tools_python else [])
    if TOOLS_VENV.joinpath("bin", "python").exists():
        candidates.append(str(TOOLS_VENV / "bin" / "python"))
    reasons = []
    for python in dict.fromkeys(candidates):
        done = subprocess.run([python, "-c", PLOT_SCRIPT, json.dumps(points), str(out)], capture_output=True,
                              text=True, timeout=300)
        if done.returncode == 0 and out.exists():
            return None
        reasons.append(f"{python}: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}")
    return "no Python with matplotlib could draw the plot (" + "; ".join(reasons) + ")"


# -- the report ---------------------------------------------------------------------------

def deputy_json(policy: dict, item: dict, workdir: Path) -> dict | None:
    """`deputy check --format json` for one policy, as the CLI prints it."""
    path = workdir / f"example-{re.sub(r'[^A-Za-z0-9_.-]', '_', item['id'])}.json"
    path.write_text(json.dumps(policy, indent=2) + "\n")
    argv = [sys.executable, "-m", "verifier", "check", str(path), "--account", item["owner"], "--format", "json"]
    if not item.get("every_deputy"):
        argv += ["--service", item["service"], "--action", item["action"]]
    argv += [a for t in item["trusted_accounts"] for a in ("--trusted-account", t)]
    argv += [a for t in item["trusted_orgs"] for a in ("--trusted-org", t)]
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=120)
    try:
        return json.loads(done.stdout)["results"][0]
    except (ValueError, KeyError, IndexError):
        return None


def worked_examples(items, results, tools, workdir: Path, count=5) -> list[dict]:
    by_id = {i["id"]: i for i in items}
    heuristics = [t for t in tools if t in results]

    def disagreeing(item):
        d = results["deputy"].get(item["id"], {}).get("decision")
        return [t for t in heuristics if item["id"] in results[t]
                and flagged(results[t][item["id"]]["decision"]) != flagged(d)]

    chosen = [by_id[i] for i in WORKED_PREFERENCE if i in by_id and disagreeing(by_id[i])
              and results["deputy"][i]["decision"] == by_id[i]["label"]]
    for item in items:
        if len(chosen) >= count:
            break
        if item not in chosen and disagreeing(item) and results["deputy"][item["id"]]["decision"] == item["label"]:
            chosen.append(item)
    out = []
    for item in chosen[:count]:
        out.append({"item": item, "tools": {t: results[t][item["id"]]["decision"] for t in heuristics
                                            if item["id"] in results[t]},
                    "deputy": deputy_json(item["policy"], item, workdir)})
    return out


def render_example(n: int, ex: dict) -> str:
    item, dep = ex["item"], ex["deputy"] or {}
    tools = ", ".join(f"{t}: **{d}**" for t, d in ex["tools"].items())
    lines = [f"### {n}. `{item['id']}` (label: {item['label']})", "",
             f"Why: {item['reason']}.", "",
             f"Heuristics: {tools}. deputy: **{dep.get('verdict', '?')}**.", "",
             "```json", json.dumps(item["policy"], indent=2), "```", "",
             f"`deputy check --account {item['owner']} --service {item['service']} --action {item['action']} "
             f"--format json` says: {dep.get('message', '?')}", ""]
    if dep.get("counterexample"):
        lines += ["Counterexample (replayed through the evaluator before it was printed):", "", "```json",
                  json.dumps(dep["counterexample"], indent=2), "```", ""]
    else:
        refs = ", ".join(f"statement {s['index']}" + (f" ({s['sid']})" if s.get("sid") else "")
                         for s in dep.get("statements", []))
        lines += [f"The proof rests on {refs or 'no statement (nothing grants the deputy this action)'}, "
                  "under these assumptions:", ""]
        lines += [f"* {a}" for a in dep.get("assumptions", [])]
        if dep.get("warnings"):
            lines += ["", "Warnings:", ""] + [f"* {w}" for w in dep["warnings"]]
        lines.append("")
    return "\n".join(lines)


def notes(summary, disagreements) -> list[str]:
    """Facts needed to read the tables, computed from this run."""
    out = ["## Reading the numbers", ""]
    unknown = summary.get("deputy_unknown", [])
    wrong = [d for d in disagreements if d["set"] == "benchmark" and d["tool"] == "deputy"]
    out.append(f"* deputy answered unknown/error on {len(unknown)} benchmark case(s)"
               + (": " + ", ".join(f"`{i}`" for i in unknown) if unknown else "")
               + ". Such an answer counts as flagged; it is never a safe verdict.")
    out.append(f"* deputy's flag (vulnerable or unknown, against safe) differs from the label on {len(wrong)} case(s)"
               + (": " + "; ".join(f"`{d['id']}` (label {d['label']}, deputy {d['decision']})" for d in wrong)
                  if wrong else "")
               + ". tests/test_benchmark_labels.py lists every case whose verdict is not exactly its label as a strict xfail, with the reason.")
    errors = {t: collections.Counter(m) for t, m in summary.get("failures", {}).items() if m}
    for tool, messages in sorted(errors.items()):
        message, n = messages.most_common(1)[0]
        out.append(f"* {tool} failed on {sum(messages.values())} policies of benchmark and corpus (most often "
                   f"`{message}`, {n} times); a failure is counted as flagged.")
    if summary.get("corpus_policies"):
        out += [
            "* Corpus verdicts depend on the threat model the harness picks for each policy (see `load_corpus`): the "
            "first service principal INDEX.tsv names, its first granted action, and as owner the 12-digit account "
            "the policy names most. A policy that trusts several accounts on purpose is therefore vulnerable "
            "(the other accounts are not trusted), and documentation placeholders (`account_id`, `${bucket_arn}`, "
            "`logArn`) match no real account or ARN, so deputy proves such statements grant nothing.",
            "* On the corpus the reference is deputy's verdict, not a label: the corpus table measures agreement "
            "with the proof, and every disagreement is listed with deputy's counterexample.",
        ]
    out.append("")
    return out


def write_report(path: Path, args, summary, tables_md, plot_note, examples, disagreements, out_dir: Path):
    rel = os.path.relpath(out_dir, path.parent)
    tag_rows = summary.get("by_tag", {})
    lines = [
        "# deputy against heuristic linters",
        "",
        "Regenerated by `bench/compare.py` (do not edit by hand). Command of this run:",
        "",
        f"    {summary['command']}",
        "",
        f"Run at {summary['date']} on {summary['host']}; {summary['benchmark_cases']} benchmark cases"
        + (f", {summary['corpus_policies']} corpus policies" if summary.get("corpus_policies") is not None else
           f"; corpus: {summary.get('corpus_note')}") + ".",
        "",
        "## What is compared",
        "",
        "* **deputy**: `verifier.checking.check_path` under each case's threat model (owner, service, action).",
        "  A vulnerable verdict comes with a counterexample replayed through the evaluator; safe is a z3 proof.",
        "* **baseline**: flags an Allow statement for a service (or any) principal whose Condition names none of",
        "  aws:SourceAccount / aws:SourceArn / aws:SourceOrgID / aws:SourceOrgPaths (any operator, any value).",
        "* **prowler**: the decision function of its `iam_role_cross_service_confused_deputy_prevention` check",
        "  (`is_policy_public(policy, account, check_cross_service_confused_deputy=True, not_allowed_actions=",
        "  [\"sts:AssumeRole\", \"sts:*\"])`), called offline; on resource policies without the action filter.",
        "* **parliament**: `analyze_policy_string` with community auditors; statements without Resource get",
        "  `\"Resource\": \"*\"` so trust policies are analysed at all; flagged = SINGLE_VALUE_CONDITION_TOO_PERMISSIVE",
        "  or RESOURCE_POLICY_PRIVILEGE_ESCALATION.",
        "* **cfn-lint** and **checkov**: the policy wrapped in a minimal template (AWS::IAM::Role for trust",
        "  policies; SNS/SQS/KMS/S3 policy resources by the action's service, S3 bucket policy otherwise); flagged =",
        "  an error/warning (cfn-lint) or failed check (checkov) that the same wrapper holding a deny-all policy",
        "  does not get. Both are batch tools: time per policy is the batch's wall time divided by its size.",
        "",
        "A tool's error and deputy's unknown count as flagged (neither tells the user the policy is fine).",
        "Times are per policy, in-process, on a shared 2-core machine; they exclude interpreter start-up.",
        "",
        "## Tools",
        "",
    ]
    for tool, info in summary["tools"].items():
        lines.append(f"* {tool}: {info.get('status')}" + (f", version {info['version']}" if info.get("version") else "")
                     + (f" ({info['message']})" if info.get("message") else ""))
    lines += ["", "## Results", "", tables_md, ""]
    if plot_note is None:
        lines += [f"![accuracy against time per policy]({rel}/accuracy_vs_time.png)", ""]
    else:
        lines += [f"Plot not drawn: {plot_note}", ""]
    if tag_rows:
        tools = list(next(iter(tag_rows.values())).keys())
        lines += ["### Accuracy by tag (benchmark)", "", "| tag | cases | " + " | ".join(tools) + " |",
                  "| --- | --- | " + " | ".join("---" for _ in tools) + " |"]
        for tag, row in sorted(tag_rows.items()):
            n = next(iter(row.values()))["n"]
            lines.append(f"| {tag} | {n} | " + " | ".join(_fmt(row[t]["accuracy"], 2) for t in tools) + " |")
        lines.append("")
    lines += notes(summary, disagreements)
    counts = collections.Counter((d["set"], d["tool"]) for d in disagreements)
    lines += ["## Disagreements", "",
              f"Every one is listed in [`{rel}/disagreements.json`]({rel}/disagreements.json) "
              "(benchmark: against the label; corpus: against deputy's verdict).", "",
              "| data set | tool | disagreements |", "| --- | --- | --- |"]
    lines += [f"| {s} | {t} | {n} |" for (s, t), n in sorted(counts.items())]
    lines += ["", "## Five worked examples", "",
              "Cases where heuristics and the proof disagree and deputy agrees with the hand-written label.", ""]
    for n, ex in enumerate(examples, 1):
        lines.append(render_example(n, ex))
    path.write_text("\n".join(lines).rstrip() + "\n")


# -- main -------------------------------------------------------------------------------------

def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=Path, default=HERE / "cases")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--no-corpus", action="store_true", help="skip the corpus")
    ap.add_argument("--tools", default=",".join(ALL_TOOLS),
                    help=f"comma-separated heuristics to run (deputy always runs); any of {','.join(ALL_TOOLS)}")
    ap.add_argument("--subset", type=int, default=None, metavar="N",
                    help="only N benchmark cases (evenly spaced) and the first N corpus policies")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    ap.add_argument("--report", type=Path, default=HERE / "COMPARISON.md")
    ap.add_argument("--no-install", action="store_true", help="never create or install into the tools' venv")
    return ap.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = [t for t in tools if t not in ALL_TOOLS]
    if unknown:
        print(f"compare.py: unknown tool(s) {', '.join(unknown)}; choose from {', '.join(ALL_TOOLS)}", file=sys.stderr)
        return 2
    if args.subset is not None and args.subset < 1:
        print("compare.py: --subset must be at least 1", file=sys.stderr)
        return 2
    log = lambda message: print(f"compare.py: {message}", file=sys.stderr)  # noqa: E731
    args.out.mkdir(parents=True, exist_ok=True)
    cases = load_cases(args.cases, args.subset)
    if not cases:
        log(f"no cases in {args.cases}")
        return 2
    corpus, corpus_note, skipped = [], None, []
    if args.no_corpus:
        corpus_note = "skipped (--no-corpus)"
    elif not args.corpus.is_dir():
        corpus_note = f"skipped: {args.corpus} is absent"
        log(corpus_note)
    else:
        corpus, skipped = load_corpus(args.corpus, args.subset)
    heuristics = [t for t in tools if t != "baseline"]
    with tempfile.TemporaryDirectory(prefix="deputy-compare-") as tmp:
        workdir = Path(tmp)
        python = ensure_tools_venv(heuristics, not args.no_install, log) if heuristics else None
        results, info = {}, {"deputy": {"status": "ok", "timing": "per call"}}
        for name, items in (("benchmark", cases), ("corpus", corpus)):
            if not items:
                continue
            log(f"{name}: deputy on {len(items)} policies")
            sub = workdir / name
            sub.mkdir()
            results.setdefault("deputy", {}).update(run_deputy(items, sub))
            if "baseline" in tools:
                results.setdefault("baseline", {}).update(run_baseline(items))
                info["baseline"] = {"status": "ok", "timing": "per call"}
            if heuristics:
                log(f"{name}: {', '.join(heuristics)} on {len(items)} policies")
                for tool, r in run_tools(heuristics, items, python, sub, log).items():
                    info[tool] = {k: v for k, v in r.items() if k not in ("results", "trace")}
                    if r.get("status") == "ok":
                        results.setdefault(tool, {}).update(r["results"])
        order = ["deputy"] + tools
        bench_scores = {t: (score(cases, results[t], lambda i: i["label"]) if t in results else None) for t in order}
        deputy_ref = lambda i: ("vulnerable" if flagged(results["deputy"][i["id"]]["decision"]) else "safe")  # noqa: E731
        corpus_scores = {t: (score(corpus, results[t], deputy_ref) if t in results else None)
                         for t in order if t != "deputy"} if corpus else {}
        by_tag = {}
        for tag in sorted({t for c in cases for t in c["tags"]}):
            members = [c for c in cases if tag in c["tags"]]
            by_tag[tag] = {t: score(members, results[t], lambda i: i["label"]) for t in order if t in results}
        disagreements = []
        for t in order:
            for item in cases:
                r = results.get(t, {}).get(item["id"])
                if r and flagged(r["decision"]) != (item["label"] == "vulnerable"):
                    disagreements.append({"set": "benchmark", "tool": t, "id": item["id"], "label": item["label"],
                                          "decision": r["decision"], "deputy": results["deputy"][item["id"]]["decision"],
                                          "detail": r.get("detail"), "reason": item["reason"]})
            for item in corpus:
                r = results.get(t, {}).get(item["id"])
                if t != "deputy" and r and flagged(r["decision"]) != flagged(results["deputy"][item["id"]]["decision"]):
                    disagreements.append({"set": "corpus", "tool": t, "id": item["id"], "decision": r["decision"],
                                          "deputy": results["deputy"][item["id"]]["decision"],
                                          "deputy_counterexample": results["deputy"][item["id"]].get("counterexample"),
                                          "detail": r.get("detail"),
                                          "threat_model": {k: item[k] for k in ("owner", "service", "action")}})
        for t in tools:
            info.setdefault(t, {"status": "unavailable", "message": "not run"})
        tables_md = table("Labelled benchmark (bench/cases)", bench_scores, info, "the hand-written labels")
        if corpus:
            tables_md += "\n" + table(f"Corpus ({args.corpus})", corpus_scores, info,
                                      "deputy's verdicts (the corpus has no labels; deputy's vulnerable verdicts "
                                      "carry replayed counterexamples, its safe verdicts proofs)")
            verdicts = collections.Counter(results["deputy"][i["id"]]["decision"] for i in corpus)
            tables_md += "\nDeputy's verdicts on the corpus: " + ", ".join(
                f"{k} {v}" for k, v in sorted(verdicts.items())) + ".\n"
            if skipped:
                tables_md += f"\n{len(skipped)} corpus policies were not checked (listed in summary.json).\n"
        else:
            tables_md += f"\nCorpus: {corpus_note}.\n"
        points = [(t, s["seconds_per_policy"], s["accuracy"]) for t, s in bench_scores.items()
                  if s and s["seconds_per_policy"] is not None and s["accuracy"] is not None]
        plot_note = plot(points, args.out / "accuracy_vs_time.png", python)
        if plot_note:
            log(plot_note)
        examples = worked_examples(cases, results, tools, workdir)
        summary = {"command": "python bench/compare.py " + " ".join(argv if argv is not None else sys.argv[1:]),
                   "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "host": os.uname().nodename,
                   "benchmark_cases": len(cases), "corpus_policies": len(corpus) if corpus else None,
                   "corpus_note": corpus_note, "corpus_skipped": skipped, "tools": info,
                   "benchmark": bench_scores, "corpus": corpus_scores, "by_tag": by_tag, "plot": plot_note,
                   "labels": dict(collections.Counter(c["label"] for c in cases)),
                   "failures": {t: dict(collections.Counter(
                       str(r.get("detail"))[:120] for r in results[t].values()
                       if r["decision"] not in ("safe", "vulnerable"))) for t in tools if t in results},
                   "deputy_unknown": [c["id"] for c in cases
                                      if results["deputy"][c["id"]]["decision"] not in ("safe", "vulnerable")]}
        (args.out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
        (args.out / "tables.md").write_text(tables_md)
        (args.out / "disagreements.json").write_text(json.dumps(disagreements, indent=1) + "\n")
        args.report.parent.mkdir(parents=True, exist_ok=True)
        write_report(args.report, args, summary, tables_md, plot_note, examples, disagreements, args.out)
    print(tables_md)
    log(f"wrote {args.out}/summary.json, tables.md, disagreements.json"
        + ("" if plot_note else ", accuracy_vs_time.png") + f" and {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
