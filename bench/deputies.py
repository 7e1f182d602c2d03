#!/usr/bin/env python3
"""What the default question (every deputy, every action) finds, with no flags.

    python bench/deputies.py [DIR ...] [--account ACCT] [--json]

Runs ``deputy check`` as a library over each directory (default: the
corpus policies, with --account 111122223333, and the corpus templates,
with no flags at all) and prints, per directory:

* how many policies were read, how many have a deputy and how many have
  none ("no deputy" is not a proof about any service);
* the policies' verdicts (the worst of their deputies');
* per deputy (each named service principal, and "any other service
  principal"): how many policies ask about it and their verdicts;
* every unknown or error, with its reason (the goal is 0 unknown).

Run on purpose; the figures go into the README ("What the default asks").
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from verifier import checking  # noqa: E402
from verifier.prove.threat import ThreatModel  # noqa: E402
from verifier.results import OTHER_DEPUTY  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
DEFAULTS = [(CORPUS / "policies", "111122223333"), (CORPUS / "cfn", None)]


def survey(directory: Path, account: str | None) -> dict:
    files = checking.expand_paths([str(directory)])
    model = ThreatModel(owner=account or "")
    results = checking.check_all(checking.collect(files, model), model, 10.0)
    verdicts = collections.Counter(r.verdict.value for r in results)
    per_deputy: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    with_deputy = without = 0
    for r in results:
        answers = r.deputies or []
        if r.verdict.value in ("error",):
            continue
        if answers:
            with_deputy += 1
        else:
            without += 1
        for answer in answers:
            per_deputy[answer.label][answer.result.verdict.value] += 1
    undecided = [{"path": r.where(), "verdict": r.verdict.value, "message": r.message}
                 for r in results if r.verdict.value in ("unknown", "error")]
    return {"directory": str(directory), "account": account, "files": len(files), "policies": len(results),
            "with_deputy": with_deputy, "no_deputy": without, "verdicts": dict(verdicts),
            "per_deputy": {k: dict(v) for k, v in sorted(per_deputy.items(), key=lambda kv: -sum(kv[1].values()))},
            "undecided": undecided}


def show(report: dict) -> None:
    v = report["verdicts"]
    print(f"{report['directory']} (account: {report['account'] or 'none given'}): {report['policies']} policies in "
          f"{report['files']} files; {report['with_deputy']} with a deputy, {report['no_deputy']} with none")
    print("  verdicts: " + ", ".join(f"{k} {v.get(k, 0)}" for k in ("safe", "vulnerable", "unknown", "error")))
    print(f"  {'deputy':<50} {'asked':>6} {'vuln':>6} {'safe':>6} {'unkn':>6}")
    for name, c in report["per_deputy"].items():
        label = name if name != OTHER_DEPUTY else "(any other service principal)"
        print(f"  {label:<50} {sum(c.values()):>6} {c.get('vulnerable', 0):>6} {c.get('safe', 0):>6} "
              f"{c.get('unknown', 0):>6}")
    for u in report["undecided"]:
        print(f"  {u['verdict']}: {u['message'][:240]}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="*", type=Path)
    parser.add_argument("--account", default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    targets = [(d, args.account) for d in args.dirs] or [(d, a) for d, a in DEFAULTS if d.is_dir()]
    if not targets:
        print(f"nothing to survey: give a directory (the corpus is not at {CORPUS})", file=sys.stderr)
        return 2
    reports = [survey(d, a) for d, a in targets]
    if args.json:
        print(json.dumps(reports, indent=2))
    else:
        for report in reports:
            show(report)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
