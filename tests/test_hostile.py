"""Hostile input (issue 17): one named regression test per reproducer.

One bad file never costs the verdicts of the others: each of these inputs
is checked beside a good policy, and the good policy's verdict must come
out in every output format. Every input is answered within its budget: the
bounds end as ``unknown`` with their reason, never as a verdict.
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
import xml.etree.ElementTree as ET

import pytest

from tests.builders import OWNER
from tests.support import trust
from verifier.cli import main

GOOD = trust({"StringEquals": {"aws:SourceAccount": OWNER}})
FORMATS = ("text", "json", "sarif", "junit")


def run(*argv, stdout=None):
    out, err = stdout or io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def write(tmp_path, name, text) -> str:
    path = tmp_path / name
    path.write_text(text if isinstance(text, str) else json.dumps(text), encoding="utf-8")
    return str(path)


def template(service_yaml: str, logical: str = "Role", head: str = "") -> str:
    return ("AWSTemplateFormatVersion: '2010-09-09'\n" + head + "Resources:\n"
            f"  {logical}:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n"
            "        Version: '2012-10-17'\n        Statement:\n          - Effect: Allow\n"
            f"            Principal: {{Service: {service_yaml}}}\n            Action: sts:AssumeRole\n")


def beside_a_good_policy(tmp_path, bad: str, fmt: str = "json"):
    """Check ``bad`` and a safe policy in one run: (exit code, output, stderr)."""
    good = write(tmp_path, "good.json", GOOD)
    return run("check", bad, good, "--account", OWNER, "--format", fmt)


def assert_others_reported(out: str, fmt: str) -> None:
    """The good policy's verdict is in the document, and the document is whole."""
    if fmt == "json":
        results = json.loads(out)["results"]
        assert any(r["path"].endswith("good.json") and r["verdict"] == "safe" for r in results)
    elif fmt == "sarif":
        json.loads(out)  # a whole log (the safe policy has no SARIF result)
    elif fmt == "junit":
        cases = ET.fromstring(out.split("\n", 1)[1]).iter("testcase")
        assert any(c.get("classname", "").endswith("good.json") for c in cases)
    else:
        assert "good.json: SAFE" in out


# -- one bad file never hides the others ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_yaml_nested_deeper_than_the_yaml_library_recursion_is_that_files_error(tmp_path, fmt):
    bad = write(tmp_path, "deep.yaml", "Resources: " + "[" * 493)  # the 504-byte reproducer
    code, out, err = beside_a_good_policy(tmp_path, bad, fmt)
    assert code == 2 and "internal error" not in out + err
    assert_others_reported(out, fmt)
    if fmt == "text":
        assert "deep.yaml:1:75: invalid YAML: the document is nested more than 64 levels deep" in out


def test_yaml_depth_is_counted_by_the_python_composer_too(tmp_path, monkeypatch):
    """Without libyaml the pure-Python composer recurses: it counts the depth itself."""
    import yaml

    from verifier.sources import yamltree

    monkeypatch.delattr(yaml, "CSafeLoader")
    with pytest.raises(Exception) as caught:
        yamltree.parse_yaml("Resources: " + "[" * 5000, "deep.yaml")
    assert "nested more than 64 levels" in str(caught.value)
    assert yamltree.parse_yaml("a: [[1]]", "ok.yaml").members[0].name == "a"


@pytest.mark.parametrize("index", ["\u00b2", "9" * 5000, "-1", "1.0", ""])
def test_select_with_an_index_that_is_not_a_small_whole_number_is_unknown(tmp_path, index):
    bad = write(tmp_path, "select.yaml", template(f'!Select ["{index}", [a.amazonaws.com, b.amazonaws.com]]'))
    code, out, err = beside_a_good_policy(tmp_path, bad)
    result = next(r for r in json.loads(out)["results"] if r["path"].endswith("select.yaml"))
    assert result["verdict"] == "unknown" and "!Select" in result["message"]
    assert code == 3 and "internal error" not in out + err


def test_select_with_a_valid_index_still_resolves(tmp_path):
    path = write(tmp_path, "select.yaml", template("!Select [1, [a.amazonaws.com, events.amazonaws.com]]"))
    code, out, _ = run("check", path, "--account", OWNER, "--format", "json")
    result = json.loads(out)["results"][0]
    assert [d["service"] for d in result["deputies"] if d["service"]] == ["events.amazonaws.com"]


