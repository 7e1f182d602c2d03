"""YAML (CloudFormation templates) to the JSON layer's positioned nodes.

PyYAML's ``compose`` keeps every node's start and end mark, so each value
keeps the line and column it has in the template. CloudFormation's short
forms (``!Sub x``) become the long form (``{"Fn::Sub": x}``), so one
resolver serves JSON and YAML templates alike. Scalars keep their source
text: an unquoted ``111122223333`` is the number whose literal text is
``111122223333`` (G5), as in a JSON policy.
"""

from __future__ import annotations

from verifier.policy.ast import Span
from verifier.errors import InputError
from verifier.policy.jsontree import JArray, JMember, JNode, JObject, JScalar, position

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
    """Parse one YAML document into positioned nodes, or raise ``InputError``
    (always with a line and column)."""
    import yaml

    fast = getattr(yaml, "CSafeLoader", None)
    try:
        root = _compose(text, fast)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        words = [w for w in (exc.context, exc.problem) if w] or ["unreadable"]
        problem = " ".join(" ".join(words).split())
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise InputError(f"invalid YAML: {problem}", source, line, column) from None
    except yaml.reader.ReaderError as exc:
        # The reader knows the offset only (libyaml's in UTF-8 bytes): the
        # position a person needs is its line and column.
        offset = len(text.encode("utf-8")[:exc.position].decode("utf-8", "ignore")) if fast else exc.position
        line, column = position(text, offset)
        raise InputError(f"invalid YAML: the character U+{exc.character:04X} is not allowed in YAML "
                         "(a control character?)", source, line, column) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {' '.join(str(exc).split())}", source, 1, 1) from None
    if root is None:
        raise InputError("the document is empty", source, 1, 1)
    converter = _Converter(source)
    return converter.node(root, 0)


def _compose(text: str, fast):
    """The node tree of ``text``, never nested more than ``MAX_DEPTH`` deep.
    With libyaml (``fast``: ten times faster, which is what keeps a 1 MiB
    template within its time), the depth is counted on its event stream
    first: its composer recurses in C, where Python's recursion limit
    does not protect the stack. Without it, the Python composer counts as
    it goes (``_loader``)."""
    import yaml

    if fast is None:
        return yaml.compose(text, Loader=_loader())
    depth = 0
    for event in yaml.parse(text, Loader=fast):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(None, None, f"the document is nested more than {MAX_DEPTH} "
                                                  "levels deep", event.start_mark)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return yaml.compose(text, Loader=fast)


_LOADER = None


def _loader():
    """``SafeLoader`` whose composer stops at ``MAX_DEPTH``: PyYAML composes
    nested collections by recursion, so 500 bytes of ``[`` would exhaust
    Python's stack before the converter below could count the levels."""
    global _LOADER
    if _LOADER is None:
        import yaml

        class Loader(yaml.SafeLoader):
            depth = 0

            def compose_node(self, parent, index):
                if self.depth > MAX_DEPTH:
                    mark = self.peek_event().start_mark
                    raise yaml.composer.ComposerError(None, None, f"the document is nested more than {MAX_DEPTH} "
                                                      "levels deep", mark)
                self.depth += 1
                try:
                    return super().compose_node(parent, index)
                finally:
                    self.depth -= 1

        _LOADER = Loader
    return _LOADER


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
        span = _span(node)
        if isinstance(node, yaml.ScalarNode):
            inner = JScalar("string", node.value, span)
        elif isinstance(node, yaml.SequenceNode):
            inner = JArray(tuple(self.node(item, depth + 1) for item in node.value), span)
        else:
            inner = self.mapping(node, depth)
        return JObject((JMember(name, span, inner),), span)

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
            seen[key.value] = where = _span(key)
            members.append(JMember(key.value, where, self.node(value, depth + 1)))
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
