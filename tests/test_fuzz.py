"""Fuzzing ``deputy check`` with mutants of real policies and templates
(issue 17).

Seeds: the examples and test inputs of this repository, and the shared
corpus's policies and templates when it is on this machine. Each example
mutates a few seeds with one family of operators each (byte flips,
truncation, type swaps, unicode, deep nesting, huge arrays, YAML tags,
anchors, intrinsic-function edge cases, wildcard explosions) and checks
them in one run, beside a good policy. Whatever the input: no exception
escapes ``main`` (no traceback), the exit code is 0-3 and the one the
verdicts call for, every file given has a result (or, for a template
that holds no policy, a warning), no result is an internal error (a
request the evaluator does not confirm is unknown, never reported: that is
the replay at work), and every counterexample replays (``conftest.py``
replays every one the prover returns). Derandomized in CI (``DEPUTY_CI``); ``DEPUTY_EXAMPLES_SCALE``
hunts longer.
"""

from __future__ import annotations

import io
import json
import random
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.builders import CORPUS_ROOT
from tests.builders import OWNER
from tests.support import examples, trust
from verifier.cli import main

ROOT = Path(__file__).resolve().parent.parent
CORPUS = CORPUS_ROOT


def _seeds() -> list[Path]:
    own = sorted((ROOT / "examples").glob("*.json")) + sorted((ROOT / "examples").glob("*.yaml")) + \
        sorted((ROOT / "tests" / "data" / "sources").glob("cfn-*"))
    corpus = sorted((CORPUS / "policies").glob("*.json"))[::7] + sorted((CORPUS / "cfn").glob("*.yaml"))[::3] \
        if CORPUS.is_dir() else []
    return [p for p in own + corpus if p.stat().st_size < 64_000]


SEEDS = _seeds()
TEMPLATES = [p for p in SEEDS if p.suffix in (".yaml", ".yml") or b"Resources" in p.read_bytes()[:4096]]
_JSON_VALUE = re.compile(rb'(?:(?<=: )|(?<=:)|(?<=\[)|(?<=, )|(?<=,))"(?:[^"\\\n]|\\.)*"')
_YAML_VALUE = re.compile(rb"(?m)(?:(?<=: )|(?<=- ))[^\n{\[&*!|>#][^\n]*$")


def _values(data: bytes) -> list[re.Match]:
    """The values (not the keys) a mutation may replace."""
    pattern = _JSON_VALUE if data.lstrip()[:1] in (b"{", b"[") else _YAML_VALUE
    return list(pattern.finditer(data))


def _replace_value(data: bytes, rng: random.Random, replacement: bytes) -> bytes:
    found = _values(data)
    if not found:
        return data + replacement
    m = rng.choice(found)
    return data[:m.start()] + replacement + data[m.end():]


def byte_flips(data, rng):
    data = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if data:
            data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


def truncation(data, rng):
    return data[:rng.randrange(len(data) + 1)]


def type_swaps(data, rng):
    return _replace_value(data, rng, rng.choice([b"123", b"[]", b"{}", b"null", b"true", b'["a", {"b": 1}]',
                                                 b"-0.5e9", b'""', b'{"Ref": 7}']))


def unicode(data, rng):
    insert = rng.choice(["\\ud800", "\\udfff", "\\u0000", "\U0001F600", "\u200b", "\u2028", "\ufeff", "\u00b2",
                         "\x07", "\x00"]).encode("utf-8")
    insert = rng.choice([insert, b"\xff", b"\xed\xa0\x80", b"\xc3"])
    at = rng.randrange(len(data) + 1)
    return data[:at] + insert + data[at:]


def deep_nesting(data, rng):
    depth = rng.choice([31, 33, 65, 70, 600, 5000])
    return _replace_value(data, rng, b"[" * depth + b'"x"' + b"]" * depth)


def huge_arrays(data, rng):
    found = _values(data)
    item = rng.choice(found).group() if found else b'"x"'
    if not item.startswith(b'"'):
        item = json.dumps(item.decode("utf-8", "replace")).encode()
    return _replace_value(data, rng, b"[" + b", ".join([item] * rng.choice([300, 3000])) + b"]")


