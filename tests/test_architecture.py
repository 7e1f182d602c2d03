"""The layout of ``verifier/`` as rules a change can break.

The folders are the pipeline's stages (README "How it works"); these tests
keep each stage to what it owns. Above all, the evaluator and the encoder
implement SEMANTICS.md twice on purpose: neither may import the other, nor
any module that does matching for the other, so a shared mistake cannot
hide from the differential tests.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "verifier"
MAX_LINES = 450


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported(path: Path) -> list[tuple[str, tuple[str, ...]]]:
    """Every import in ``path`` (at any depth, in functions too): the module
    named and the names taken from it."""
    out = []
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.module, tuple(a.name for a in node.names)))
        elif isinstance(node, ast.Import):
            out += [(alias.name, ()) for alias in node.names]
    return out


def dependencies(path: Path, known: dict[str, Path]) -> set[str]:
    """The modules of ours that ``path`` imports: ``from pkg import sub``
    names the submodule when ``sub`` is one, else the package itself."""
    found = set()
    for module, names in imported(path):
        if not module.startswith("verifier"):
            continue
        subs = [f"{module}.{n}" for n in names if f"{module}.{n}" in known]
        found.update(subs)
        if len(subs) < len(names) or not names:
            found.add(module)
    return found - {module_name(path)}


def third_party(path: Path) -> set[str]:
    return {m.split(".")[0] for m, _ in imported(path)}


def in_stage(name: str, *stages: str) -> bool:
    return any(name == f"verifier.{s}" or name.startswith(f"verifier.{s}.") for s in stages)


def test_evaluator_does_not_use_the_encoder_the_prover_or_z3():
    known = modules()
    for name, path in known.items():
        if in_stage(name, "evaluator"):
            used = dependencies(path, known)
            assert not {m for m in used if in_stage(m, "encoder", "prove", "debug")}, name
            assert "z3" not in third_party(path), name


def test_encoder_does_not_use_the_evaluator():
    known = modules()
    for name, path in known.items():
        if in_stage(name, "encoder"):
            assert not {m for m in dependencies(path, known) if in_stage(m, "evaluator", "prove")}, name


def test_z3_only_in_the_encoder_and_the_prover():
    for name, path in modules().items():
        if "z3" in third_party(path):
            assert in_stage(name, "encoder", "prove"), name


def test_only_the_parser_knows_lark():
    for name, path in modules().items():
        if "lark" in third_party(path):
            assert name == "verifier.policy.parser", name


def test_only_the_solver_module_makes_solvers():
    for name, path in modules().items():
        if name != "verifier.prove.solver":
            assert "z3.Solver(" not in path.read_text(), name
            assert "z3.Optimize(" not in path.read_text(), name


def test_policy_imports_nothing_of_ours_above_it():
    known = modules()
    for name, path in known.items():
        if in_stage(name, "policy"):
            above = {m for m in dependencies(path, known) if not in_stage(m, "policy") and m != "verifier.errors"}
            assert not above, (name, above)


def test_outputs_compute_no_verdict():
    """Renderings read results; they neither encode, nor solve, nor
    evaluate (the evaluator's data types may be named, not ``evaluate``)."""
    known = modules()
    for name, path in known.items():
        if not in_stage(name, "outputs"):
            continue
        used = dependencies(path, known)
        assert not {m for m in used if in_stage(m, "encoder", "prove", "debug", "sources")}, name
        assert {"z3", "lark"}.isdisjoint(third_party(path)), name
        for module, names in imported(path):
            if in_stage(module, "evaluator"):
                assert "evaluate" not in names, name


def test_the_library_does_not_know_the_command_line():
    """``checking`` (the library's front door) takes plain values and a
    ``ThreatModel``; only ``cli`` and ``config`` read options."""
    known = modules()
    for name, path in known.items():
        if name in ("verifier.cli", "verifier.config", "verifier.__main__", "verifier.launch"):
            continue
        assert "argparse" not in third_party(path), name
        assert "verifier.cli" not in dependencies(path, known), name
    tree = ast.parse(known["verifier.checking"].read_text())
    takes_args = [f.name for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)
                  and any(a.arg == "args" for a in f.args.args)]
    assert not takes_args, takes_args


# Each stage and the stages it may import (docs/architecture.md: "each stage
# imports only the stages before it"); sources, evaluator and encoder are
# siblings after policy, and outputs renders results, naming the evaluator's
# data types at most (test_outputs_compute_no_verdict says which).
STAGES_BEFORE = {
    "policy": set(),
    "sources": {"policy"},
    "evaluator": {"policy"},
    "encoder": {"policy"},
    "prove": {"policy", "sources", "evaluator", "encoder"},
    "debug": {"policy", "sources", "evaluator", "encoder", "prove"},
    "outputs": {"policy", "evaluator"},
}
# Data every stage may name: errors, requests, results and changes as values,
# the defaults, one policy's time limit, and the package's version.
SHARED = {"verifier", "verifier.errors", "verifier.request", "verifier.results", "verifier.changes",
          "verifier.defaults", "verifier.deadline"}


def test_each_stage_imports_only_the_stages_before_it():
    known = modules()
    for name, path in known.items():
        stage = name.split(".")[1] if name.count(".") >= 1 else None
        if stage not in STAGES_BEFORE:
            continue
        for dep in dependencies(path, known):
            if dep in SHARED or in_stage(dep, stage):
                continue
            assert any(in_stage(dep, s) for s in STAGES_BEFORE[stage]), f"{name} imports {dep}"


def test_no_import_cycle():
    known = modules()
    graph = {name: dependencies(path, known) & set(known) for name, path in known.items()}
    done: set[str] = set()

    def visit(name: str, trail: list[str]) -> None:
        if name in trail:
            cycle = trail[trail.index(name):] + [name]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if name in done:
            return
        for dep in sorted(graph[name]):
            # A package's own __init__ is imported by its submodules' imports;
            # what counts is a module reaching back to itself.
            visit(dep, trail + [name])
        done.add(name)

    for name in sorted(graph):
        visit(name, [])


def test_no_module_is_too_long():
    long = {name: n for name, path in modules().items() if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert not long, long


def test_every_package_says_what_it_owns():
    for name, path in modules().items():
        if path.name == "__init__.py":
            doc = ast.get_docstring(ast.parse(path.read_text()))
            assert doc and len(doc) > 80, name


def test_the_import_reader_sees_imports():
    """The rules above pass vacuously if ``dependencies`` misses imports:
    it must see module-level, ``from pkg import sub`` and in-function ones."""
    known = modules()
    prover = dependencies(known["verifier.prove.prover"], known)
    assert {"verifier.prove.solver", "verifier.prove.threat", "verifier.evaluator"} <= prover
    assert "verifier.prove.prover" in dependencies(known["verifier.checking"], known)  # imported in a function
