"""What an unresolved value does to a verdict.

Deputy goes on without knowing a value only where it can prove that the
value cannot change the verdict, or can bracket it:

* ``Sid`` and ``Id`` name things and mean nothing to evaluation: a
  placeholder name stands in.
* an ARN that a resource's ``Arn`` attribute gives (``!GetAtt Role.Arn``)
  under ``Principal``/``NotPrincipal`` ``AWS`` or ``Federated``: an IAM or
  federated principal never matches a service principal (P5), whatever
  ARN it is, so a placeholder ARN stands in.
* an entry of ``Resource`` in an ``Allow`` statement: read as ``"*"``. A
  wider Allow admits a superset of requests, so a proof of ``safe`` holds
  for the real policy; the assumptions say which reading was used.
* an entry of ``Resource`` in a ``Deny`` statement (of a Statement list):
  bracketed. The policy with that Deny left out allows a superset of the
  real policy's requests, and the policy with the Deny over every resource
  (``"*"``) a subset. ``safe`` for the first, or ``vulnerable`` for the
  second, holds for the real policy; otherwise the verdict is ``unknown``
  (``verifier.checking`` runs the two).

* a value of a ``Like`` condition whose match can only widen what the
  statement lets through: ``StringLike``, ``ArnLike``, ``ArnEquals`` (and
  their ``IfExists`` forms) in an Allow, ``StringNotLike``, ``ArnNotLike``,
  ``ArnNotEquals`` in a Deny. The value is read as a pattern with each
  unknown part as ``*`` (for the ARN operators only when every unknown part
  lies in the resource part, after the fifth colon, since their wildcards
  do not cross the first five colons, C4). A ``safe`` proof then holds for
  the real policy; a ``vulnerable`` counterexample is kept only if it is
  also allowed when those values match nothing (``narrowed``), that is,
  whatever the values are.

Anywhere else (Principal otherwise, Action, Effect, Condition, Version,
NotResource, a whole statement) the value decides the verdict, so the
verdict is ``unknown`` naming every such value. The placeholder left in the
node there only keeps the document readable for the error checks; no
verdict is drawn from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from verifier.policy.jsontree import JArray, JMember, JNode, JObject, JScalar
from verifier.sources import JUnresolved

PLACEHOLDER_ARN = "arn:aws:iam::000000000000:role/deputy-unresolved-arn"


@dataclass
class Settled:
    """``node`` has no ``JUnresolved`` left; Deny statements with an
    unresolved Resource are read there as applying to every resource, and
    ``deny_indexes`` lists them (with ``deny_what`` saying why) so that a
    caller can also check the policy without them."""

    node: JNode
    narrowed: JNode | None = None
    assumptions: list[str] = field(default_factory=list)
    fatal: list[str] = field(default_factory=list)
    deny_indexes: list[int] = field(default_factory=list)
    deny_what: list[str] = field(default_factory=list)
    widened_what: list[str] = field(default_factory=list)
    fatal_span: object = None


NEVER = "deputy:unresolved-value-that-matches-nothing"
"""Not an ARN, not an account, not a service name: no request value of
the threat model is this string."""

WIDENING = {"Allow": ("StringLike", "ArnLike", "ArnEquals"), "Deny": ("StringNotLike", "ArnNotLike", "ArnNotEquals")}


def settle(node) -> Settled:
    walker = _Walker()
    out = walker.walk(node, (), None)
    settled = Settled(out, None, walker.assumptions, walker.fatal, sorted(set(walker.denies)), walker.deny_what,
                      walker.widened_what, walker.fatal_spans[0] if walker.fatal_spans else None)
    if walker.widened:
        settled.narrowed = _Walker(narrow=True).walk(node, (), None)
    return settled


def without_statements(node: JObject, indexes: list[int]) -> tuple[JObject, list[int]]:
    """The policy without the statements at ``indexes``, and for each
    statement left its index in the original."""
    out, kept = [], []
    for m in node.members:
        if m.name == "Statement" and isinstance(m.value, JArray):
            items = [(i, item) for i, item in enumerate(m.value.items) if i not in indexes]
            kept = [i for i, _ in items]
            m = JMember(m.name, m.name_span, JArray(tuple(item for _, item in items), m.value.span))
        out.append(m)
    return JObject(tuple(out), node.span), kept


class _Walker:
    def __init__(self, narrow: bool = False):
        self.narrow = narrow
        self.widened = 0
        self.widened_what: list[str] = []
        self.fatal_spans: list = []
        self.assumptions: list[str] = []
        self.fatal: list[str] = []
        self.denies: list[int] = []
        self.deny_what: list[str] = []
        self.sids = 0

    def walk(self, node, path: tuple, effect: str | None):
        if isinstance(node, JUnresolved):
            return self.replace(node, path, effect)
        if isinstance(node, JObject):
            if _is_statement_path(path):
                effect = _effect(node)
            return JObject(tuple(JMember(m.name, m.name_span, self.walk(m.value, path + (m.name,), effect))
                                 for m in node.members), node.span)
        if isinstance(node, JArray):
            return JArray(tuple(self.walk(item, path + (i,), effect) for i, item in enumerate(node.items)),
                          node.span)
        return node

    def replace(self, node: JUnresolved, path: tuple, effect: str | None) -> JScalar:
        names = [p for p in path if isinstance(p, str)]
        element = names[-1] if names else "the policy"
        where = f"line {node.span.line}, column {node.span.column}"
        if element in ("Sid", "Id") and len(names) <= 2:
            self.sids += 1
            return JScalar("string", f"Unresolved{self.sids}", node.span)
        if node.arn and len(names) == 3 and names[1] in ("Principal", "NotPrincipal") \
                and names[2] in ("AWS", "Federated"):
            self.assumptions.append(f"{where}: {names[1]} {names[2]} {node.what} is an ARN, and no such principal "
                                    "is a service principal (P5), so its value does not matter here")
            return JScalar("string", PLACEHOLDER_ARN, node.span)
        if len(names) == 4 and names[1] == "Condition" and _widens(node, names[2], effect):
            self.widened += 1
            self.widened_what.append(f"{node.what} at {where}")
            self.assumptions.append(f"{where}: {names[2]} {names[3]} {node.what} is read as the pattern "
                                    f"{node.widened!r}, which matches at least what the real value matches")
            return JScalar("string", NEVER if self.narrow else node.widened, node.span)
        if element == "Resource" and len(names) == 2 and effect == "Allow":
            self.assumptions.append(f"{where}: Resource {node.what} is read as \"*\" (an Allow over more "
                                    "resources can only admit more requests)")
            return JScalar("string", "*", node.span)
        if element == "Resource" and len(names) == 2 and effect == "Deny" and isinstance(path[1], int):
            self.denies.append(path[1])
            self.deny_what.append(f"{node.what} at {where}")
            return JScalar("string", "*", node.span)
        self.fatal.append(f"{node.what} at {where} (in {_describe(names)})")
        self.fatal_spans.append(node.span)
        return JScalar("string", "${deputy:unresolved}", node.span)


def _widens(node: JUnresolved, operator: str, effect: str | None) -> bool:
    if node.widened is None or effect not in WIDENING:
        return False
    base = operator[:-len("IfExists")] if operator.endswith("IfExists") else operator
    if base not in WIDENING[effect]:
        return False
    if base.startswith("Arn"):
        return node.widened == "*" or node.widened[:max(node.hole, 0)].count(":") >= 5
    return True


def _is_statement_path(path: tuple) -> bool:
    return path == ("Statement",) or (len(path) == 2 and path[0] == "Statement" and isinstance(path[1], int))


def _effect(statement: JObject) -> str | None:
    for m in statement.members:
        if m.name == "Effect" and isinstance(m.value, JScalar):
            return m.value.value
    return None


def _describe(names: list[str]) -> str:
    if not names:
        return "the policy document"
    if names[0] == "Statement" and len(names) > 1:
        return "the statement's " + ".".join(names[1:])
    return ".".join(names)
