"""The same input gives the same output, byte for byte apart from timings:
the same counterexample whether a policy is checked alone, among other
files, in another order, or in worker processes (``prove.canonical``).

z3 numbers its terms in one context per process, so before counterexamples
were made canonical a policy's request could depend on what the process had
checked before it; these runs differ in exactly that.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import OWNER

CORPUS = Path("/work/shared/corpus/policies")
ROOT = Path(__file__).resolve().parent.parent

# Each file in a process of its own that asked the solver nothing before
# it: one parent imports every module of deputy, builds the parser, makes
# z3's context (empty) and fills the encoder's caches of automata and string
# classes (no solver call), then forks a child per file (a whole process per
# file would mostly be starting up).
_ALONE = """
import importlib, io, json, os, pkgutil, sys
import z3
import verifier
from verifier.cli import main
from verifier.policy import parser
from verifier.policy.loading import load_file
from verifier.prove import counterexample, deputies
from verifier.prove.question import Question
from verifier.prove.threat import ThreatModel
for module in pkgutil.walk_packages(verifier.__path__, "verifier."):
    if module.name != "verifier.__main__":
        importlib.import_module(module.name)
parser.prepare()
z3.main_ctx()
model = ThreatModel(owner=sys.argv[1])
for path in sys.argv[2:22]:
    try:
        loaded = load_file(path)
    except verifier.errors.DeputyError:
        continue
    for deputy in deputies.questions(loaded.policy, model)[1]:
        question = Question(loaded.policy, model.asking(deputy))
        question.base(), question.foreign(), question.unattributed(), question.legitimate()
        counterexample.preferences(question, loaded.policy)
        question.finalize()
outputs = []
for path in sys.argv[2:]:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        out = io.StringIO()
        main(["check", path, "--account", sys.argv[1], "--format", "json"], out, io.StringIO())
        with os.fdopen(write, "w") as pipe:
            pipe.write(out.getvalue())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        outputs.append(json.loads(pipe.read()))
    os.waitpid(pid, 0)
print(json.dumps(outputs))
"""


def _without_timings(value):
    if isinstance(value, dict):
        return {k: _without_timings(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [_without_timings(v) for v in value]
    return value


def _check(*argv) -> dict:
    """``deputy check ... --format json`` in a process of its own (so that
    the test process's caches and garbage stay small)."""
    done = subprocess.run([sys.executable, "-m", "verifier", "check", *argv, "--account", OWNER, "--format", "json"],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    return _without_timings(json.loads(done.stdout))


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the shared corpus ({CORPUS}) is not on this machine")
@pytest.mark.skipif(not hasattr(os, "fork"), reason="checking each file alone forks a process per file")
def test_a_corpus_directory_gives_the_same_json_with_one_worker_two_workers_and_file_by_file():
    whole = _check(str(CORPUS), "-j", "1")
    paths = list(dict.fromkeys(r["path"] for r in whole["results"]))
    assert len(paths) > 100 and any(r["verdict"] == "vulnerable" and r["solver"] == "z3" for r in whole["results"])

    assert _check(str(CORPUS), "-j", "2") == whole
    assert _check(str(CORPUS)) == whole  # the default: as many workers as this machine gives it

    backwards = _check(*reversed(paths), "-j", "1")
    by_path: dict[str, list] = {}
    for result in backwards["results"]:
        by_path.setdefault(result["path"], []).append(result)
    assert [r for p in paths for r in by_path[p]] == whole["results"]

    done = subprocess.run([sys.executable, "-c", _ALONE, OWNER, *paths], capture_output=True, text=True, cwd=ROOT,
                          check=True)
    alone = [r for document in json.loads(done.stdout) for r in _without_timings(document)["results"]]
    assert alone == whole["results"]
