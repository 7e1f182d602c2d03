"""The front end: JSON and policy parse errors with exact positions, decoding
(escapes, G5 literal text, G3 statement forms), spans on every AST node,
well-formedness diagnostics, and the ``deputy eval`` command line.

Positions are 1-based line and column of the first character of the
offending token, counted by hand in the texts below.
"""

from __future__ import annotations

import dataclasses
import io
import json
import time

import pytest

from tests.builders import ALLOW, FOREIGN, OWNER, SERVICE, allow_if, decide, deny_if, policy, statement
from verifier.policy import ast, parser, wellformed
from verifier.cli import main
from verifier.errors import InputError
from verifier.policy.loading import load_file, load_text
from verifier.policy.wellformed import Severity

MIB = 1 << 20


def statement_text(*elements: str) -> str:
    """A policy whose single statement object opens on line 2 and has one
    element per line from line 3, each starting in column 5."""
    body = ",\n".join(f"    {element}" for element in elements)
    return '{\n  "Statement": {\n' + body + "\n  }\n}"


EFFECT = '"Effect": "Allow"'
STAR = '"Principal": "*"'
ASSUME = '"Action": "sts:AssumeRole"'


def load_error(text: str) -> InputError:
    with pytest.raises(InputError) as info:
        load_text(text, "p.json")
    return info.value


def assert_at(error: InputError, line: int, column: int, fragment: str) -> None:
    assert (error.line, error.column) == (line, column), str(error)
    assert fragment in error.message, str(error)
    assert str(error).startswith(f"p.json:{line}:{column}: ")
    assert "\n" not in str(error)


# --- parse errors -----------------------------------------------------------------

