"""The evaluator and the encoder implement SEMANTICS.md twice on purpose:
neither may import the other, nor any module that does matching for the
other, so a shared mistake cannot hide from the differential tests."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "verifier"


def imports(directory: Path) -> set[str]:
    found = set()
    for path in directory.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    return found


def test_evaluator_does_not_use_the_encoder_or_z3():
    used = imports(PACKAGE / "evaluator")
    assert not {m for m in used if m.startswith(("verifier.encoder", "z3", "verifier.prove.threat", "verifier.prove.prover"))}


def test_encoder_does_not_use_the_evaluator():
    used = imports(PACKAGE / "encoder")
    assert not {m for m in used if m.startswith("verifier.evaluator")}


def test_only_the_parser_layer_knows_lark():
    for path in PACKAGE.rglob("*.py"):
        if path.name != "jsontree.py":
            assert "lark" not in imports_of(path), path


def test_only_the_solver_module_makes_solvers():
    for path in PACKAGE.rglob("*.py"):
        if path.name != "solver.py":
            assert "z3.Solver(" not in path.read_text(), path
            assert "z3.Optimize(" not in path.read_text(), path


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            out.update(alias.name.split(".")[0] for alias in node.names)
    return out
