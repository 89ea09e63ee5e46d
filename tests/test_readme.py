"""The README cannot go stale: its Python runs, its commands exist, its Quick start has two lines."""

from __future__ import annotations

import contextlib
import io
import os
import pkgutil
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from facialflow.cli import main
from facialflow.products.loading import ENTRY_POINT_GROUP

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def test_quick_start_has_exactly_two_commands_in_one_block() -> None:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```\w*\n(.*?)```", section, flags=re.DOTALL)
    lines = [line for line in block.splitlines() if line.strip()]
    assert len(lines) == 2
    assert "pytest" in lines[1] and "simulate" in lines[0] and "diagram" in lines[0]


@pytest.mark.parametrize("code", blocks("python"), ids=lambda c: c.splitlines()[0][:40])
def test_python_examples_run(code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, "README.md", "exec"), {"__name__": "readme"})


def test_every_command_in_the_table_exists() -> None:
    named = set(re.findall(r"\| `facialflow (\w+)", README))
    assert named <= set(main.commands), named - set(main.commands)
    for name in named:
        assert CliRunner().invoke(main, [name, "--help"]).exit_code == 0


def test_readme_shows_the_committed_protocol_diagram() -> None:
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    assert images and all(os.path.exists(ROOT / i) for i in images)


def test_every_exit_code_is_documented() -> None:
    section = README.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    assert re.findall(r"^\| (\d+) \|", section, flags=re.MULTILINE) == ["0", "1", "2", "130", "70"]


DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_relative_link_and_project_path_named_exists(doc: Path) -> None:
    text = doc.read_text()
    links = [
        link.split("#", 1)[0]
        for link in re.findall(r"\]\(([^)\s]+)\)", text)
        if not re.match(r"[a-z]+:", link) and not link.startswith("#")
    ]
    # files and folders of the project named in the text (`facialflow/knowledge/`, ...)
    top = "benchmarks|facialflow|plugins|diagrams|tests|examples|docs"
    named = re.findall(rf"(?<![\w/.-])((?:{top})/[\w/.-]*\w)", text)
    missing = [p for p in links if not (doc.parent / p).exists()]
    missing += [p for p in named if not (ROOT / p).exists()]
    # and its modules and their members (`facialflow.session.outcome`, `facialflow.InvalidStep`)
    dotted = re.findall(r"(?<![\w/.-])(facialflow(?:\.[A-Za-z_]\w*)+)", text)
    missing += [d for d in dotted if d != ENTRY_POINT_GROUP and not _resolves(d)]
    assert not missing, missing


def _resolves(dotted: str) -> bool:
    """Whether ``dotted`` names a module, or a member of one."""
    try:
        pkgutil.resolve_name(dotted)
    except (ImportError, AttributeError, ValueError):
        return False
    return True