PARSE_ERRORS = [
    pytest.param("{'Version': '2012-10-17'}", 1, 2, "unexpected", id="json-single-quotes"),
    pytest.param('{\n  "Version": "2012-10-17",\n  "Statement": nope\n}', 3, 16, "unexpected", id="json-bare-word"),
    pytest.param('{\n  "Version": 2012-10-17,\n  "Statement": []\n}', 2, 18, "unexpected", id="json-unquoted-date"),
    pytest.param('{"Statement": [', 1, 16, "ends too early", id="json-ends-early"),
    pytest.param('{"Sid": "a\tb", "Statement": []}', 1, 11, "control character", id="json-raw-tab-in-string"),
    pytest.param('{\n  "Statement": [\n    {"Effect": "Allow",}\n  ]\n}', 3, 24, "unexpected",
                 id="trailing-comma-object"),
    pytest.param('{\n  "Statement": [\n    {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"},\n'
                 '  ]\n}', 4, 3, "unexpected", id="trailing-comma-array"),
    pytest.param('{\n  "Version": "2012-10-17",\n  "Statement": [],\n  "Version": "2012-10-17"\n}', 4, 3,
                 "duplicate key 'Version'", id="duplicate-key"),
    pytest.param(statement_text(EFFECT, r'"\u0045ffect": "Deny"', STAR, ASSUME), 4, 5, "duplicate key 'Effect'",
                 id="duplicate-key-escaped"),
    pytest.param(statement_text(EFFECT, STAR, ASSUME, '"Condition": {"StringEquals": {\n'
                                '      "aws:SourceAccount": "111122223333",\n'
                                '      "aws:SourceAccount": "999999999999"}}'), 8, 7, "duplicate key",
                 id="duplicate-condition-key"),
    pytest.param(statement_text('"effect": "Allow"', STAR, ASSUME), 3, 5, "'effect'", id="unknown-element-case"),
    pytest.param(statement_text(EFFECT, STAR, ASSUME, '"Resources": "*"'), 6, 5, "'Resources'",
                 id="unknown-element"),
    pytest.param('{"Statements": []}', 1, 2, "'Statements'", id="unknown-top-element"),
    pytest.param(statement_text(EFFECT, '"Principal": {"Services": "rekognition.amazonaws.com"}', ASSUME), 4, 19,
                 "'Services'", id="unknown-principal-type"),
    pytest.param("[]", 1, 1, "JSON object", id="type-policy-array"),
    pytest.param('{"Version": "2012-10-17"}', 1, 1, "Statement", id="type-no-statement"),
    pytest.param('{"Statement": "x"}', 1, 15, "Statement must be", id="type-statement-string"),
    pytest.param('{"Statement": [5]}', 1, 16, "statement 0 must be an object", id="type-statement-item-number"),
    pytest.param(statement_text(EFFECT, STAR, '"Action": {"sts": "AssumeRole"}'), 5, 15, "Action",
                 id="type-action-object"),
    pytest.param(statement_text(EFFECT, STAR, '"Action": [["sts:AssumeRole"]]'), 5, 16, "Action",
                 id="type-action-nested-list"),
    pytest.param(statement_text(EFFECT, STAR, ASSUME, '"Condition": []'), 6, 18, "Condition",
                 id="type-condition-array"),
    pytest.param(statement_text(EFFECT, STAR, ASSUME, '"Condition": {"StringEquals": "x"}'), 6, 35, "StringEquals",
                 id="type-operator-value-string"),
    pytest.param(statement_text(EFFECT, '"Principal": 5', ASSUME), 4, 18, "Principal", id="type-principal-number"),
    pytest.param(statement_text('"Effect": ["Allow"]', STAR, ASSUME), 3, 15, "Effect", id="type-effect-list"),
    pytest.param(statement_text('"Sid": null', EFFECT, STAR, ASSUME), 3, 12, "null", id="null-sid"),
    pytest.param(statement_text(EFFECT, STAR, '"Action": [null]'), 5, 16, "null", id="null-action-item"),
    pytest.param(statement_text(EFFECT, '"Principal": null', ASSUME), 4, 18, "null", id="null-principal"),
    pytest.param(statement_text(EFFECT, STAR, ASSUME,
                                '"Condition": {"StringEquals": {"aws:SourceAccount": null}}'), 6, 57, "null",
                 id="null-condition-value"),
    pytest.param('{\n  "Statement": [],\n  "Id": "\\ud800"\n}', 3, 9, "surrogate", id="lone-high-surrogate"),
    pytest.param('{\n  "Statement": [],\n  "Id": "\\udc00x"\n}', 3, 9, "surrogate", id="lone-low-surrogate"),
    pytest.param('{\n  "Statement": [],\n  "Id": "\\ud800\\u0041"\n}', 3, 9, "surrogate",
                 id="high-surrogate-before-letter"),
    pytest.param('{"Statement": ' + "[" * 40 + "]" * 40 + "}", 1, 46, "nested", id="nested-33-deep"),
    pytest.param('{"Statement": ' + "[" * 31 + "]" * 31 + "}", 1, 16, "statement 0 must be an object",
                 id="nested-32-deep-is-not-a-depth-error"),
]


@pytest.mark.parametrize("text, line, column, fragment", PARSE_ERRORS)
def test_parse_errors(text, line, column, fragment):
    assert_at(load_error(text), line, column, fragment)


def file_error(tmp_path, data: bytes) -> InputError:
    path = tmp_path / "p.json"
    path.write_bytes(data)
    with pytest.raises(InputError) as info:
        load_file(str(path))
    error = info.value
    assert error.source == str(path)
    return error


def test_oversized_file(tmp_path):
    error = file_error(tmp_path, b'{"Statement": []' + b" " * MIB + b"}")
    # The first byte past the 1 MiB limit.
    assert (error.line, error.column) == (1, MIB + 1)
    assert "1 MiB" in error.message


def test_oversized_text():
    with pytest.raises(InputError) as info:
        load_text('{"Statement": []' + " " * MIB + "}", "p.json")
    assert "1 MiB" in info.value.message


def test_invalid_utf8_file(tmp_path):
    error = file_error(tmp_path, b'{\n  "Sid": "\xff",\n  "Statement": []\n}')
    assert (error.line, error.column) == (2, 11)
    assert "UTF-8" in error.message


