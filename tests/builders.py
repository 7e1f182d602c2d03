"""Builders for policies and requests, shared by the tests.

Policies are written as Python dicts and go through the public front end
(``load_text``), so every evaluator case is also parsed and checked for
well-formedness. Expected decisions in the tables are written by hand from
SEMANTICS.md; nothing here computes one.
"""

from __future__ import annotations

import json

import pytest

from verifier.evaluator import Decision, evaluate
from verifier.policy.loading import load_text
from verifier.request import make_request

OWNER = "111122223333"
ATTACKER = "999999999999"
OTHER = "444455556666"
SERVICE = "rekognition.amazonaws.com"
ASSUME = "sts:AssumeRole"
OWNER_ARN = f"arn:aws:rekognition:us-east-1:{OWNER}:streamprocessor/sp"
ATTACKER_ARN = f"arn:aws:rekognition:us-east-1:{ATTACKER}:streamprocessor/sp"
OWNER_ROLE = f"arn:aws:iam::{OWNER}:role/r"
ATTACKER_ROLE = f"arn:aws:iam::{ATTACKER}:role/r"
DEPUTY = {"Service": SERVICE}

ALLOW = Decision.ALLOW
DENY = Decision.EXPLICIT_DENY
IMPLICIT = Decision.IMPLICIT_DENY
UNKNOWN = Decision.UNKNOWN


def statement(effect="Allow", principal=DEPUTY, action=ASSUME, condition=None, **elements) -> dict:
    """One statement; by default an Allow of the deputy's AssumeRole.

    ``principal=None`` / ``action=None`` leave the element out, for use with
    ``NotPrincipal=...`` / ``NotAction=...`` in ``elements``.
    """
    out = {"Effect": effect}
    if principal is not None:
        out["Principal"] = principal
    if action is not None:
        out["Action"] = action
    if condition is not None:
        out["Condition"] = condition
    out.update(elements)
    return out


def policy(*statements, version="2012-10-17") -> dict:
    doc = {"Statement": list(statements)}
    if version is not None:
        doc["Version"] = version
    return doc


def allow_if(condition) -> dict:
    """The deputy is allowed exactly when ``condition`` holds Allow-side."""
    return policy(statement(condition=condition))


def deny_if(condition) -> dict:
    """The deputy is allowed, and explicitly denied when ``condition`` holds
    Deny-side: ALLOW means the Deny did not apply, DENY that it did."""
    return policy(statement(), statement("Deny", principal="*", condition=condition))


def service_context(account=None, arn=None, extra=None) -> dict:
    """The context of a direct call by the deputy (THREAT_MODEL.md point 1)."""
    context = {"aws:PrincipalServiceName": SERVICE, "aws:PrincipalIsAWSService": "true",
               "aws:PrincipalServiceNamesList": [SERVICE]}
    if account is not None:
        context["aws:SourceAccount"] = account
    if arn is not None:
        context["aws:SourceArn"] = arn
    context.update(extra or {})
    return context


OWNER_REQUEST = service_context(OWNER, OWNER_ARN)
FOREIGN = service_context(ATTACKER, ATTACKER_ARN)
FOREIGN_ARN_ONLY = service_context(arn=ATTACKER_ARN)
"""Foreign through aws:SourceArn alone; aws:SourceAccount absent."""
KEYLESS = service_context()


def decide(doc, context=None, principal=SERVICE, action=ASSUME, resource=None) -> Decision:
    """The evaluator's decision for one request against a policy (dict or text)."""
    text = doc if isinstance(doc, str) else json.dumps(doc)
    request = make_request(principal, action, context or {}, resource)
    return evaluate(load_text(text).policy, request).decision


def case(case_id: str, doc, context, expected: Decision, **request):
    """One table row: a policy, a request context, the expected decision, and
    optionally ``principal``, ``action`` or ``resource`` of the request."""
    return pytest.param(doc, context, expected, request, id=case_id)


def when(case_id: str, effect: str, condition, context, expected: Decision, **request):
    """A row for a condition placed in an Allow (``allow_if``) or a Deny (``deny_if``)."""
    build = {"Allow": allow_if, "Deny": deny_if}[effect]
    return case(case_id, build(condition), context, expected, **request)


ROW = "doc, context, expected, caller"


def _corpus_root():
    """The public corpus of ../shared/corpus (DEVELOPERS.md): beside this
    checkout, or where ``DEPUTY_CORPUS`` says (a worktree elsewhere);
    tests that need it skip, saying so, where it is absent."""
    import os
    from pathlib import Path

    here = Path(__file__).resolve().parent.parent
    for candidate in (os.environ.get("DEPUTY_CORPUS"), here.parent / "shared" / "corpus", "/work/shared/corpus"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return here.parent / "shared" / "corpus"


CORPUS_ROOT = _corpus_root()
