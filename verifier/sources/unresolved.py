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

* a value of a string or ARN condition whose match can only widen what
  the statement lets through: ``StringEquals``, ``StringLike``,
  ``ArnEquals``, ``ArnLike`` in an Allow, ``StringNotEquals``,
  ``StringNotLike``, ``ArnNotEquals``, ``ArnNotLike`` in a Deny (with
  ``IfExists`` or a set qualifier: each is monotone in what a value
  matches). Deputy checks two policies that bracket the real one:

  - ``node``, a superset: the value read as a pattern with each unknown
    part as ``*`` (for the ARN operators only when every unknown part lies
    in the resource part, after the fifth colon, since their wildcards do
    not cross the first five colons, C4), its key moved from
    ``StringEquals`` to ``StringLike`` (``StringNotEquals`` to
    ``StringNotLike``): a pattern matches at least the string it spells,
    and the ``*`` matches whatever the unknown part is. What the real
    policy allows, this one allows, so its ``safe`` is the real one's.
  - ``narrowed``, a subset: the value replaced by ``NEVER``, a string no
    request of the threat model holds, so that for a request without it
    the value matches nothing, which is at most what the real value
    matches. A request this policy allows (and that holds no ``NEVER``) is
    allowed by the real policy, whatever the unknown parts are.

  Where a value's only unknown parts are names of the template's own
  resources (``JUnresolved.instance``), ``retargets`` also gives, for a
  counterexample of the superset, the same request with ``aws:SourceArn``
  set to that value (its name a stand-in): a request naming the real
  resource is matched by every condition on ``aws:SourceArn`` that lists
  that value, whatever the name is, as a string matches itself (no name
  holds a wildcard, ``resource_types``). See ``retargets``.

Anywhere else (Principal otherwise, Action, Effect, Condition, Version,
NotResource, a whole statement) the value decides the verdict, so the
verdict is ``unknown`` naming every such value. The placeholder left in the
node there only keeps the document readable for the error checks; no
verdict is drawn from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from verifier.policy import keys
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
    widened_span: object = None
    exact: dict[str, dict[tuple, tuple[str, ...]]] = field(default_factory=dict)
    """Folded condition key -> ``_exact_key`` of each value widened on it
    in an Allow (candidates for ``retargets``) -> its stand-ins."""


NEVER = "deputy:unresolved-value-that-matches-nothing"
"""Not an ARN, not an account, not a service name: no request value of
the threat model is this string."""

WIDENING = {"Allow": ("StringLike", "ArnLike", "ArnEquals"), "Deny": ("StringNotLike", "ArnNotLike", "ArnNotEquals")}
AS_PATTERN = {"Allow": ("StringEquals", "StringLike"), "Deny": ("StringNotEquals", "StringNotLike")}
"""An equality operator whose value is unknown, and the pattern operator
that reads it as a superset (``StringEquals v`` matches only ``v``, which
the pattern ``v`` matches too)."""

SELF_MATCHING = ("StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike")
"""Positive operators under which a string matches a value equal to it."""


def settle(node) -> Settled:
    walker = _Walker()
    out = walker.walk(node, (), None)
    settled = Settled(out, None, walker.assumptions, walker.fatal, sorted(set(walker.denies)), walker.deny_what,
                      walker.widened_what, walker.fatal_spans[0] if walker.fatal_spans else None,
                      walker.widened_spans[0] if walker.widened_spans else None, walker.exact)
    if walker.widened:
        settled.narrowed = _Walker(narrow=True).walk(node, (), None)
    return settled


def mentions_never(request) -> bool:
    """Whether a concrete request holds ``NEVER`` anywhere: the narrowed
    policy proves nothing about such a request."""
    texts = [request.principal, request.action, request.resource or ""]
    texts += [v for entry in request.context for v in entry.values]
    return any(NEVER in text for text in texts)


