"""The shared corpus of real CloudFormation templates (outside the
repository): every template is read, every policy gets a verdict, none an
internal error. Skipped where the corpus is not present."""

from __future__ import annotations

import json

import pytest

from tests.builders import CORPUS_ROOT
from tests.test_sources_cloudformation import run

CORPUS = CORPUS_ROOT / "cfn"


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the shared corpus ({CORPUS}) is not on this machine")
def test_corpus_templates_are_read_without_internal_errors():
    templates = sorted(CORPUS.iterdir())
    code, out, err = run("check", *map(str, templates), "--format", "json", "--timeout", "2",
                         "--service", "events.amazonaws.com")
    assert "Traceback" not in err
    document = json.loads(out)
    assert document["results"], "the corpus templates create policies"
    for result in document["results"]:
        assert result["verdict"] != "error", result["message"]
        assert "internal error" not in result["message"], result["message"]
        assert result["source"]["format"] == "cloudformation" and result["source"]["line"] > 0
