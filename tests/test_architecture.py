"""Layering rules, checked on the source: data flows one way and side effects stay in the CLI.

The layer order itself is an import-linter contract (``[tool.importlinter]`` in
pyproject.toml); these tests run it and add the rules a layer contract cannot say.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "facialflow"
MODULES = sorted(PACKAGE.rglob("*.py"))


def _id(path: Path) -> str:
    return str(path.relative_to(PACKAGE))


def imports_of(path: Path) -> set[str]:
    """Every module imported anywhere in the file, including inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def in_package(path: Path, package: str) -> bool:
    return path.relative_to(PACKAGE).parts[0] == package


def test_the_layers_contract_holds() -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which(
        "lint-imports"
    )
    if lint is None:
        pytest.skip("import-linter is not installed (pip install -e '.[dev]')")
    out = subprocess.run(
        [lint, "--no-cache"], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize("path", MODULES, ids=_id)
def test_only_the_engine_imports_transitions(path: Path) -> None:
    uses = any(m == "transitions" or m.startswith("transitions.") for m in imports_of(path))
    assert uses == (path == PACKAGE / "protocol" / "engine.py")


@pytest.mark.parametrize("path", MODULES, ids=_id)
def test_only_the_cli_imports_click_prints_or_exits(path: Path) -> None:
    if in_package(path, "cli"):
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


@pytest.mark.parametrize("path", MODULES, ids=_id)
def test_no_module_is_over_500_lines(path: Path) -> None:
    assert len(path.read_text().splitlines()) <= 500


@pytest.mark.parametrize("path", sorted((ROOT / "plugins").glob("*.py")), ids=lambda p: p.name)
def test_builtin_plugins_use_only_the_public_api(path: Path) -> None:
    ours = {m for m in imports_of(path) if m.split(".")[0] == "facialflow"}
    assert ours <= {"facialflow"}, ours


def test_package_ships_py_typed() -> None:
    assert (PACKAGE / "py.typed").exists()


def test_cli_help_imports_no_heavy_module() -> None:
    # `facialflow --help` must start fast: transitions, cattrs, pluggy and graphviz load lazily
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


def _module_name(path: Path) -> str:
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return name.removesuffix(".__init__")


def test_no_import_cycle_among_modules_counting_imports_inside_functions() -> None:
    names = {_module_name(p): p for p in MODULES}
    graph: dict[str, set[str]] = {}
    for name, path in names.items():
        deps: set[str] = set()
        for target in imports_of(path):
            # `from facialflow.pkg import mod` names a module too
            while target and target not in names:
                target = target.rpartition(".")[0]
            if target and target != name and not name.startswith(target + "."):
                deps.add(target)
        graph[name] = deps
    # a package __init__ that re-exports its own modules is not a cycle with them
    for name in graph:
        graph[name] = {d for d in graph[name] if not (name + ".").startswith(d + ".")}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                cycle = [*stack[stack.index(dep) :], dep]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
