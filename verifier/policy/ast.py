"""The typed syntax tree of a policy document.

This is the only contract between the parser and everything after it (the
evaluator, the encoder, the well-formedness checks and the printer). It keeps
what the document says, not what it means: raw operator names, raw element
values, which list forms were used, so that diagnostics can quote the text and
the printer can round-trip it. Every node carries the span of its source text;
spans are excluded from equality so that two documents that say the same thing
compare equal wherever their text sits.

Imports nothing of ours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


@dataclass(frozen=True, slots=True)
class Span:
    """Where a node sits in its source: 1-based line and column of its first
    and one-past-last character."""

    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.line}:{self.column}"


NOWHERE = Span(0, 0, 0, 0)


class Literal(Enum):
    """The JSON form a scalar was written in (G5: unquoted numbers and
    booleans mean their source text)."""

    STRING = "string"
    NUMBER = "number"
    BOOL = "bool"


@dataclass(frozen=True, slots=True)
class Text:
    """A scalar from the document, as the string it stands for."""

    value: str
    literal: Literal = Literal.STRING
    span: Span = field(default=NOWHERE, compare=False)

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Values:
    """One element value that may be a scalar or a list (G5). ``is_list``
    records the form written, so the printer can reproduce it."""

    items: tuple[Text, ...]
    is_list: bool
    span: Span = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class PrincipalEntry:
    """One ``"Kind": value-or-list`` member of a principal map (G6)."""

    kind: Text
    values: Values
    span: Span = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class PrincipalBlock:
    """A ``Principal`` or ``NotPrincipal`` element.

    Exactly one of ``wildcard`` (the string form, normally ``"*"``) and
    ``entries`` (the map form) describes it; ``entries`` is empty both for
    ``{}`` and for the string form.
    """

    negated: bool
    wildcard: Text | None
    entries: tuple[PrincipalEntry, ...]
    span: Span = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class PatternBlock:
    """An ``Action``/``NotAction`` or ``Resource``/``NotResource`` element."""

    negated: bool
    patterns: Values
    span: Span = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class ConditionEntry:
    """One condition key under one operator, with its policy values.

    ``operator`` is the raw operator name as written (for example
    ``"ForAnyValue:StringNotLikeIfExists"``); its meaning is looked up in
    ``verifier.policy.operators``. ``key`` is the raw key name; key names compare
    case-insensitively (C2), so consumers fold it themselves.
    """

    operator: Text
    key: Text
    values: Values
    span: Span = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class OperatorBlock:
    """``"Operator": {key: values, ...}`` inside a Condition element."""

    operator: Text
    entries: tuple[ConditionEntry, ...]
    span: Span = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class ConditionBlock:
    """A ``Condition`` element: operator blocks, ANDed (C1)."""

    operators: tuple[OperatorBlock, ...]
    span: Span = field(default=NOWHERE, compare=False)

    @property
    def entries(self) -> tuple[ConditionEntry, ...]:
        """Every (operator, key) entry, in document order."""
        return tuple(e for block in self.operators for e in block.entries)


class Effect(Enum):
    ALLOW = "Allow"
    DENY = "Deny"


_EFFECTS = {effect.value: effect for effect in Effect}


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement, with every element it may carry (G3).

    The parser accepts a statement that carries both or neither of a pair
    (Action/NotAction, ...) so that ``verifier.policy.wellformed`` can report it with
    a location; the evaluator and encoder are only given policies without
    error diagnostics.
    """

    index: int
    effect: Text | None
    sid: Text | None = None
    principal: PrincipalBlock | None = None
    not_principal: PrincipalBlock | None = None
    action: PatternBlock | None = None
    not_action: PatternBlock | None = None
    resource: PatternBlock | None = None
    not_resource: PatternBlock | None = None
    condition: ConditionBlock | None = None
    span: Span = field(default=NOWHERE, compare=False)

    @property
    def effect_kind(self) -> Effect | None:
        """The effect, if it is one of the two exact spellings (G4)."""
        if self.effect is None:
            return None
        return _EFFECTS.get(self.effect.value)  # asked of every statement, many times: a table, not a loop

    @property
    def principals(self) -> PrincipalBlock | None:
        """Whichever of Principal / NotPrincipal is present (Principal first)."""
        return self.principal or self.not_principal

    @property
    def actions(self) -> PatternBlock | None:
        return self.action or self.not_action

    @property
    def resources(self) -> PatternBlock | None:
        return self.resource or self.not_resource

    @property
    def label(self) -> str:
        """How messages name this statement: its index (from 0) and Sid."""
        sid = f" ({self.sid.value!r})" if self.sid else ""
        return f"statement {self.index}{sid}"


@dataclass(frozen=True, slots=True)
class Policy:
    """A whole policy document.

    ``statement_is_list`` records whether ``Statement`` was written as an
    array or a single object (G3); ``source`` names where it was read from,
    for messages.
    """

    statements: tuple[Statement, ...]
    version: Text | None = None
    id: Text | None = None
    statement_is_list: bool = True
    span: Span = field(default=NOWHERE, compare=False)
    source: str = field(default="<policy>", compare=False)

    @property
    def variables_enabled(self) -> bool:
        """Policy variables exist only under Version 2012-10-17 (G2)."""
        return self.version is not None and self.version.value == "2012-10-17"
