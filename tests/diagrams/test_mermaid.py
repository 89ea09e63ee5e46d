"""Mermaid stateDiagram-v2 output: GitHub-renderable, composite states, a label on every edge."""

from __future__ import annotations

import datetime as dt
import html
import os
import re
from pathlib import Path
from typing import Any

import attrs
import pytest

from facialflow.diagrams.mermaid import mermaid_text, to_mermaid
from facialflow.diagrams.route import Route, conditions, node_lines, short_edge_text
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


def test_every_transition_is_an_edge_with_its_short_label() -> None:
    """Each transition is an edge carrying its short label; the start and each final one too."""
    drawn = edges(to_mermaid())
    for t in FACIAL.transitions:
        assert (t.source, t.dest, mermaid_text(short_edge_text(FACIAL, t))) in drawn, t
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


def test_no_character_that_mermaid_misreads_is_written() -> None:
    """No ';' (ends a statement), no entity code (garbled by mermaid.run), no stray quote."""
    source = to_mermaid(route=tricky_route())
    body = source.split("stateDiagram-v2", 1)[1]

    assert ";" not in body
    assert not re.search(r"#\w+;", body)
    assert "[4] documented, follow-up in 24-48 h" in source
    assert mermaid_text('a "b"; <c>') == "a 'b', \u2039c\u203a"


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

#: the standard embedding: Mermaid finds the block, reads its text and draws it in place
STANDARD_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<pre class="mermaid">{source}</pre>
<script src="{mermaid}"></script>
</body></html>"""

RENDERED = """async () => {
  mermaid.initialize({startOnLoad: false, securityLevel: 'strict'});
  await mermaid.run();
  const texts = (sel) => [...document.querySelectorAll(sel)].map(e => e.textContent.trim());
  return {
    errors: texts('.error-text'),
    edges: texts('g.edgeLabels > g.edgeLabel').filter(Boolean),
    nodes: texts('g.node'),
    clusters: texts('.cluster-label'),
    all: document.querySelector('pre.mermaid svg').textContent,
  };
}"""


def tricky_route() -> Route:
    """A route whose product names hold the characters Mermaid's grammar trips on."""
    route = demo_route()
    odd = Product('Calm "Night" Serum; 2% #1', "serum", ["niacinamide"])
    return attrs.evolve(route, products=((("serums", odd)), *route.products[1:]))


def expected_edge_labels(route: Route | None) -> list[str]:
    labels = [mermaid_text(short_edge_text(FACIAL, t)) for t in FACIAL.transitions]
    return sorted([*labels, "start", *["end"] * len(FACIAL.final_states)])


@pytest.fixture(scope="module")
def mermaid_page() -> Any:
    if not (MERMAID_JS and Path(MERMAID_JS).is_file()):
        pytest.skip(
            "set FACIALFLOW_MERMAID_JS to a mermaid.min.js (npm install mermaid@11) to render "
            "the Mermaid output with the real Mermaid in Chromium"
        )
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        yield browser
        browser.close()


def render_standard_way(browser: Any, source: str, tmp_path: Path) -> dict[str, Any]:
    page_file = tmp_path / "embedded.html"
    page_file.write_text(
        STANDARD_PAGE.format(source=html.escape(source), mermaid=Path(MERMAID_JS).as_uri())
    )
    page = browser.new_page()
    page.goto(page_file.as_uri())
    result: dict[str, Any] = page.evaluate(RENDERED)
    page.close()
    return result


@pytest.mark.browser
@pytest.mark.parametrize("with_route", [False, True], ids=["protocol", "route"])
def test_real_mermaid_embedded_the_standard_way_shows_the_expected_labels(
    mermaid_page: Any, tmp_path: Path, with_route: bool
) -> None:
    """Mermaid 11 through <pre class="mermaid"> and mermaid.run() draws every label as written."""
    route = tricky_route() if with_route else None
    drawn = render_standard_way(mermaid_page, to_mermaid(route=route), tmp_path)
    states = {s.name: s for s in FACIAL.states}

    assert drawn["errors"] == []
    assert sorted(drawn["edges"]) == expected_edge_labels(route)
    assert sorted(drawn["clusters"]) == sorted(FACIAL.compounds.values())
    for name, state in states.items():
        title, *details = node_lines(FACIAL, state, route)
        node = next((n for n in drawn["nodes"] if n.startswith(mermaid_text(title))), None)
        assert node is not None, name
        for line in details:
            assert mermaid_text(line) in node, (name, line)
    for tag, text in conditions(FACIAL):
        assert f"{tag} {mermaid_text(text)}" in drawn["all"]
    # the garbling of entity codes ("#59;" shown as "ﬂ°°59¶ß")
    assert not re.search("[ﬂ°¶ß]", drawn["all"])
    if route is not None:
        assert "Calm 'Night' Serum, 2% #1" in drawn["all"]
