"""Every deputy, every action: the default question (THREAT_MODEL.md,
"Which deputies a policy has").

A policy is asked about each service principal it names and about every
other service principal at once, each with every action the policy grants
it; its verdict is the worst deputy's. The cases of the issue that made the
gate pass on vulnerable policies are here with their exact answers."""

from __future__ import annotations

import json

import pytest

from tests.builders import OWNER, policy, statement
from tests.support import assert_replays
from tests.test_sources_cloudformation import run
from verifier.policy.loading import load_text
from verifier.prove import deputies
from verifier.prove.prover import check_policy
from verifier.prove.threat import Deputy, ThreatModel, global_name
from verifier.results import Verdict

EVERY = ThreatModel(owner=OWNER)
TOPIC = "arn:aws:sns:us-east-1:111122223333:alerts"
PINNED = {"StringEquals": {"aws:SourceAccount": OWNER}}


def check(doc, model=EVERY):
    loaded = load_text(json.dumps(doc))
    result = check_policy(loaded, model, 20)
    for answer in result.deputies or ():
        if answer.result.verdict is Verdict.VULNERABLE:
            # Each deputy's counterexample replays as a request of that deputy.
            named = deputies.of_policy(loaded.policy).named
            assert_replays(loaded.policy, answer.result.counterexample,
                           model.asking(deputies.deputy_of(answer, named)), "foreign")
    return result


def verdicts(result) -> dict:
    return {a.label: a.result.verdict.value for a in result.deputies}


def sns(principal, action="sns:Publish", condition=None, sid=None):
    extra = {"Sid": sid} if sid else {}
    return statement(principal=principal, action=action, condition=condition, Resource=TOPIC, **extra)


def test_a_topic_policy_for_events_is_vulnerable_without_flags():
    # The first case: SAFE with exit 0 under the old default question.
    result = check(policy(sns({"Service": "events.amazonaws.com"})))
    assert result.verdict is Verdict.VULNERABLE
    assert verdicts(result) == {"events.amazonaws.com": "vulnerable"}
    assert result.deputy == "events.amazonaws.com"
    assert result.counterexample.principal == "events.amazonaws.com"
    assert result.counterexample.action == "sns:Publish"
    assert result.counterexample.resource == TOPIC


def test_each_deputy_gets_its_own_verdict_and_the_policy_the_worst():
    doc = policy(sns({"Service": "events.amazonaws.com"}, condition=PINNED),
                 sns({"Service": "S3.amazonaws.com"}, action="SNS:Publish"),
                 sns({"Service": "cloudwatch.us-east-1.amazonaws.com"}, condition=PINNED))
    result = check(doc)
    # Letter case and regional forms fold into one deputy (P2, A16).
    assert verdicts(result) == {"cloudwatch.amazonaws.com": "safe", "events.amazonaws.com": "safe",
                                "s3.amazonaws.com": "vulnerable"}
    assert result.verdict is Verdict.VULNERABLE and result.deputy == "s3.amazonaws.com"
    actions = {a.label: a.actions for a in result.deputies}
    assert actions["s3.amazonaws.com"] == ["SNS:Publish"]
    assert result.counterexample.action == "sns:Publish"  # the catalogue's spelling of a real action


def test_a_policy_for_no_service_has_no_deputy_and_says_so():
    result = check(policy(statement(principal={"AWS": f"arn:aws:iam::{OWNER}:root"}, action="s3:*",
                                    Resource="*")))
    assert result.verdict is Verdict.SAFE and result.deputies == []
    assert result.message.startswith("no deputy")


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}], ids=["star", "aws-star"])
def test_a_wildcard_principal_is_every_other_service(principal):
    condition = {"StringEquals": {"aws:PrincipalServiceName": "cloudfront.amazonaws.com"}}
    doc = policy(statement(principal=principal, action="s3:GetObject", Resource="arn:aws:s3:::b/*",
                           condition=condition))
    result = check(doc)
    assert verdicts(result) == {"any other service principal": "vulnerable"}
    # The service name is free: the condition's service is found, though
    # the policy never names it as a principal.
    assert result.counterexample.principal == "cloudfront.amazonaws.com"


def test_not_principal_admits_every_other_service():
    doc = policy(statement(principal=None, NotPrincipal={"AWS": OWNER}, action="sqs:SendMessage", Resource="*"))
    assert verdicts(check(doc)) == {"any other service principal": "vulnerable"}


def test_other_services_exclude_the_named_ones():
    # A wildcard statement pinned to the owner, beside a named deputy with
    # no condition: the named deputy is vulnerable, every other one safe.
    doc = policy(sns({"Service": "events.amazonaws.com"}), sns("*", condition=PINNED))
    result = check(doc)
    assert verdicts(result) == {"events.amazonaws.com": "vulnerable", "any other service principal": "safe"}


