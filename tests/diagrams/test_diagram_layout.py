"""The drawn diagram, measured: no label on another, no edge through a label or a group title.

The checks read the rendered SVG's geometry: each ``<text>`` becomes a box
(anchor, baseline and font size give its place; its width is estimated from
the characters, generously), each edge's ``<path>`` is sampled along its
Bézier curves. They run on the protocol and on routes of every outcome.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from facialflow.diagrams.dot import to_dot
from facialflow.diagrams.mermaid import to_mermaid
from facialflow.diagrams.render import render
from facialflow.diagrams.route import Route, conditions, edge_text, route_for_client
from facialflow.diagrams.walkthrough import to_html
from facialflow.io.client_file import load_client
from facialflow.protocol.facial import FACIAL
from facialflow.protocol.spec import FacialProtocol, StateSpec, TransitionSpec, validate_protocol

SVG = "{http://www.w3.org/2000/svg}"
EXAMPLES = Path(__file__).parents[2] / "examples" / "clients"
#: DejaVu Sans and Verdana average about 0.51 em a character (measured in Chromium); 0.56 errs wide
GLYPH = 0.56

Box = tuple[float, float, float, float]


@attrs.frozen
class Label:
    text: str
    box: Box
    #: the id of the node, edge or cluster group the text belongs to
    owner: str
    kind: str


def text_box(t: ET.Element) -> Box:
    x, y = float(t.get("x", "0")), float(t.get("y", "0"))
    size = float(t.get("font-size", "14"))
    width = len(t.text or "") * size * GLYPH
    left = {"start": x, "middle": x - width / 2, "end": x - width}[t.get("text-anchor", "start")]
    return (left, y - 0.8 * size, left + width, y + 0.2 * size)


def labels(svg: bytes) -> list[Label]:
    out: list[Label] = []
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        kind = g.get("class", "")
        if kind not in ("node", "edge", "cluster"):
            continue
        for t in g.iter(f"{SVG}text"):
            if (t.text or "").strip():
                out.append(Label(t.text or "", text_box(t), g.get("id", ""), kind))
    return out


def bezier_points(d: str, steps: int = 24) -> Iterator[tuple[float, float]]:
    nums = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", d)]
    pts = list(zip(nums[::2], nums[1::2], strict=True))
    for i in range(0, len(pts) - 3, 3):
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = pts[i : i + 4]
        for k in range(steps + 1):
            u = k / steps
            a, b, c, e = (1 - u) ** 3, 3 * u * (1 - u) ** 2, 3 * u * u * (1 - u), u**3
            yield (a * x0 + b * x1 + c * x2 + e * x3, a * y0 + b * y1 + c * y2 + e * y3)


def edge_paths(svg: bytes) -> list[tuple[str, list[tuple[float, float]]]]:
    out = []
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        if g.get("class") == "edge":
            for path in g.iter(f"{SVG}path"):
                out.append((g.get("id", ""), list(bezier_points(path.get("d", "")))))
    return out


def overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def inside(p: tuple[float, float], box: Box, margin: float = 1.0) -> bool:
    return box[0] + margin < p[0] < box[2] - margin and box[1] + margin < p[1] < box[3] - margin


def declined_route() -> Route:
    return route_for_client(
        load_client(EXAMPLES / "cold-sore.json"), date=dt.date(2026, 12, 1), policy="conservative"
    )


def adverse_route() -> Route:
    """A session stopped by a reaction at extraction, through every safe-exit step."""
    return Route(
        client_id="a-1",
        date=dt.date(2026, 12, 1),
        policy="conservative",
        outcome="stopped",
        path=(
            "intake",
            "cleansing",
            "exfoliation",
            "extraction",
            *(s.name for s in FACIAL.states if s.lane == "safe_exit"),
        ),
    )


def routes() -> dict[str, Route | None]:
    out: dict[str, Route | None] = {"protocol": None}
    for path in sorted(EXAMPLES.iterdir()):
        for policy in ("conservative", "asds2017"):
            out[f"{path.stem}-{policy}"] = route_for_client(
                load_client(path), date=dt.date(2026, 12, 1), policy=policy
            )
    out["adverse"] = adverse_route()
    return out


ROUTES = routes()


@pytest.fixture(scope="module", params=list(ROUTES), ids=list(ROUTES))
def drawn(request: pytest.FixtureRequest) -> bytes:
    return render(to_dot(route=ROUTES[request.param]), "svg", renderer="embedded")


def test_no_two_labels_overlap(drawn: bytes) -> None:
    """Every pair of text boxes in the drawing is apart."""
    found = labels(drawn)
    clashes = [
        (a.text, b.text)
        for i, a in enumerate(found)
        for b in found[i + 1 :]
        if overlap(a.box, b.box) and not (a.owner == b.owner and a.kind == "node")
    ]

    assert found
    assert clashes == []


def test_no_edge_runs_through_a_label_or_a_group_title(drawn: bytes) -> None:
    """No edge's line passes through the text of another edge, a node or a cluster title."""
    found = labels(drawn)
    crossings = sorted(
        {
            (edge, label.text)
            for edge, points in edge_paths(drawn)
            for label in found
            if label.owner != edge and any(inside(p, label.box) for p in points)
        }
    )

    assert crossings == []


