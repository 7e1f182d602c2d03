"""Run the heuristic tools on policies; executed by bench/.venv-tools's Python.

This file runs in the tools' virtual environment (created by bench/compare.py),
never in deputy's: it imports prowler, parliament, cfn-lint and checkov, none
of which is a dependency of deputy. It reads a job from a JSON file and
writes one JSON document:

    job:    {"tools": [...], "workdir": DIR,
             "items": [{"id", "policy", "owner", "service", "action", "kind": "trust"|"resource"}]}
    result: {"tools": {NAME: {"status": "ok" | "unavailable", "message": ..., "version": ...,
                              "timing": "per call" | "batch",
                              "results": {ID: {"decision": "vulnerable"|"safe"|"error",
                                               "seconds": ..., "detail": ...}}}}}

How each tool's output becomes a decision is written next to its runner;
bench/COMPARISON.md repeats it.
"""

from __future__ import annotations

import copy
import json
import os
import sys
import time
import traceback
from importlib import metadata


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


# -- prowler ------------------------------------------------------------------------
# The decision function of prowler's iam_role_cross_service_confused_deputy_prevention
# check, called the way that check calls it (FAIL = vulnerable). Prowler runs it
# only on role trust policies; for resource policies it is called the same way
# without the action filter, since prowler has no confused-deputy check for them.

def run_prowler(items, workdir):
    from prowler.providers.aws.services.iam.lib.policy import is_policy_public

    out = {}
    for item in items:
        policy = copy.deepcopy(item["policy"])  # prowler lower-cases condition keys in place
        kwargs = {"check_cross_service_confused_deputy": True}
        if item["kind"] == "trust":
            kwargs["not_allowed_actions"] = ["sts:AssumeRole", "sts:*"]
        start = time.perf_counter()
        try:
            public = is_policy_public(policy, item["owner"], **kwargs)
            decision, detail = ("vulnerable" if public else "safe"), None
        except Exception as exc:  # a crash on odd input is a result too
            decision, detail = "error", f"{type(exc).__name__}: {exc}"
        out[item["id"]] = {"decision": decision, "seconds": time.perf_counter() - start, "detail": detail}
    return out, "per call", _version("prowler")


# -- parliament -----------------------------------------------------------------------
# Parliament lints identity policies; it has no confused-deputy check. A
# statement without Resource (every trust policy) is MALFORMED to it and not
# analysed further, so such statements get "Resource": "*" first. Vulnerable =
# a finding about over-permissive conditions or resource-policy escalation.

PARLIAMENT_FLAGS = {"SINGLE_VALUE_CONDITION_TOO_PERMISSIVE", "RESOURCE_POLICY_PRIVILEGE_ESCALATION"}


def run_parliament(items, workdir):
    from parliament import analyze_policy_string

    analyze_policy_string(json.dumps(null_policy(items[0])))  # loads its IAM catalogue outside the timing
    out = {}
    for item in items:
        policy = copy.deepcopy(item["policy"])
        statements = policy.get("Statement") if isinstance(policy, dict) else None
        for s in statements if isinstance(statements, list) else [statements]:
            if isinstance(s, dict) and "Resource" not in s and "NotResource" not in s:
                s["Resource"] = "*"
        start = time.perf_counter()
        try:
            found = analyze_policy_string(json.dumps(policy), include_community_auditors=True).findings
            issues = sorted({f.issue for f in found})
            flagged = sorted(set(issues) & PARLIAMENT_FLAGS)
            decision, detail = ("vulnerable" if flagged else "safe"), issues
        except Exception as exc:
            decision, detail = "error", f"{type(exc).__name__}: {exc}"
        out[item["id"]] = {"decision": decision, "seconds": time.perf_counter() - start, "detail": detail}
    return out, "per call", _version("parliament")


# -- CloudFormation wrappers for cfn-lint and checkov -------------------------------------

def wrapper(item, policy=None) -> dict:
    """A minimal template holding the policy in the resource it would sit on."""
    policy = item["policy"] if policy is None else policy
    owner = item["owner"]
    if item["kind"] == "trust":
        resource = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": policy}}
    else:
        prefix = item["action"].split(":")[0].lower()
        if prefix == "sns":
            resource = {"Type": "AWS::SNS::TopicPolicy", "Properties": {
                "Topics": [f"arn:aws:sns:us-east-1:{owner}:topic"], "PolicyDocument": policy}}
        elif prefix == "sqs":
            resource = {"Type": "AWS::SQS::QueuePolicy", "Properties": {
                "Queues": [f"https://sqs.us-east-1.amazonaws.com/{owner}/queue"], "PolicyDocument": policy}}
        elif prefix == "kms":
            resource = {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": policy}}
        else:  # s3 and every other resource policy: the generic bucket-policy container
            resource = {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": "owner-bucket", "PolicyDocument": policy}}
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"Target": resource}}


def null_policy(item) -> dict:
    """A policy that grants nothing, in the same wrapper: findings it already
    gets are about the wrapper, not the policy, and are not counted."""
    statement = {"Effect": "Deny", "Principal": "*", "Action": item["action"]}
    if item["kind"] != "trust":
        statement["Resource"] = "*"
    return {"Version": "2012-10-17", "Statement": [statement]}


# -- cfn-lint -------------------------------------------------------------------------
# The wrapped policies go to cfn-lint a hundred resources per template (one
# lint call per template, matches mapped back by their resource path); time
# per policy = the calls' wall time / number of policies. Vulnerable = any
# error or warning (not informational) match on the wrapped policy that the same wrapper with a deny-all
# policy does not get. cfn-lint has no confused-deputy rule for role trust or
# resource policy documents (W3663 covers only AWS::Lambda::Permission).

