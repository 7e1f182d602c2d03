"""CloudFormation intrinsic functions, resolved as far as a template alone
allows, and no further.

Resolved: the pseudo parameters ``AWS::AccountId`` (the owner),
``AWS::Partition``, ``AWS::Region``, ``AWS::URLSuffix`` and ``AWS::NoValue``,
and ``Fn::Sub``/``Fn::Join``/``Fn::Select``/``Fn::Split``/``Fn::FindInMap``
over resolved values. A resource of the template lives in the stack's
account, partition and Region, so ``Ref`` or ``Fn::GetAtt`` of one whose
type ``resource_types`` lists is an ARN known but for its name (or the name
alone): ``JUnresolved`` with the ARN as a pattern (``widened``, the name as
``*``) and with a stand-in for the name (``instance``). Everything else (a
parameter, an attribute deputy does not know, a condition, an
``Fn::ImportValue``, a ``{{resolve:ssm:...}}`` dynamic reference) becomes
``JUnresolved`` naming it: a template does not say what it will be, and
deputy does not guess.
"""

from __future__ import annotations

import re

from verifier.policy.jsontree import JArray, JMember, JNode, JObject, JScalar
from verifier.sources import JUnresolved, member_value, resource_types, span_of
from verifier.sources.resource_types import ARN, NAME

MAX_DEPTH = 128
"""Deeper than any template's values (YAML and JSON documents stop at 64 and 96 levels)."""

NOVALUE = object()
"""``Ref AWS::NoValue``: the enclosing member or list item disappears."""

DEFAULT_REGION = "us-east-1"
PARTITION = "aws"


