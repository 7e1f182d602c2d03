"""A policy variable in ``Resource`` (V1): ``arn:aws:s3:::logs/${aws:SourceAccount}/*``.

The request's resource matches such a pattern when it is the text before
the variable, then the variable's value (the key's string, which the string
classes hold), then the text after it. A value that is a known string (a
default, a bound request) is put in place and read like any other pattern,
in either reading. A value that is a string variable is related to the
resource by ``StringSpace.within``, which is exact where the relation is
only asserted, never denied: the reading that matches more (``lenient``: a
Resource in an Allow, a NotResource in a Deny), where a match lets the
policy allow more. That needs a key whose values hold no ``:``, ``*`` or
``?`` (substituting it then adds no wildcard and cuts no segment), and a
string in no other relation (``within`` or an equality of a variable in a
condition): a string in two of them keeps an equality exact and leaves the
``within`` free (named: "cannot relate the strings ... exactly").
Anything else stays a free atom, named.
"""

from __future__ import annotations

from verifier.encoder import lang as L
from verifier.encoder import logic as F
from verifier.encoder.pieces import static_pattern
from verifier.encoder.strings import Const, Pick
from verifier.encoder.symbolic import SAFE_FOR_SUBSTITUTION, Kind, SymbolicRequest
from verifier.encoder.variables import Substituted, Variable
from verifier.policy.keys import Cardinality


class _Pattern:
    def __init__(self, request: SymbolicRequest, found: tuple, lenient: bool, before: L.Lang, pattern: str, span):
        self.request, self.found, self.lenient, self.before = request, found, lenient, before
        self.pattern, self.span = pattern, span
        self.at = next(i for i, p in enumerate(found) if isinstance(p, Variable))
        self.variable = found[self.at]

    def match(self) -> F.Term:
        if sum(isinstance(p, Variable) for p in self.found) != 1:
            return self._free("more than one variable")
        symbol = self.request.keys.get(self.variable.key)
        if symbol is not None and (symbol.kind is not Kind.TEXT or symbol.cardinality is not Cardinality.SINGLE):
            return self._free("its key holds an ARN or several values")
        default = None if self.variable.default is None else Const(self.variable.default)
        present = symbol.present if symbol is not None else F.FALSE
        options = [(present, symbol.elements[0].text if symbol is not None else None), (F.Not(present), default)]
        # V2: with no value (absent, no default) the entry matches nothing.
        return F.Or(*[F.And(c, self._with(term)) for c, term in options if term is not None and c is not F.FALSE])

    def _with(self, term) -> F.Term:
        if isinstance(term, Pick):
            return F.If(term.condition, self._with(term.then), self._with(term.otherwise))
        if isinstance(term, Const):
            return self._substituted(term.text)
        if not self.lenient:
            return self._free("read narrowly, where the relation would have to be denied")
        if self.variable.key not in SAFE_FOR_SUBSTITUTION:
            return self._free("its value may hold ':', '*' or '?'")
        head = L.seq(self.before, L.of_pattern(static_pattern(self.found[:self.at], like=True, lenient=True)))
        tail = L.of_pattern(static_pattern(self.found[self.at + 1:], like=True, lenient=True))
        return self.request.space.within(self.request.resource, head, term, tail)

    def _substituted(self, text: str) -> F.Term:
        """The pattern with a known value in place, read as the evaluator
        substitutes it (its ``*`` and ``?`` wildcards only where matching more)."""
        parts = self.found[:self.at] + (Substituted(text),) + self.found[self.at + 1:]
        tokens = static_pattern(parts, like=True, lenient=self.lenient)
        language = L.seq(self.before, L.of_pattern(tokens if self.lenient else L.segment_bound(tokens)))
        return self.request.space.member(self.request.resource, language)

    def _free(self, why: str) -> F.Term:
        return self.request.free_atom(f"a variable in Resource {self.pattern!r} ({why})", self.span)


def with_variables(request: SymbolicRequest, found: tuple, lenient: bool, before: L.Lang, pattern: str,
                   span) -> F.Term:
    """Whether the resource matches a pattern whose parts (``found``, after
    ``before``: an expanded shorthand's prefix) hold a variable."""
    return _Pattern(request, found, lenient, before, pattern, span).match()
