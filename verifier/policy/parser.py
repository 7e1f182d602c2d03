"""Policy documents: text to JSON nodes to the typed AST.

The only module that knows lark and where the grammar lives. Text is parsed
strictly (``grammar/policy.lark``, LALR with an inline transformer into the
nodes of ``verifier.policy.jsontree``), within the limits of the JSON layer
(size, nesting depth, UTF-8), and every parse failure becomes an
``InputError`` naming the file, line and column. The LALR tables are lark's,
computed once and kept in ``grammar/policy.tables.json`` (``grammar_tables``;
a test rebuilds them from the grammar), and run by ``verifier.policy.lalr``:
a start neither imports lark nor analyses the grammar. Valid JSON has no duplicate keys here; this module then maps decoded member names onto the policy elements of
SEMANTICS.md section 1 and checks the JSON type of each element. It rejects,
with the element's line and column, anything whose meaning would otherwise be
a guess: unknown element names (element names are case-sensitive, so
``"effect"`` is unknown rather than silently read as ``Effect``), nulls,
nested lists, objects where a scalar belongs. What JSON can express but IAM
forbids (both Action and NotAction, a bad Effect) is left to
``verifier.policy.wellformed`` so that it is reported as a diagnostic.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from verifier.policy import jsontree, lalr
from verifier.policy.ast import (
    Span,
    ConditionBlock,
    ConditionEntry,
    Literal,
    OperatorBlock,
    PatternBlock,
    Policy,
    PrincipalBlock,
    PrincipalEntry,
    Statement,
    Text,
    Values,
)
from verifier.errors import InputError
from verifier.policy.jsontree import MAX_BYTES, MAX_DEPTH, JArray, JMember, JNode, JObject, JScalar, describe

TOP_ELEMENTS = ("Version", "Id", "Statement")
STATEMENT_ELEMENTS = ("Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
                      "Resource", "NotResource", "Condition")


def parse_policy(text: str, source: str = "<policy>") -> Policy:
    """Parse policy text; raise ``InputError`` with a location if it is not a policy."""
    return build_policy(parse_text(text, source), source)


def read_policy(path: str) -> Policy:
    """Read and parse a policy file; raise ``InputError`` with a location."""
    return build_policy(read_file(path), path)


def build_policy(node: JNode, source: str) -> Policy:
    """Map a parsed JSON document onto the policy AST."""
    try:
        return _Builder().policy(node, source)
    except InputError as exc:
        exc.source = source
        raise


def _fail(message: str, node_or_span) -> InputError:
    span = getattr(node_or_span, "span", node_or_span)
    return InputError(message, "<policy>", span.line, span.column)


class _Builder:
    """One method per element; each checks the JSON type it was given."""

    def policy(self, node: JNode, source: str) -> Policy:
        if not isinstance(node, JObject):
            raise _fail(f"a policy must be a JSON object, found {describe(node)}", node)
        members = self._members(node, TOP_ELEMENTS, "the policy")
        if "Statement" not in members:
            raise _fail("the policy has no Statement element", node)
        body = members["Statement"]
        if isinstance(body, JArray):
            items, is_list = body.items, True
        elif isinstance(body, JObject):
            items, is_list = (body,), False
        else:
            raise _fail(f"Statement must be an object or an array of objects, found {describe(body)}", body)
        statements = tuple(self.statement(item, index) for index, item in enumerate(items))
        return Policy(
            statements=statements,
            version=self._optional_text(members, "Version"),
            id=self._optional_text(members, "Id"),
            statement_is_list=is_list,
            span=node.span,
            source=source,
        )

    def statement(self, node: JNode, index: int) -> Statement:
        if not isinstance(node, JObject):
            raise _fail(f"statement {index} must be an object, found {describe(node)}", node)
        m = self._members(node, STATEMENT_ELEMENTS, f"statement {index}")
        return Statement(
            index=index,
            effect=self._optional_text(m, "Effect"),
            sid=self._optional_text(m, "Sid"),
            principal=self._principal(m.get("Principal"), negated=False),
            not_principal=self._principal(m.get("NotPrincipal"), negated=True),
            action=self._patterns(m.get("Action"), "Action", negated=False),
            not_action=self._patterns(m.get("NotAction"), "NotAction", negated=True),
            resource=self._patterns(m.get("Resource"), "Resource", negated=False),
            not_resource=self._patterns(m.get("NotResource"), "NotResource", negated=True),
            condition=self._condition(m.get("Condition")),
            span=node.span,
        )

    def _members(self, node: JObject, allowed: tuple[str, ...], where: str) -> dict[str, JNode]:
        found = {}
        for member in node.members:
            if member.name not in allowed:
                raise _fail(_unknown_name(member.name, allowed, f"element in {where}"), member.name_span)
            found[member.name] = member.value
        return found

    def _optional_text(self, members: dict[str, JNode], name: str) -> Text | None:
        node = members.get(name)
        return None if node is None else self._scalar(node, name)

    def _scalar(self, node: JNode, what: str) -> Text:
        if isinstance(node, JScalar) and node.kind != "null":
            return Text(node.value, _LITERALS[node.kind], node.span)
        raise _fail(f"{what} must be a string, found {describe(node)}", node)

    def _values(self, node: JNode, what: str) -> Values:
        """A scalar or a flat list of scalars (G5)."""
        if isinstance(node, JArray):
            return Values(tuple(self._scalar(item, f"each value of {what}") for item in node.items),
                          True, node.span)
        if isinstance(node, JObject):
            raise _fail(f"{what} must be a string or a list of strings, found an object", node)
        return Values((self._scalar(node, what),), False, node.span)

    def _principal(self, node: JNode | None, negated: bool) -> PrincipalBlock | None:
        if node is None:
            return None
        name = "NotPrincipal" if negated else "Principal"
        if isinstance(node, JObject):
            entries = []
            for member in node.members:
                if member.name not in PRINCIPAL_KINDS:
                    raise _fail(_unknown_name(member.name, PRINCIPAL_KINDS, f"principal type in {name}"),
                                member.name_span)
                kind = Text(member.name, Literal.STRING, member.name_span)
                entries.append(PrincipalEntry(kind, self._values(member.value, f"{name}.{member.name}"),
                                              member.name_span))
            return PrincipalBlock(negated, None, tuple(entries), node.span)
        if isinstance(node, JScalar) and node.kind == "string":
            return PrincipalBlock(negated, Text(node.value, Literal.STRING, node.span), (), node.span)
        raise _fail(f'{name} must be "*" or an object such as {{"Service": "..."}}, found {describe(node)}',
                    node)

    def _patterns(self, node: JNode | None, name: str, negated: bool) -> PatternBlock | None:
        if node is None:
            return None
        return PatternBlock(negated, self._values(node, name), node.span)

    def _condition(self, node: JNode | None) -> ConditionBlock | None:
        if node is None:
            return None
        if not isinstance(node, JObject):
            raise _fail(f"Condition must be an object, found {describe(node)}", node)
        blocks = []
        for op_member in node.members:
            op = Text(op_member.name, Literal.STRING, op_member.name_span)
            body = op_member.value
            if not isinstance(body, JObject):
                raise _fail(f"the value of condition operator {op.value!r} must be an object of "
                            f"condition keys, found {describe(body)}", body)
            entries = tuple(
                ConditionEntry(op, Text(m.name, Literal.STRING, m.name_span),
                               self._values(m.value, f"condition key {m.name!r}"), m.name_span)
                for m in body.members
            )
            blocks.append(OperatorBlock(op, entries, op_member.name_span))
        return ConditionBlock(tuple(blocks), node.span)


PRINCIPAL_KINDS = ("AWS", "Service", "Federated", "CanonicalUser")

_LITERALS = {"string": Literal.STRING, "number": Literal.NUMBER, "bool": Literal.BOOL}


def _unknown_name(name: str, allowed: tuple[str, ...], what: str) -> str:
    hint = next((a for a in allowed if a.lower() == name.strip().lower()), None)
    text = f"unknown {what}: {name!r}"
    if hint:
        return f"{text}; names are case-sensitive and exact, did you mean {hint!r}?"
    return f"{text}; expected one of {', '.join(allowed)}"


# -- text to JSON nodes (lark) ------------------------------------------------------------


def parse_bytes(data: bytes, source: str, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> JNode:
    """Decode and parse one JSON document, or raise ``InputError``. The
    limits are raised only for inputs that are legitimately large (a
    Terraform plan, an account export), never for a policy."""
    return parse_text(decode(data, source, max_bytes), source, max_bytes, max_depth)


def decode(data: bytes, source: str, max_bytes: int = MAX_BYTES) -> str:
    """The text of ``data``, or ``InputError`` at the line and column where
    it stops being UTF-8 (or where it passes ``max_bytes``)."""
    if len(data) > max_bytes:
        raise jsontree.too_large(data, source, max_bytes)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start].decode("utf-8", "replace")
        line, column = jsontree.position(prefix, len(prefix))
        raise InputError(f"input is not UTF-8 (byte 0x{data[exc.start]:02x})", source, line, column) from None


def read_file(path: str) -> JNode:
    """Read and parse a JSON file, refusing oversized files before reading them whole."""
    return parse_bytes(jsontree.read_file(path), path)


def parse_text(text: str, source: str, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> JNode:
    """Parse one JSON document from text, or raise ``InputError``."""
    if len(text) > max_bytes // 4:  # cheap test first: a character is at most 4 bytes
        data = text.encode("utf-8", "surrogatepass")
        if len(data) > max_bytes:
            raise jsontree.too_large(data, source, max_bytes)
    if text.startswith("\ufeff"):
        # RFC 8259 lets a parser ignore a byte order mark; editors on some
        # systems write one. Replacing it by a space keeps every column right.
        text = " " + text[1:]
    # Documents allowed past 1 MiB (plans, exports) are large by nature: no count.
    jsontree.check_depth(text, source, max_depth, jsontree.MAX_VALUES if max_bytes <= MAX_BYTES else None)
    parser = _parser()
    try:
        return parser.parse(text)
    except lalr.UnexpectedCharacters as exc:
        raise _unexpected_character(text, exc.pos_in_stream, source) from None
    except lalr.UnexpectedToken as exc:
        tok = exc.token
        if tok.type == "$END":
            line, column = jsontree.position(text, len(text))
            raise InputError("invalid JSON: the document ends too early", source, line, column) from None
        raise InputError(f"invalid JSON: unexpected {_quote_token(str(tok))}{_expected(exc.expected)}",
                         source, tok.line, tok.column) from None
    except InputError as exc:
        exc.source = source
        raise


def _unexpected_character(text: str, pos: int, source: str) -> InputError:
    control = _RAW_CONTROL.match(text, pos) if text.startswith('"', pos) else None
    if control:
        # The string token failed only because of a raw control character:
        # point at that character, which is what the user must fix.
        bad = control.end() - 1
        line, column = jsontree.position(text, bad)
        return InputError(f"invalid JSON: control character U+{ord(text[bad]):04X} inside a string "
                          "must be written as an escape", source, line, column)
    line, column = jsontree.position(text, pos)
    if text.startswith('"', pos) and _UNCLOSED.match(text, pos):
        return InputError("invalid JSON: the string that starts here is never closed", source, line, column)
    return InputError(f"invalid JSON: unexpected character {jsontree.quote_char(text, pos)}", source, line, column)


_UNCLOSED = re.compile(r'"(?:[^"\\]|\\[\s\S])*\\?\Z')
"""A string that runs to the end of the text (matched in linear time)."""


_RAW_CONTROL = re.compile(r'"(?:[^"\\\x00-\x1f]|\\.)*[\x00-\x1f]')


def _quote_token(tok: str) -> str:
    return repr(tok if len(tok) <= 40 else tok[:37] + "...")


_EXPECT_NAMES = {
    "RBRACE": "'}'", "RBRACKET": "']'", "LBRACE": "'{'", "LBRACKET": "'['", "COMMA": "','",
    "COLON": "':'", "STRING": "a string", "NUMBER": "a number", "TRUE": "true", "FALSE": "false",
    "NULL": "null",
}


def _expected(expected: set[str]) -> str:
    names = sorted({_EXPECT_NAMES.get(name, name) for name in expected})
    if not names or len(names) > 6:
        return ""
    return ", expected " + " or ".join(names)


_PARSER = None


def prepare() -> None:
    """Build the parser now (before worker processes fork, say)."""
    _parser()


def _parser() -> lalr.Parser:
    """The parser, from the tables lark computed for the grammar
    (``grammar_tables``), built once, on first use."""
    global _PARSER
    if _PARSER is None:
        _PARSER = lalr.Parser(lalr.load_tables(), _callbacks(_ToNodes()))
    return _PARSER


def lark_parser(transformer=True):
    """The grammar compiled by lark itself, with the same callbacks (the tables' reference, for the tests)."""
    from lark import Lark, Transformer

    return Lark(_grammar_text(), parser="lalr", lexer="basic", propagate_positions=False, maybe_placeholders=False,
                transformer=type("Nodes", (_ToNodes, Transformer), {})() if transformer else None)


def grammar_tables() -> dict:
    """What lark makes of ``grammar/policy.lark``, as ``lalr.Parser`` runs
    it: the lexer's terminals in lark's order, the LALR table, and for each
    rule the children lark keeps and splices (``parse_tree_builder``).
    Written to ``grammar/policy.tables.json`` by ``write_grammar_tables``."""
    from lark.parsers.lalr_analysis import Shift

    compiled = lark_parser(transformer=False)
    lexer = compiled.parser.lexer
    if lexer.scanner and lexer.callback:
        raise ValueError("the grammar needs lexer callbacks, which lalr.Parser does not run")
    table = compiled.parser.parser.parser.parse_table
    # lark's numbering follows its sets (the hash seed): states are numbered breadth first here, rules sorted.
    rules = sorted({arg for state in table.states.values() for action, arg in state.values() if action is not Shift},
                   key=lambda r: (r.origin.name, [x.name for x in r.expansion], r.alias or ""))
    order = [table.start_states["start"]]
    number = {order[0]: 0}
    for state in order:  # grows as states are found
        for _, (action, arg) in sorted(table.states[state].items()):
            if action is Shift and arg not in number:
                number[arg] = len(order)
                order.append(arg)
    index = {rule: i for i, rule in enumerate(rules)}
    states = [{symbol: [0, number[arg]] if action is Shift else [1, index[arg]] for symbol, (action, arg) in
               sorted(table.states[state].items())} for state in order]
    return {"terminals": [[t.name, t.pattern.to_regexp()] for t in lexer.scanner.terminals],
            "ignore": sorted(compiled.ignore_tokens), "start": 0,
            "end": number[table.end_states["start"]], "states": states,
            "rules": [{"origin": r.origin.name, "size": len(r.expansion),
                       "keep": [[i, not sym.is_term and sym.name.startswith("_")] for i, sym in enumerate(r.expansion)
                                if r.options.keep_all_tokens or not (sym.is_term and sym.filter_out)],
                       "expand1": bool(r.options.expand1 and not r.alias), "inline": r.origin.name.startswith("_"),
                       "callback": r.alias or r.origin.name} for r in rules]}


def write_grammar_tables() -> None:
    """Rewrite ``grammar/policy.tables.json`` after changing the grammar."""
    path = Path(__file__).resolve().parents[2] / "grammar" / lalr.TABLES_NAME
    path.write_text(json.dumps(grammar_tables(), indent=1, sort_keys=True) + "\n", encoding="utf-8")


def _grammar_text() -> str:
    """The grammar: package data once installed (grammar/ is installed as
    ``verifier.grammar``), the file beside the package in a source tree."""
    from importlib import resources  # only lark needs the grammar: a start does not

    try:
        return resources.files("verifier.grammar").joinpath("policy.lark").read_text("utf-8")
    except ModuleNotFoundError:
        return (Path(__file__).resolve().parents[2] / "grammar" / "policy.lark").read_text("utf-8")


def _token_span(tok) -> Span:
    return Span(tok.line, tok.column, tok.end_line, tok.end_column)


class _ToNodes:
    """Builds JSON nodes while parsing (an inline transformer, so no parse
    tree is ever built): one method per rule or alias of the grammar."""

    def string(self, children):
        (tok,) = children
        return JScalar("string", _decode(tok), _token_span(tok))

    def number(self, children):
        (tok,) = children
        return JScalar("number", tok.value, _token_span(tok))

    def true(self, children):
        return self._keyword(children, "bool", "true")

    def false(self, children):
        return self._keyword(children, "bool", "false")

    def null(self, children):
        return self._keyword(children, "null", None)

    @staticmethod
    def _keyword(children, kind, value):
        (tok,) = children
        return JScalar(kind, value, _token_span(tok))

    def member(self, children):
        name_tok, value = children
        return JMember(_decode(name_tok), _token_span(name_tok), value)

    def object(self, children):
        open_tok, *members, close_tok = children
        seen: dict[str, JMember] = {}
        for member in members:
            if member.name in seen:
                first = seen[member.name].name_span
                raise InputError(
                    f"duplicate key {member.name!r} (first at {first.line}:{first.column}); "
                    "JSON parsers disagree on which one wins, so deputy refuses to guess",
                    "<input>", member.name_span.line, member.name_span.column)
            seen[member.name] = member
        return JObject(tuple(members), _bracket_span(open_tok, close_tok))

    def array(self, children):
        open_tok, *items, close_tok = children
        return JArray(tuple(items), _bracket_span(open_tok, close_tok))


def _callbacks(nodes: _ToNodes) -> dict:
    return {name: getattr(nodes, name) for name in ("string", "number", "true", "false", "null", "member",
                                                    "object", "array")}


def _bracket_span(open_tok, close_tok) -> Span:
    return Span(open_tok.line, open_tok.column, close_tok.end_line, close_tok.end_column)


def _decode(tok) -> str:
    # The grammar admitted only valid JSON string syntax, so json.loads
    # decodes it exactly as any JSON parser would, surrogate pairs included.
    value = json.loads(tok.value)
    lone = _SURROGATE.search(value)
    if lone:
        raise InputError(f"string contains the unpaired surrogate \\u{ord(lone.group()):04x}, "
                         "which is not a character", "<input>", tok.line, tok.column)
    return value


_SURROGATE = re.compile("[\ud800-\udfff]")
