"""``deputy check --all``: counterexamples of different kinds, each replayed;
and item 4 of issue 6: every request ``deputy check`` prints can be fed to
``deputy eval --request`` as it is."""

from __future__ import annotations

import io
import json

import pytest

from tests.builders import ATTACKER, OWNER, SERVICE, policy, statement
from tests.support import assert_replays, check, model, trust
from tests.test_tricky_cases import CASES
from verifier.debug import attacks
from verifier.policy import loading
from verifier.cli import main
from verifier.request import parse_request
from verifier.results import Verdict

SA, ARN = "aws:SourceAccount", "aws:SourceArn"


def _all(doc, limit=5, **changes):
    tm = model(**changes)
    loaded = loading.load_text(doc if isinstance(doc, str) else json.dumps(doc))
    first = check(doc, **changes)
    assert first.verdict is Verdict.VULNERABLE
    return attacks.enumerate_counterexamples(loaded, tm, first, limit, timeout=20), loaded, tm


def _kinds_by_hand(request, tm) -> set[str]:
    """The kinds, decided here from the request alone (not by attacks.kinds_of)."""
    out = set()
    sa = request.get(SA)
    arn = request.get(ARN)
    arn_account = arn[0].split(":")[4] if arn else ""
    if sa and sa[0] not in tm.trusted:
        out.add("foreign-source-account")
    if not sa and arn_account and arn_account not in tm.trusted:
        out.add("foreign-source-arn-only")
    if not sa and not arn_account:
        out.add("no-source-account")
    out.add("global-principal" if request.principal == SERVICE else "regional-principal")
    return out


VULNERABLE = [pytest.param(c[1], c[2], id=c[0]) for c in CASES if c[3] is Verdict.VULNERABLE]


@pytest.mark.parametrize("doc, changes", VULNERABLE)
def test_every_listed_counterexample_replays_and_adds_a_kind(doc, changes):
    found, loaded, tm = _all(doc, **changes)
    assert 1 <= len(found) <= 5
    seen: set[str] = set()
    for entry in found:
        assert entry.get("note") is None, entry
        request = parse_request(json.dumps(entry["request"]))
        assert_replays(loaded.policy, request, tm, "foreign")
        kinds = set(entry["kinds"])
        assert {k for k in kinds if not k.startswith("statement:")} == _kinds_by_hand(request, tm)
        assert entry["asked_for"] is None or entry["asked_for"] in kinds
        assert kinds - seen, "each counterexample shows a kind no earlier one showed"
        seen |= kinds


def test_unconditioned_policy_shows_each_source_kind_and_a_regional_name():
    found, _, _ = _all(trust())
    kinds = {k for e in found for k in e["kinds"]}
    assert {"foreign-source-account", "foreign-source-arn-only", "regional-principal"} <= kinds
    assert "no-source-account" not in kinds  # not foreign under the default model
    regional = next(e for e in found if "regional-principal" in e["kinds"])
    assert regional["request"]["principal"] == "rekognition.us-east-1.amazonaws.com"


def test_impossible_kind_is_not_listed():
    # aws:SourceAccount must be present and match: no foreign ARN-only request.
    found, _, _ = _all(trust({"StringEquals": {SA: [OWNER, ATTACKER]}}))
    kinds = {k for e in found for k in e["kinds"]}
    assert "foreign-source-account" in kinds and "foreign-source-arn-only" not in kinds


def test_required_key_removes_the_arn_only_kind():
    found, _, _ = _all(trust(), required_keys=(SA,))
    assert "foreign-source-arn-only" not in {k for e in found for k in e["kinds"]}


def test_strict_attribution_lists_the_keyless_request():
    found, _, _ = _all(trust({"StringEqualsIfExists": {SA: OWNER}}), strict_attribution=True)
    keyless = [e for e in found if "no-source-account" in e["kinds"]]
    assert keyless and SA not in keyless[0]["request"]["context"]


