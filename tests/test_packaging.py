"""Every subpackage of verifier is installed: a fresh install once lacked
some, because setuptools installs only the packages pyproject.toml lists."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_subpackage_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "verifier").rglob("__init__.py")}
    assert found - listed == set()


def test_license_file_is_the_apache_2_text_pyproject_names():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "Apache-2.0"
    assert "LICENSE" in project["license-files"]
    text = (ROOT / "LICENSE").read_text()
    assert text.split()[:4] == ["Apache", "License", "Version", "2.0,"]
    # the full text, not a stub: every one of its nine sections and the appendix
    headings = re.findall(r"^\s+(\d)\. ([A-Z][a-z]+(?: [a-z]+)*)", text, re.MULTILINE)
    assert [n for n, _ in headings] == [str(i) for i in range(1, 10)]
    assert "END OF TERMS AND CONDITIONS" in text and "APPENDIX: How to apply the Apache License" in text
