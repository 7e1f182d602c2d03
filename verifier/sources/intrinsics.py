"""CloudFormation intrinsic functions, resolved as far as a template alone
allows, and no further.

Resolved: the pseudo parameters ``AWS::AccountId`` (the owner),
``AWS::Partition``, ``AWS::Region``, ``AWS::URLSuffix`` and ``AWS::NoValue``,
and ``Fn::Sub``/``Fn::Join``/``Fn::Select``/``Fn::Split``/``Fn::FindInMap``
over resolved values. Everything else (a parameter, a resource's name or
attribute, a condition) becomes ``JUnresolved`` naming it: a template does
not say what it will be, and deputy does not guess.
"""

from __future__ import annotations

import re

from verifier.policy.jsontree import JArray, JMember, JNode, JObject, JScalar
from verifier.sources import JUnresolved, member_value

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
        self.parameters = _names(template, "Parameters")
        self.resources = _names(template, "Resources")
        self.mappings = member_value(template, "Mappings")
        self.used: set[str] = set()
        self.assignment: dict[str, bool] = {}
        self.conditions_seen: set[str] = set()

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
        ``JUnresolved``; ``NOVALUE`` for ``Ref AWS::NoValue``."""
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
        return JUnresolved(f"!Ref {name} ({self.describe(name)})", node.span, widened="*", hole=0)

    def pseudo(self, name: str) -> str | None:
        values = {"AWS::AccountId": self.owner, "AWS::Partition": PARTITION, "AWS::Region": self.region,
                  "AWS::URLSuffix": "amazonaws.com"}
        if name in values:
            self.used.add(name)
        return values.get(name)

    def describe(self, name: str) -> str:
        if name in self.parameters:
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
        # A resource's Arn attribute is a concrete ARN (never a wildcard).
        arn = len(parts) == 2 and parts[0] in self.resources and parts[1] == "Arn"
        return JUnresolved(f"!GetAtt {_preview(arg)} (an attribute known only after deployment)", node.span,
                           arn=arn, widened="*", hole=0)

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
        hole = -1
        position = 0
        for match in _SUB.finditer(template.value):
            out.append(template.value[position:match.start()])
            position = match.end()
            value = self.variable(match.group(1), variables, node)
            if isinstance(value, str):
                out.append(value)
                continue
            if isinstance(value, JUnresolved):
                missing.append(value.what)
                widened = value.widened if value.widened is not None else "*"
                inner = value.hole if value.hole >= 0 else 0
            else:
                missing.append(f"${{{match.group(1)}}} (not a string)")
                widened, inner = "*", 0
            if hole < 0:
                hole = len("".join(out)) + inner
            out.append(widened)
        out.append(template.value[position:])
        text = "".join(out)
        if missing:
            return JUnresolved(f"!Sub {template.value!r}: " + "; ".join(missing), node.span, widened=text, hole=hole)
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
        if "." in name:
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
            pieces, hole = [], -1
            for p in parts:
                if isinstance(p, JUnresolved) and hole < 0:
                    hole = len(delimiter.join(pieces + [""])) if pieces else 0
                    hole += p.hole if p.hole >= 0 and p.widened is not None else 0
                pieces.append(p if isinstance(p, str) else (p.widened if p.widened is not None else "*"))
            return JUnresolved("!Join of " + "; ".join(missing), node.span, widened=delimiter.join(pieces),
                               hole=hole)
        return JScalar("string", delimiter.join(parts), node.span)

    def _fn_select(self, arg, node):
        if not (isinstance(arg, JArray) and len(arg.items) == 2):
            return JUnresolved(f"!Select {_preview(arg)} (not [index, list])", node.span)
        index, items = self.text(self.value(arg.items[0])), self.value(arg.items[1])
        if isinstance(items, JUnresolved):
            return JUnresolved(f"!Select from {items.what}", node.span)
        if isinstance(index, str) and index.isdigit() and isinstance(items, JArray) and int(index) < len(items.items):
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
        return self.value(found)

    def text(self, value) -> str | JUnresolved | None:
        """A resolved scalar's text; the ``JUnresolved`` itself; None for
        anything else (a list or an object where text belongs)."""
        if isinstance(value, JUnresolved):
            return value
        if isinstance(value, JScalar) and value.value is not None:
            return value.value
        return None


_SUB = re.compile(r"\$\{([^}]*)\}")


def _function(node: JObject) -> JMember | None:
    if len(node.members) == 1:
        member = node.members[0]
        if member.name == "Ref" or member.name.startswith("Fn::"):
            return member
    return None



def _names(template: JObject, section: str) -> set[str]:
    body = member_value(template, section)
    return {m.name for m in body.members} if isinstance(body, JObject) else set()


def _short(name: str) -> str:
    return "!" + name.replace("Fn::", "")


def _preview(node) -> str:
    """A short rendering of a node for a message."""
    if isinstance(node, JScalar):
        return repr(node.value)
    if isinstance(node, JArray):
        text = "[" + ", ".join(_preview(i) for i in node.items[:4]) + (", ..." if len(node.items) > 4 else "") + "]"
    elif isinstance(node, JObject):
        text = "{" + ", ".join(f"{m.name}: {_preview(m.value)}" for m in node.members[:3]) + "}"
    else:
        text = "?"
    return text if len(text) <= 80 else text[:77] + "..."