@pytest.mark.parametrize("mapping", [
    "  M:\n    K:\n      V: {'Fn::FindInMap': [M, K, V]}\n",
    "  M:\n    K:\n      V: !FindInMap [M, K, W]\n      W: [!FindInMap [M, K, V]]\n",
])
def test_findinmap_whose_mapping_refers_to_itself_is_unknown(tmp_path, mapping):
    bad = write(tmp_path, "map.yaml", template("!FindInMap [M, K, V]", head="Mappings:\n" + mapping))
    code, out, err = beside_a_good_policy(tmp_path, bad)
    result = next(r for r in json.loads(out)["results"] if r["path"].endswith("map.yaml"))
    assert result["verdict"] == "unknown" and "refers to itself" in result["message"]
    assert "internal error" not in out + err


def test_intrinsics_nested_past_the_bound_are_unknown_not_a_crash():
    from verifier.policy.jsontree import JArray, JMember, JObject, JScalar
    from verifier.sources import JUnresolved
    from verifier.sources.intrinsics import MAX_DEPTH, Resolver
    from verifier.policy.ast import Span

    at = Span(1, 1, 1, 1)
    node = JScalar("string", "x", at)
    for _ in range(MAX_DEPTH + 10):
        node = JObject((JMember("Fn::Join", at, JArray((JScalar("string", "", at), JArray((node,), at)), at)),), at)
    resolved = Resolver(JObject((), at), OWNER).value(node)
    assert isinstance(resolved, JUnresolved) and "nested more than" in resolved.what


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_lone_surrogate_in_a_name_is_escaped_in_every_format(tmp_path, fmt):
    """A file name that is not UTF-8 reaches the output as a lone surrogate
    (Python's surrogateescape): the output escapes it and stays valid."""
    directory = tmp_path / "policies"
    directory.mkdir()
    name = os.fsdecode(b"p\xff.json")
    (directory / name).write_text(json.dumps(trust(None)))  # vulnerable: a finding in every format
    (directory / "good.json").write_text(json.dumps(GOOD))
    code, out, err = run("check", str(directory), "--account", OWNER, "--format", fmt)
    assert code == 1 and "internal error" not in err
    out.encode("utf-8")  # writable to a UTF-8 stream
    assert ("p%FF.json" if fmt == "sarif" else "\\udcff") in out  # a SARIF URI names the file's bytes
    assert_others_reported(out, fmt)
    if fmt == "junit":
        ET.fromstring(out.split("\n", 1)[1])


def test_a_surrogate_escape_in_yaml_is_that_files_error(tmp_path):
    bad = write(tmp_path, "surrogate.yaml", template("s3.amazonaws.com", logical='"R\\ud800"'))
    code, out, err = beside_a_good_policy(tmp_path, bad, "text")
    assert "internal error" not in out + err
    assert_others_reported(out, "text")


