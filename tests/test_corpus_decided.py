"""Every policy of the shared corpus (real policies and CloudFormation
templates nobody here wrote) is decided under the default question: no
unknown verdict (issue 12's target; bench/speed.py prints the count too)."""

from __future__ import annotations

from pathlib import Path

import pytest

from verifier.checking import check_all, collect
from verifier.prove.threat import ThreatModel

ROOT = Path(__file__).resolve().parent.parent
CANDIDATES = [ROOT.parent / "shared" / "corpus", Path("/work/shared/corpus")]
CORPUS = next((c for c in CANDIDATES if (c / "policies").is_dir()), None)


@pytest.mark.skipif(CORPUS is None, reason=f"no corpus at {' or '.join(map(str, CANDIDATES))}")
def test_every_corpus_policy_is_decided():
    files = sorted((CORPUS / "policies").glob("*.json")) + sorted((CORPUS / "cfn").glob("*.*"))
    assert len(files) > 100
    model = ThreatModel(owner="111122223333")
    undecided = []
    for path in files:
        for result in check_all(collect([str(path)], model), model, 20.0):
            if result.verdict.value == "unknown":
                undecided.append((path.name, result.message))
    assert not undecided, undecided[:5]