class Resolver:
    """Resolves the intrinsic functions of one template. ``used`` collects
    the pseudo parameters that were read, for the assumptions."""

    def __init__(self, template: JObject, owner: str, region: str = DEFAULT_REGION):
        self.owner = owner
        self.region = region
        self.parameters = _members(template, "Parameters")
        self.resources = _members(template, "Resources")
        self.mappings = member_value(template, "Mappings")
        self.used: set[str] = set()
        self.assignment: dict[str, bool] = {}
        self.conditions_seen: set[str] = set()
        self.looking_up: set[tuple] = set()
        self.depth = 0

    def assumptions(self) -> list[str]:
        out = []
        if "AWS::Region" in self.used:
            out.append(f"the stack's region (AWS::Region) is {self.region}")
        if "AWS::Partition" in self.used:
            out.append(f"the stack's partition (AWS::Partition) is {PARTITION}")
        if "AWS::URLSuffix" in self.used:
            out.append("the stack's URL suffix (AWS::URLSuffix) is amazonaws.com")
        return out

    def value(self, node: JNode):
        """``node`` with every intrinsic function resolved or replaced by
        ``JUnresolved``; ``NOVALUE`` for ``Ref AWS::NoValue``. Bounded in
        depth: a ``!FindInMap`` leaves the tree it came from, so the
        document's own depth limit does not bound what it resolves."""
        if self.depth >= MAX_DEPTH:
            return JUnresolved(f"{_preview(node)} (nested more than {MAX_DEPTH} intrinsic functions and "
                               "values deep)", span_of(node))
        self.depth += 1
        try:
            return self._value(node)
        finally:
            self.depth -= 1

    def _value(self, node: JNode):
        if isinstance(node, JObject):
            function = _function(node)
            if function is not None:
                return self.call(function.name, function.value, node)
            members = []
            for m in node.members:
                value = self.value(m.value)
                if value is not NOVALUE:
                    members.append(JMember(m.name, m.name_span, value))
            return JObject(tuple(members), node.span)
        if isinstance(node, JArray):
            items = [self.value(item) for item in node.items]
            return JArray(tuple(i for i in items if i is not NOVALUE), node.span)
        if isinstance(node, JScalar) and node.kind == "string" and _DYNAMIC.search(node.value):
            return _dynamic(repr(node.value), node.value, -1, node.span)
        return node

    def call(self, name: str, arg: JNode, node: JObject):
        handler = getattr(self, "_" + name.replace("Fn::", "fn_").lower(), None)
        if handler is None:
            return JUnresolved(f"{_short(name)} {_preview(arg)} (deputy does not evaluate {name})", node.span)
        return handler(arg, node)

    # -- the functions ----------------------------------------------------

    def _ref(self, arg, node):
        if not (isinstance(arg, JScalar) and arg.kind == "string"):
            return JUnresolved(f"!Ref {_preview(arg)} (not a name)", node.span)
        name = arg.value
        if name == "AWS::NoValue":
            return NOVALUE
        pseudo = self.pseudo(name)
        if pseudo is not None:
            return JScalar("string", pseudo, node.span)
        if name in self.resources:
            return self.resource_value(name, None, f"!Ref {name}", node.span)
        return JUnresolved(f"!Ref {name} ({self.describe(name)})", node.span, widened="*", hole=0)

    def pseudo(self, name: str) -> str | None:
        values = {"AWS::AccountId": self.owner, "AWS::Partition": PARTITION, "AWS::Region": self.region,
                  "AWS::URLSuffix": "amazonaws.com"}
        if name in values:
            self.used.add(name)
        return values.get(name)

    def describe(self, name: str) -> str:
        if name in self.parameters:
            kind = getattr(member_value(self.parameters[name], "Type"), "value", None) or ""
            if kind.startswith("AWS::SSM::Parameter::Value"):
                default = getattr(member_value(self.parameters[name], "Default"), "value", None)
                return (f"a template parameter read from the SSM parameter {default!r} at deployment" if default
                        else "a template parameter read from an SSM parameter at deployment")
            return "a template parameter: its value is chosen at deployment"
        if name in self.resources:
            return f"the name or ID of resource {name}, known only after deployment"
        if name.startswith("AWS::"):
            return "a pseudo parameter deputy does not know"
        return "not defined in the template"

    def _fn_getatt(self, arg, node):
        if isinstance(arg, JScalar) and arg.kind == "string":
            parts = arg.value.split(".", 1)
        elif isinstance(arg, JArray):
            parts = [getattr(i, "value", None) for i in arg.items]
        else:
            parts = []
        if len(parts) == 2 and parts[0] in self.resources:
            return self.resource_value(parts[0], parts[1], f"!GetAtt {parts[0]}.{parts[1]}", node.span)
        return JUnresolved(f"!GetAtt {_preview(arg)} (an attribute known only after deployment)", node.span,
                           widened="*", hole=0)

    def resource_value(self, logical: str, attribute: str | None, shown: str, span) -> JUnresolved:
        """``Ref`` (``attribute`` None) or ``Fn::GetAtt`` of resource
        ``logical`` of this template: an ARN of the stack's account whose
        name part is unknown, or that name, as ``resource_types`` says; any
        other attribute is unknown as a whole."""
        rtype = getattr(member_value(self.resources[logical], "Type"), "value", None)
        kind = resource_types.returns(rtype, attribute)
        # One stand-in per resource and return value: two values that may
        # differ (a role's name, and its ARN's path and name) never share one.
        stand_in = f"unknown-{'name' if kind == ARN else (attribute or 'ref').lower()}-of-{logical}"
        if kind == NAME:
            return JUnresolved(f"{shown} (the name of {rtype} {logical}, known only after deployment)", span,
                               widened="*", hole=0, instance=stand_in, stand_ins=(stand_in,))
        if kind == ARN:
            shape = resource_types.TYPES[rtype].arn
            fields = {f: self.pseudo(p) for f, p in (("partition", "AWS::Partition"), ("region", "AWS::Region"))
                      if "{" + f + "}" in shape}
            fields["account"] = self.owner
            widened = shape.format(**fields, name="*")
            hole = shape.format(**fields, name="\0").index("\0")
            return JUnresolved(f"{shown} (the ARN of {rtype} {logical}, {shape.format(**fields, name='NAME')}, "
                               "whose NAME is known only after deployment)", span, arn=True, widened=widened,
                               hole=hole, instance=shape.format(**fields, name=stand_in), stand_ins=(stand_in,))
        # A resource's Arn attribute is a concrete ARN (never a wildcard).
        what = f"{shown} (an attribute known only after deployment)" if attribute else \
            f"{shown} ({self.describe(logical)})"
        return JUnresolved(what, span, arn=attribute == "Arn", widened="*", hole=0)

    def _fn_importvalue(self, arg, node):
        return JUnresolved(f"!ImportValue {_preview(arg)} (a value another stack exports, known only at "
                           "deployment)", node.span, widened="*", hole=0)

    def _fn_if(self, arg, node):
        """A branch when ``assignment`` decides the condition; else unknown,
        with the condition noted in ``conditions_seen`` so that the caller
        can resolve again once per assignment."""
        condition = arg.items[0].value if isinstance(arg, JArray) and arg.items and \
            isinstance(arg.items[0], JScalar) else None
        if condition is not None and len(arg.items) == 3:
            if condition in self.assignment:
                return self.value(arg.items[1] if self.assignment[condition] else arg.items[2])
            self.conditions_seen.add(condition)
        return JUnresolved(f"!If on condition {condition} (it depends on how the stack is deployed)", node.span)

    def _fn_sub(self, arg, node):
        variables: dict[str, object] = {}
        template = arg
        if isinstance(arg, JArray) and len(arg.items) == 2 and isinstance(arg.items[1], JObject):
            template = arg.items[0]
            variables = {m.name: self.text(self.value(m.value)) for m in arg.items[1].members}
        if not (isinstance(template, JScalar) and template.kind == "string"):
            return JUnresolved(f"!Sub {_preview(arg)} (not a string template)", node.span)
        missing: list[str] = []
        out: list[str] = []
        exact: list[str] | None = []  # the text with stand-ins, while every unknown has one
        stand_ins: tuple[str, ...] = ()
        hole = -1
        position = 0
        for match in _SUB.finditer(template.value):
            literal = template.value[position:match.start()]
            out.append(literal)
            exact = exact + [literal] if exact is not None else None
            position = match.end()
            value = self.variable(match.group(1), variables, node)
            if isinstance(value, str):
                out.append(value)
                exact = exact + [value] if exact is not None else None
                continue
            if isinstance(value, JUnresolved):
                missing.append(value.what)
                widened = value.widened if value.widened is not None else "*"
                inner = value.hole if value.hole >= 0 else 0
                exact = exact + [value.instance] if exact is not None and value.instance is not None else None
                stand_ins += value.stand_ins
            else:
                missing.append(f"${{{match.group(1)}}} (not a string)")
                widened, inner, exact = "*", 0, None
            if hole < 0:
                hole = len("".join(out)) + inner
            out.append(widened)
        out.append(template.value[position:])
        text = "".join(out)
        instance = "".join(exact + [template.value[position:]]) if exact is not None else None
        if _DYNAMIC.search(template.value):
            return _dynamic(f"!Sub {template.value!r}", text, hole, node.span, missing)
        if missing:
            return JUnresolved(f"!Sub {template.value!r}: " + "; ".join(missing), node.span, widened=text, hole=hole,
                               instance=instance, stand_ins=stand_ins)
        return JScalar("string", text, node.span)

    def variable(self, name: str, variables: dict, node):
        """One ``${...}`` of a Sub: its text, or why it is unknown."""
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        name = name.strip()
        if name in variables:
            return variables[name]
        pseudo = self.pseudo(name)
        if pseudo is not None:
            return pseudo
        logical, _, attribute = name.partition(".")
        if logical in self.resources:
            return self.resource_value(logical, attribute or None, f"${{{name}}}", node.span)
        if attribute:
            return JUnresolved(f"${{{name}}} (an attribute known only after deployment)", node.span)
        return JUnresolved(f"${{{name}}} ({self.describe(name)})", node.span)

    def _fn_join(self, arg, node):
        if not (isinstance(arg, JArray) and len(arg.items) == 2):
            return JUnresolved(f"!Join {_preview(arg)} (not [delimiter, list])", node.span)
        delimiter, items = self.text(self.value(arg.items[0])), self.value(arg.items[1])
        if isinstance(items, JUnresolved):
            return JUnresolved(f"!Join over {items.what}", node.span)
        if not isinstance(delimiter, str) or not isinstance(items, JArray):
            return JUnresolved(f"!Join {_preview(arg)} (not [delimiter, list])", node.span)
        parts = [self.text(item) for item in items.items]
        missing = [p.what for p in parts if isinstance(p, JUnresolved)]
        if not all(isinstance(p, (str, JUnresolved)) for p in parts):
            return JUnresolved("!Join of values that are not strings", node.span)
        if missing:
            pieces, exact, hole = [], [], -1
            for p in parts:
                if isinstance(p, JUnresolved) and hole < 0:
                    hole = len(delimiter.join(pieces + [""])) if pieces else 0
                    hole += p.hole if p.hole >= 0 and p.widened is not None else 0
                pieces.append(p if isinstance(p, str) else (p.widened if p.widened is not None else "*"))
                instance = p if isinstance(p, str) else p.instance
                exact = exact + [instance] if exact is not None and instance is not None else None
            stand_ins = tuple(s for p in parts if isinstance(p, JUnresolved) for s in p.stand_ins)
            return JUnresolved("!Join of " + "; ".join(missing), node.span, widened=delimiter.join(pieces),
                               hole=hole, instance=delimiter.join(exact) if exact is not None else None,
                               stand_ins=stand_ins)
        return JScalar("string", delimiter.join(parts), node.span)

    def _fn_select(self, arg, node):
        if not (isinstance(arg, JArray) and len(arg.items) == 2):
            return JUnresolved(f"!Select {_preview(arg)} (not [index, list])", node.span)
        index, items = self.text(self.value(arg.items[0])), self.value(arg.items[1])
        if isinstance(items, JUnresolved):
            return JUnresolved(f"!Select from {items.what}", node.span)
        # An index is ASCII digits only: "\u00b2" passes isdigit() and fails int(),
        # and a list in a 1 MiB template has fewer than a million items.
        if isinstance(index, str) and _INDEX.fullmatch(index) and isinstance(items, JArray) \
                and int(index) < len(items.items):
            return items.items[int(index)]
        return JUnresolved(f"!Select {_preview(arg)} (index or list unknown)", node.span)

    def _fn_split(self, arg, node):
        if not (isinstance(arg, JArray) and len(arg.items) == 2):
            return JUnresolved(f"!Split {_preview(arg)} (not [delimiter, string])", node.span)
        delimiter, text = self.text(self.value(arg.items[0])), self.text(self.value(arg.items[1]))
        if isinstance(text, JUnresolved):
            return JUnresolved(f"!Split of {text.what}", node.span)
        if not (isinstance(delimiter, str) and delimiter and isinstance(text, str)):
            return JUnresolved(f"!Split {_preview(arg)} (delimiter or string unknown)", node.span)
        return JArray(tuple(JScalar("string", part, node.span) for part in text.split(delimiter)), node.span)

    def _fn_findinmap(self, arg, node):
        if not (isinstance(arg, JArray) and len(arg.items) in (3, 4)):
            return JUnresolved(f"!FindInMap {_preview(arg)} (not [map, key, key])", node.span)
        keys = [self.text(self.value(item)) for item in arg.items[:3]]
        missing = [k.what for k in keys if isinstance(k, JUnresolved)]
        if missing:
            return JUnresolved("!FindInMap with " + "; ".join(missing), node.span)
        found = self.mappings
        for key in keys:
            found = member_value(found, key) if isinstance(found, JObject) and isinstance(key, str) else None
        if found is None:
            return JUnresolved(f"!FindInMap {keys} (no such entry in Mappings)", node.span)
        entry = tuple(keys)
        if entry in self.looking_up:  # CloudFormation would refuse it; resolving it would never end
            return JUnresolved(f"!FindInMap {keys} (the Mappings entry refers to itself)", node.span)
        self.looking_up.add(entry)
        try:
            return self.value(found)
        finally:
            self.looking_up.discard(entry)

    def text(self, value) -> str | JUnresolved | None:
        """A resolved scalar's text; the ``JUnresolved`` itself; None for
        anything else (a list or an object where text belongs)."""
        if isinstance(value, JUnresolved):
            return value
        if isinstance(value, JScalar) and value.value is not None:
            return value.value
        return None


