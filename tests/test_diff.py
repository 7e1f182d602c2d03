"""``deputy diff OLD NEW``: pairs of policies with the exact answer each
must get (issue 15, "How it is checked"), the exit codes, and the requests
replaying against both versions."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.builders import ATTACKER, OTHER, OWNER, SERVICE, policy, statement
from tests.test_sources_cloudformation import IF_TEMPLATE
from tests.test_unstated_owner import PINNED, WRITTEN
from tests.test_unstated_owner import TEMPLATE as TOPIC_TEMPLATE
from tests.test_unstated_owner import by_parameter
from verifier.cli import main
from verifier.evaluator import Decision, evaluate
from verifier.policy.loading import load_text
from verifier.prove.threat import Deputy, ThreatModel, classify
from verifier.request import build_request
from verifier.policy import parser

DATA = Path(__file__).resolve().parent / "data" / "sources"
SOURCE_ACCOUNT = "aws:SourceAccount"


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    assert "Traceback" not in err.getvalue()
    return code, out.getvalue(), err.getvalue()


def write(path: Path, doc) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc, indent=2))
    return str(path)


def diff(tmp_path, old, new, *flags):
    """``(exit code, the one change, its deputies by label)``."""
    before, after = write(tmp_path / "old" / "p.json", old), write(tmp_path / "new" / "p.json", new)
    code, out, _ = run("diff", before, after, "--account", OWNER, "--format", "json", *flags)
    (change,) = json.loads(out)["changes"]
    return code, change, {d["deputy"]: d for d in change["deputies"]}


def request_of(entry) -> object:
    return build_request(parser.parse_text(json.dumps(entry["request"]), "<request>"), "<request>")


def assert_opens(old, new, entry) -> None:
    """The request of an ``opens`` answer: allowed by NEW, denied by OLD,
    foreign, under the evaluator, which shares no code with the encoder."""
    request = request_of(entry)
    assert evaluate(load_text(json.dumps(new)).policy, request).decision is Decision.ALLOW
    assert evaluate(load_text(json.dumps(old)).policy, request).decision in (Decision.IMPLICIT_DENY,
                                                                             Decision.EXPLICIT_DENY)
    verdict = classify(request, ThreatModel(owner=OWNER).asking(Deputy(entry["service"])) if entry["service"]
                       else ThreatModel(owner=OWNER))
    assert verdict.kind == "foreign" and verdict.problems == ()


def pinned(*accounts) -> dict:
    value = list(accounts) if len(accounts) > 1 else accounts[0]
    return policy(statement(Sid="Rekognition", condition={"StringEquals": {SOURCE_ACCOUNT: value}}))


def test_loosening_opens_with_the_added_account(tmp_path):
    old, new = pinned(OWNER), pinned(OWNER, ATTACKER)
    code, change, deputies = diff(tmp_path, old, new)
    assert code == 1
    assert change["change"] == "opens" and change["kind"] == "changed"
    entry = deputies[SERVICE]
    assert entry["change"] == "opens"
    assert entry["request"]["context"][SOURCE_ACCOUNT] == ATTACKER  # the only foreign account NEW admits
    assert entry["statements"] == [{"index": 0, "sid": "Rekognition", "line": 3}]
    assert_opens(old, new, entry)


def test_tightening_closes_and_shows_what_it_closed(tmp_path):
    old, new = pinned(OWNER, ATTACKER), pinned(OWNER)
    code, change, deputies = diff(tmp_path, old, new)
    assert code == 0
    assert change["change"] == "closes"
    entry = deputies[SERVICE]
    assert entry["change"] == "closes" and entry["request"]["context"][SOURCE_ACCOUNT] == ATTACKER
    assert_opens(new, old, entry)  # the reverse: allowed by OLD, denied by NEW
    assert entry["old_statements"][0]["sid"] == "Rekognition"


def test_renamed_sid_opens_nothing(tmp_path):
    old = pinned(OWNER)
    new = policy(statement(Sid="Renamed", condition={"StringEquals": {SOURCE_ACCOUNT: OWNER}}))
    code, change, deputies = diff(tmp_path, old, new)
    assert code == 0
    assert change["change"] == "no-new-access" and deputies[SERVICE]["request"] is None
    assert "proof by z3" in deputies[SERVICE]["message"]


def test_a_statement_split_in_two_opens_nothing(tmp_path):
    guard = {"StringEquals": {SOURCE_ACCOUNT: OWNER}}
    old = policy(statement(action=["sts:AssumeRole", "sts:TagSession"], condition=guard))
    new = policy(statement(action="sts:AssumeRole", condition=guard), statement(action="sts:TagSession",
                                                                                condition=guard))
    code, change, _ = diff(tmp_path, old, new)
    assert (code, change["change"]) == (0, "no-new-access")
    code, change, _ = diff(tmp_path, new, old)
    assert (code, change["change"]) == (0, "no-new-access")


def test_a_new_deputy_opens_for_that_deputy_only(tmp_path):
    old = pinned(OWNER)
    new = policy(*old["Statement"], statement(principal={"Service": "sagemaker.amazonaws.com"}))
    code, change, deputies = diff(tmp_path, old, new)
    assert code == 1 and change["change"] == "opens"
    assert deputies["sagemaker.amazonaws.com"]["change"] == "opens"
    assert deputies[SERVICE]["change"] == "no-new-access"
    assert deputies["sagemaker.amazonaws.com"]["request"]["principal"].startswith("sagemaker.")
    assert_opens(old, new, deputies["sagemaker.amazonaws.com"])


def test_a_deny_added_closes_and_removed_opens(tmp_path):
    open_allow = policy(statement())
    guarded = policy(statement(), statement(effect="Deny", principal="*", action="*",
                                            condition={"StringNotEquals": {SOURCE_ACCOUNT: OWNER}}))
    code, change, deputies = diff(tmp_path, open_allow, guarded)
    assert (code, change["change"], deputies[SERVICE]["change"]) == (0, "closes", "closes")
    code, change, deputies = diff(tmp_path, guarded, open_allow)
    assert (code, change["change"]) == (1, "opens")
    # the Deny covered keyless requests too: what its removal opens names no account at all
    # only under --strict-attribution; by default the request names a foreign account
    assert deputies[SERVICE]["request"]["context"].get(SOURCE_ACCOUNT) not in (None, OWNER)
    assert_opens(guarded, open_allow, deputies[SERVICE])


def test_a_template_resource_renamed_is_removed_and_added(tmp_path):
    text = (DATA / "cfn-trust.yaml").read_text()
    old = write(tmp_path / "old.yaml", text)
    new = write(tmp_path / "new.yaml", text.replace("  OpenRole:", "  OpenRole2:").replace("  PinnedRole:",
                                                                                          "  PinnedRole2:"))
    code, out, _ = run("diff", old, new, "--account", OWNER, "--format", "json")
    changes = {(c["kind"], c["resource"]): c for c in json.loads(out)["changes"]}
    assert set(changes) == {("added", "PinnedRole2"), ("added", "OpenRole2"), ("changed", "ParameterRole"),
                            ("changed", "ArnRole"), ("removed", "PinnedRole"), ("removed", "OpenRole")}
    assert changes[("added", "OpenRole2")]["change"] == "opens"  # a new vulnerable policy opens
    assert changes[("added", "OpenRole2")]["result"]["verdict"] == "vulnerable"
    assert changes[("added", "PinnedRole2")]["change"] == "no-new-access"
    assert changes[("removed", "OpenRole")]["change"] == "removed"
    # an unresolved parameter the same in both versions decides nothing
    assert changes[("changed", "ParameterRole")]["change"] == "no-new-access"
    assert code == 1


def test_regional_names_read_alike_in_both_versions(tmp_path):
    # A Service principal admits regional names on deputy's reading only
    # (A16); the same principal block in both versions is read the same
    # way, whatever AWS does, so a tightened condition is a proof.
    arn = "aws:SourceArn"
    old = policy(statement(condition={"ArnLike": {arn: "arn:aws:rekognition:*:*:*"}}))
    new = policy(statement(condition={"ArnLike": {arn: f"arn:aws:rekognition:*:{OWNER}:*"}}))
    code, change, _ = diff(tmp_path, old, new)
    assert (code, change["change"]) == (0, "closes")


def test_a_service_added_to_a_principal_list_keeps_each_value_read_alike(tmp_path):
    arn = "aws:SourceArn"
    old = policy(statement(principal={"Service": SERVICE},
                           condition={"ArnLike": {arn: "arn:aws:rekognition:*:*:*"}}))
    new = policy(statement(principal={"Service": [SERVICE, "sagemaker.amazonaws.com"]},
                           condition={"ArnLike": {arn: f"arn:aws:*:*:{OWNER}:*"}}))
    code, change, deputies = diff(tmp_path, old, new)
    assert code == 0
    assert deputies[SERVICE]["change"] == "closes"
    assert deputies["sagemaker.amazonaws.com"]["change"] == "no-new-access"


def test_a_change_deputy_reads_one_way_only_is_unknown_never_no_new_access(tmp_path):
    # {"AWS": "*"} may exclude service principals (A1): replacing it with
    # "*" opens foreign access on that reading, though not on deputy's.
    old = policy(statement(principal={"AWS": "*"}))
    new = policy(statement(principal="*"))
    code, change, deputies = diff(tmp_path, old, new)
    assert code == 3 and change["change"] == "unknown"
    assert "section 8" in deputies["any other service principal"]["message"]
    code, change, _ = diff(tmp_path, new, old)  # the other way, nothing can open
    assert (code, change["change"]) == (0, "no-new-access")


def test_unreadable_new_version_is_an_error_and_unreadable_old_is_checked_as_new(tmp_path):
    code, change, _ = diff(tmp_path, pinned(OWNER), '{"Statement": [}')
    assert (code, change["change"]) == (2, "error") and ":1:" in change["message"]
    code, change, _ = diff(tmp_path, '{"Statement": [}', policy(statement()))
    assert (code, change["change"]) == (1, "opens")
    assert any("old version could not be read" in w for w in change["warnings"])


def test_directories_matched_by_relative_path(tmp_path):
    for side, docs in (("old", {"a/same.json": pinned(OWNER), "gone.json": pinned(OWNER),
                                "a/loose.json": pinned(OWNER)}),
                       ("new", {"a/same.json": pinned(OWNER), "added.json": pinned(OWNER),
                                "a/loose.json": pinned(OWNER, OTHER)})):
        for name, doc in docs.items():
            write(tmp_path / side / name, doc)
    code, out, _ = run("diff", str(tmp_path / "old"), str(tmp_path / "new"), "--account", OWNER, "--format", "json")
    document = json.loads(out)
    changes = {(c["kind"], Path(c["path"]).name): c["change"] for c in document["changes"]}
    assert changes == {("changed", "same.json"): "no-new-access", ("changed", "loose.json"): "opens",
                       ("added", "added.json"): "no-new-access", ("removed", "gone.json"): "removed"}
    assert document["summary"]["opens"] == 1 and document["summary"]["added"] == 1
    assert code == 1


def test_text_output_and_usage_errors(tmp_path):
    old = write(tmp_path / "o.json", pinned(OWNER))
    new = write(tmp_path / "n.json", pinned(OWNER, ATTACKER))
    code, out, _ = run("diff", old, new, "--account", OWNER)
    assert code == 1
    assert out.startswith(f"{new}: OPENS for {SERVICE}: ")
    assert f'"{SOURCE_ACCOUNT}": "{ATTACKER}"' in out
    assert out.splitlines()[-1].startswith("1 policy: 1 opens, 0 no new foreign access")
    code, _, err = run("diff", old, str(tmp_path), "--account", OWNER)
    assert code == 2 and "both be files or both be directories" in err
    code, _, err = run("diff", old, str(tmp_path / "missing.json"), "--account", OWNER)
    assert code == 2 and "missing.json" in err


@pytest.mark.parametrize("flag", ["--help"])
def test_help_documents_answers_and_exit_codes(flag):
    code, out, _ = run("diff", flag)
    assert code == 0
    for text in ("exit codes:", "no new foreign access", "closes", "--base", "markdown"):
        assert text in out


def test_readme_diff_example():
    root = Path(__file__).resolve().parent.parent / "examples" / "change"
    code, out, _ = run("diff", str(root / "before"), str(root / "after"), "--account", OWNER)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].endswith("after/queue.json: OPENS for sns.amazonaws.com: a foreign request of the deputy is "
                             "allowed by the new version and denied by the old one; the request replays in the "
                             "evaluator against both")
    assert '        "aws:SourceAccount": "999988887777"' in lines
    assert "  allowed by statement 0 (AllowTopicsToSend) at line 4 of the new version" in lines
    assert lines[-1] == "1 policy: 1 opens, 0 no new foreign access, 0 closes, 0 unknown, 0 error, 0 removed (0 new)"


# The fixture's PinnedRole alone: rekognition pinned to the template's own account.
TEMPLATE = (DATA / "cfn-trust.yaml").read_text().split("  OpenRole:")[0]


def test_two_templates_without_an_account_stand_one_placeholder_for_the_owner(tmp_path):
    # The new version names the account the old one's placeholder would be:
    # both must be read with one and the same placeholder.
    partner = TEMPLATE.split("Resources:\n")[1].replace("PinnedRole", "PartnerRole").replace(
        "!Ref AWS::AccountId", '"111122223333"')
    old = write(tmp_path / "old.yaml", TEMPLATE)
    new = write(tmp_path / "new.yaml", TEMPLATE + partner)
    code, out, _ = run("diff", old, new, "--format", "json")
    changes = {c["resource"]: c for c in json.loads(out)["changes"]}
    assert changes["PinnedRole"]["change"] == "no-new-access"
    assert "same in both versions" in changes["PinnedRole"]["message"]
    assert changes["PartnerRole"]["kind"] == "added"


def test_template_values_unstated_read_wide_in_new_and_narrow_in_old(tmp_path):
    # A condition on an ARN the template builds from a resource's name,
    # known only after deployment: tightening to it opens nothing; dropping
    # it opens access whatever the name is.
    guarded = TEMPLATE.replace("aws:SourceAccount: !Ref AWS::AccountId",
                               "aws:SourceAccount: !Ref AWS::AccountId\n              ArnLike:\n"
                               "                aws:SourceArn: !Sub 'arn:aws:rekognition:us-east-1:"
                               "${AWS::AccountId}:streamprocessor/${Processor}'") + \
        "  Processor:\n    Type: AWS::Rekognition::StreamProcessor\n"
    loose = TEMPLATE.replace("              StringEquals:\n                aws:SourceAccount: !Ref AWS::AccountId\n",
                             "              StringLike:\n                aws:SourceAccount: '*'\n")
    assert loose != TEMPLATE
    for old_text, new_text, expected in ((TEMPLATE, guarded, "no-new-access"), (guarded, loose, "opens")):
        old = write(tmp_path / "old.yaml", old_text)
        new = write(tmp_path / "new.yaml", new_text)
        code, out, _ = run("diff", old, new, "--account", OWNER, "--format", "json")
        (change,) = [c for c in json.loads(out)["changes"] if c["resource"] == "PinnedRole"]
        assert change["change"] == expected, change


ARN_ONLY = "{ArnLike: {aws:SourceArn: !Sub 'arn:aws:rekognition:*:${AWS::AccountId}:*'}}"


@pytest.mark.parametrize("old_other, new_other, expected, label", [
    (ARN_ONLY, "!Ref AWS::NoValue", "opens", "Pinned=false"),  # unconditioned when not Pinned
    ("!Ref AWS::NoValue", ARN_ONLY, "closes", None),
    (ARN_ONLY, "{ArnLike: {aws:SourceArn: !Sub 'arn:aws:rekognition:us-*:${AWS::AccountId}:*'}}", "no-new-access",
     None),
])
def test_template_conditions_each_assignment_against_the_same(tmp_path, old_other, new_other, expected, label):
    old = write(tmp_path / "old.yaml", IF_TEMPLATE.format(other=old_other))
    new = write(tmp_path / "new.yaml", IF_TEMPLATE.format(other=new_other))
    code, out, _ = run("diff", old, new, "--account", OWNER, "--format", "json")
    (change,) = json.loads(out)["changes"]
    assert change["change"] == expected, change
    if label:
        assert any(label in a for a in change["assumptions"])
    else:
        assert any("each of the 2 assignments" in a for a in change["assumptions"])


def test_a_deny_over_an_unstated_resource_removed_is_unknown_added_opens_nothing(tmp_path):
    text = (Path(__file__).resolve().parent / "data" / "diff" / "deny-unstated-resource.yaml").read_text()
    with_deny = write(tmp_path / "with.yaml", text)
    without = write(tmp_path / "without.yaml", text[:text.index("          - Effect: Deny")])
    code, out, _ = run("diff", with_deny, without, "--account", OWNER, "--format", "json")
    (change,) = json.loads(out)["changes"]
    # Removing it opens access only if its Resource covers the topic: deputy cannot know.
    assert (code, change["change"]) == (3, "unknown")
    assert "values the input does not state" in change["deputies"][0]["message"]
    code, out, _ = run("diff", without, with_deny, "--account", OWNER, "--format", "json")
    (change,) = json.loads(out)["changes"]
    assert (code, change["change"]) == (0, "no-new-access")


TOPIC = TOPIC_TEMPLATE.replace("RESOURCE", f"arn:aws:sns:us-east-1:{WRITTEN}:alerts")
TOPIC_PINNED = by_parameter(TOPIC.replace("CONDITION", PINNED), f"arn:aws:sns:us-east-1:{WRITTEN}:alerts")
TOPIC = by_parameter(TOPIC.replace("CONDITION", ""), f"arn:aws:sns:us-east-1:{WRITTEN}:alerts")


@pytest.mark.parametrize("flags, expected", [((), (3, "unknown")),
                                             (("--account", WRITTEN), (1, "opens"))])
def test_an_opening_on_a_written_out_accounts_resource_is_no_proof_without_the_owner(tmp_path, flags, expected):
    # With a placeholder owner (the topic given by a parameter) and the
    # resource's account written out, the new version opens nothing on the
    # placeholder's topics: "no new foreign access" there was a false proof,
    # since that account may be the owner.
    old, new = write(tmp_path / "old.yaml", TOPIC_PINNED), write(tmp_path / "new.yaml", TOPIC)
    code, out, _ = run("diff", old, new, "--format", "json", *flags)
    (change,) = json.loads(out)["changes"]
    assert (code, change["change"]) == expected
    if not flags:
        assert "give --account" in change["message"]
