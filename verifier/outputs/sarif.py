"""SARIF 2.1.0 (OASIS): one result per (policy, deputy) that is vulnerable
or undecided, one per unreadable policy, located at the statement the
verdict rests on, a warning per useless finding at its value, and a
warning per resource not read whose type is a near miss of one deputy
reads (or per template in which nothing holds a policy).

Safe policies produce no result (SARIF results are findings). A suppressed
finding stays in the log with a ``suppressions`` entry, as SARIF viewers
expect, so that the suppression itself is visible and reviewable. Each
result carries ``partialFingerprints`` made of what identifies the finding
(file, resource, deputy, rule), never of line numbers, so code scanning
keeps one alert per finding when unrelated lines move.
"""

from __future__ import annotations

import json
import os
from urllib.parse import quote

from verifier.results import Result, Verdict

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

RULES = (
    {
        "id": "DEPUTY001",
        "name": "ConfusedDeputy",
        "verdict": Verdict.VULNERABLE,
        "level": "error",
        "short": "A service can be made to act for another account (cross-service confused deputy)",
        "full": "The policy allows a request of the deputy service principal whose source keys "
                "(aws:SourceAccount, or the account in aws:SourceArn) name an account outside the trusted "
                "ones. deputy found such a request and replayed it through its evaluator; it is in the "
                "message and in properties.counterexample.",
        "help": "Tie the service's access to your account: add StringEquals aws:SourceAccount with your "
                "account, or ArnLike aws:SourceArn with ARNs of your account, to every Allow that names the "
                "service (or a Deny of requests whose aws:SourceAccount is another account).",
    },
    {
        "id": "DEPUTY002",
        "name": "Undecided",
        "verdict": Verdict.UNKNOWN,
        "level": "warning",
        "short": "deputy could not decide whether the policy is safe",
        "full": "The verdict is unknown: a time limit, a construct deputy does not model, or a value the "
                "input does not state (a template parameter, a value known only after apply). An unknown "
                "verdict is never a proof of safety.",
        "help": "Read the message for the reason; give the unresolved value, raise --timeout, or review "
                "the policy by hand.",
    },
    {
        "id": "DEPUTY003",
        "name": "UnreadablePolicy",
        "verdict": Verdict.ERROR,
        "level": "error",
        "short": "The input is not a policy deputy can read",
        "full": "The file, template resource or plan value is not well-formed JSON, YAML or IAM policy "
                "grammar, or AWS would refuse it; the message names the place.",
        "help": "Fix the input at the line and column named.",
    },
    {
        "id": "DEPUTY004",
        "name": "UselessGrant",
        "verdict": None,
        "level": "warning",
        "short": "The policy blocks the service it names, or holds a value that cannot be what it claims",
        "full": "No legitimate request of the deputy (from a trusted account) is allowed, or a condition or "
                "principal value cannot be what its key holds (an account ID that is not 12 digits, an ARN "
                "that is not an ARN, a placeholder left in a pasted example). Such a policy is trivially safe "
                "and does not do its job.",
        "help": "Put the real account ID, ARN or principal in place of the value named.",
    },
    {
        "id": "DEPUTY006",
        "name": "NotChecked",
        "verdict": None,
        "level": "warning",
        "short": "A resource deputy may have been meant to check was not read",
        "full": "A template resource's Type is a near miss of a type deputy reads (AWS::IAM:Role for "
                "AWS::IAM::Role), or nothing in the template holds a policy deputy checks, so no verdict "
                "covers it.",
        "help": "Correct the resource type, or make sure the file is the one meant to be checked.",
    },
)

_BY_VERDICT = {rule["verdict"]: (index, rule) for index, rule in enumerate(RULES) if rule["verdict"]}


def document(results: list[Result], version: str, base: str | None = None, notices=()) -> dict:
    """The SARIF log for ``results`` and the inputs' warnings (``notices``:
    anything with ``file``, ``line``, ``column`` and ``message``); URIs are
    relative to ``base`` (the working directory) when the file is under it."""
    base = base or os.getcwd()
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "deputy", "version": version,
                "rules": [_rule(rule) for rule in RULES],
            }},
            "columnKind": "unicodeCodePoints",
            "results": [out for r in results for out in _results(r, base)] + [_notice(n, base) for n in notices],
        }],
    }


