"""The protocol's diagram, built from the protocol data and nothing else.

:func:`build_graph` turns :data:`~facialflow.protocol.facial.FACIAL` (and optionally
one client's :class:`Route`) into a ``graphviz.Digraph``; :func:`to_dot` is its
DOT source. The labels come from :mod:`facialflow.diagrams.route`, shared with
Mermaid and the walkthrough page; rendering to SVG/PNG/PDF lives in
:mod:`facialflow.diagrams.render`, and :mod:`facialflow.diagrams.produce` picks by format.
"""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Sequence
from typing import Any

from facialflow.diagrams.route import (
    BUNDLE_MIN,
    Route,
    compound_lines,
    conditions,
    edge_text,
    node_lines,
    short_edge_text,
)
from facialflow.diagrams.style import (
    DIM_FILL,
    DIM_LINE,
    DIM_TEXT,
    FONT,
    HIGHLIGHT,
    HIGHLIGHT_FILL,
    INK,
    ROUTE,
    ROUTE_FILL,
    STYLE,
    WRAP,
)
from facialflow.protocol.facial import FACIAL
from facialflow.protocol.names import Trigger
from facialflow.protocol.spec import FacialProtocol, StateSpec, TransitionSpec

#: lines in a box wrap at this many characters (a product name, a skip reason)
BOX_WRAP = 32


def _esc(text: str) -> str:
    # graphviz quotes labels but leaves backslash escapes alone; ours are only "\n"
    return text.replace("\\", "\\\\")


def _label(lines: Sequence[str]) -> str:
    return "\\n".join(_esc(line) for line in lines)


def _wrap(text: str) -> str:
    return "\\n".join(
        _esc(line) for line in textwrap.wrap(text, WRAP, break_on_hyphens=False) or [""]
    )


def _spine(protocol: FacialProtocol) -> frozenset[tuple[str, str]]:
    """Each state to the next in its lane's order: drawn straight, so bypasses bend around."""
    lanes: dict[str, list[str]] = {}
    for s in protocol.states:
        if not s.final or s.lane == "main":
            lanes.setdefault(s.lane, []).append(s.name)
    return frozenset(pair for steps in lanes.values() for pair in itertools.pairwise(steps))


def _kind(state: StateSpec) -> str:
    # generic over lanes: a lane without a palette of its own is drawn as an exit
    if state.lane == "main":
        return "complete" if state.final else "main"
    if state.final:
        return "decline" if state.lane == "decline" else "stopped"
    return state.lane if state.lane in STYLE else "safe_exit"


def _box_lines(protocol: FacialProtocol, state: StateSpec, route: Route | None) -> list[str]:
    """A node's lines, long ones wrapped; a skipped group's reason goes in its first box.

    Inside a box the text can never be crossed by an edge; as a group title it was.
    """
    lines = node_lines(protocol, state, route)
    parent = state.parent
    if route is not None and parent is not None and protocol.children(parent)[0] == state.name:
        lines += compound_lines(parent, "", route, protocol)[1:]
    out: list[str] = []
    for line in lines:
        out.extend(textwrap.wrap(line, BOX_WRAP, break_on_hyphens=False) or [""])
    return out


def _node_attrs(protocol: FacialProtocol, state: StateSpec, route: Route | None) -> dict[str, str]:
    fill, line = STYLE[_kind(state)]
    styles = ["rounded", "filled"]
    if state.skipped_when and state.lane == "main":
        styles.append("dashed")
    attrs = {
        "id": f"state-{state.name}",
        "label": _label(_box_lines(protocol, state, route)),
        "fillcolor": fill,
        "color": line,
        "tooltip": _esc(state.does),
    }
    if state.final:
        attrs["peripheries"] = "2"
    if state.lane == "main" and not state.final:
        attrs["group"] = "main"
    if route is not None:
        if state.name in route.visited:
            attrs.update(color=ROUTE, penwidth="3", fillcolor=ROUTE_FILL, fontcolor=INK)
        else:
            attrs.update(color=DIM_LINE, fontcolor=DIM_TEXT, fillcolor=DIM_FILL)
            if route.skip_reason(protocol, state.name) is not None and "dashed" not in styles:
                styles.append("dashed")
    attrs["style"] = ",".join(styles)
    return attrs