def test_brackets_inside_strings_do_not_count_as_nesting():
    loaded = load_text('{"Id": "' + "[{" * 100 + '", "Statement": []}')
    assert loaded.policy.id.value == "[{" * 100


def test_hostile_nesting_fails_fast():
    start = time.perf_counter()
    error = load_error("[" * 200_000)
    assert time.perf_counter() - start < 2.0
    assert_at(error, 1, 33, "nested")


# --- decoding -------------------------------------------------------------------------

ESCAPED = r"""{
  "Version": "2012-10-17",
  "Statement": {
    "\u0045ffect": "Allow",
    "Principal": {"Service": "rekognition\u002eamazonaws.com"},
    "Action": "sts:Assume\u0052ole",
    "Condition": {"StringEquals": {"aws:Source\u0041ccount": "a\"b\\c\/d\n\ud83d\ude00"}}
  }
}"""
DECODED_VALUE = 'a"b\\c/d\n\U0001F600'


def test_json_escapes_decoded():
    (s,) = parser.parse_policy(ESCAPED).statements
    (entry,) = s.condition.entries
    assert s.effect_kind is ast.Effect.ALLOW
    assert s.principal.entries[0].values.items[0].value == SERVICE
    assert s.action.patterns.items[0].value == "sts:AssumeRole"
    assert entry.key.value == "aws:SourceAccount"
    assert entry.values.items[0].value == DECODED_VALUE


def test_escaped_policy_evaluates_decoded():
    assert decide(ESCAPED, {"aws:SourceAccount": DECODED_VALUE}) is ALLOW


LITERALS = statement_text(EFFECT, STAR, ASSUME, '"Condition": {'
                          '"StringEquals": {"aws:SourceAccount": [111122223333, 1.50, 1e3, -0, 0.10E+2, "s"]}, '
                          '"Bool": {"aws:SecureTransport": true}, "Null": {"aws:SourceArn": false}}')


def test_numbers_and_booleans_keep_literal_text():
    texts = [value for entry in parser.parse_policy(LITERALS).statements[0].condition.entries
             for value in entry.values.items]
    assert [(t.value, t.literal) for t in texts] == [
        ("111122223333", ast.Literal.NUMBER), ("1.50", ast.Literal.NUMBER), ("1e3", ast.Literal.NUMBER),
        ("-0", ast.Literal.NUMBER), ("0.10E+2", ast.Literal.NUMBER), ("s", ast.Literal.STRING),
        ("true", ast.Literal.BOOL), ("false", ast.Literal.BOOL),
    ]


def test_statement_as_object_or_array():
    as_object = parser.parse_policy(json.dumps({"Statement": statement()}))
    as_array = parser.parse_policy(json.dumps({"Statement": [statement()]}))
    assert (as_object.statement_is_list, as_array.statement_is_list) == (False, True)
    assert as_object.statements == as_array.statements
    assert len(as_object.statements) == 1


# --- spans ----------------------------------------------------------------------------

LAID_OUT = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {"Service": "rekognition.amazonaws.com"},
      "Action": "sts:AssumeRole",
      "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}
    }
  ]
}"""

EVERY_NODE = json.dumps({
    "Version": "2012-10-17", "Id": "x",
    "Statement": [
        statement(Sid="A", principal={"Service": SERVICE, "AWS": [OWNER]}, Resource=["*"],
                  condition={"StringEquals": {"aws:SourceAccount": [OWNER]}, "Null": {"aws:SourceArn": "false"}}),
        statement("Deny", principal=None, action=None, NotPrincipal={"AWS": OWNER}, NotAction="sts:TagSession",
                  NotResource="arn:aws:s3:::b"),
    ],
}, indent=2)


def nodes(value):
    """Every AST node below ``value`` (spans themselves excluded)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, ast.Span):
        yield value
        for field in dataclasses.fields(value):
            yield from nodes(getattr(value, field.name))
    elif isinstance(value, tuple):
        for item in value:
            yield from nodes(item)