def test_the_other_question_runs_even_when_discovery_names_everyone():
    # No wildcard: the "other" question is still asked (and not shown when
    # safe), so a deputy discovery cannot name is never left unasked.
    found, asked = deputies.questions(load_text(json.dumps(policy(sns({"Service": "a.amazonaws.com"})))).policy,
                                      EVERY)
    assert [d.label for d in asked] == ["a.amazonaws.com", "any other service principal"]
    assert asked[1].others == ("a.amazonaws.com",) and not found.wildcard


def test_service_narrows_to_one_deputy_with_every_action():
    doc = policy(sns({"Service": ["events.amazonaws.com", "s3.amazonaws.com"]}),
                 statement(principal={"Service": "s3.amazonaws.com"}, action="sns:Subscribe", Resource=TOPIC))
    result = check(doc, ThreatModel(owner=OWNER, services=("s3.amazonaws.com",)))
    assert verdicts(result) == {"s3.amazonaws.com": "vulnerable"}
    assert result.deputies[0].actions == ["sns:Publish", "sns:Subscribe"]
    only_subscribe = check(doc, ThreatModel(owner=OWNER, services=("s3.amazonaws.com",),
                                            actions=("sns:Subscribe",)))
    assert only_subscribe.counterexample.action == "sns:Subscribe"


def test_deputy_folding():
    assert global_name("Events.US-east-1.amazonaws.com".lower()) == "events.amazonaws.com"
    assert global_name("s3.ap-east-1.amazonaws.com.cn") == "s3.amazonaws.com.cn"
    assert global_name("delivery.logs.amazonaws.com") == "delivery.logs.amazonaws.com"
    assert Deputy("s3.amazonaws.com").admits("s3.eu-west-1.amazonaws.com")
    assert not Deputy("s3.amazonaws.com").admits("S3.amazonaws.com")  # a request carries lower case
    other = Deputy(None, ("s3.amazonaws.com",))
    assert other.admits("sns.amazonaws.com") and not other.admits("s3.eu-west-1.amazonaws.com")


# -- the command line -------------------------------------------------------------------------


def write(tmp_path, name, doc) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(doc, indent=2))
    return str(path)


def test_one_run_checks_a_role_a_topic_and_a_lambda_permission(tmp_path):
    role = write(tmp_path, "role.json", policy(statement(principal={"Service": "lambda.amazonaws.com"},
                                                         condition=PINNED)))
    topic = write(tmp_path, "topic.json", policy(sns({"Service": "events.amazonaws.com"})))
    code, out, err = run("check", role, topic, "--account", OWNER, "--format", "json")
    assert code == 1 and not err
    results = {r["path"].rsplit("/", 1)[1]: r for r in json.loads(out)["results"]}
    assert results["role.json"]["deputies"][0]["deputy"] == "lambda.amazonaws.com"
    assert results["role.json"]["verdict"] == "safe"
    assert results["topic.json"]["deputies"][0]["verdict"] == "vulnerable"
    assert results["topic.json"]["deputies"][0]["actions"] == ["sns:Publish"]


@pytest.mark.parametrize("flag, value, expected", [
    ("--service", "rekognition", "a service principal"),
    ("--service", "*", "a service principal"),
    ("--service", "events.amazonaws.co", "a service principal"),
    ("--service", "p.json", "a service principal"),
    ("--action", "AssumeRole", "an action such as"),
    ("--action", "s3:*", "an action such as"),
], ids=["service-no-domain", "service-star", "service-typo-domain", "service-shell-glob", "action-no-prefix",
        "action-wildcard"])
def test_flags_that_cannot_be_right_are_refused(tmp_path, flag, value, expected):
    path = write(tmp_path, "p.json", policy(sns({"Service": "events.amazonaws.com"})))
    code, out, err = run("check", path, "--account", OWNER, flag, value)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and expected in err and repr(value) in err


@pytest.mark.parametrize("service", ["logs.cn-north-1.amazonaws.com.cn", "alexa-connectedhome.amazon.com",
                                     "Events.amazonaws.com"])
def test_service_principals_of_every_documented_domain_are_accepted(tmp_path, service):
    path = write(tmp_path, "p.json", policy(sns({"Service": service})))
    code, out, err = run("check", path, "--account", OWNER, "--service", service, "--format", "json")
    assert code == 1 and not err, err
    assert json.loads(out)["results"][0]["deputies"][0]["verdict"] == "vulnerable"


def test_service_and_action_may_be_repeated(tmp_path):
    doc = policy(sns({"Service": ["events.amazonaws.com", "s3.amazonaws.com", "sqs.amazonaws.com"]}))
    path = write(tmp_path, "p.json", doc)
    code, out, _ = run("check", path, "--account", OWNER, "--service", "events.amazonaws.com",
                       "--service", "S3.amazonaws.com", "--format", "json")
    assert code == 1
    (result,) = json.loads(out)["results"]
    assert [d["deputy"] for d in result["deputies"]] == ["events.amazonaws.com", "s3.amazonaws.com"]


