"""Packaging extras: [qa] is what facialflow.testing needs, [test] is everything the suite needs."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).parent.parent
EXTRAS = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]


def _names(extra: str) -> set[str]:
    return {Requirement(r).name for r in EXTRAS[extra]}


def _extras_of_self(extra: str) -> set[str]:
    out: set[str] = set()
    for r in EXTRAS[extra]:
        req = Requirement(r)
        if req.name == "facialflow":
            out |= req.extras
    return out


def test_qa_extra_is_hypothesis_and_nothing_else() -> None:
    assert _names("qa") == {"hypothesis"}


def test_browser_tooling_is_a_development_extra_not_qa() -> None:
    assert "playwright" in _names("dev")
    assert "playwright" not in _names("qa")


def test_the_test_extra_brings_qa_dev_and_the_suite_tools() -> None:
    assert _extras_of_self("test") >= {"qa", "dev"}
    assert {"pytest", "junitparser", "mypy", "ruff", "import-linter"} <= _names("test")


def test_facialflow_testing_imports_only_core_dependencies_and_hypothesis() -> None:
    tree = ast.parse((ROOT / "facialflow" / "testing.py").read_text())
    top: set[str] = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.ImportFrom):
            top.add((n.module or "").split(".")[0])
        elif isinstance(n, ast.Import):
            top.update(a.name.split(".")[0] for a in n.names)
    core = {
        Requirement(r).name.replace("-", "_")
        for r in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    }
    stdlib_or_own = {
        "__future__",
        "datetime",
        "functools",
        "collections",
        "typing",
        "facialflow",
        "",
    }
    assert top - stdlib_or_own - core <= {"hypothesis"}
