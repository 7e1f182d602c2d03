"""docs/rules.md explains every rule code deputy can print: the codes in
the string literals of ``verifier/`` (docstrings left out: they are not
printed) must each have a row in it, and the README links it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "docs" / "rules.md"
CODE = re.compile(r"\b(?:AC|SO|[GEPRCVKFA])\d{1,2}\b|\bDEPUTY\d{3}\b")


def _docstrings(tree) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0].value))
    return out


def printed_codes() -> dict[str, set[str]]:
    """Each rule code in a string literal of the package, with the files."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / "verifier").rglob("*.py")):
        tree = ast.parse(path.read_text())
        skip = _docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
                for code in CODE.findall(node.value):
                    found.setdefault(code, set()).add(path.relative_to(ROOT).as_posix())
    return found


def documented() -> set[str]:
    return set(re.findall(r"^\| ((?:AC|SO|[GEPRCVKFA])\d{1,2}|DEPUTY\d{3}) \|", RULES.read_text(), re.M))


def test_the_scan_finds_the_codes_the_output_is_known_to_print():
    # [F2] in a diagnostic, (C6) in an explanation, (A13) in an assumption, SARIF rule ids
    assert {"F2", "G3", "C6", "A13", "A2", "SO2", "DEPUTY001", "DEPUTY004"} <= set(printed_codes())


def test_every_printed_code_is_explained():
    missing = {code: sorted(files) for code, files in printed_codes().items() if code not in documented()}
    assert not missing, f"rule codes the code prints but docs/rules.md does not explain: {missing}"


def test_readme_links_the_rules():
    assert "(docs/rules.md)" in (ROOT / "README.md").read_text()
