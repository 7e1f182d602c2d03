"""deputy's formulas as SMT-LIB 2 text, for z3's ``Solver.from_string``
and for a second solver (``--certify``), and a model's values read back by
the same names. Used by ``verifier.prove.solver`` only."""

from __future__ import annotations

import z3

from verifier.encoder import logic as F


class SmtText:
    """Formulas as SMT-LIB 2 scripts for ``Solver.from_string``.

    Building z3 terms one by one through the Python API costs far more than
    the solving does for a typical policy; one script per ``add`` is parsed
    in C. Variables get plain ASCII names (``b3``, ``i0``) so that no name
    from a policy can break the syntax; every compound term is a
    ``define-fun`` (a macro z3 expands into shared terms), so the text stays
    as small as the term graph however much of it is shared.

    z3 keeps one command context per solver across ``from_string`` calls,
    and push/pop of the solver do not touch it: a declaration or definition
    made once stays known (and may not be repeated), so each is sent once
    per session.
    """

    def __init__(self, prefix: str = ""):
        self._prefix = prefix  # unique to the session on a solver that serves several
        self._vars: dict[str, tuple[str, str]] = {}  # logic name -> (symbol, sort)
        self._lines: dict[int, tuple[F.Term, str, str]] = {}  # id -> (term, symbol, definition)
        self._declared: set[str] = set()
        self._defined: set[int] = set()

    def symbol(self, var: F.Term) -> str:
        name = var.args[0]
        found = self._vars.get(name)
        if found is None:
            sort = "Bool" if var.op == "bvar" else "Int"
            found = self._vars[name] = (f"{self._prefix}{sort[0].lower()}{len(self._vars)}", sort)
        return found[0]

    def api(self, term: F.Term) -> z3.BoolRef:
        """``term`` built through z3's Python API, over the same symbols."""
        op = term.op
        if op in ("true", "false"):
            return z3.BoolVal(op == "true")
        if op == "bvar":
            return z3.Bool(self.symbol(term))
        if op == "ivar":
            return z3.Int(self.symbol(term))
        if op == "not":
            return z3.Not(self.api(term.args[0]))
        if op in ("and", "or"):
            parts = [self.api(a) for a in term.args]
            return z3.And(parts) if op == "and" else z3.Or(parts)
        if op == "cmp":
            var, order, value = term.args
            x = self.api(var)
            return {"<": x < value, "<=": x <= value, "==": x == value, ">": x > value, ">=": x >= value,
                    "!=": x != value}[order]
        raise TypeError(f"cannot convert {term!r}")

    def standalone(self, formulas: list[F.Term], assumptions: list[F.Term]) -> str:
        """One whole script asserting ``formulas`` and the ``assumptions``
        (boolean variables), declaring and defining all it uses: what a
        second solver reads."""
        out: list[str] = []
        declared: set[str] = set()
        defined: set[int] = set()
        roots = [self._emit(f, declared, defined, out) for f in [*formulas, *assumptions]]
        out += [f"(assert {r})" for r in roots]
        return "\n".join(out)

    def named(self, values: dict) -> dict[str, bool | int]:
        """Values by symbol (``b3``) as values by logic name."""
        by_symbol = {symbol: name for name, (symbol, _) in self._vars.items()}
        return {by_symbol[s]: v for s, v in values.items() if s in by_symbol}

    def script(self, formulas: list[F.Term]) -> str:
        out: list[str] = []
        roots = [self._emit(f, self._declared, self._defined, out) for f in formulas]
        out += [f"(assert {r})" for r in roots]
        return "\n".join(out)

    def _emit(self, root: F.Term, declared: set, defined: set, out: list) -> str:
        """The text naming ``root``, after appending to ``out`` every
        declaration and definition it needs (post-order, no recursion:
        formulas can be deep)."""
        stack = [(root, False)]
        while stack:
            term, expanded = stack.pop()
            op = term.op
            if op in ("true", "false", "iconst"):
                continue
            if op in ("bvar", "ivar"):
                name = self.symbol(term)
                if name not in declared:
                    declared.add(name)
                    out.append(f"(declare-const {name} {self._vars[term.args[0]][1]})")
                continue
            if id(term) in defined:
                continue
            if not expanded:
                stack.append((term, True))
                stack.extend((a, False) for a in term.args if isinstance(a, F.Term))
                continue
            defined.add(id(term))
            out.append(self._definition(term)[1])
        return self._atom(root)

    def _definition(self, term: F.Term) -> tuple[str, str]:
        found = self._lines.get(id(term))
        if found is not None and found[0] is term:
            return found[1], found[2]
        symbol = f"{self._prefix}t{len(self._lines)}"
        op = term.op
        if op == "cmp":
            var, order, value = term.args
            body = f"({order} {self._atom(var)} {_int(value)})"
            if order == "==":
                body = f"(= {self._atom(var)} {_int(value)})"
            elif order == "!=":
                body = f"(not (= {self._atom(var)} {_int(value)}))"
        else:
            body = f"({op} {' '.join(self._atom(a) for a in term.args)})"
        line = f"(define-fun {symbol} () Bool {body})"
        self._lines[id(term)] = (term, symbol, line)  # the term kept alive: its id stays its own
        return symbol, line

    def _atom(self, term: F.Term) -> str:
        op = term.op
        if op == "true":
            return "true"
        if op == "false":
            return "false"
        if op == "iconst":
            return _int(term.args[0])
        if op in ("bvar", "ivar"):
            return self.symbol(term)
        return self._definition(term)[0]

    def value(self, model: z3.ModelRef, name: str) -> bool | int | None:
        """A variable's value in ``model`` (false or 0 where the model leaves
        it free), or None if the solver never saw it."""
        found = self._vars.get(name)
        if found is None:
            return None
        symbol, sort = found
        value = model.eval(z3.Bool(symbol) if sort == "Bool" else z3.Int(symbol), model_completion=True)
        return z3.is_true(value) if sort == "Bool" else value.as_long()


def _int(value: int) -> str:
    return str(value) if value >= 0 else f"(- {-value})"