def yaml_tags(data, rng):
    tag = rng.choice([b"!Ref Nowhere", b'!Select ["\\u00b2", [a.amazonaws.com]]', b"!Foo bar",
                      b"!!python/object:os.system x", b"!GetAtt [A, B, C]", b"!Sub ['${x}', {x: !Ref y}]",
                      b"!Split ['', abc]", b"!Join [',', !Ref L]", b"!If [C, a]", b"!Select [99999, [a]]",
                      b"!FindInMap [M, K, V]", b"!Base64 {a: b}", b"!Sub", b"!GetAZs ''", b"!Select ['9' , !Ref X]"])
    data = _replace_value(data, rng, tag)
    if b"FindInMap" in tag and b"\nMappings:" not in data:
        data += b"\nMappings:\n  M:\n    K:\n      V: !FindInMap [M, K, V]\n"
    return data


def anchors(data, rng):
    found = list(_YAML_VALUE.finditer(data))
    if len(found) < 2:
        bomb = b"\nX: &a [x, x]\nY: &b [*a, *a, *a, *a]\nZ: &c [*b, *b, *b, *b]\nW: [*c, *c, *c, *c]\n"
        return data + bomb
    first, second = rng.sample(found, 2)
    first, second = sorted((first, second), key=lambda m: m.start())
    return data[:first.start()] + b"&anchor " + data[first.start():second.start()] + b"*anchor" + \
        data[second.end():]


def intrinsics(data, rng):
    call = rng.choice([b'{"Fn::Select": ["99999999999999999999", ["a"]]}', b'{"Fn::FindInMap": ["M", "K"]}',
                       b'{"Ref": ["a"]}', b'{"Fn::Sub": []}', b'{"Fn::Sub": ["${A.B.C}", {"A": {"Ref": "A"}}]}',
                       b'{"Fn::Join": ["", [[], {}]]}', b'{"Fn::GetAtt": "NoDot"}', b'{"Fn::If": ["C"]}',
                       b'{"Fn::Split": [null, "a"]}', b'{"Fn::ImportValue": {"Fn::Sub": "x"}}',
                       b'{"Fn::Select": ["\\u00b2", ["a"]]}', b'"{{resolve:ssm:/a/b}}"'])
    return _replace_value(data, rng, call)


def wildcards(data, rng):
    return _replace_value(data, rng, b'"' + rng.choice([b"*", b"?", b"*?", b"a*"]) * rng.choice([10, 60, 400]) + b'"')


OPERATORS = [byte_flips, truncation, type_swaps, unicode, deep_nesting, huge_arrays, yaml_tags, anchors,
             intrinsics, wildcards]
FOR_TEMPLATES = {yaml_tags, anchors, intrinsics}
"""Operators that mean something in a template only (a policy has no tags
or intrinsic functions): their seeds are templates."""

mutants = st.lists(st.tuples(st.integers(0, len(SEEDS) - 1), st.sampled_from(OPERATORS), st.integers(0, 2**32)),
                   min_size=1, max_size=3)


def seed_for(index: int, operator) -> Path:
    pool = TEMPLATES if operator in FOR_TEMPLATES else SEEDS
    return pool[index % len(pool)]


def expected_exit(summary: dict) -> int:
    if summary["vulnerable"]:
        return 1
    if summary["error"]:
        return 2
    return 3 if summary["unknown"] else 0


@settings(max_examples=examples(40), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(mutants)
def test_no_mutant_costs_a_verdict_crashes_or_escapes_its_exit_code(tmp_path_factory, chosen):
    directory = tmp_path_factory.mktemp("mutants")
    files = []
    for n, (seed, operator, salt) in enumerate(chosen):
        source = seed_for(seed, operator)
        path = directory / f"m{n}-{operator.__name__}{source.suffix}"
        path.write_bytes(operator(source.read_bytes(), random.Random(salt)))
        files.append(str(path))
    good = directory / "good.json"
    good.write_text(json.dumps(trust({"StringEquals": {"aws:SourceAccount": OWNER}})))
    files.append(str(good))
    out, err = io.StringIO(), io.StringIO()
    code = main(["check", *files, "--account", OWNER, "--format", "json", "--timeout", "3"], out, err)
    document = json.loads(out.getvalue())
    results = document["results"]
    assert code == expected_exit(document["summary"]), (code, document["summary"])
    answered = {r["path"] for r in results} | {w["path"] for w in document["warnings"]}
    assert answered == set(files), set(files) - answered
    assert any(r["path"] == str(good) and r["verdict"] == "safe" for r in results)
    messages = [r["message"] for r in results] + [d["message"] for r in results for d in r.get("deputies") or []]
    # A request the prover found that the evaluator does not confirm is
    # unknown, never reported: the replay doing its job, not a crash.
    crashes = [m for m in messages if "internal error" in m and "a counterexample did not replay" not in m]
    assert not crashes, crashes
    assert "internal error" not in err.getvalue()