def test_every_node_has_a_position():
    found = list(nodes(parser.parse_policy(EVERY_NODE)))
    assert {type(n).__name__ for n in found} == {
        "Policy", "Statement", "Text", "Values", "PrincipalBlock", "PrincipalEntry", "PatternBlock",
        "ConditionBlock", "OperatorBlock", "ConditionEntry"}
    unplaced = [n for n in found if n.span.line < 1 or n.span.column < 1]
    assert unplaced == []


def _laid_out():
    p = parser.parse_policy(LAID_OUT)
    s = p.statements[0]
    entry = s.condition.entries[0]
    return {
        "policy": p.span, "version": p.version.span, "statement": s.span, "effect": s.effect.span,
        "principal": s.principal.span, "principal-kind": s.principal.entries[0].kind.span,
        "service": s.principal.entries[0].values.items[0].span, "action": s.action.span,
        "condition": s.condition.span, "operator": s.condition.operators[0].operator.span,
        "key": entry.key.span, "value": entry.values.items[0].span,
    }


@pytest.mark.parametrize("node, line, column", [
    ("policy", 1, 1), ("version", 2, 14), ("statement", 4, 5), ("effect", 5, 17), ("principal", 6, 20),
    ("principal-kind", 6, 21), ("service", 6, 32), ("action", 7, 17), ("condition", 8, 20), ("operator", 8, 21),
    ("key", 8, 38), ("value", 8, 59),
])
def test_exact_node_positions(node, line, column):
    span = _laid_out()[node]
    assert (span.line, span.column) == (line, column)


# --- well-formedness ----------------------------------------------------------------

def diagnostics(text: str):
    return wellformed.check(parser.parse_policy(text))


def has(found, severity: Severity, rules: set[str]) -> bool:
    return any(d.severity is severity and d.rule in rules for d in found)


ERRORS = [
    pytest.param(statement_text(EFFECT, STAR, ASSUME + ', "NotAction": "sts:TagSession"'), 5, {"G3", "A10"},
                 id="G3-action-and-notaction"),
    pytest.param(statement_text(EFFECT, STAR), 2, {"G3"}, id="G3-neither-action-nor-notaction"),
    pytest.param(statement_text(EFFECT, STAR + ', "NotPrincipal": {"AWS": "111122223333"}', ASSUME), 4,
                 {"G3", "A10"}, id="A10-principal-and-notprincipal"),
    pytest.param(statement_text(EFFECT, STAR, '"Action": "s3:GetObject"', '"Resource": "*", "NotResource": "*"'),
                 6, {"G3", "A10"}, id="A10-resource-and-notresource"),
    pytest.param(statement_text('"Effect": "allow"', STAR, ASSUME), 3, {"G4"}, id="G4-effect-lower-case"),
    pytest.param(statement_text('"Effect": "Permit"', STAR, ASSUME), 3, {"G4"}, id="G4-effect-unknown"),
    pytest.param(statement_text(STAR, ASSUME), 2, {"G3", "G4"}, id="G3-no-effect"),
    pytest.param('{\n  "Version": "2012-10-18",\n  "Statement": []\n}', 2, {"G2"}, id="G2-bad-version"),
    pytest.param('{\n  "Version": "2012-10-17 ",\n  "Statement": []\n}', 2, {"G2"}, id="G2-version-trailing-space"),
    pytest.param(statement_text(EFFECT, f'"Principal": "{SERVICE}"', ASSUME), 4, {"G6"},
                 id="G6-principal-string-not-star"),
]


@pytest.mark.parametrize("text, line, rules", ERRORS)
def test_wellformedness_errors(text, line, rules):
    assert has(diagnostics(text), Severity.ERROR, rules)
    error = load_error(text)
    assert error.line == line, str(error)
    assert str(error).startswith(f"p.json:{line}:{error.column}: ")