def _edge_attrs(protocol: FacialProtocol, t: TransitionSpec, route: Route | None) -> dict[str, str]:
    dest = protocol.state_map[t.dest]
    full = _esc(edge_text(protocol, t))
    attrs = {
        "label": _wrap(short_edge_text(protocol, t)),
        "id": f"edge-{t.source}-{t.dest}-{t.trigger}",
        # the whole condition on hover, in a browser; the legend spells out the tags
        "tooltip": full,
        "labeltooltip": full,
    }
    if t.trigger in (Trigger.ADVERSE, Trigger.EMERGENCY):
        color = STYLE.get(_kind(dest), STYLE["safe_exit"])[1]
        attrs.update(color=color, fontcolor=color, style="dashed")
        # drawn beside the main route; they must not pull the exits into treatment order
        attrs["constraint"] = "false"
    elif dest.lane == "decline":
        attrs.update(color=STYLE["decline"][1], fontcolor=STYLE["decline"][1], penwidth="1.5")
    else:
        kind = _kind(dest)
        color = INK if kind in ("main", "complete") else STYLE[kind][1]
        attrs.update(color=color, fontcolor=color)
        spine = (t.source, t.dest) in _spine(protocol)
        attrs["weight"] = "8" if spine else "1"
        if not spine and protocol.state_map[t.source].lane != "main":
            # an exit lane is narrow: a bypass leaves sideways, clear of the spine's label
            attrs["tailport"] = "e"
    if route is not None:
        if (t.source, t.dest) in route.edges:
            attrs.update(color=ROUTE, fontcolor=ROUTE, penwidth="3", style="solid")
            # on a line of its own: a longer first line would widen the label into its neighbours
            attrs["label"] = f"({_taken(route, t)})\\n{attrs['label']}"
        else:
            attrs.update(color=DIM_LINE, fontcolor=DIM_TEXT, penwidth="1")
    return attrs


def _taken(route: Route, t: TransitionSpec) -> int:
    """The edge's number on the route: 1 for the first edge taken."""
    pairs = list(itertools.pairwise(route.path))
    return pairs.index((t.source, t.dest)) + 1


def _legend(g: Any, protocol: FacialProtocol, route: Route | None) -> None:
    # plain nodes, not an HTML-like table: the embedded renderer is built without HTML labels
    rows: list[tuple[str, str, tuple[str, str], str]] = [
        ("step", "Step", STYLE["main"], "rounded,filled"),
        ("conditional", "Conditional step", STYLE["main"], "rounded,filled,dashed"),
        ("complete", "Completed (final)", STYLE["complete"], "rounded,filled"),
        ("declined", "Declined at intake (exit)", STYLE["decline"], "rounded,filled"),
        ("safe_exit", "Safe exit, stopped (exit)", STYLE["safe_exit"], "rounded,filled"),
    ]
    if route is not None:
        rows.append(("route", "On this client's route", (ROUTE_FILL, ROUTE), "rounded,filled"))
        rows.append(
            (
                "off_route",
                "Not on this route, or skipped",
                (DIM_FILL, DIM_LINE),
                "rounded,filled,dashed",
            )
        )
    with g.subgraph(name="cluster_legend") as c:
        c.attr(
            label="Legend",
            id="legend",
            style="rounded",
            color=DIM_LINE,
            fontcolor=INK,
            fontsize="12",
        )
        c.attr("node", fontsize="10", height="0.3")
        kinds: list[str] = []
        for key, text, (fill, line), style in rows:
            name = f"legend_{key}"
            c.node(name, label=text, fillcolor=fill, color=line, style=style, id=name)
            kinds.append(name)
        # two short rows keep the legend no wider than the diagram above it
        lines = kinds[5:]
        samples = [
            ("condition", "condition, in plain language", INK, "solid"),
            ("adverse", "adverse reaction at that step", STYLE["safe_exit"][1], "dashed"),
        ]
        for key, text, color, style in samples:
            a, b = f"legend_{key}_a", f"legend_{key}_b"
            c.node(a, label="", shape="point", width="0.05", color=color, id=a)
            c.node(b, label="", shape="point", width="0.05", color=color, id=b)
            c.edge(a, b, label=text, color=color, fontcolor=color, style=style, minlen="2")
            lines += [a, b]
        for names in (kinds[:5], lines):
            with c.subgraph() as row:
                row.attr(rank="same")
                for name in names:
                    row.node(name)
                for left, right in itertools.pairwise(names):
                    if not (left.endswith("_a") and right.endswith("_b")):
                        row.edge(left, right, style="invis")
        c.edge(kinds[0], lines[0], style="invis")
        tagged = conditions(protocol)
        if tagged:
            # one left-aligned block: "[1] non-inflamed comedones, ..." per line
            text = "".join(f"{_esc(tag)} {_esc(cond)}\\l" for tag, cond in tagged)
            c.node(
                "legend_conditions",
                label="Conditions on the edges\\l" + text,
                shape="plain",
                fontsize="10",
                id="legend_conditions",
            )
            c.edge(lines[0], "legend_conditions", style="invis")
    anchor = next((s.name for s in reversed(protocol.states) if s.lane == "main"), None)
    if anchor is not None:
        g.edge(anchor, kinds[0], style="invis")


