"""YAML (CloudFormation templates) to the JSON layer's positioned nodes.

PyYAML's ``compose`` keeps every node's start and end mark, so each value
keeps the line and column it has in the template. CloudFormation's short
forms (``!Sub x``) become the long form (``{"Fn::Sub": x}``), so one
resolver serves JSON and YAML templates alike. Scalars keep their source
text: an unquoted ``111122223333`` is the number whose literal text is
``111122223333`` (G5), as in a JSON policy.
"""

from __future__ import annotations

import re

from verifier.policy.ast import Span
from verifier.errors import InputError
from verifier.policy.jsontree import JArray, JMember, JNode, JObject, JScalar

SHORT_FORMS = {
    "!Ref": "Ref", "!Condition": "Condition",
    **{f"!{name}": f"Fn::{name}" for name in (
        "Sub", "GetAtt", "Join", "If", "Select", "Split", "FindInMap", "ImportValue", "Base64", "Cidr",
        "GetAZs", "Equals", "And", "Or", "Not", "Transform", "Length", "ToJsonString")},
}

MAX_NODES = 200_000
"""Aliases can make a small YAML file expand exponentially; stop early."""

MAX_DEPTH = 64

_STD = "tag:yaml.org,2002:"


def parse_yaml(text: str, source: str) -> JNode:
    """Parse one YAML document into positioned nodes, or raise ``InputError``."""
    import yaml

    try:
        root = _compose(yaml, text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        words = [w for w in (exc.context, exc.problem) if w] or ["unreadable"]
        problem = " ".join(" ".join(words).split())
        raise InputError(f"invalid YAML: {problem}", source, mark.line + 1 if mark else 0,
                         mark.column + 1 if mark else 0) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {' '.join(str(exc).split())}", source) from None
    if root is None:
        raise InputError("the document is empty", source, 1, 1)
    converter = _Converter(source)
    return converter.node(root, 0)


# Text libyaml reads as PyYAML's own reader does: the characters PyYAML
# accepts, without tabs (libyaml takes some PyYAML refuses), the line breaks
# of YAML 1.1 beyond \n and \r (NEL, LS, PS) or a byte order mark inside.
_ORDINARY = re.compile("[\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*")


def _compose(yaml, text: str):
    """PyYAML's node tree, composed by libyaml where it is installed and the
    text is ordinary (ten times faster; the same nodes, tags, values and
    marks, tests/test_yaml_composer.py), else by PyYAML itself, whose
    messages are the ones reported for a document either refuses."""
    if getattr(yaml, "__with_libyaml__", False) and _ORDINARY.fullmatch(text):
        try:
            root = yaml.compose(text, Loader=yaml.CSafeLoader)
        except yaml.YAMLError:
            pass  # PyYAML says why, below
        else:
            if root is not None and text and text[-1] not in "\r\n":
                _end_at_last_character(root, text)
            return root
    return yaml.compose(text, Loader=yaml.SafeLoader)


def _end_at_last_character(root, text: str) -> None:
    """libyaml reads a document that does not end with a line break as if it
    did; PyYAML ends the marks at the text's end there. Move the marks
    libyaml put after the virtual line break to where PyYAML puts them."""
    import yaml

    breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
    after_break = max(text.rfind("\n"), text.rfind("\r")) + 1
    virtual = (breaks + 1, 0)
    real = yaml.Mark("<text>", len(text), breaks, len(text) - after_break, None, None)
    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:  # an alias: the node is shared, or holds itself
            continue
        seen.add(id(node))
        for name in ("start_mark", "end_mark"):
            mark = getattr(node, name)
            if (mark.line, mark.column) == virtual:
                setattr(node, name, real)
        if isinstance(node, yaml.MappingNode):
            stack += [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value


def _span(node) -> Span:
    start, end = node.start_mark, node.end_mark
    return Span(start.line + 1, start.column + 1, end.line + 1, end.column + 1)


class _Converter:
    def __init__(self, source: str):
        self.source = source
        self.count = 0

    def fail(self, message: str, node) -> InputError:
        span = _span(node)
        return InputError(message, self.source, span.line, span.column)

    def node(self, node, depth: int) -> JNode:
        import yaml

        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(f"the document has more than {MAX_NODES} values (YAML aliases?); refusing it", node)
        if depth > MAX_DEPTH:
            raise self.fail(f"the document is nested more than {MAX_DEPTH} levels deep", node)
        tag = node.tag or ""
        if tag.startswith("!") and not tag.startswith("!!"):
            return self.short_form(node, tag, depth)
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, depth)
        if isinstance(node, yaml.SequenceNode):
            return JArray(tuple(self.node(item, depth + 1) for item in node.value), _span(node))
        return self.scalar(node)

    def short_form(self, node, tag: str, depth: int) -> JNode:
        import yaml

        name = SHORT_FORMS.get(tag)
        if name is None:
            raise self.fail(f"unknown YAML tag {tag!r}; CloudFormation's are "
                            + ", ".join(sorted(SHORT_FORMS)), node)
        if isinstance(node, yaml.ScalarNode):
            inner = JScalar("string", node.value, _span(node))
        elif isinstance(node, yaml.SequenceNode):
            inner = JArray(tuple(self.node(item, depth + 1) for item in node.value), _span(node))
        else:
            inner = self.mapping(node, depth)
        return JObject((JMember(name, _span(node), inner),), _span(node))

    def mapping(self, node, depth: int) -> JObject:
        import yaml

        members, seen = [], {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode) or (key.tag or "").startswith("!"):
                raise self.fail("a mapping key must be a plain string", key)
            if key.value == "<<" and key.tag == _STD + "merge":
                raise self.fail("YAML merge keys (<<) are not supported; write the mapping out", key)
            if key.value in seen:
                first = seen[key.value]
                raise self.fail(f"duplicate key {key.value!r} (first at {first.line}:{first.column}); "
                                "YAML readers disagree on which one wins, so deputy refuses to guess", key)
            seen[key.value] = _span(key)
            members.append(JMember(key.value, _span(key), self.node(value, depth + 1)))
        return JObject(tuple(members), _span(node))

    def scalar(self, node) -> JScalar:
        tag, text, span = node.tag or "", node.value, _span(node)
        if tag == _STD + "null":
            return JScalar("null", None, span)
        if tag == _STD + "bool":
            return JScalar("bool", "true" if text.lower() in ("true", "yes", "on", "y") else "false", span)
        if tag in (_STD + "int", _STD + "float"):
            return JScalar("number", text, span)
        # str, timestamp (an unquoted Version: 2012-10-17), binary: the text as written
        return JScalar("string", text, span)