def test_long_conditions_are_spelt_out_once_in_the_legend() -> None:
    """A long guard sentence is drawn once (the legend); its edges carry a short tag."""
    svg = render(to_dot(), "svg", renderer="embedded").decode()
    texts = [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text")]
    tagged = conditions(FACIAL)

    assert tagged
    for tag, text in tagged:
        assert sum(text in line for line in texts) == 1, text
        assert any(line.strip() == tag or tag in line for line in texts if text not in line)
    tooltips = {
        a.get("{http://www.w3.org/1999/xlink}title") for a in ET.fromstring(svg).iter(f"{SVG}a")
    }
    for t in FACIAL.transitions:
        # the full condition stays one hover away, on the edge itself
        assert edge_text(FACIAL, t) in tooltips, t


def test_decline_reason_sits_on_the_declined_node() -> None:
    """On a declined route the blocking finding is on Declined, not on the steps never reached."""
    route = declined_route()
    svg = render(to_dot(route=route), "svg", renderer="embedded")
    by_owner: dict[str, list[str]] = {}
    for label in labels(svg):
        by_owner.setdefault(label.owner, []).append(label.text)
    reason = route.exit_reasons()[0]

    assert "active cold sore" in reason
    assert any("active cold sore" in line for line in by_owner["state-declined"])
    for owner, lines in by_owner.items():
        if owner != "state-declined":
            assert not any("cold sore" in line for line in lines), owner


def with_emergency_exit() -> FacialProtocol:
    """FACIAL plus a final ``emergency`` state in a lane of its own, reached from every step."""
    steps = [s.name for s in FACIAL.states if not s.final and s.name != FACIAL.initial]
    emergency = StateSpec(
        name="emergency",
        label="Emergency",
        does="The emergency protocol was started.",
        final=True,
        lane="emergency",
    )
    return attrs.evolve(
        FACIAL,
        states=(*FACIAL.states, emergency),
        transitions=(
            *FACIAL.transitions,
            *(TransitionSpec("emergency", s, "emergency", label="severe reaction") for s in steps),
        ),
    )


def test_a_new_final_state_is_drawn_in_every_format_without_clashes() -> None:
    """A protocol with one more exit draws it, styled as an exit, with a clean layout."""
    # the facial has its emergency exit now (R30)
    protocol = FACIAL
    validate_protocol(protocol)
    route = attrs.evolve(
        adverse_route(), outcome="emergency", path=("intake", "cleansing", "emergency")
    )
    for r in (None, route):
        dot = to_dot(protocol, r)
        svg = render(dot, "svg", renderer="embedded")
        found = labels(svg)
        assert [a.text for a in found if a.owner == "state-emergency"]
        assert not [
            (a.text, b.text)
            for i, a in enumerate(found)
            for b in found[i + 1 :]
            if overlap(a.box, b.box) and not (a.owner == b.owner and a.kind == "node")
        ]
        assert "emergency" in to_mermaid(protocol, r)
        assert "data-state" not in to_html(protocol, r, svg=svg.decode())  # built by the script
        assert "emergency" in to_html(protocol, r, svg=svg.decode())
    line = next(x for x in to_dot(protocol).splitlines() if x.strip().startswith("emergency ["))
    assert "peripheries=2" in line
    assert "class declined, stopped, emergency ffexit" in to_mermaid(protocol)