def test_json_output_escapes_what_the_stream_cannot_encode():
    from verifier.outputs.stream import writable

    class Ascii(io.StringIO):
        encoding = "ascii"

    text = json.dumps({"sid": "R\U0001F600", "id": "R\ud800"}, ensure_ascii=False)
    escaped = writable(text, "json", Ascii())
    assert json.loads(escaped) == {"sid": "R\U0001F600", "id": "R\ud800"}
    escaped.encode("ascii")
    assert writable("plain", "json", Ascii()) == "plain"
    assert writable("a\x07b", "junit", io.StringIO()) == "a\\u0007b"


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_emoji_sid_with_an_ascii_stream_is_escaped(tmp_path, fmt):
    """PYTHONIOENCODING=ascii: what the stream cannot encode is escaped."""
    import subprocess

    doc = trust({"StringEquals": {"aws:SourceAccount": OWNER}})
    doc["Statement"][0]["Sid"] = "Ok\U0001F600"
    path = write(tmp_path, "emoji.json", json.dumps(doc, ensure_ascii=False))
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    done = subprocess.run([sys.executable, "-m", "verifier", "check", path, "--account", OWNER, "--format", fmt,
                           "-v"], capture_output=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert b"internal error" not in done.stderr and b"Traceback" not in done.stderr
    done.stdout.decode("ascii")
    if fmt in ("json", "sarif"):
        json.loads(done.stdout)


# -- near misses and templates that hold nothing ---------------------------------------------------------


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_near_miss_resource_type_is_a_warning_with_its_line(tmp_path, jobs):
    bad = write(tmp_path, "typo.yaml", template("events.amazonaws.com").replace("AWS::IAM::Role", "AWS::IAM:Role"))
    good = write(tmp_path, "good.json", GOOD)
    code, out, err = run("check", bad, good, "--account", OWNER, "--format", "json", "-j", jobs)
    warnings = json.loads(out)["warnings"]
    assert warnings == [{"path": bad, "line": 4, "column": 11, "message": warnings[0]["message"]}]
    assert "'AWS::IAM::Role'" in warnings[0]["message"]
    assert f"deputy: warning: {bad}:4:11: resource Role: Type 'AWS::IAM:Role'" in err
    assert code == 0  # a warning, not a verdict


def test_a_template_in_which_nothing_holds_a_policy_is_a_warning(tmp_path):
    bad = write(tmp_path, "buckets.yaml", "Resources:\n  B:\n    Type: AWS::S3::Bucket\n")
    code, out, err = run("check", bad, "--account", OWNER, "--format", "sarif")
    results = json.loads(out)["runs"][0]["results"]
    assert [(r["ruleId"], r["level"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
            for r in results] == [("DEPUTY006", "warning", 2)]
    assert "nothing in this template holds a policy" in err and code == 0


def typo_template(tmp_path, name: str = "typo.yaml") -> str:
    return write(tmp_path, name, template("events.amazonaws.com").replace("AWS::IAM::Role", "AWS::IAM:Role"))


NEAR_MISS = ":4:11: resource Role: Type 'AWS::IAM:Role' is not a CloudFormation type; did you mean 'AWS::IAM::Role'?"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_fix_reports_the_near_miss_check_warns_about(tmp_path, fmt):
    bad = typo_template(tmp_path)
    code, out, _ = run("fix", bad, "--account", OWNER, "--format", fmt)
    assert code == run("check", bad, "--account", OWNER)[0] == 0  # a warning, not a verdict, as in check
    if fmt == "json":
        warnings = json.loads(out)["warnings"]
        assert len(warnings) == 1 and warnings[0].startswith(bad + NEAR_MISS)
    else:
        assert f"  warning: {bad}{NEAR_MISS}" in out


def test_fix_reports_a_template_in_which_nothing_holds_a_policy(tmp_path):
    bad = write(tmp_path, "buckets.yaml", "Resources:\n  B:\n    Type: AWS::S3::Bucket\n")
    code, out, _ = run("fix", bad, "--account", OWNER, "--format", "json")
    assert code == 0 and json.loads(out)["warnings"][0].startswith(f"{bad}:2:3: nothing in this template holds")


def test_fix_keeps_the_warning_beside_a_policy_it_repairs(tmp_path):
    text = template("events.amazonaws.com")
    body = text.split("Resources:\n", 1)[1]
    bad = write(tmp_path, "both.yaml", text + body.replace("  Role:", "  Typo:").replace("AWS::IAM::Role",
                                                                                          "AWS::IAM:Role"))
    code, out, _ = run("fix", bad, "--account", OWNER, "--format", "json")
    document = json.loads(out)
    assert code == 0 and document["status"] == "repaired"
    assert [w.split(": Type")[0] for w in document["warnings"]] == [f"{bad}:13:11: resource Typo"]


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_diff_reports_the_new_versions_near_miss_as_check_does(tmp_path, fmt):
    old, new = typo_template(tmp_path, "old.yaml"), typo_template(tmp_path, "new.yaml")
    code, out, err = run("diff", old, new, "--account", OWNER, "--format", fmt)
    assert code == 0  # as check's
    assert f"deputy: warning: {new}{NEAR_MISS}" in err and old not in err  # the new version's, once
    if fmt == "json":
        assert json.loads(out)["warnings"] == [{"path": new, "line": 4, "column": 11,
                                                "message": json.loads(out)["warnings"][0]["message"]}]
    elif fmt == "sarif":  # only what opens is a SARIF result of diff (issue 15)
        assert json.loads(out)["runs"][0]["results"] == []


def test_check_base_reports_the_near_miss_of_the_files_now(tmp_path, monkeypatch):
    from tests.test_gate import git

    root = tmp_path / "repo"
    (root / "infra").mkdir(parents=True)
    (root / "infra/role.yaml").write_text(template("events.amazonaws.com"))
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "base")
    typo_template(root / "infra", "role.yaml")
    monkeypatch.chdir(root)
    code, out, err = run("check", "infra", "--base", "HEAD", "--account", OWNER, "--format", "json")
    assert code == 0 and [c["kind"] for c in json.loads(out)["changes"]] == ["removed"]
    assert [w["path"] for w in json.loads(out)["warnings"]] == ["infra/role.yaml"]
    assert f"deputy: warning: infra/role.yaml{NEAR_MISS}" in err and "HEAD:" not in err


@pytest.mark.parametrize("typed, meant", [("AWS::IAM:Role", "AWS::IAM::Role"), ("aws::iam::role", "AWS::IAM::Role"),
                                          ("AWS::S3::BucketPolcy", "AWS::S3::BucketPolicy"),
                                          ("AWS::Lambda::Permisson", "AWS::Lambda::Permission"),
                                          ("AWS::IAM::User", None), ("AWS::SNS::Topic", None),
                                          ("AWS::IAM::RolePolicy", None), ("AWS::IAM::Role", None)])
def test_near_miss_is_a_typo_of_a_type_deputy_reads_and_nothing_else(typed, meant):
    from verifier.sources.cloudformation import near_miss

    assert near_miss(typed) == meant


# -- messages: file, line and column -----------------------------------------------------------------------


def test_a_yaml_control_character_names_its_line_and_column(tmp_path):
    bad = write(tmp_path, "bell.yaml", "Resources:\n  B:\n    Type: AWS::S3::Bucket\x07\n")
    _, out, _ = run("check", bad, "--account", OWNER)
    assert "bell.yaml:3:26: invalid YAML: the character U+0007 is not allowed" in out


def test_a_yaml_control_character_after_multibyte_text_is_placed_by_character(tmp_path):
    bad = write(tmp_path, "bell.yaml", "a: \u00e9\u00e9\nb: c\x07\n")
    _, out, _ = run("check", bad, "--account", OWNER)
    assert "bell.yaml:2:5:" in out


def test_fix_on_input_that_is_not_utf8_names_line_and_column(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"Version": "2012-10-17",\n "Statement": [{"Sid": "caf\xe9"}]}')
    code, _, err = run("fix", str(path), "--account", OWNER)
    assert code == 2 and f"{path}:2:28: input is not UTF-8 (byte 0xe9)" in err


def test_an_unterminated_string_is_named_where_it_starts(tmp_path):
    bad = write(tmp_path, "open.json", '{"Version": "2012-10-17", "Statement": "oops}')
    _, out, _ = run("check", bad, "--account", OWNER)
    assert "open.json:1:40: invalid JSON: the string that starts here is never closed" in out


# -- reading: regular files only, the size first ---------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="this system has no FIFOs")
@pytest.mark.parametrize("command", ["check", "fix"])
def test_a_fifo_is_refused_not_waited_on(tmp_path, command):
    fifo = tmp_path / "policy.json"
    os.mkfifo(fifo)
    started = time.monotonic()
    code, out, err = run(command, str(fifo), "--account", OWNER)
    assert code == 2 and "a FIFO (named pipe), not a regular file" in out + err
    assert time.monotonic() - started < 30  # (a hang would never get here)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="this system has no FIFOs")
def test_a_fifo_in_a_walked_directory_is_reported_not_waited_on(tmp_path):
    os.mkfifo(tmp_path / "pipe.json")
    write(tmp_path, "good.json", GOOD)
    code, out, _ = run("check", str(tmp_path), "--account", OWNER, "--format", "json")
    verdicts = {os.path.basename(r["path"]): r["verdict"] for r in json.loads(out)["results"]}
    assert verdicts == {"good.json": "safe", "pipe.json": "error"} and code == 2


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="this system has no /dev/zero")
def test_fix_checks_the_size_before_reading_a_device():
    code, _, err = run("fix", "/dev/zero", "--account", OWNER)
    assert code == 2 and "/dev/zero: cannot read file: it is a device, not a regular file" in err


def test_fix_refuses_a_file_over_the_limit_before_reading_it_whole(tmp_path):
    path = tmp_path / "big.json"
    path.write_bytes(b"{" + b" " * (2 << 20) + b"}")
    code, _, err = run("fix", str(path), "--account", OWNER)
    assert code == 2 and "input is larger than 1048576 bytes" in err


# -- budgets: never a hang, never a verdict from a bound ---------------------------------------------------


def test_an_unterminated_string_of_escaped_quotes_is_refused_in_linear_time():
    from verifier.policy import jsontree

    text = '["' + '\\"' * 400_000  # (800 KB: quadratic took hours on 1 MiB)
    started = time.monotonic()
    jsontree.check_depth(text, "quotes.json")
    assert time.monotonic() - started < 10
    text = '["' + '\\"' * 20 + '"]' + "[" * 40
    with pytest.raises(Exception, match="nested more than 32"):
        jsontree.check_depth(text, "x")


def test_a_document_of_too_many_values_is_refused_before_it_is_parsed():
    from verifier.errors import InputError
    from verifier.policy import parser

    with pytest.raises(InputError, match="more than 100,000 values") as caught:
        parser.parse_text("[" + ",".join(["1"] * 100_001) + "]", "ones.json")
    assert (caught.value.line, caught.value.column) == (1, 200_001)
    assert parser.parse_text('["a,b,c"]', "x").items[0].value == "a,b,c"  # commas in strings are not counted


@pytest.mark.parametrize("pattern, verdict", [("*" * 40, "vulnerable"), ("*" * 3000, "vulnerable")])
def test_many_stars_in_a_row_are_one_star(tmp_path, pattern, verdict):
    path = write(tmp_path, "stars.json", trust({"StringLike": {"aws:SourceArn": pattern}}))
    code, out, _ = run("check", path, "--account", OWNER, "--format", "json")
    assert json.loads(out)["results"][0]["verdict"] == verdict


def test_collapsing_stars_keeps_the_language():
    from verifier.encoder import automata
    from verifier.encoder import lang as L
    from verifier.evaluator.matching import SEG_STAR, STAR, glob, pattern_tokens

    for text in ("a**b", "***", "**:*", "a*?**c"):
        collapsed = L.glob(text)
        assert all(not (a == b == L.STAR) for a, b in zip(collapsed, collapsed[1:]))
        for value in ("ab", "a:b", "axxb", "", ":", "a?c", "abc:c"):
            assert automata.matches(L.of_pattern(collapsed), value) == \
                automata.matches(L.of_pattern(tuple(L.STAR if c == "*" else L.ANY if c == "?" else c
                                                    for c in text)), value), (text, value)
            assert glob(pattern_tokens(text), value) == glob([STAR] + pattern_tokens(text), "" + value) or \
                text.startswith("*")
    assert glob([SEG_STAR, STAR, "a"], "x:a") and not glob([SEG_STAR, SEG_STAR, "a"], "x:a")


@pytest.mark.parametrize("pattern", ["?" * 100, "a*" * 40, "*?" * 60])
def test_a_pattern_with_too_many_ways_to_cut_an_arn_is_unknown_naming_the_bound(tmp_path, pattern):
    path = write(tmp_path, "wild.json", trust({"StringLike": {"aws:SourceArn": pattern}}))
    started = time.monotonic()
    code, out, _ = run("check", path, "--account", OWNER, "--format", "json")
    result = json.loads(out)["results"][0]
    assert result["verdict"] == "unknown" and code == 3
    assert "the string constraints of this policy exceed 2,000 ways" in result["message"]
    assert time.monotonic() - started < 60


def test_the_product_exploration_bound_ends_unknown_never_safe():
    """A question whose string classes pass the bound is unknown, with the
    bound named, even where a partial exploration would have said safe."""
    from verifier.encoder import classes
    from verifier.policy.loading import load_text
    from verifier.prove.prover import check_deputy
    from tests.support import model

    # A pattern, not the owner's account itself: only the string classes show
    # that it names no other account (StringEquals folds without them).
    loaded = load_text(json.dumps(trust({"StringLike": {"aws:SourceAccount": OWNER + "*"}})))
    assert check_deputy(loaded, model(), 20).verdict.value == "safe"
    classes._realizable.cache_clear()
    original = classes.realizable.__defaults__
    try:
        classes.realizable.__defaults__ = (2,) + original[1:]
        result = check_deputy(loaded, model(), 20)
    finally:
        classes.realizable.__defaults__ = original
        classes._realizable.cache_clear()
    assert result.verdict.value == "unknown"
    assert "the string constraints of this policy exceed" in result.message


def test_a_policy_naming_more_services_than_the_bound_is_unknown_quickly(tmp_path):
    services = [f"svc{i}.amazonaws.com" for i in range(1500)]
    path = write(tmp_path, "services.json", trust(None) | {"Statement": [
        {"Effect": "Allow", "Principal": {"Service": services}, "Action": "sts:AssumeRole"}]})
    code, out, _ = run("check", path, "--account", OWNER, "--format", "json")
    result = json.loads(out)["results"][0]
    assert result["verdict"] == "unknown" and "names 1,500 service principals, more than the 1,000" in \
        result["message"]


def test_the_time_limit_covers_the_python_work_and_ends_unknown(tmp_path, monkeypatch):
    """--timeout bounds every deputy's question, not only z3: once it is
    spent, the deputies not yet asked about are unknown, saying so."""
    from verifier import checking

    doc = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": [f"svc{i}.amazonaws.com" for i in range(5)]},
         "Action": "sts:AssumeRole"}]}
    path = write(tmp_path, "five.json", doc)
    original = checking._one_deputy
    calls = []

    def slow(*args, **kwargs):
        calls.append(1)
        result = original(*args, **kwargs)
        time.sleep(0.3)
        return result

    monkeypatch.setattr(checking, "_one_deputy", slow)
    code, out, _ = run("check", path, "--account", OWNER, "--format", "json", "--timeout", "0.5")
    deputies = json.loads(out)["results"][0]["deputies"]
    skipped = [d for d in deputies if "before this deputy was asked about" in d["message"]]
    assert skipped and len(calls) < 6
    assert all(d["verdict"] == "unknown" for d in skipped)
    assert "the time limit of 0.5 s (--timeout) was reached" in skipped[0]["message"]


