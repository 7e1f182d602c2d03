"""Policy documents: JSON nodes to the typed AST.

The JSON layer (``verifier.policy.jsontree``) guarantees valid JSON without duplicate
keys; this module maps decoded member names onto the policy elements of
SEMANTICS.md section 1 and checks the JSON type of each element. It rejects,
with the element's line and column, anything whose meaning would otherwise be
a guess: unknown element names (element names are case-sensitive, so
``"effect"`` is unknown rather than silently read as ``Effect``), nulls,
nested lists, objects where a scalar belongs. What JSON can express but IAM
forbids (both Action and NotAction, a bad Effect) is left to
``verifier.policy.wellformed`` so that it is reported as a diagnostic.
"""

from __future__ import annotations

from verifier.policy import jsontree
from verifier.policy.ast import (
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
from verifier.policy.jsontree import JArray, JNode, JObject, JScalar, describe

TOP_ELEMENTS = ("Version", "Id", "Statement")
STATEMENT_ELEMENTS = ("Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
                      "Resource", "NotResource", "Condition")


def parse_policy(text: str, source: str = "<policy>") -> Policy:
    """Parse policy text; raise ``InputError`` with a location if it is not a policy."""
    return build_policy(jsontree.parse_text(text, source), source)


def read_policy(path: str) -> Policy:
    """Read and parse a policy file; raise ``InputError`` with a location."""
    return build_policy(jsontree.read_file(path), path)


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