TRUST_RESOURCE = json.dumps(policy(statement(Resource="*")))
TRUST_NOT_PRINCIPAL = json.dumps(policy(statement(principal=None, NotPrincipal={"AWS": OWNER})))
WARNINGS = [
    pytest.param(TRUST_RESOURCE, {"G9", "A17"}, id="G9-resource-in-trust-policy"),
    pytest.param(json.dumps(policy(statement(NotResource="arn:aws:s3:::b"))), {"G9", "A17"},
                 id="G9-notresource-in-trust-policy"),
    pytest.param(TRUST_NOT_PRINCIPAL, {"G9", "A17", "P7"}, id="G9-notprincipal-in-trust-policy"),
    pytest.param(json.dumps(policy(statement(principal="*"))), {"G9", "A17", "P3"}, id="G9-star-in-trust-policy"),
    pytest.param(json.dumps(policy(statement(principal={"Service": "*.amazonaws.com"}))), {"P6", "G9"},
                 id="P6-partial-wildcard"),
    pytest.param(json.dumps(allow_if({"stringEquals": {"aws:SourceAccount": OWNER}})), {"A6"},
                 id="A6-odd-case-operator-is-a-warning"),
    pytest.param(json.dumps(allow_if({})), {"A9"}, id="A9-empty-condition"),
]


@pytest.mark.parametrize("text, rules", WARNINGS)
def test_wellformedness_warnings(text, rules):
    loaded = load_text(text)
    assert has(loaded.diagnostics, Severity.WARNING, rules), loaded.diagnostics
    assert not wellformed.unsupported(list(loaded.diagnostics))


def test_resource_is_fine_in_a_resource_policy():
    text = json.dumps(policy(statement(action="s3:GetObject", Resource="*")))
    assert not [d for d in load_text(text).diagnostics if d.rule in ("G9", "A17")]


UNSUPPORTED = [
    pytest.param(json.dumps(allow_if({"StringEqualz": {"aws:SourceAccount": OWNER}})), id="A6-unknown-operator"),
    pytest.param(json.dumps(deny_if({"NullIfExists": {"aws:SourceAccount": "true"}})), id="A6-C6-null-ifexists"),
    pytest.param(json.dumps(allow_if({"StringEquals": {"aws:SourceAccount": OWNER, "AWS:SOURCEACCOUNT": OWNER}})),
                 id="A10-key-twice-in-different-case"),
]


@pytest.mark.parametrize("text", UNSUPPORTED)
def test_wellformedness_unsupported(text):
    found = diagnostics(text)
    assert has(found, Severity.UNSUPPORTED, {"A6", "A10"}), found


def test_clean_trust_policy_has_no_diagnostics():
    text = json.dumps(allow_if({"StringEquals": {"aws:SourceAccount": OWNER}}))
    assert load_text(text).diagnostics == ()


# --- deputy eval ----------------------------------------------------------------------

@pytest.fixture(autouse=True, scope="module")
def warm_parser():
    """Build the parser once so that timings measure the error path only."""
    load_text(json.dumps(policy(statement())))


def write(tmp_path, name: str, content) -> str:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return str(path)


def request_json(context: dict) -> dict:
    return {"principal": SERVICE, "action": "sts:AssumeRole", "context": context}


def run(*argv: str):
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue(), time.perf_counter() - start


OWNER_ONLY = allow_if({"StringEquals": {"aws:SourceAccount": OWNER}})
DECISIONS = [
    pytest.param(policy(statement()), "allow", 0, id="allow"),
    pytest.param(OWNER_ONLY, "implicit_deny", 0, id="implicit-deny"),
    pytest.param(deny_if({"StringNotEquals": {"aws:SourceAccount": OWNER}}), "explicit_deny", 0, id="explicit-deny"),
    pytest.param(allow_if({"StringEqualz": {"aws:SourceAccount": OWNER}}), "unknown", 3, id="unknown"),
]