def dumps(results: list[Result], version: str, notices=()) -> str:
    return json.dumps(document(results, version, notices=notices), indent=2, ensure_ascii=False) + "\n"


def _notice(notice, base: str) -> dict:
    index = next(i for i, rule in enumerate(RULES) if rule["id"] == "DEPUTY006")
    region = {"startLine": notice.line, "startColumn": max(1, notice.column)}
    location = {"physicalLocation": {"artifactLocation": {"uri": _uri(notice.file, base)}, "region": region}}
    key = "\x00".join([_uri(notice.file, base), "DEPUTY006", notice.message])
    return {"ruleId": "DEPUTY006", "ruleIndex": index, "level": "warning", "message": {"text": notice.message},
            "locations": [location], "partialFingerprints": {"deputyFinding/v1": _digest(key)}}


def _rule(rule: dict) -> dict:
    return {
        "id": rule["id"], "name": rule["name"],
        "shortDescription": {"text": rule["short"]},
        "fullDescription": {"text": rule["full"]},
        "help": {"text": rule["help"]},
        "defaultConfiguration": {"level": rule["level"]},
    }


def _results(r: Result, base: str) -> list[dict]:
    """The findings of one policy: per deputy where it has deputies."""
    if r.verdict is Verdict.ERROR or not r.deputies:
        found = [_result(r, base, r, None)] if r.verdict in (Verdict.VULNERABLE, Verdict.UNKNOWN, Verdict.ERROR) \
            else []
    else:
        found = [_result(a.result, base, r, a.label) for a in r.deputies
                 if a.result.verdict in (Verdict.VULNERABLE, Verdict.UNKNOWN)]
    return found + [_useless(r, finding, base) for finding in r.useless]


def _useless(r: Result, finding: dict, base: str) -> dict:
    index, rule = next((i, rule) for i, rule in enumerate(RULES) if rule["id"] == "DEPUTY004")
    region = {"startLine": finding["line"], "startColumn": max(1, finding.get("column") or 1)}
    location = {"physicalLocation": {"artifactLocation": {"uri": _uri(r.path, base)}, "region": region}}
    resource = (r.source or {}).get("resource")
    if resource:
        location["logicalLocations"] = [{"name": resource, "kind": "resource"}]
    out = {"ruleId": rule["id"], "ruleIndex": index, "level": rule["level"],
           "message": {"text": finding["message"]}, "locations": [location],
           "partialFingerprints": _fingerprint(r, base, None, rule["id"], finding["message"])}
    if r.suppressed:
        out["suppressions"] = [{"kind": "external", "status": "accepted",
                                "justification": r.suppression.get("reason", "")}]
    return out


def _fingerprint(policy, base: str, deputy: str | None, rule: str, extra: str = "") -> dict:
    """What identifies a finding, never where its lines are: the file, the
    resource in it, the deputy and the rule (``policy``: a ``Result`` or a
    ``PolicyChange``, anything with a ``path`` and a ``source``)."""
    resource = (policy.source or {}).get("resource") or ""
    key = "\x00".join([_uri(policy.path, base), resource, deputy or "", rule, extra])
    return {"deputyFinding/v1": _digest(key)}


def _digest(key: str) -> str:
    import hashlib

    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _result(r: Result, base: str, policy: Result, deputy: str | None) -> dict:
    index, rule = _BY_VERDICT[r.verdict]
    source = r.source or policy.source or {}
    region = {}
    if source.get("line"):
        region = {"startLine": source["line"], "startColumn": max(1, source.get("column") or 1)}
    physical = {"artifactLocation": {"uri": _uri(policy.path, base)}}
    if region:
        physical["region"] = region
    location = {"physicalLocation": physical}
    if source.get("resource"):
        location["logicalLocations"] = [{"name": source["resource"], "kind": "resource"}]
    out = {
        "ruleId": rule["id"], "ruleIndex": index, "level": rule["level"],
        "message": {"text": _message(r, source, deputy, policy.suppression)},
        "locations": [location],
        "partialFingerprints": _fingerprint(policy, base, deputy, rule["id"]),
        "properties": {"verdict": r.verdict.value, "deputy": deputy,
                       "counterexample": r.counterexample.to_json() if r.counterexample else None,
                       "assumptions": list(r.assumptions), "warnings": list(r.warnings)},
    }
    if policy.suppressed:
        out["suppressions"] = [{"kind": "external", "status": "accepted",
                                "justification": policy.suppression.get("reason", "")}]
    return out


