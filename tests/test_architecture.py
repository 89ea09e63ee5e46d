"""Layering rules, checked on the source: data flows one way and side effects stay in the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "facialflow"
MODULES = sorted(p for p in PACKAGE.glob("*.py"))

# what each lower layer may import from facialflow (anything not listed here is a service or the CLI)
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "vocabulary": set(),
    "isodate": set(),
    "model": {"vocabulary"},
    "guards": set(),
    "ingredients": {"model", "vocabulary"},
    "protocol": {"errors", "guards"},
    "convert": set(),
    "policy": {"errors", "model", "convert"},
    "clientfile": {"errors", "model", "convert", "isodate"},
    "screening": {"guards", "model", "policy"},
    "engine": {"errors", "guards", "protocol"},
    "hookspecs": {"model"},
}


def imports_of(path: Path) -> set[str]:
    """Every module imported anywhere in the file, including inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def local(path: Path) -> set[str]:
    return {m.split(".")[1] for m in imports_of(path) if m.startswith("facialflow.")}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_only_the_engine_imports_transitions(path: Path) -> None:
    uses = any(m == "transitions" or m.startswith("transitions.") for m in imports_of(path))
    assert uses == (path.stem == "engine")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_only_the_cli_imports_click_prints_or_exits(path: Path) -> None:
    if path.stem == "cli":
        return
    assert "click" not in {m.split(".")[0] for m in imports_of(path)}
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            f = node.func
            assert not (isinstance(f, ast.Name) and f.id in ("print", "exit")), path.name
            assert not (
                isinstance(f, ast.Attribute)
                and f.attr == "exit"
                and getattr(f.value, "id", "") == "sys"
            ), path.name


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_lower_layers_import_only_what_is_below_them(name: str) -> None:
    extra = local(PACKAGE / f"{name}.py") - ALLOWED[name]
    assert not extra, f"{name} imports {extra}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_nothing_but_the_cli_and_main_imports_the_cli(path: Path) -> None:
    if path.stem not in ("cli", "__main__"):
        assert "cli" not in local(path)


@pytest.mark.parametrize("path", sorted((ROOT / "plugins").glob("*.py")), ids=lambda p: p.name)
def test_builtin_plugins_use_only_the_public_api(path: Path) -> None:
    ours = {m for m in imports_of(path) if m.split(".")[0] == "facialflow"}
    assert ours <= {"facialflow"}, ours


def test_package_ships_py_typed() -> None:
    assert (PACKAGE / "py.typed").exists()


def test_cli_help_imports_no_heavy_module() -> None:
    # `facialflow --help` must start fast: transitions, cattrs, pluggy and graphviz load lazily
    import subprocess
    import sys

    code = (
        "import sys; from click.testing import CliRunner; from facialflow.cli import main; "
        "assert CliRunner().invoke(main, ['--help']).exit_code == 0; "
        "heavy = [m for m in ('transitions', 'cattrs', 'pluggy', 'graphviz', 'wasmtime', 'icalendar') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == ""


def test_every_public_name_resolves() -> None:
    import facialflow

    for name in facialflow.__all__:
        assert getattr(facialflow, name) is not None, name
