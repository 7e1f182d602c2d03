"""The one place that calls the solver.

Fixed seeds, an explicit time limit on every call, and three answers:
``sat`` with a model, ``unsat`` with the assumptions it used, or ``unknown``
with z3's reason. A z3 exception is an ``unknown``, never a crash and never a
verdict.

Questions arrive as ``logic`` formulas. A session first replaces each string
atom by its meaning over the string classes (``mapping``, from
``StringSpace.finalize``), then hands the result to z3.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

import z3

from verifier import deadline
from verifier.encoder import logic as F
from verifier.errors import InternalError
from verifier.prove import certify

SEED = 0


@dataclass
class Outcome:
    status: str  # "sat" | "unsat" | "unknown"
    read: object = None  # read(formula) -> bool | int, in the model (sat only)
    core: list = field(default_factory=list)  # the assumptions an unsat answer used
    reason: str = ""
    solver: str = "z3"  # who answered: "z3", "z3 and cvc5" (certified), "cvc5" (z3 could not)


class Session:
    """A solver holding one policy's constraints; questions are asked with
    push/pop or with assumptions, so shared constraints are asserted once."""

    def __init__(self, timeout_ms: int, mapping: dict | F.Substitution | None = None):
        self._solver = z3.Solver()
        self._solver.set("random_seed", SEED)
        self._timeout = max(1, int(timeout_ms))
        self._solver.set("timeout", self._timeout)
        self._budget = 0
        # A run's sessions may share one substitution (its memo with it).
        self._substitution = mapping if isinstance(mapping, F.Substitution) else F.Substitution(mapping or {})
        self._text = _SmtText()
        self._levels: list[list[F.Term]] = [[]]  # what is asserted, per push level: for a second solver

    def formula(self, term: F.Term) -> F.Term:
        """``term`` with every string atom replaced by its meaning."""
        return self._substitution(term)

    def add(self, *terms: F.Term) -> None:
        formulas = [f for f in (self.formula(t) for t in terms) if f is not F.TRUE]
        if not formulas:
            return
        self._levels[-1] += formulas
        try:
            if _small(formulas):
                # z3 makes its SMT-LIB reader once per solver, at about a
                # millisecond: not worth it for a handful of terms.
                self._solver.add(*[self._text.api(f) for f in formulas])
            else:
                self._solver.from_string(self._text.script(formulas))
        except z3.Z3Exception as exc:
            raise InternalError(f"z3 refused deputy's formula: {exc}") from exc

    def push(self) -> None:
        self._solver.push()
        self._levels.append([])

    def pop(self) -> None:
        self._solver.pop()
        self._levels.pop()

    @contextmanager
    def scope(self):
        """Constraints added inside are withdrawn on leaving; read any model
        before leaving."""
        self.push()
        try:
            yield self
        finally:
            self.pop()

    def check(self, assumptions=(), timeout_ms: int | None = None, budget: int = 0, proof: bool = True) -> Outcome:
        """``assumptions`` are formulas; the boolean variables (``logic.Bool``)
        among them are the ones an unsat core may name (any other formula only
        where ``proof`` is False). Never longer than the policy's time leaves
        (``verifier.deadline``). ``budget``: z3's resource limit for this call
        (0: none), a bound that, unlike the time limit, does not depend on how
        busy the machine is. ``proof`` False: an UNSAT answer proves nothing
        to a user (a counterexample's readability wish that does not fit, a
        smaller value of a counterexample), so ``--certify`` leaves it alone."""
        left = deadline.remaining_ms()
        if left is not None:
            if left <= 0:
                return Outcome("unknown", reason=deadline.reason())
            timeout_ms = min(left, self._timeout if timeout_ms is None else timeout_ms)
        if timeout_ms is not None and max(1, int(timeout_ms)) != self._timeout:
            self._timeout = max(1, int(timeout_ms))
            self._solver.set("timeout", self._timeout)
        if budget != self._budget:
            self._budget = budget
            self._solver.set("rlimit", budget)
        outcome = self._z3(list(assumptions))
        if proof and certify.enabled() and outcome.status != "sat":
            return self.second_opinion(outcome, list(assumptions))
        return outcome

    def _z3(self, assumptions: list) -> Outcome:
        literals = {self._text.symbol(a): a for a in assumptions if a.op == "bvar"}
        try:
            others = [self._text.api(self.formula(a)) for a in assumptions if a.op != "bvar"]
            answer = self._solver.check(*[z3.Bool(name) for name in literals], *others)
        except z3.Z3Exception as exc:
            return Outcome("unknown", reason=f"solver error: {exc}")
        if answer == z3.sat:
            return Outcome("sat", read=self._reader(self._solver.model()))
        if answer == z3.unsat:
            # Named by their declarations: printing a compound assumption costs milliseconds.
            core = [literals[n] for c in self._solver.unsat_core() if (n := _literal_name(c)) in literals]
            return Outcome("unsat", core=core)
        reason = self._solver.reason_unknown()
        if reason in ("timeout", "canceled"):
            reason = "the solver ran out of time"
        return Outcome("unknown", reason=reason or "the solver gave no answer")

    def second_opinion(self, outcome: Outcome, assumptions: list) -> Outcome:
        """``--certify``: cvc5 on the same question, after z3 said UNSAT (the
        proof stands only if cvc5 agrees) or could not answer (cvc5's
        answer is taken instead, a portfolio)."""
        left = deadline.remaining_ms()
        if left is not None and left <= 0:
            answer = certify.Answer("unknown", reason=deadline.reason())  # cvc5 not asked: no time left
        else:
            script = self._text.standalone([f for level in self._levels for f in level], assumptions)
            answer = certify.solve(script, self._timeout if left is None else min(left, self._timeout))
        if outcome.status == "unsat":
            if answer.status == "unsat":
                return Outcome("unsat", core=outcome.core, solver="z3 and cvc5")
            return Outcome("unknown", solver="z3 and cvc5",
                           reason=f"the solvers disagree: z3 says unsat, cvc5 {_said(answer)}")
        if answer.status == "unsat":
            return Outcome("unsat", core=list(assumptions), solver="cvc5")
        if answer.status == "sat":
            return Outcome("sat", read=self._values_reader(answer.values), solver="cvc5")
        return Outcome("unknown", solver="z3 and cvc5",
                       reason=f"z3: {outcome.reason}; cvc5 {_said(answer)}")

    def _reader(self, model: z3.ModelRef):
        # Each variable is read from the model when a formula first needs it:
        # most answers are never read, and the rest read a few of many.
        values = _ModelValues(self._text, model)

        def read(term: F.Term):
            return F.evaluate(self.formula(term), values)
        return read

    def _values_reader(self, values: dict):
        assignment = self._text.named(values)
        return lambda term: F.evaluate(self.formula(term), assignment)


class _ModelValues(dict):
    """The values of a model by variable name, each read from z3 on first
    use (``get``, as ``logic.evaluate`` asks); a variable the solver never
    saw gets the default."""

    def __init__(self, text: _SmtText, model: z3.ModelRef):
        super().__init__()
        self._text = text
        self._model = model

    def get(self, name, default=None):
        if name not in self:
            value = self._text.value(self._model, name)
            self[name] = default if value is None else value
        return self[name]


class _SmtText:
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

    def __init__(self):
        self._vars: dict[str, tuple[str, str]] = {}  # logic name -> (symbol, sort)
        self._lines: dict[int, tuple[F.Term, str, str]] = {}  # id -> (term, symbol, definition)
        self._declared: set[str] = set()
        self._defined: set[int] = set()

    def symbol(self, var: F.Term) -> str:
        name = var.args[0]
        found = self._vars.get(name)
        if found is None:
            sort = "Bool" if var.op == "bvar" else "Int"
            found = self._vars[name] = (f"{sort[0].lower()}{len(self._vars)}", sort)
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
        symbol = f"t{len(self._lines)}"
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


def _literal_name(term: z3.ExprRef) -> str | None:
    return term.decl().name() if z3.is_const(term) else None


def _small(formulas: list[F.Term], limit: int = 24) -> bool:
    """Whether the formulas have at most ``limit`` nodes (shared ones
    counted each time they occur; the count stops at the limit)."""
    count = 0
    stack = list(formulas)
    while stack:
        count += 1
        if count > limit:
            return False
        stack.extend(a for a in stack.pop().args if isinstance(a, F.Term))
    return True


def _said(answer) -> str:
    return {"sat": "says sat", "unknown": f"could not decide: {answer.reason}",
            "error": f"failed: {answer.reason}"}.get(answer.status, answer.status)


def _int(value: int) -> str:
    return str(value) if value >= 0 else f"(- {-value})"


_FALSE_REFUTED: bool | None = None


def refutes_false() -> bool:
    """z3's answer on a question whose constraints folded to false. Every
    such question is the same formula, so z3 is asked once per process and
    its answer kept (a new solver costs a millisecond to start; most
    policies ask this twice)."""
    global _FALSE_REFUTED
    if _FALSE_REFUTED is None:
        empty = z3.Solver()
        empty.set("timeout", 1000)
        try:
            answer = empty.check(z3.BoolVal(False)) == z3.unsat
        except z3.Z3Exception:
            return False
        _FALSE_REFUTED = answer
    return _FALSE_REFUTED and (not certify.enabled() or certify.refutes_false())


def configure() -> None:
    """Global settings that make runs repeatable."""
    z3.set_param("smt.random_seed", SEED)
    z3.set_param("sat.random_seed", SEED)


configure()