@pytest.mark.parametrize("doc, decision, code", DECISIONS)
def test_cli_eval_json(tmp_path, doc, decision, code):
    pol = write(tmp_path, "p.json", doc)
    req = write(tmp_path, "r.json", request_json(FOREIGN))
    got, out, err, _ = run("eval", pol, "--request", req, "--format", "json")
    assert (got, json.loads(out)["decision"]) == (code, decision), err


@pytest.mark.parametrize("doc, decision, code", DECISIONS)
def test_cli_eval_text(tmp_path, doc, decision, code):
    pol = write(tmp_path, "p.json", doc)
    req = write(tmp_path, "r.json", request_json(FOREIGN))
    got, out, err, _ = run("eval", pol, "--request", req)
    assert (got, out.splitlines()[0]) == (code, f"decision: {decision}"), err


GOOD_POLICY = json.dumps(policy(statement()))
GOOD_REQUEST = json.dumps(request_json(FOREIGN))
INPUT_ERRORS = [
    pytest.param('{\n  "Statement": [\n    {"Effect": "Allow",}\n  ]\n}', GOOD_REQUEST, "policy", 3, 24,
                 id="policy-trailing-comma"),
    pytest.param(statement_text('"Effect": "allow"', STAR, ASSUME), GOOD_REQUEST, "policy", 3, None,
                 id="policy-bad-effect"),
    pytest.param(b'{"Statement": []' + b" " * MIB + b"}", GOOD_REQUEST, "policy", 1, MIB + 1, id="policy-oversized"),
    pytest.param("[" * 100_000, GOOD_REQUEST, "policy", 1, 33, id="policy-hostile-nesting"),
    pytest.param(b'{\n  "Sid": "\xff",\n  "Statement": []\n}', GOOD_REQUEST, "policy", 2, 11, id="policy-not-utf8"),
    pytest.param(GOOD_POLICY, '{"principal": "x", "action": "y",}', "request", 1, 34, id="request-trailing-comma"),
    pytest.param(GOOD_POLICY, '{"principal": "x", "action": "y", "colour": 1}', "request", 1, 35,
                 id="request-unknown-field"),
    pytest.param(GOOD_POLICY, '{"principal": "x", "action": "y", "context": {"aws:TagKeys": []}}', "request", 1, 62,
                 id="request-empty-list"),
]


@pytest.mark.parametrize("policy_content, request_content, culprit, line, column", INPUT_ERRORS)
def test_cli_eval_input_errors(tmp_path, policy_content, request_content, culprit, line, column):
    paths = {"policy": write(tmp_path, "p.json", policy_content),
             "request": write(tmp_path, "r.json", request_content)}
    code, out, err, seconds = run("eval", paths["policy"], "--request", paths["request"])
    where = f"{paths[culprit]}:{line}:" + (f"{column}:" if column is not None else "")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert where in err and "Traceback" not in err, err
    assert seconds < 2.0


@pytest.mark.parametrize("argv", [
    pytest.param(("eval", "{policy}"), id="missing-request-option"),
    pytest.param(("eval", "{missing}", "--request", "{request}"), id="missing-policy-file"),
    pytest.param(("eval", "{policy}", "--request", "{missing}"), id="missing-request-file"),
    pytest.param(("eval", "{policy}", "--request", "{request}", "--format", "yaml"), id="bad-format"),
    pytest.param((), id="no-command"),
])
def test_cli_usage_errors(tmp_path, argv):
    names = {"policy": write(tmp_path, "p.json", GOOD_POLICY), "request": write(tmp_path, "r.json", GOOD_REQUEST),
             "missing": str(tmp_path / "absent.json")}
    code, out, err, seconds = run(*(arg.format(**names) for arg in argv))
    assert (code, out) == (2, "")
    assert "Traceback" not in err and err.strip(), err
    assert seconds < 2.0
    if argv and "{missing}" in argv:
        assert err.count("\n") == 1 and names["missing"] in err, err