def retargets(node, settled: Settled, request, limit: int = 8):
    """``(policy node, request, value, stand-ins)`` for each way to make the
    counterexample ``request`` of the superset policy name the real
    resource: ``aws:SourceArn`` set to the ``instance`` of a value widened
    on it. The policy is the subset reading (``narrowed``) except that, on
    ``aws:SourceArn``, a value with that same instance is kept as it is and
    every other value matches nothing. Offered only when every condition
    on ``aws:SourceArn`` in the policy is a positive string or ARN
    operator of an Allow (so each is true for the request if it lists the
    value, whatever the name, and false otherwise at most where the real
    one is) and no policy variable reads the key (whose value would then
    depend on the name). If the evaluator allows the request there, the
    real policy allows the request naming the real resource, whatever its
    name; the caller still classifies it (its account is in the value)."""
    from dataclasses import replace

    from verifier.request import ContextValue

    key = keys.SOURCE_ARN
    present = request.get(key)
    if present is None or key not in settled.exact or _reads_variable(node, key):
        return
    for exact, stand_ins in settled.exact[key].items():
        value = exact[0]
        walker = _Walker(narrow=True, keep=(key, exact))
        policy = walker.walk(node, (), None)
        if walker.refused:
            return
        context = tuple(ContextValue(c.name, (value,), False) if keys.fold(c.name) == key else c
                        for c in request.context)
        yield policy, replace(request, context=context), value, stand_ins
        limit -= 1
        if not limit:
            return


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
    def __init__(self, narrow: bool = False, keep: tuple[str, tuple] | None = None):
        self.narrow = narrow
        self.keep = keep  # (folded key, _exact_key of the value kept): see retargets
        self.refused = False
        self.exact: dict[str, dict[tuple, tuple[str, ...]]] = {}
        self.widened = 0
        self.widened_what: list[str] = []
        self.widened_spans: list = []
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
            if path and path[-1] == "Condition" and _is_statement_path(path[:-1]):
                node = self.condition(node, effect)
            return JObject(tuple(JMember(m.name, m.name_span, self.walk(m.value, path + (m.name,), effect))
                                 for m in node.members), node.span)
        if isinstance(node, JArray):
            return JArray(tuple(self.walk(item, path + (i,), effect) for i, item in enumerate(node.items)),
                          node.span)
        return node

    def condition(self, block: JObject, effect: str | None) -> JObject:
        """The Condition block, with each key whose equality value is
        unknown moved to the pattern operator (superset reading only);
        with ``keep``, refused unless every condition on that key is a
        positive operator of an Allow."""
        if self.keep is not None:
            return self.kept(block, effect)
        if self.narrow or effect not in AS_PATTERN:
            return block
        equality, pattern = AS_PATTERN[effect]
        members = list(block.members)
        for index, op in enumerate(block.members):
            prefix, base, suffix = _parts(op.name)
            if base != equality or not isinstance(op.value, JObject):
                continue
            moving = [m for m in op.value.members if _has_widened(m.value)]
            target = prefix + pattern + suffix
            at = next((i for i, m in enumerate(members) if m.name == target), None)
            taken = {m.name.lower() for m in members[at].value.members} if at is not None and \
                isinstance(members[at].value, JObject) else set()
            moving = [m for m in moving if m.name.lower() not in taken]
            if not moving or (at is not None and not isinstance(members[at].value, JObject)):
                continue
            staying = tuple(m for m in op.value.members if m not in moving)
            for m in moving:
                self.assumptions.append(f"line {m.name_span.line}, column {m.name_span.column}: {op.name} {m.name} "
                                        f"is read as {target}, since its value is unknown in part (a pattern "
                                        "matches at least the text it spells)")
            members[index] = JMember(op.name, op.name_span, JObject(staying, op.value.span)) if staying else None
            if at is None:
                members.append(JMember(target, op.name_span, JObject(tuple(moving), op.value.span)))
            else:
                old = members[at]
                members[at] = JMember(target, old.name_span, JObject(old.value.members + tuple(moving), old.value.span))
            block = JObject(tuple(m for m in members if m is not None), block.span)
            members = list(block.members)
        return block

    def kept(self, block: JObject, effect: str | None) -> JObject:
        """``retargets``: on the kept key, a value whose instance is the
        kept one stays (as that instance), every other value matches
        nothing; refused unless each condition on the key is a positive
        operator of an Allow."""
        key, exact = self.keep
        members = []
        for op in block.members:
            entries = getattr(op.value, "members", None)
            if entries is None or not any(keys.fold(m.name) == key for m in entries):
                members.append(op)
                continue
            if effect != "Allow" or _parts(op.name)[1] not in SELF_MATCHING:
                self.refused = True
            entries = tuple(JMember(m.name, m.name_span, _keep_only(m.value, exact))
                            if keys.fold(m.name) == key else m for m in entries)
            members.append(JMember(op.name, op.name_span, JObject(entries, op.value.span)))
        return JObject(tuple(members), block.span)

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
        if len(names) == 4 and names[1] == "Condition" and _widens(node, names[2], effect, self.narrow):
            self.widened += 1
            self.widened_what.append(f"{node.what} at {where}")
            self.widened_spans.append(node.span)
            self.assumptions.append(f"{where}: {names[2]} {names[3]} {node.what} is read as the pattern "
                                    f"{node.widened!r}, which matches at least what the real value matches")
            if node.instance is not None and effect == "Allow":
                self.exact.setdefault(keys.fold(names[3]), {})[_exact_key(node)] = node.stand_ins
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


def _widens(node: JUnresolved, operator: str, effect: str | None, narrow: bool) -> bool:
    """Whether the value sits where reading it wider (or, ``narrow``, as
    matching nothing) can only admit more (fewer) requests. An equality
    operator qualifies only in the subset reading: the superset reading
    has moved its key to the pattern operator (``condition``) unless that
    was impossible, and then the value decides the verdict."""
    if node.widened is None or effect not in WIDENING:
        return False
    base = _parts(operator)[1]
    if base == AS_PATTERN[effect][0]:
        return narrow
    if base not in WIDENING[effect]:
        return False
    if base.startswith("Arn"):
        return node.widened == "*" or node.widened[:max(node.hole, 0)].count(":") >= 5
    return True


def _parts(operator: str) -> tuple[str, str, str]:
    """``(set qualifier with its colon, base operator, IfExists)``."""
    prefix, _, base = operator.rpartition(":")
    prefix = prefix + ":" if prefix else ""
    suffix = "IfExists" if base.endswith("IfExists") else ""
    return prefix, base[:len(base) - len(suffix)], suffix


def _exact_key(node: JUnresolved) -> tuple:
    """What makes two values the same real string: the same literal text
    around the same stand-ins (one stand-in per resource and return value,
    ``intrinsics.resource_value``)."""
    return node.instance, node.stand_ins, node.widened


def _keep_only(value, exact: tuple):
    items = value.items if isinstance(value, JArray) else (value,)
    kept = tuple(JScalar("string", exact[0], v.span) if isinstance(v, JUnresolved) and _exact_key(v) == exact
                 else JScalar("string", NEVER, v.span) for v in items)
    return JArray(kept, value.span) if isinstance(value, JArray) else kept[0]


def _has_widened(value) -> bool:
    items = value.items if isinstance(value, JArray) else (value,)
    return any(isinstance(v, JUnresolved) and v.widened is not None for v in items)


def _reads_variable(node, key: str) -> bool:
    """Whether any text of the policy holds a policy variable naming
    ``key`` (``${aws:SourceArn}``), in any case."""
    from verifier.sources.owner import strings

    return any("${" + key in text.lower().replace(" ", "") for text in strings(node))


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
