"""The DOT diagram: derived from the protocol, readable by clinicians, a client's route marked."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import attrs
import pytest

from facialflow.diagrams.committed import stale_files
from facialflow.diagrams.dot import build_graph, to_dot
from facialflow.diagrams.produce import format_for_path
from facialflow.diagrams.route import (
    SHORT,
    Route,
    conditions,
    edge_text,
    route_for_client,
    short_edge_text,
)
from facialflow.diagrams.style import ROUTE
from facialflow.errors import DiagramError
from facialflow.io.client_file import load_client
from facialflow.model import Product
from facialflow.protocol.facial import FACIAL
from facialflow.protocol.spec import TransitionSpec

ROOT = Path(__file__).parents[2]
GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("FACIALFLOW_UPDATE_GOLDEN") == "1"


def demo_route() -> Route:
    """A fixed route (no product selection involved), so the golden files only track the drawing."""
    return Route(
        client_id="g-1",
        date=dt.date(2026, 1, 15),
        policy="conservative",
        outcome="complete",
        path=(
            "intake",
            "cleansing",
            "exfoliation",
            "extraction",
            "serums",
            "mask",
            "hydration",
            "complete",
        ),
        skipped={"laser": "isotretinoin within 6 months (conservative policy)"},
        products=(
            ("serums", Product("Salicylic Serum 2%", "serum", ["salicylic acid", "niacinamide"])),
            ("mask", Product("Kaolin Clay Mask", "mask", ["kaolin"])),
            ("hydration", Product("Gel Moisturiser", "moisturizer", ["glycerin"])),
            ("hydration", Product("Mineral Sunscreen", "sunscreen", ["zinc oxide"], spf=50)),
        ),
    )


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    assert path.is_file(), f"missing {path}; create it with FACIALFLOW_UPDATE_GOLDEN=1"
    assert text == path.read_text(), (
        f"{name} changed; review the diff and rerun with FACIALFLOW_UPDATE_GOLDEN=1"
    )


def attrs_of(dot: str, line_start: str) -> str:
    """The attribute text of the first DOT statement starting with ``line_start``."""
    for line in dot.splitlines():
        if line.strip().startswith(line_start):
            return line
    raise AssertionError(f"no statement {line_start!r} in the DOT source")


# -- golden files -------------------------------------------------------------------------------


def test_protocol_dot_matches_golden_file() -> None:
    check_golden("protocol.dot", to_dot())


def test_route_dot_matches_golden_file() -> None:
    check_golden("route.dot", to_dot(route=demo_route()))


# -- derived from the protocol ------------------------------------------------------------------


def test_every_state_is_a_node_with_its_label() -> None:
    dot = to_dot()
    for state in FACIAL.states:
        line = attrs_of(dot, f"{state.name} [")
        assert f'id="state-{state.name}"' in line
        assert state.label in line


def test_every_transition_is_drawn() -> None:
    dot = to_dot()
    for t in FACIAL.transitions:
        # bundled adverse transitions are drawn as a stub from their source onto the rail
        assert f'id="edge-{t.source}-{t.dest}-{t.trigger}"' in dot, t


def test_a_changed_protocol_changes_the_diagram() -> None:
    protocol = attrs.evolve(
        FACIAL,
        states=tuple(
            attrs.evolve(s, label="Double cleanse") if s.name == "cleansing" else s
            for s in FACIAL.states
        ),
        transitions=(
            *FACIAL.transitions,
            TransitionSpec("advance", "mask", "hydration", label="mask rinsed off"),
        ),
    )
    dot = to_dot(protocol)
    assert "Double cleanse" in dot
    assert "mask rinsed off" in dot
    assert "Double cleanse" not in to_dot()


def test_conditional_edges_are_labelled_in_plain_language_not_guard_names() -> None:
    """Each guarded edge carries its short label, and its full condition as the tooltip."""
    dot = to_dot()
    for t in FACIAL.transitions:
        if t.guards and (t.trigger, t.dest) != ("adverse", "safe_exit_stop"):
            line = attrs_of(dot, f"{t.source} -> {t.dest} [")
            assert f'tooltip="{edge_text(FACIAL, t)}"' in line, t
            short = short_edge_text(FACIAL, t)
            assert short.split()[0] in line, t
    labels = re.findall(r'label="([^"]*)"', dot) + re.findall(r"label=(\w+)", dot)
    flat = {label.replace("\\n", " ") for label in labels}
    for guard in FACIAL.guards:
        assert guard.name not in flat


def test_long_conditions_become_tags_explained_in_the_legend() -> None:
    """A condition too long for an edge is a tag like [1] there, and written out in the legend."""
    tagged = conditions(FACIAL)
    legend = attrs_of(to_dot(), "legend_conditions [")

    assert [tag for tag, _ in tagged] == [f"[{i}]" for i in range(1, len(tagged) + 1)]
    for tag, text in tagged:
        assert len(text) > SHORT
        assert f"{tag} {text}" in legend


def test_compound_states_are_clusters_holding_their_sub_states() -> None:
    dot = to_dot()
    for compound, label in FACIAL.compounds.items():
        block = dot.split(f"subgraph cluster_{compound} {{", 1)[1].split("}", 1)[0]
        assert f'id="state-{compound}"' in block
        assert label.split()[0] in block
        for child in FACIAL.children(compound):
            assert f"{child} [" in block


def test_declined_and_stopped_exits_look_different_from_the_main_route() -> None:
    dot = to_dot()
    main = attrs_of(dot, "serums [")
    for exit_state in ("declined", "stopped"):
        line = attrs_of(dot, f"{exit_state} [")
        assert "peripheries=2" in line
        assert re.findall(r' color="(#[0-9a-f]+)"', line) != re.findall(
            r' color="(#[0-9a-f]+)"', main
        )
    assert 'color="#c53030"' in attrs_of(dot, "intake -> declined")


def test_diagram_has_a_legend() -> None:
    dot = to_dot()
    assert "subgraph cluster_legend" in dot
    for entry in ("Conditional step", "Declined at intake (exit)", "Safe exit, stopped (exit)"):
        assert entry in dot
    assert "On this client's route" in to_dot(route=demo_route())


def test_graph_is_a_graphviz_digraph() -> None:
    import graphviz

    assert isinstance(build_graph(), graphviz.Digraph)


# -- a client's route ---------------------------------------------------------------------------


def test_route_highlights_visited_states_and_taken_edges() -> None:
    route = demo_route()
    dot = to_dot(route=route)
    for number, state in enumerate(route.path, start=1):
        line = attrs_of(dot, f"{state} [")
        assert f'color="{ROUTE}"' in line
        assert f"{number}. " in line
    assert f'color="{ROUTE}"' in attrs_of(dot, "exfoliation -> extraction")
    assert f'color="{ROUTE}"' not in attrs_of(dot, "exfoliation -> serums")
    assert f'color="{ROUTE}"' not in attrs_of(dot, "declined [")


def test_skipped_step_is_greyed_with_its_reason() -> None:
    """A skipped group is dashed and grey; its reason is in its first box (wrapped)."""
    dot = to_dot(route=demo_route())
    cluster = dot.split("subgraph cluster_laser {", 1)[1].split("\n", 2)[1]
    first = attrs_of(dot, "laser_test_spot [").replace("\\n", " ")
    assert "skipped: isotretinoin within 6 months (conservative policy)" in first
    assert "dashed" in cluster
    assert f'color="{ROUTE}"' not in attrs_of(dot, "laser_treatment [")


def test_route_shows_chosen_products_on_their_steps() -> None:
    dot = to_dot(route=demo_route())
    assert "Salicylic Serum 2%" in attrs_of(dot, "serums [")
    assert "Kaolin Clay Mask" in attrs_of(dot, "mask [")
    hydration = attrs_of(dot, "hydration [")
    assert "Gel Moisturiser" in hydration
    assert "Mineral Sunscreen (SPF 50)" in hydration


def test_adverse_reaction_route_runs_along_the_rail_into_the_safe_exit() -> None:
    route = attrs.evolve(
        demo_route(),
        outcome="stopped",
        path=("intake", "cleansing", "exfoliation", "safe_exit_stop", "safe_exit_remove"),
        products=(),
    )
    dot = to_dot(route=route)
    assert f'color="{ROUTE}"' in attrs_of(
        dot, "exfoliation -> adverse_to_safe_exit_stop_from_exfoliation"
    )
    assert f'color="{ROUTE}"' in attrs_of(
        dot, "adverse_to_safe_exit_stop_from_intake -> safe_exit_stop"
    )
    assert f'color="{ROUTE}"' not in attrs_of(
        dot, "serums -> adverse_to_safe_exit_stop_from_serums"
    )


def test_route_of_a_real_client_comes_from_its_session(date: dt.date) -> None:
    client = load_client(ROOT / "examples" / "clients" / "oily-acne.json")
    route = route_for_client(client, date=date, policy="conservative")
    assert route.client_id == "c-042"
    assert route.path[0] == "intake"
    assert route.path[-1] == route.outcome
    assert route.skipped["laser"] == "not requested"
    assert {step for step, _ in route.products} >= {"serums", "mask", "hydration"}
    dot = to_dot(route=route)
    for _, product in route.products:
        assert product.name in dot


# -- formats and the committed files ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("a.dot", "dot"),
        ("a.SVG", "svg"),
        ("a.png", "png"),
        ("b.pdf", "pdf"),
        ("c.mmd", "mermaid"),
        ("d.html", "html"),
    ],
)
def test_format_is_inferred_from_the_file_extension(name: str, fmt: str) -> None:
    assert format_for_path(name) == fmt


def test_unknown_extension_names_the_known_ones() -> None:
    with pytest.raises(DiagramError, match=r"\.svg"):
        format_for_path("diagram.jpeg")


def test_committed_diagrams_are_up_to_date() -> None:
    stale = stale_files(ROOT / "diagrams")
    assert not stale, (
        "stale diagrams; regenerate with `facialflow diagram --write-all diagrams`:\n"
        + "\n".join(stale)
    )


def test_a_stale_diagram_is_reported(tmp_path: Path) -> None:
    (tmp_path / "examples" / "clients").mkdir(parents=True)
    for src in (ROOT / "examples" / "clients").iterdir():
        (tmp_path / "examples" / "clients" / src.name).write_bytes(src.read_bytes())
    diagrams = tmp_path / "diagrams"
    diagrams.mkdir()
    for src in (ROOT / "diagrams").iterdir():
        (diagrams / src.name).write_bytes(src.read_bytes())
    assert stale_files(diagrams) == []
    (diagrams / "protocol.dot").write_text(to_dot().replace("Cleansing", "Cleanse"))
    (diagrams / "protocol.mmd").unlink()
    (diagrams / "old.svg").write_text("<svg/>")
    stale = stale_files(diagrams)
    assert stale == [
        f"{diagrams / 'protocol.dot'}: differs from the protocol",
        f"{diagrams / 'protocol.mmd'}: missing",
        f"{diagrams / 'old.svg'}: not generated by facialflow (remove it)",
    ]
