"""Regression: --require-key naming a key the policy never reads used to
end in an internal error (KeyError) instead of a verdict."""

from __future__ import annotations

from tests.support import check, trust
from verifier.results import Verdict


def test_required_key_the_policy_does_not_read():
    vulnerable = check(trust(), required_keys=("aws:SourceIp",))
    assert vulnerable.verdict is Verdict.VULNERABLE
    assert vulnerable.counterexample.get("aws:SourceIp") is not None
    safe = check(trust({"StringEquals": {"aws:SourceAccount": "111122223333"}}), required_keys=("aws:SourceIp",))
    assert safe.verdict is Verdict.SAFE