def build_graph(
    protocol: FacialProtocol = FACIAL,
    route: Route | None = None,
    *,
    current: str | None = None,
    title: str | None = None,
) -> Any:
    """The diagram as a ``graphviz.Digraph``.

    Treatment order runs top to bottom, compound states are clusters, exits sit
    beside the route and a legend sits under it. On a route, the edges taken are
    numbered in order. ``current`` marks one state (a storyboard frame's step).
    """
    import graphviz

    if title is None:
        title = f"{protocol.name} {protocol.version}"
        if route is not None:
            title = f"{title}: {route.title()}"
    g = graphviz.Digraph(name="facialflow", comment=f"generated by facialflow from {protocol.name}")
    g.attr(
        rankdir="TB",
        newrank="true",
        nodesep="0.35",
        ranksep="0.45",
        fontname=FONT,
        fontsize="16",
        label=_esc(title),
        labelloc="t",
        id="facialflow-diagram",
    )
    g.attr("node", shape="box", fontname=FONT, fontsize="12", margin="0.2,0.06", fontcolor=INK)
    g.attr("edge", fontname=FONT, fontsize="10", arrowsize="0.7")

    g.node(
        "start", label="", shape="circle", style="filled", fillcolor=INK, width="0.18", id="start"
    )
    emitted: set[str] = set()
    for state in protocol.states:
        if state.parent is None:
            g.node(state.name, **_node_attrs(protocol, state, route))
            continue
        if state.parent in emitted:
            continue
        emitted.add(state.parent)
        _cluster(g, protocol, state.parent, route)

    g.edge("start", protocol.initial, label="start", id="edge-start", color=INK, fontcolor=INK)
    bundles = _bundles(protocol)
    for t in protocol.transitions:
        if (t.trigger, t.dest) in bundles:
            continue
        g.edge(t.source, t.dest, **_edge_attrs(protocol, t, route))
    for (_, dest), members in bundles.items():
        _rail(g, protocol, dest, members, route)

    # the decline exit sits level with intake, beside it: its edge runs flat, with the
    # label above it, clear of the route's own labels
    declines = [s.name for s in protocol.states if s.lane == "decline"]
    if declines:
        with g.subgraph() as same:
            same.attr(rank="same")
            same.node(protocol.initial)
            for name in declines:
                same.node(name)
    _legend(g, protocol, route)
    if current is not None:
        # a later statement for a node adds to its attributes, wherever it was declared
        g.node(current, color=HIGHLIGHT, penwidth="5", fillcolor=HIGHLIGHT_FILL)
    return g


def _bundles(protocol: FacialProtocol) -> dict[tuple[str, str], list[TransitionSpec]]:
    """Edges of one trigger from many states into one state, drawn merged along a rail.

    Nine separate "adverse reaction" arrows across the treatment route would
    bury it; a short stub from each step onto one rail beside the route, and a
    single labelled arrow from the rail into the destination, say the same
    thing readably. Mermaid keeps one labelled edge per transition.
    """
    groups: dict[tuple[str, str], list[TransitionSpec]] = {}
    for t in protocol.transitions:
        groups.setdefault((t.trigger, t.dest), []).append(t)
    return {
        key: members
        for key, members in groups.items()
        if len(members) >= BUNDLE_MIN and len({edge_text(protocol, t) for t in members}) == 1
    }


