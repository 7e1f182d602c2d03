"""The policy grammar's LALR parser, run from tables lark computed.

``grammar/policy.tables.json`` holds what lark makes of ``grammar/policy.lark``
(terminals in lark's lexer order, the LALR(1) table, and how each rule's
children are kept): ``verifier.policy.parser.grammar_tables`` writes it, and a
test rebuilds it from the grammar and compares. At run time no grammar is
analysed and lark is not imported: a start costs reading a small JSON file.

The loop below is lark's own (``lalr_parser_state.ParserState.feed_token``
and ``BasicLexer.next_token``): the same tokens with the same positions, the
same shifts and reductions, the same children handed to each rule's
callback, and the same failures (``UnexpectedCharacters``, ``UnexpectedToken``
with the terminals the state expects).
"""

from __future__ import annotations

import json
import re
from pathlib import Path


class Token(str):
    """A terminal as lark gives it to callbacks: its text, type and position
    (1-based line and column of its first character and after its last)."""

    type: str
    line: int
    column: int
    end_line: int
    end_column: int

    @property
    def value(self) -> str:
        return str(self)


class UnexpectedCharacters(Exception):
    def __init__(self, pos: int):
        super().__init__(pos)
        self.pos_in_stream = pos


class UnexpectedToken(Exception):
    def __init__(self, token: Token, expected: set[str]):
        super().__init__(token.type)
        self.token = token
        self.expected = expected


class Parser:
    """A parser from the tables; ``callbacks`` maps a rule's callback name
    to a function of its kept children."""

    def __init__(self, tables: dict, callbacks: dict):
        self._scanner = re.compile("|".join(f"(?P<{name}>{regexp})" for name, regexp in tables["terminals"]))
        self._ignore = frozenset(tables["ignore"])
        self._states = [{symbol: tuple(action) for symbol, action in state.items()} for state in tables["states"]]
        self._start, self._end = tables["start"], tables["end"]
        self._rules = [(rule["origin"], rule["size"], tuple(tuple(k) for k in rule["keep"]), rule["expand1"],
                        rule["inline"], callbacks.get(rule["callback"])) for rule in tables["rules"]]

    def parse(self, text: str):
        states, values = [self._start], []
        last = None
        for token in self._tokens(text):
            self._feed(token, states, values, False)
            last = token
        end = _token("$END", "", *((last.line, last.column, last.end_line, last.end_column) if last else (1, 1, 1, 1)))
        return self._feed(end, states, values, True)

    def _tokens(self, text: str):
        match, ignore, end = self._scanner.match, self._ignore, len(text)
        pos, line, line_start = 0, 1, 0
        while pos < end:
            found = match(text, pos)
            if found is None:
                raise UnexpectedCharacters(pos)
            value, kind = found.group(0), found.lastgroup
            start_line, start_column = line, pos - line_start + 1
            newlines = value.count("\n")
            if newlines:
                line += newlines
                line_start = pos + value.rindex("\n") + 1
            pos += len(value)
            if kind not in ignore:
                yield _token(kind, value, start_line, start_column, line, pos - line_start + 1)

    def _feed(self, token: Token, states: list, values: list, is_end: bool):
        table = self._states
        while True:
            action = table[states[-1]].get(token.type)
            if action is None:
                raise UnexpectedToken(token, {s for s in table[states[-1]] if s.isupper()})
            if action[0] == 0:  # shift
                states.append(action[1])
                values.append(token)
                return None
            origin, size, keep, expand1, inline, callback = self._rules[action[1]]
            children = values[len(values) - size:] if size else []
            if size:
                del states[-size:]
                del values[-size:]
            values.append(_reduce(children, keep, expand1, inline, callback))
            states.append(table[states[-1]][origin][1])
            if is_end and states[-1] == self._end:
                return values[-1]


def _reduce(children: list, keep: tuple, expand1: bool, inline: bool, callback):
    kept: list = []
    for index, spliced in keep:
        if spliced and not kept:
            kept = children[index]  # left recursion: extend the list built so far, as lark does, not a copy
        elif spliced:
            kept.extend(children[index])
        else:
            kept.append(children[index])
    if inline:
        return kept  # spliced into the rule that uses it
    if expand1 and len(kept) == 1:
        return kept[0]
    return callback(kept)


def _token(kind: str, value: str, line: int, column: int, end_line: int, end_column: int) -> Token:
    token = Token(value)
    token.type, token.line, token.column, token.end_line, token.end_column = kind, line, column, end_line, end_column
    return token


TABLES_NAME = "policy.tables.json"


def load_tables() -> dict:
    """The tables: package data once installed (``verifier/grammar``), the
    file beside the grammar in a source tree; looked for on disk first,
    since importlib.resources costs a start more than the file does."""
    here = Path(__file__).resolve().parents
    for path in (here[1] / "grammar" / TABLES_NAME, here[2] / "grammar" / TABLES_NAME):
        if path.is_file():
            return json.loads(path.read_text("utf-8"))
    from importlib import resources

    return json.loads(resources.files("verifier.grammar").joinpath(TABLES_NAME).read_text("utf-8"))
