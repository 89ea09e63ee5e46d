"""Rendering DOT: the embedded renderer needs nothing installed; png/pdf need system Graphviz."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from facialflow.diagrams.dot import to_dot
from facialflow.diagrams.produce import produce
from facialflow.diagrams.render import ENV_VAR, has_system_dot, render, resolve_renderer
from facialflow.diagrams.route import main_states
from facialflow.errors import DiagramError, RendererUnavailable
from facialflow.protocol.facial import FACIAL

SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(
    not has_system_dot(), reason="needs system Graphviz: apt-get install graphviz"
)


@pytest.fixture
def no_system_dot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A PATH on which no ``dot`` can be found, as on a fresh laptop."""
    monkeypatch.setenv("PATH", str(tmp_path))
    assert not has_system_dot()


def node_positions(svg: bytes) -> dict[str, float]:
    """The y coordinate of each state's label in a rendered SVG, by state name."""
    root = ET.fromstring(svg)
    out: dict[str, float] = {}
    for g in root.iter(f"{SVG}g"):
        gid = g.get("id", "")
        if gid.startswith("state-") and g.get("class") == "node":
            text = next(g.iter(f"{SVG}text"))
            out[gid.removeprefix("state-")] = float(text.get("y", "nan"))
    return out


def test_embedded_renderer_draws_svg_that_parses_and_holds_every_state() -> None:
    svg = produce("svg", renderer="embedded")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    ids = {g.get("id") for g in root.iter(f"{SVG}g")}
    for state in FACIAL.states:
        assert f"state-{state.name}" in ids
    for compound in FACIAL.compounds:
        assert f"state-{compound}" in ids
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "blocking contraindication" in texts
    assert "Legend" in texts


def test_steps_run_top_to_bottom_in_treatment_order() -> None:
    y = node_positions(produce("svg", renderer="embedded"))
    order = [s.name for s in main_states(FACIAL)]
    # SVG y grows downwards; no two steps share a row, each sits below the one before it
    assert [y[name] for name in order] == sorted(y[name] for name in order)
    assert len({y[name] for name in order}) == len(order)


def test_embedded_renderer_works_without_system_graphviz(no_system_dot: None) -> None:
    assert resolve_renderer("svg") == "embedded"
    assert produce("svg").startswith(b"<?xml")
    assert b"<svg" in produce("html")


def test_png_without_system_graphviz_says_how_to_install_it(no_system_dot: None) -> None:
    for fmt in ("png", "pdf"):
        with pytest.raises(RendererUnavailable, match="apt-get install graphviz"):
            produce(fmt)


def test_embedded_renderer_never_falls_back_to_another_format() -> None:
    with pytest.raises(RendererUnavailable, match="draws SVG only"):
        render(to_dot(), "png", renderer="embedded")


def test_forcing_the_system_renderer_without_graphviz_fails(no_system_dot: None) -> None:
    with pytest.raises(RendererUnavailable, match="not on PATH"):
        resolve_renderer("svg", "system")


def test_environment_variable_chooses_the_renderer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "embedded")
    assert resolve_renderer("svg") == "embedded"
    monkeypatch.setenv(ENV_VAR, "magic")
    with pytest.raises(DiagramError, match="unknown renderer 'magic'"):
        resolve_renderer("svg")


def test_argument_overrides_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "system")
    assert resolve_renderer("svg", "embedded") == "embedded"


def test_embedded_renderer_reports_bad_dot_as_a_diagram_error() -> None:
    with pytest.raises(DiagramError, match="embedded renderer failed"):
        render("digraph { a -> }", "svg", renderer="embedded")


@needs_dot
def test_system_renderer_draws_the_same_states_as_the_embedded_one() -> None:
    system = node_positions(produce("svg", renderer="system"))
    embedded = node_positions(produce("svg", renderer="embedded"))
    assert system.keys() == embedded.keys()
    order = [s.name for s in main_states(FACIAL)]
    assert [system[n] for n in order] == sorted(system[n] for n in order)


@needs_dot
@pytest.mark.parametrize(("fmt", "magic"), [("png", b"\x89PNG\r\n\x1a\n"), ("pdf", b"%PDF-")])
def test_system_renderer_draws_binary_formats(fmt: str, magic: bytes) -> None:
    assert produce(fmt).startswith(magic)


@needs_dot
def test_system_renderer_reports_bad_dot_as_a_diagram_error() -> None:
    with pytest.raises(DiagramError, match="Graphviz failed"):
        render("digraph { a -> }", "png", renderer="system")