def test_a_safe_policy_is_one_line_naming_the_deputies(tmp_path):
    doc = policy(sns({"Service": "events.amazonaws.com"}, condition=PINNED),
                 sns({"Service": "s3.amazonaws.com"}, action="SNS:Publish", condition=PINNED))
    code, out, _ = run("check", write(tmp_path, "t.json", doc), "--account", OWNER)
    assert code == 0
    first, summary = out.splitlines()
    assert first.endswith(": SAFE for events.amazonaws.com (sns:Publish), s3.amazonaws.com (SNS:Publish)")
    assert summary == "1 policy: 1 safe, 0 vulnerable, 0 unknown, 0 error"


def test_the_seed_example_with_its_placeholders_is_a_useless_finding(tmp_path):
    # AWS's example pasted as it is: safe (nothing real matches "Account ID"),
    # but it does not do its job; a finding, not a pass.
    doc = policy(statement(principal={"Service": "rekognition.amazonaws.com", "AWS": "arn:User ARN"},
                           condition={"StringEquals": {"aws:SourceAccount": "Account ID"}}))
    path = write(tmp_path, "seed.json", doc)
    code, out, _ = run("check", path, "--account", OWNER)
    assert code == 0 and "useless:" in out and "'Account ID' is not a 12-digit account ID" in out
    code, sarif, _ = run("check", path, "--account", OWNER, "--format", "sarif")
    warnings = [r for r in json.loads(sarif)["runs"][0]["results"] if r["ruleId"] == "DEPUTY004"]
    assert warnings and all(r["level"] == "warning" for r in warnings)
    assert {r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in warnings} >= {
        next(i for i, line in enumerate(open(path).read().splitlines(), 1) if "Account ID" in line)}
    assert run("check", path, "--account", OWNER, "--fail-on-useless")[0] == 1
    code, junit, _ = run("check", path, "--account", OWNER, "--format", "junit", "--fail-on-useless")
    assert code == 1 and 'type="useless"' in junit
    assert 'type="useless"' not in run("check", path, "--account", OWNER, "--format", "junit")[1]


def test_deputy_tables_set_the_question_per_resource(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    doc = policy(sns({"Service": ["events.amazonaws.com", "s3.amazonaws.com"]}))
    write(tmp_path, "topic.json", doc)
    (tmp_path / "deputy.toml").write_text(f'account = "{OWNER}"\n\n[[deputy]]\npath = "topic.json"\n'
                                          'service = ["s3.amazonaws.com"]\n')
    code, out, _ = run("check", "topic.json", "--format", "json")
    assert code == 1
    (result,) = json.loads(out)["results"]
    assert [d["deputy"] for d in result["deputies"]] == ["s3.amazonaws.com"]
    (tmp_path / "deputy.toml").write_text('[[deputy]]\npath = "topic.json"\nservice = "rekognition"\n')
    code, _, err = run("check", "topic.json", "--account", OWNER)
    assert code == 2 and "deputy.toml" in err and "'rekognition'" in err


def test_fix_repairs_every_vulnerable_deputy_and_keeps_each_legitimate_request(tmp_path):
    doc = policy(sns({"Service": "events.amazonaws.com"}, sid="Events"),
                 sns({"Service": "cloudwatch.amazonaws.com"}, sid="Alarms"),
                 sns({"Service": "s3.amazonaws.com"}, condition=PINNED, sid="Bucket"))
    path = write(tmp_path, "topic.json", doc)
    code, out, _ = run("fix", path, "--account", OWNER, "--format", "json")
    assert code == 0
    repair = json.loads(out)
    assert repair["status"] == "repaired"
    assert {c["statement"]["sid"] for c in repair["changes"]} == {"Events", "Alarms"}
    assert {k["deputy"] for k in repair["legitimate_requests"]} == {"events.amazonaws.com", "cloudwatch.amazonaws.com",
                                                                   "s3.amazonaws.com"}
    fixed = tmp_path / "fixed.json"
    fixed.write_text(repair["policy"])
    code, out, _ = run("check", str(fixed), "--account", OWNER, "--format", "json")
    assert code == 0
    assert {d["verdict"] for d in json.loads(out)["results"][0]["deputies"]} == {"safe"}


def test_explain_and_all_work_per_deputy(tmp_path):
    doc = policy(sns({"Service": "events.amazonaws.com"}), sns({"Service": "s3.amazonaws.com"}, condition=PINNED))
    code, out, _ = run("check", write(tmp_path, "t.json", doc), "--account", OWNER, "--explain", "--all",
                       "--format", "json")
    assert code == 1
    by_deputy = {d["deputy"]: d for d in json.loads(out)["results"][0]["deputies"]}
    assert by_deputy["events.amazonaws.com"]["explanation"]["kind"] == "counterexample"
    assert by_deputy["events.amazonaws.com"]["counterexamples"]
    assert by_deputy["s3.amazonaws.com"]["explanation"]["kind"] == "proof"
    assert by_deputy["s3.amazonaws.com"]["counterexamples"] == []
