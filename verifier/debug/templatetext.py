"""Small edits to a CloudFormation template's own text, YAML or JSON.

``Editor`` replaces a member's value, renames a member, and adds members to
a mapping, at the positions the positioned nodes of the template
(``verifier.policy.jsontree``, from ``sources.yamltree`` for YAML) give,
so that every line it does not touch keeps its formatting, comments and
short tags. A value is a string, a list, a dict or an ``Intrinsic``
(``!Ref AWS::AccountId``, ``!Sub ...``); YAML gets short tags and, in a
block mapping, block layout indented like the template; JSON gets the long
form. Nothing here knows what a policy means: ``template_fix`` decides what
to change and proves the text this module makes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from verifier.policy.jsontree import JArray, JMember, JObject


@dataclass(frozen=True)
class Intrinsic:
    """A CloudFormation function: ``Ref`` or ``Fn::Sub`` of a string."""

    function: str
    argument: str


ACCOUNT = Intrinsic("Ref", "AWS::AccountId")

_PLAIN_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_.:-]*")
_TAG = re.compile(r"![^\s\[\]{},]*\s*")


class Editor:
    """Edits of one text, applied together by ``result`` (raises
    ``ValueError`` where the text is not shaped as expected)."""

    def __init__(self, text: str, yaml: bool):
        self.bom = "\ufeff" if yaml and text.startswith("\ufeff") else ""
        self.text = text[len(self.bom):]  # PyYAML's columns are those of the text without it
        self.yaml = yaml
        self.newline = "\r\n" if "\r\n" in self.text else "\n"
        self.starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        self.replacements: list[tuple[int, int, str]] = []
        self.additions: list[tuple[JObject, str, object]] = []
        self.step = 2

    def mark(self) -> tuple[int, int]:
        return len(self.replacements), len(self.additions)

    def rollback(self, mark: tuple[int, int]) -> None:
        """Forget every edit made since ``mark()``."""
        del self.replacements[mark[0]:]
        del self.additions[mark[1]:]

    # -- the edits -------------------------------------------------------------------------

    def replace(self, member: JMember, value) -> None:
        """``member``'s value becomes ``value``."""
        node = member.value
        if not self.yaml or self._exact(node):
            self.replacements.append((self._start(node.span), self._end(node.span), self.flow(value, True)))
            return
        # A block collection: from the ':' on, written as flow, with the
        # comment on its last line (it spoke of what is replaced).
        colon, end = self._colon_after(member), self._last_end(node)
        eol = self.text.find("\n", end)
        eol = len(self.text) if eol < 0 else eol
        if self.text[end:eol].strip().startswith("#"):
            end = eol - (self.text[eol - 1] == "\r")
        self.replacements.append((colon + 1, end, " " + self.flow(value, True)))

    def rename(self, member: JMember, name: str) -> None:
        start, end = self._start(member.name_span), self._end(member.name_span)
        quoted = not self.yaml or self.text[start] in "\"'"
        self.replacements.append((start, end, json.dumps(name) if quoted else name))

    def add(self, mapping: JObject, name: str, value) -> None:
        """``name: value`` becomes the last member of ``mapping``."""
        self.additions.append((mapping, name, value))

    def result(self) -> str:
        edits = list(self.replacements)
        groups: dict[int, list] = {}
        for mapping, name, value in self.additions:
            groups.setdefault(id(mapping), [mapping]).append((name, value))
        for mapping, *members in groups.values():
            edits.append(self._insertion(mapping, members))
        edits.sort(key=lambda e: (e[0], e[1]))
        for (s1, e1, _), (s2, _, _) in zip(edits, edits[1:]):
            if s2 < e1 or (s1 == s2 == e1):
                raise ValueError("two edits of one place")
        text = self.text
        for start, end, replacement in reversed(edits):
            text = text[:start] + replacement + text[end:]
        return self.bom + text

    # -- rendering -------------------------------------------------------------------------

    def flow(self, value, nested: bool = False) -> str:
        """``value`` on one line."""
        if isinstance(value, Intrinsic):
            if not self.yaml:
                return json.dumps({value.function: value.argument})
            tag = "!" + value.function.replace("Fn::", "")
            argument = value.argument if value.function == "Ref" else json.dumps(value.argument)
            return f"{tag} {argument}"
        if isinstance(value, str):
            return json.dumps(value, ensure_ascii=False)
        if isinstance(value, list):
            return "[" + ", ".join(self.flow(v, True) for v in value) + "]"
        return "{" + ", ".join(f"{self._key(k, True)}: {self.flow(v, True)}" for k, v in value.items()) + "}"

    def _block(self, name: str, value, indent: str) -> list[str]:
        if isinstance(value, dict):
            lines = [f"{indent}{self._key(name, False)}:"]
            for key, inner in value.items():
                lines += self._block(key, inner, indent + " " * self.step)
            return lines
        return [f"{indent}{self._key(name, False)}: {self.flow(value)}"]

    def _key(self, name: str, flow: bool) -> str:
        if not self.yaml or not _PLAIN_KEY.fullmatch(name) or (flow and ":" in name):
            return json.dumps(name)
        return name

    # -- where things are ------------------------------------------------------------------

    def _start(self, span) -> int:
        return self.starts[span.line - 1] + span.column - 1

    def _end(self, span) -> int:
        return self.starts[span.end_line - 1] + span.end_column - 1

    def _exact(self, node) -> bool:
        """Whether ``node``'s span ends where its text does: a scalar or a
        flow collection, with or without a short-form tag. A YAML block
        collection's own end mark lies past the comments after it."""
        if not self.yaml or not isinstance(node, (JObject, JArray)):
            return True
        at = self._start(node.span)
        if self.text[at] == "!":  # a short form: what follows the tag decides
            if isinstance(node, JObject) and not isinstance(node.members[0].value, (JObject, JArray)):
                return True
            at = _TAG.match(self.text, at).end()
        return self.text[at] in "{["

    def _last_end(self, node) -> int:
        """Where the text of ``node`` ends (its last item's end, for a
        YAML block collection)."""
        if not self._exact(node):
            if isinstance(node, JObject) and node.members:
                return self._last_end(node.members[-1].value)
            if isinstance(node, JArray) and node.items:
                return self._last_end(node.items[-1])
        return self._end(node.span)

    def _colon_after(self, member: JMember) -> int:
        at = self._end(member.name_span)
        while self.text[at] in " \t":
            at += 1
        if self.text[at] != ":":
            raise ValueError("expected ':' after a key")
        return at

    def _insertion(self, mapping: JObject, members: list) -> tuple[int, int, str]:
        if not self.yaml or self._exact(mapping):
            return self._flow_insertion(mapping, members)
        first = mapping.members[0].name_span
        indent = " " * (first.column - 1)
        lines = [line for name, value in members for line in self._block(name, value, indent)]
        at = self._last_end(mapping)
        if at > 0 and self.text[at - 1] == "\n":  # a block scalar ends with its line
            return at, at, "".join(line + self.newline for line in lines)
        eol = self.text.find("\n", at)
        rest = self.text[at:eol if eol >= 0 else len(self.text)].strip()
        if rest and not rest.startswith("#"):
            raise ValueError("unexpected text after a mapping's last value")
        if eol < 0:
            return len(self.text), len(self.text), "".join(self.newline + line for line in lines)
        return eol + 1, eol + 1, "".join(line + self.newline for line in lines)

    def _flow_insertion(self, mapping: JObject, members: list) -> tuple[int, int, str]:
        """Before the closing brace, laid out like the members before it."""
        close = self._end(mapping.span) - 1
        if self.text[close] != "}":
            raise ValueError("expected the end of a mapping")
        rendered = [f"{self._key(n, True)}: {self.flow(v, True)}" for n, v in members]
        last = close - 1
        while self.text[last].isspace():
            last -= 1
        if self.text[last] == "{":
            return last + 1, last + 1, ", ".join(rendered)
        if "\n" in self.text[last:close]:
            line_start = self.text.rfind("\n", 0, last) + 1
            line = self.text[line_start:last]
            separator = "," + self.newline + line[: len(line) - len(line.lstrip())]
        else:
            separator = ", "
        return last + 1, last + 1, "".join(separator + r for r in rendered)