CHUNK = 100


def _key(item):
    return (item["kind"], wrapper(item, {})["Resources"]["Target"]["Type"], item["action"])


def run_cfn_lint(items, workdir):
    from cfnlint.api import lint_all

    resources, owner_of = {}, {}
    for n, item in enumerate(items):
        resources[f"Target{n}"] = wrapper(item)["Resources"]["Target"]
        owner_of[f"Target{n}"] = item["id"]
    nulls = {}
    for item in items:
        nulls.setdefault(_key(item), item)
    for n, (key, item) in enumerate(nulls.items()):
        resources[f"Null{n}"] = wrapper(item, null_policy(item))["Resources"]["Target"]
        owner_of[f"Null{n}"] = key
    lint_all(json.dumps(wrapper(items[0])))  # load cfn-lint's schemas outside the timing
    names = list(resources)
    found: dict = {}
    start = time.perf_counter()
    errors = {}
    for i in range(0, len(names), CHUNK):
        chunk = names[i:i + CHUNK]
        template = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {n: resources[n] for n in chunk}}
        try:
            matches = lint_all(json.dumps(template))
        except Exception as exc:
            for n in chunk:
                errors[n] = f"{type(exc).__name__}: {exc}"
            continue
        for m in matches:
            path = list(getattr(m, "path", []) or [])
            if m.rule.id.startswith("I"):  # informational matches are not findings
                continue
            if len(path) >= 2 and path[0] == "Resources" and path[1] in owner_of:
                found.setdefault(path[1], set()).add(m.rule.id)
    per = (time.perf_counter() - start) / max(1, len(names))
    null_rules = {owner_of[n]: found.get(n, set()) for n in names if n.startswith("Null")}
    out = {}
    for n, item in zip(names, items):
        if n in errors:
            out[item["id"]] = {"decision": "error", "seconds": per, "detail": errors[n]}
            continue
        rules = sorted(found.get(n, set()) - null_rules[_key(item)])
        out[item["id"]] = {"decision": "vulnerable" if rules else "safe", "seconds": per, "detail": rules}
    return out, "batch", _version("cfn-lint")


# -- checkov --------------------------------------------------------------------------
# One checkov run over a directory of wrapped templates (checkov's own way of
# working); time per policy = the run's wall time / number of policies.
# Vulnerable = a failed check on the wrapped policy that the deny-all wrapper
# does not fail.

def run_checkov(items, workdir):
    from checkov.cloudformation.runner import Runner
    from checkov.runner_filter import RunnerFilter

    folder = os.path.join(workdir, "checkov")
    os.makedirs(folder, exist_ok=True)
    names = {}
    for n, item in enumerate(items):
        name = f"p{n:05d}.json"
        names[name] = item["id"]
        with open(os.path.join(folder, name), "w") as fh:
            json.dump(wrapper(item), fh)
    kinds = {}
    for item in items:
        t = wrapper(item, {})["Resources"]["Target"]["Type"]
        kinds.setdefault((item["kind"], t, item["action"]), item)
    for n, (key, item) in enumerate(kinds.items()):
        name = f"null{n:03d}.json"
        names[name] = ("null", key)
        with open(os.path.join(folder, name), "w") as fh:
            json.dump(wrapper(item, null_policy(item)), fh)
    start = time.perf_counter()
    report = Runner().run(root_folder=folder, runner_filter=RunnerFilter(framework=["cloudformation"]))
    reports = report if isinstance(report, list) else [report]
    elapsed = time.perf_counter() - start
    failed = {}
    for r in reports:
        for record in r.failed_checks:
            name = os.path.basename(record.file_path)
            failed.setdefault(name, set()).add(record.check_id)
    null_failed = {names[n][1]: ids for n, ids in failed.items() if isinstance(names.get(n), tuple)}
    out = {}
    per = elapsed / max(1, len(items))
    for name, cid in names.items():
        if isinstance(cid, tuple):
            continue
        item = next(i for i in items if i["id"] == cid)
        key = (item["kind"], wrapper(item, {})["Resources"]["Target"]["Type"], item["action"])
        found = sorted(failed.get(name, set()) - null_failed.get(key, set()))
        out[cid] = {"decision": "vulnerable" if found else "safe", "seconds": per, "detail": found}
    return out, "batch", _version("checkov")


RUNNERS = {"prowler": run_prowler, "parliament": run_parliament, "cfn-lint": run_cfn_lint, "checkov": run_checkov}


def main(job_path: str, out_path: str) -> int:
    with open(job_path) as fh:
        job = json.load(fh)
    result = {"tools": {}}
    for tool in job["tools"]:
        runner = RUNNERS.get(tool)
        if runner is None:
            result["tools"][tool] = {"status": "unavailable", "message": "no runner for this tool"}
            continue
        try:
            results, timing, version = runner(job["items"], job["workdir"])
            result["tools"][tool] = {"status": "ok", "version": version, "timing": timing, "results": results}
        except Exception as exc:  # an import failure or a crash of the whole run
            result["tools"][tool] = {"status": "unavailable",
                                     "message": f"{type(exc).__name__}: {exc}".strip()[:500],
                                     "trace": traceback.format_exc()[-2000:]}
    with open(out_path, "w") as fh:
        json.dump(result, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