def _rail(
    g: Any,
    protocol: FacialProtocol,
    dest: str,
    members: Sequence[TransitionSpec],
    route: Route | None,
) -> None:
    points = [f"{t.trigger}_to_{dest}_from_{t.source}" for t in members]
    taken_at = next(
        (
            i
            for i, t in enumerate(members)
            if route is not None and (t.source, t.dest) in route.edges
        ),
        None,
    )
    base = _edge_attrs(protocol, members[0], None)
    for i, (t, point) in enumerate(zip(members, points, strict=True)):
        on_route = taken_at is not None and i <= taken_at
        line = _rail_color(base["color"], route, on_route)
        g.node(
            point,
            label="",
            shape="point",
            width="0.06",
            color=line,
            group="rail",
            id=f"rail-{point}",
        )
        with g.subgraph() as same:
            same.attr(rank="same")
            same.node(t.source)
            same.node(point)
        stub = _rail_color(base["color"], route, taken_at == i)
        g.edge(
            t.source,
            point,
            **_rail_edge(stub, route, taken_at == i),
            # from intake the stub leaves downwards, clear of the label on the way to declined
            **({"tailport": "s"} if t.source == protocol.initial else {}),
            id=f"edge-{t.source}-{t.dest}-{t.trigger}",
        )
        if i > 0:
            g.edge(
                points[i - 1],
                point,
                **_rail_edge(line, route, on_route),
                id=f"rail-{points[i - 1]}-{point}",
            )
    out = _edge_attrs(protocol, members[taken_at or 0], route)
    out["id"] = f"edge-rail-{members[0].trigger}-{dest}"
    out.pop("constraint", None)
    if taken_at is not None:
        out.update(color=ROUTE, fontcolor=ROUTE, penwidth="3", style="solid")
    g.edge(points[0], dest, **out)
    with g.subgraph() as same:
        same.attr(rank="same")
        same.node(points[0])
        same.node(dest)


def _rail_color(color: str, route: Route | None, on_route: bool) -> str:
    if route is None:
        return color
    return ROUTE if on_route else DIM_LINE


def _rail_edge(color: str, route: Route | None, on_route: bool) -> dict[str, str]:
    attrs = {"color": color, "dir": "none", "style": "dashed"}
    if on_route:
        attrs.update(style="solid", penwidth="3")
    return attrs


def _cluster(g: Any, protocol: FacialProtocol, compound: str, route: Route | None) -> None:
    children = [protocol.state_map[c] for c in protocol.children(compound)]
    lane = children[0].lane
    if lane == "main":
        fill, line = "#f3f8fd", STYLE["main"][1]
    else:
        fill, line = STYLE.get(lane, STYLE["safe_exit"])
    style = "rounded,filled"
    fontcolor = line
    if route is not None and not any(c.name in route.visited for c in children):
        fill, line, fontcolor = DIM_FILL, DIM_LINE, DIM_TEXT
        if compound in route.skipped:
            style = "rounded,filled,dashed"
    with g.subgraph(name=f"cluster_{compound}") as c:
        c.attr(
            label="",
            id=f"state-{compound}",
            style=style,
            fillcolor=fill,
            color=line,
            margin="10",
        )
        # the title is a node beside the first box, not the cluster's label: Graphviz
        # routes edges around nodes, but straight through a cluster's label
        title = f"title_{compound}"
        c.node(
            title,
            label=_esc(protocol.compounds[compound]),
            shape="plaintext",
            fontsize="13",
            fontcolor=fontcolor,
            id=f"title-{compound}",
            margin="0.02",
        )
        for child in children:
            c.node(child.name, **_node_attrs(protocol, child, route))
        with c.subgraph() as same:
            same.attr(rank="same")
            same.node(title)
            same.node(children[0].name)
            same.edge(title, children[0].name, style="invis")


def to_dot(protocol: FacialProtocol = FACIAL, route: Route | None = None) -> str:
    """The diagram's DOT source (pure: no Graphviz binary needed)."""
    source: str = build_graph(protocol, route).source
    return source
