"""Adapters in front of the parser: find the policies in an input file and
say where each came from (ARCHITECTURE.md, "The pipeline").

Every adapter turns its input into the JSON layer's positioned nodes
(``verifier.policy.jsontree``), so that the parser builds the same AST, with lines
and columns of the ORIGINAL file, whatever the file format. A value an
adapter cannot resolve (a template parameter, an attribute known only after
deployment) becomes a ``JUnresolved`` node; ``verifier.sources.unresolved``
decides, before anything is checked, whether it may be replaced
conservatively or makes the verdict ``unknown``. Nothing is ever dropped or
guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from verifier.policy.ast import Span
from verifier.policy.jsontree import JObject, JScalar
from verifier.errors import InputError
from verifier.policy.wellformed import PolicyKind

FORMATS = ("policy", "cloudformation", "terraform", "account-export")


@dataclass(frozen=True, slots=True)
class JUnresolved:
    """A value deputy cannot know: ``what`` names it for a person. ``arn``
    is true when the value is certainly a concrete ARN (an ``Arn``
    attribute of a resource), whatever it turns out to be."""

    what: str
    span: Span
    arn: bool = False
    widened: str | None = None
    hole: int = -1
    instance: str | None = None
    stand_ins: tuple[str, ...] = ()
    """``widened``: the value as a wildcard pattern, each unknown part read
    as ``*`` (a superset of what the value can match under a ``Like``
    operator); ``hole``: the offset of the first such ``*`` in it.
    ``instance``: the value with each unknown part replaced by a stand-in
    text (``stand_ins``), set only when every unknown part is the name or
    ID of a resource of the template (``resource_types``), which holds no
    wildcard and no variable; None otherwise."""


@dataclass
class Found:
    """One policy found in an input file, or the reason it could not be read.

    ``node`` is the policy document as positioned JSON nodes, which may hold
    ``JUnresolved`` values; ``owner`` is the owner's account where the input
    states it (a role ARN); ``placeholder_owner`` is set when the owner is
    unknown and a placeholder account stands for it (see ``owner.py``)."""

    file: str
    format: str
    resource: str | None = None
    kind: PolicyKind | None = None
    node: object = None
    span: Span | None = None
    owner: str | None = None
    placeholder_owner: bool = False
    candidates: tuple[str, ...] = ()
    """Accounts the input names that may be the owner, where it states
    none (``owner.py``)."""
    assumptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    error: InputError | None = None
    spent: float = 0.0
    """Seconds its file took to read and parse (counted against its time)."""
    failure: str | None = None
    """Set when reading the input met a bug: the file's verdict is unknown."""
    variants: list[tuple[str, object]] = field(default_factory=list)
    """For a template policy that depends on template conditions (``!If``):
    the document under each assignment of them, with a label such as
    ``IsProd=true``; ``node`` then is the document with the ``!If`` unknown."""

    def where(self) -> str:
        """The file, and the resource inside it when there is one."""
        return f"{self.file} [{self.resource}]" if self.resource else self.file


@dataclass(frozen=True)
class Notice:
    """Something a person must know about an input that is not a verdict:
    a resource deputy did not read though its type is a near miss of one it
    reads, a template in which nothing holds a policy. A warning, with the
    place it is about."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"

    def to_json(self) -> dict:
        return {"path": self.file, "line": self.line, "column": self.column, "message": self.message}


def span_of(node) -> Span:
    return getattr(node, "span", None) or Span(1, 1, 1, 1)


def member_value(node, name: str):
    """The value of ``node``'s member ``name``, or None (also when ``node``
    is not an object)."""
    if isinstance(node, JObject):
        for m in node.members:
            if m.name == name:
                return m.value
    return None


def scalar_text(node) -> str | None:
    """A scalar's text, or None."""
    return node.value if isinstance(node, JScalar) else None