def _message(r: Result, source: dict, deputy: str | None, suppression: dict | None) -> str:
    where = f" [{source['resource']}]" if source.get("resource") else ""
    who = f" for {deputy}" if deputy else ""
    text = f"{r.verdict.value.upper()}{where}{who}: {r.message}"
    if r.counterexample is not None:
        text += "\nCounterexample (replay it with `deputy eval --request`): " + json.dumps(
            r.counterexample.to_json(), ensure_ascii=False, separators=(", ", ": "))
    if suppression and suppression.get("expired"):
        text += "\n" + suppression["expired"]
    if r.statements:
        text += "\n" + "; ".join(("allowed by " if r.counterexample else "rests on ") + ref.describe()
                                 for ref in r.statements)
    return text


def _uri(path: str, base: str) -> str:
    absolute = os.path.abspath(path)
    try:
        relative = os.path.relpath(absolute, base)
    except ValueError:  # another drive on Windows
        relative = absolute
    if relative.startswith(".."):
        return "file://" + _quoted(absolute.replace(os.sep, "/"))
    return _quoted(relative.replace(os.sep, "/"))


# -- deputy diff and check --base: only what the change opens is a result --------------

OPENS_RULE = {
    "id": "DEPUTY005",
    "name": "NewForeignAccess",
    "level": "error",
    "short": "This change lets a service act for another account: a foreign request the old version denied is "
             "allowed",
    "full": "Compared with the base version, the new version of the policy allows a request of the deputy service "
            "principal whose source keys name an account outside the trusted ones, and the old version denied it. "
            "deputy replayed the request through its evaluator against both versions; it is in the message and in "
            "properties.request.",
    "help": "Tie the service's access to your account in the changed statements (StringEquals aws:SourceAccount, "
            "or ArnLike aws:SourceArn with ARNs of your account), or revert the change.",
}


def diff_document(changes, version: str, base: str | None = None) -> dict:
    """The SARIF log of a comparison: one result per (policy, deputy) that
    the change opens, at the statement of the new version that allows the
    request; nothing else is a result (a pull request's code scanning shows
    what it opens; warnings about the inputs go to stderr and the JSON)."""
    base = base or os.getcwd()
    return {
        "$schema": SCHEMA, "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "deputy", "version": version, "rules": [_rule(OPENS_RULE)]}},
                  "columnKind": "unicodeCodePoints",
                  "results": [_opens(c, d, base) for c in changes for d in c.opening()]}],
    }


def _opens(change, deputy, base: str) -> dict:
    source = change.source or {}
    line = deputy.statements[0].line if deputy.statements else source.get("line")
    physical = {"artifactLocation": {"uri": _uri(change.path, base)}}
    if line:
        physical["region"] = {"startLine": line}
    location = {"physicalLocation": physical}
    if change.resource:
        location["logicalLocations"] = [{"name": change.resource, "kind": "resource"}]
    where = f" [{change.resource}]" if change.resource else ""
    text = (f"OPENS{where} for {deputy.label}: {deputy.message}\nRequest (replay it with `deputy eval --request`): "
            + json.dumps(deputy.request.to_json(), ensure_ascii=False, separators=(", ", ": ")))
    if deputy.statements:
        text += "\n" + "; ".join("allowed by " + ref.describe() for ref in deputy.statements)
    out = {"ruleId": OPENS_RULE["id"], "ruleIndex": 0, "level": OPENS_RULE["level"], "message": {"text": text},
           "locations": [location], "partialFingerprints": _fingerprint(change, base, deputy.label, OPENS_RULE["id"]),
           "properties": {"change": deputy.change.value, "deputy": deputy.label, "kind": change.kind,
                          "request": deputy.request.to_json(), "assumptions": list(deputy.assumptions)}}
    if change.suppressed:
        out["suppressions"] = [{"kind": "external", "status": "accepted",
                                "justification": change.suppression.get("reason", "")}]
    return out


def _quoted(path: str) -> str:
    """Percent-encoded bytes of the path: a name that is not UTF-8 reaches
    here with its bytes as lone surrogates (surrogateescape), and its URI
    names those bytes."""
    try:
        data = path.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that no byte stands for
        data = path.encode("utf-8", "surrogatepass")
    return quote(data)
