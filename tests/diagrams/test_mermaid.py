"""Mermaid stateDiagram-v2 output: GitHub-renderable, composite states, a label on every edge."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import pytest

from facialflow.diagrams.mermaid import to_mermaid
from facialflow.diagrams.route import Route, edge_text
from facialflow.model import Product
from facialflow.protocol.facial import FACIAL

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("FACIALFLOW_UPDATE_GOLDEN") == "1"
EDGE = re.compile(r"^\s*(\S+) --> (\S+) : (.*)$")


def demo_route() -> Route:
    return Route(
        client_id="g-1",
        date=dt.date(2026, 1, 15),
        policy="conservative",
        outcome="complete",
        path=("intake", "cleansing", "exfoliation", "serums", "mask", "hydration", "complete"),
        skipped={"extraction": "no comedones", "laser": "not requested"},
        products=(
            ("serums", Product("Vitamin C Serum", "serum", ["ascorbic acid"])),
            ("mask", Product("Kaolin Clay Mask", "mask", ["kaolin"])),
            ("hydration", Product("Mineral Sunscreen SPF 50", "sunscreen", ["zinc oxide"], spf=50)),
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


def edges(source: str) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    for line in source.splitlines():
        if m := EDGE.match(line):
            out.append((m[1], m[2], m[3]))
    return out


def test_protocol_mermaid_matches_golden_file() -> None:
    check_golden("protocol.mmd", to_mermaid())


def test_route_mermaid_matches_golden_file() -> None:
    check_golden("route.mmd", to_mermaid(route=demo_route()))


def test_is_a_state_diagram_v2_with_a_title() -> None:
    source = to_mermaid()
    assert source.startswith('---\ntitle: "medical-facial 1.0"\n---\nstateDiagram-v2\n')


def test_every_transition_is_an_edge_with_its_plain_language_label() -> None:
    drawn = edges(to_mermaid())
    for t in FACIAL.transitions:
        label = edge_text(FACIAL, t).replace(";", "#59;")
        assert (t.source, t.dest, label) in drawn, t
    # plus the start edge and one end edge per final state, all labelled
    finals = len(FACIAL.final_states)
    assert len(drawn) == len(FACIAL.transitions) + 1 + finals
    assert all(label.strip() for _, _, label in drawn)


def test_laser_and_safe_exit_are_composite_states() -> None:
    source = to_mermaid()
    for compound, label in FACIAL.compounds.items():
        block = source.split(f'state "{label}" as {compound} {{', 1)[1].split("\n    }", 1)[0]
        for child in FACIAL.children(compound):
            assert f"as {child}\n" in block
        inner = edges(block)
        assert inner
        assert all(a.startswith(compound) and b.startswith(compound) for a, b, _ in inner)


def test_semicolons_and_quotes_are_escaped_as_entities() -> None:
    source = to_mermaid()
    assert "documented#59; follow-up in 24-48 h" in source
    body = source.split("stateDiagram-v2", 1)[1]
    assert ";" not in body.replace("#59;", "").replace("#35;", "").replace("#quot;", "")


def test_route_styles_the_client_states_and_notes_skipped_steps() -> None:
    source = to_mermaid(route=demo_route())
    visited = "intake, cleansing, exfoliation, serums, mask, hydration, complete"
    assert f"class {visited} ffroute" in source
    assert 'state "4. Serums" as serums' in source
    assert "serums : Vitamin C Serum" in source
    assert "hydration : Mineral Sunscreen SPF 50" in source
    assert "extraction : skipped: no comedones" in source
    assert "note right of laser\n        skipped: not requested\n    end note" in source
    assert "class extraction, laser_test_spot, laser_treatment, laser_cooling ffskipped" in source


def test_class_names_never_clash_with_state_names() -> None:
    classes = set(re.findall(r"classDef (\w+)", to_mermaid()))
    assert not classes & set(FACIAL.state_names)


MERMAID_JS = os.environ.get("FACIALFLOW_MERMAID_JS", "")
CHROMIUM = os.environ.get("FACIALFLOW_CHROMIUM", "/usr/bin/chromium")


@pytest.mark.browser
@pytest.mark.skipif(
    not (MERMAID_JS and Path(MERMAID_JS).is_file()),
    reason="set FACIALFLOW_MERMAID_JS to a mermaid.min.js (npm install mermaid@11) to render "
    "the Mermaid output with the real Mermaid in Chromium",
)
def test_real_mermaid_renders_every_edge_label() -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        page = browser.new_page()
        page.set_content("<div id=out></div>")
        page.add_script_tag(path=MERMAID_JS)
        result = page.evaluate(
            """async (src) => {
              mermaid.initialize({startOnLoad: false, securityLevel: 'strict'});
              const {svg} = await mermaid.render('m', src);
              document.getElementById('out').innerHTML = svg;
              return [...document.querySelectorAll('#out .edgeLabel')]
                .map(e => e.textContent.trim()).filter(Boolean);
            }""",
            to_mermaid(route=demo_route()),
        )
        browser.close()
    labels = json.loads(json.dumps(result))
    assert len(labels) >= len(FACIAL.transitions) + 1
    assert "documented; follow-up in 24-48 h" in labels