def test_each_allowing_statement_gets_a_counterexample():
    doc = policy(statement(condition={"StringEquals": {SA: [OWNER, ATTACKER]}}),
                 statement(condition={"ArnLike": {ARN: f"arn:aws:rekognition:*:{ATTACKER}:*"}}))
    found, _, _ = _all(doc)
    kinds = {k for e in found for k in e["kinds"]}
    assert {"statement:0", "statement:1"} <= kinds


def test_limit_is_respected():
    found, _, _ = _all(trust(), limit=1)
    assert len(found) == 1
    found, _, _ = _all(trust(), limit=2)
    assert len(found) == 2


# -- through the command line --------------------------------------------------------------


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def _write(tmp_path, name, doc) -> str:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc, indent=2))
    return str(path)


def test_json_fields_are_optional(tmp_path):
    path = _write(tmp_path, "p.json", trust())
    _, out, _ = run("check", path, "--account", OWNER, "--format", "json")
    plain = json.loads(out)["results"][0]
    assert "counterexamples" not in plain and "explanation" not in plain
    code, out, _ = run("check", path, "--account", OWNER, "--format", "json", "--all", "--explain",
                       "--max-counterexamples", "3")
    assert code == 1
    result = json.loads(out)["results"][0]
    assert 1 <= len(result["counterexamples"]) <= 3
    assert result["counterexamples"][0]["request"] == result["counterexample"]
    assert result["explanation"]["kind"] == "counterexample"


def test_bad_limit_is_a_usage_error(tmp_path):
    path = _write(tmp_path, "p.json", trust())
    code, _, err = run("check", path, "--account", OWNER, "--all", "--max-counterexamples", "0")
    assert code == 2 and "--max-counterexamples" in err and "Traceback" not in err


def test_text_output_with_explain_and_all(tmp_path):
    path = _write(tmp_path, "p.json", trust({"StringEqualsIfExists": {SA: OWNER}}))
    code, out, err = run("check", path, "--account", OWNER, "--all", "--explain")
    assert code == 1 and not err
    assert "counterexamples of different kinds (--all)" in out
    assert "explanation (the evaluator's trace" in out and "StringEqualsIfExists aws:SourceAccount" in out
    safe = _write(tmp_path, "s.json", trust({"StringEquals": {SA: OWNER}}))
    code, out, _ = run("check", safe, "--account", OWNER, "--all", "--explain")
    assert code == 0 and "what the proof rests on" in out and "StringEquals aws:SourceAccount" in out


def _eval_decision(tmp_path, policy_path, request_doc) -> str:
    request = _write(tmp_path, "request.json", request_doc)
    code, out, err = run("eval", policy_path, "--request", request, "--format", "json")
    assert code == 0, err
    return json.loads(out)["decision"]


def test_every_printed_request_feeds_eval(tmp_path):
    path = _write(tmp_path, "p.json", trust({"StringEqualsIfExists": {SA: OWNER}}))
    _, out, _ = run("check", path, "--account", OWNER, "--format", "json", "--all")
    result = json.loads(out)["results"][0]
    requests = [result["counterexample"], result["unattributed_request"]]
    requests += [e["request"] for e in result["counterexamples"]]
    for request in requests:
        assert _eval_decision(tmp_path, path, request) == "allow"


def test_text_counterexample_block_feeds_eval_as_printed(tmp_path):
    path = _write(tmp_path, "p.json", trust({"StringNotEquals": {SA: ATTACKER}}))
    _, out, _ = run("check", path, "--account", OWNER)
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if "counterexample (feed it" in line) + 1
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("    }"))
    block = "\n".join(lines[start:end + 1])  # copied as printed, indentation and all
    assert _eval_decision(tmp_path, path, block) == "allow"


def test_failure_while_explaining_keeps_the_verdict(tmp_path, monkeypatch):
    from verifier.debug import details

    path = _write(tmp_path, "p.json", trust())

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(details, "counterexample", broken)
    code, out, err = run("check", path, "--account", OWNER, "--explain")
    assert code == 1 and "VULNERABLE" in out and "internal error while explaining" in out and not err
