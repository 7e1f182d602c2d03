"""Test-run settings.

* In CI (DEPUTY_CI set), hypothesis is derandomized, so every run explores
  the same examples and a failure always reproduces.
* Every counterexample the prover returns anywhere in the suite is replayed
  through the evaluator and the threat model's classifier (differential
  test (c)), on top of the replay the prover does itself.
"""

import os

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("DEPUTY_CI") else "dev")


@pytest.fixture(autouse=True)
def replay_every_counterexample(monkeypatch):
    from tests.support import assert_replays
    from verifier.prove import prover

    original = prover.check_policy

    def checked(loaded, model, timeout=5.0):
        result = original(loaded, model, timeout)
        if result.counterexample is not None:
            assert_replays(loaded.policy, result.counterexample, model, "foreign")
        if result.unattributed is not None:
            assert_replays(loaded.policy, result.unattributed, model, "unattributed")
        return result

    monkeypatch.setattr(prover, "check_policy", checked)