_SUB = re.compile(r"\$\{([^}]*)\}")
_INDEX = re.compile(r"[0-9]{1,6}")


def _function(node: JObject) -> JMember | None:
    if len(node.members) == 1:
        member = node.members[0]
        if member.name == "Ref" or member.name.startswith("Fn::"):
            return member
    return None



def _members(template: JObject, section: str) -> dict[str, JNode]:
    body = member_value(template, section)
    return {m.name: m.value for m in body.members} if isinstance(body, JObject) else {}


_DYNAMIC = re.compile(r"\{\{resolve:([a-z-]+):([^}]*)\}\}")
"""A dynamic reference: CloudFormation replaces it with the value of an SSM
or Secrets Manager parameter when it deploys the stack."""


def _dynamic(what: str, text: str, hole: int, span, missing=()) -> JUnresolved:
    """``text`` (resolved as far as it goes) with each dynamic reference
    unknown: read as ``*`` in the pattern, no stand-in."""
    names = [f"the {m.group(1)} parameter {m.group(2)!r} ({{{{resolve:...}}}}, read at deployment)"
             for m in _DYNAMIC.finditer(text)]
    first = _DYNAMIC.search(text).start()
    widened = _DYNAMIC.sub("*", text)
    hole = first if hole < 0 else min(hole, first)
    return JUnresolved(f"{what}: " + "; ".join(list(missing) + names), span, widened=widened, hole=hole)


def _short(name: str) -> str:
    return "!" + name.replace("Fn::", "")


def _preview(node, depth: int = 0) -> str:
    """A short rendering of a node for a message (three levels at most)."""
    if isinstance(node, JScalar):
        text = repr(node.value)
    elif depth >= 3 and isinstance(node, (JArray, JObject)):
        text = "[...]" if isinstance(node, JArray) else "{...}"
    elif isinstance(node, JArray):
        text = "[" + ", ".join(_preview(i, depth + 1) for i in node.items[:4]) + \
            (", ..." if len(node.items) > 4 else "") + "]"
    elif isinstance(node, JObject):
        text = "{" + ", ".join(f"{m.name}: {_preview(m.value, depth + 1)}" for m in node.members[:3]) + "}"
    else:
        text = "?"
    return text if len(text) <= 80 else text[:77] + "..."
