"""The outside evaluator: @cloud-copilot/iam-simulate, pinned in
package.json / package-lock.json beside this file, run in one Node process
per batch through runner.mjs."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).parent
ROLE = "arn:aws:iam::111122223333:role/deputy-target"


class Unavailable(Exception):
    """Node or npm is missing, or the pinned package could not be installed."""


def ensure_installed() -> None:
    """Install the pinned package (``npm ci``) unless it is already there."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise Unavailable("node and npm are needed to run @cloud-copilot/iam-simulate")
    if (HERE / "node_modules" / "@cloud-copilot" / "iam-simulate" / "package.json").exists():
        return
    done = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, capture_output=True, text=True,
                          timeout=600)
    if done.returncode != 0:
        raise Unavailable(f"npm ci failed: {done.stderr.strip()[-500:]}")


def decide(cases: list[tuple[dict, dict]]) -> list[dict]:
    """iam-simulate's decision for each (policy, request) pair, in order."""
    ensure_installed()
    lines = "".join(json.dumps({"id": i, "policy": p, "request": r}) + "\n" for i, (p, r) in enumerate(cases))
    done = subprocess.run(["node", "runner.mjs"], cwd=HERE, input=lines, capture_output=True, text=True,
                          timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"runner.mjs failed: {done.stderr[-2000:]}")
    out = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert [o["id"] for o in out] == list(range(len(cases))), "runner.mjs lost or reordered cases"
    return out