def test_the_solver_is_given_no_more_than_the_time_left():
    from verifier import deadline
    from verifier.encoder import logic as F
    from verifier.prove.solver import Session

    with deadline.limit(-1, 7):
        outcome = Session(5000).check()
    assert outcome.status == "unknown" and outcome.reason == "the time limit of 7 s (--timeout) was reached"
    with deadline.limit(60):
        session = Session(5000)
        session.add(F.Bool("x"))
        assert session.check().status == "sat"


# -- the benchmark family's large inputs (bench/adversarial.py), by verdict and message, not by time ----------


def test_a_resource_of_one_pattern_with_300000_stars_is_decided_safe(tmp_path):
    """bench row resource-star-300k: the stars are one star, and the proof
    that the topic policy admits no foreign request still reads Resource."""
    path = write(tmp_path, "resource.json", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sns:Publish",
         "Resource": "arn:aws:sns:*" + "*" * 300_000, "Condition": {"StringEquals": {"aws:SourceAccount": OWNER}}}]})
    code, out, _ = run("check", path, "--account", OWNER, "--format", "json", "--timeout", "5")
    result = json.loads(out)["results"][0]
    assert (code, result["verdict"]) == (0, "safe"), result["message"]


def test_one_condition_with_50000_values_is_vulnerable(tmp_path):
    """bench row values-50k: a canonical request finds the foreign account
    among 50,000 listed ones (none is the attacker's); the questions beside
    the verdict may be cut short by the time limit, which a warning says."""
    path = write(tmp_path, "values.json", trust({"StringEquals": {"aws:SourceAccount": [f"{i:012d}"
                                                                                      for i in range(50_000)]}}))
    # --timeout 6: reading the 750 KB counts against it, and under -n 2 a busy
    # neighbour can take a second or two of it before the witness is tried.
    code, out, _ = run("check", path, "--account", OWNER, "--format", "json", "--timeout", "6")
    result = json.loads(out)["results"][0]
    assert (code, result["verdict"]) == (1, "vulnerable"), result["message"]
    account = result["counterexample"]["context"]["aws:SourceAccount"]
    assert account != OWNER and int(account) < 50_000  # one of the listed accounts, none of them trusted
    assert all("the time limit of 6 s (--timeout) was reached" in w for w in result["warnings"] if "time limit" in w)


def test_explain_on_5000_statements_answers_unknown_naming_the_time_limit(tmp_path):
    """bench row explain-5000: --explain re-proves the policy without each
    condition and statement; past --timeout the answer is unknown, saying
    which bound, with no explanation, never a hang."""
    doc = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole",
         "Condition": {"StringEquals": {"aws:SourceAccount": OWNER}, "ArnLike": {"aws:SourceArn": f"arn:aws:s3:::b{i}"}}}
        for i in range(5000)]}
    path = write(tmp_path, "explain.json", json.dumps(doc, separators=(",", ":")))  # 1,013,928 bytes: under 1 MiB
    code, out, _ = run("check", path, "--account", OWNER, "--format", "json", "--explain", "--timeout", "1")
    result = json.loads(out)["results"][0]
    assert (code, result["verdict"]) == (3, "unknown")
    assert "the time limit of 1 s (--timeout) was reached" in result["message"]
    assert result["explanation"] == {"kind": "none", "note": "no explanation for a verdict of unknown"}
    assert result["seconds"] >= 0.9  # it used the whole time limit, and says so (it said 0.0)
