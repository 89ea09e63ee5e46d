"""The protocol as a Mermaid ``stateDiagram-v2``, the form GitHub renders in Markdown.

Compound states (laser, safe exit) become composite states; every transition is
written with its short label (:func:`~facialflow.diagrams.route.short_edge_text`:
a long condition is a tag such as ``[2]``, spelt out in the legend note),
including the unconditional ones, which transitions' own Mermaid backend drops
(transitions #706). With a :class:`~facialflow.diagrams.route.Route`, the
client's states are numbered and styled, products appear as state descriptions
and a skipped step carries its reason in a note. All text goes through
:func:`mermaid_text`, so it renders as written under ``mermaid.run()``.
"""

from __future__ import annotations

from collections.abc import Iterable

from facialflow.diagrams.route import (
    Route,
    compound_lines,
    conditions,
    node_lines,
    short_edge_text,
)
from facialflow.diagrams.style import DIM_FILL, DIM_LINE, DIM_TEXT, INK, ROUTE, ROUTE_FILL, STYLE
from facialflow.protocol.facial import FACIAL
from facialflow.protocol.spec import FacialProtocol, StateSpec

__all__ = ["mermaid_text", "to_mermaid"]

INDENT = "    "

# prefixed so a class name never equals a state name (``complete``)
_CLASSES = {
    "ffstep": (*STYLE["main"], INK, ""),
    "ffconditional": (*STYLE["main"], INK, ",stroke-dasharray:5 3"),
    "ffcomplete": (*STYLE["complete"], INK, ",stroke-width:3px"),
    "ffexit": (*STYLE["decline"], INK, ",stroke-width:3px"),
    "ffsafeexit": (*STYLE["safe_exit"], INK, ""),
    "ffroute": (ROUTE_FILL, ROUTE, INK, ",stroke-width:3px"),
    "ffoffroute": (DIM_FILL, DIM_LINE, DIM_TEXT, ""),
    "ffskipped": (DIM_FILL, DIM_LINE, DIM_TEXT, ",stroke-dasharray:5 3"),
}


#: Mermaid's state-diagram grammar ends a statement at ';', and its entity codes ('#59;')
#: come out garbled when a page renders it the standard way (``<pre class="mermaid">`` and
#: ``mermaid.run()``): a ';' is written as ',' and no entity is ever emitted. A '"' would
#: end a quoted state name, and '<' '>' would be read as HTML and dropped.
_GRAMMAR = str.maketrans({";": ",", '"': "'", "<": "\u2039", ">": "\u203a", "\n": " "})


def mermaid_text(text: str) -> str:
    """``text`` as Mermaid shows it: what a rendered label reads (see :data:`_GRAMMAR`)."""
    return text.translate(_GRAMMAR)


_text = mermaid_text


def _class_of(protocol: FacialProtocol, state: StateSpec, route: Route | None) -> str:
    if route is not None:
        if state.name in route.visited:
            return "ffroute"
        return "ffskipped" if route.skip_reason(protocol, state.name) is not None else "ffoffroute"
    if state.final:
        return "ffcomplete" if state.lane == "main" else "ffexit"
    if state.lane != "main":
        return "ffsafeexit"
    return "ffconditional" if state.skipped_when else "ffstep"


def _state_lines(protocol: FacialProtocol, state: StateSpec, route: Route | None) -> list[str]:
    title, *details = node_lines(protocol, state, route)
    out = [f'state "{_text(title)}" as {state.name}']
    out.extend(f"{state.name} : {_text(line)}" for line in details)
    return out


def to_mermaid(protocol: FacialProtocol = FACIAL, route: Route | None = None) -> str:
    """Mermaid ``stateDiagram-v2`` source of the protocol (and ``route``, if given)."""
    title = f"{protocol.name} {protocol.version}"
    if route is not None:
        title = f"{title}: {route.title()}"
    # front matter is YAML: a title holding ": " must be quoted
    lines = ["---", f'title: "{_text(title)}"', "---", "stateDiagram-v2", f"{INDENT}direction TB"]
    body: list[str] = []
    inside = {s.name: s.parent for s in protocol.states}
    emitted: set[str] = set()
    for state in protocol.states:
        if state.parent is None:
            body.extend(_state_lines(protocol, state, route))
            continue
        if state.parent in emitted:
            continue
        emitted.add(state.parent)
        compound = state.parent
        label, *notes = compound_lines(compound, protocol.compounds[compound], route, protocol)
        body.append(f'state "{_text(label)}" as {compound} {{')
        for child in protocol.children(compound):
            body.extend(
                INDENT + line for line in _state_lines(protocol, protocol.state_map[child], route)
            )
        for t in protocol.transitions:
            if inside[t.source] == compound and inside[t.dest] == compound:
                body.append(
                    f"{INDENT}{t.source} --> {t.dest} : {_text(short_edge_text(protocol, t))}"
                )
        body.append("}")
        for note in notes:
            # the one-line note form stops parsing at a second ':'; the block form does not
            body.extend([f"note right of {compound}", INDENT + _text(note), "end note"])

    body.append(f"[*] --> {protocol.initial} : start")
    for t in protocol.transitions:
        if inside[t.source] is not None and inside[t.source] == inside[t.dest]:
            continue
        body.append(f"{t.source} --> {t.dest} : {_text(short_edge_text(protocol, t))}")
    for state in protocol.states:
        if state.final:
            body.append(f"{state.name} --> [*] : end")

    body.extend(_legend(protocol, route))
    for name, (fill, stroke, color, extra) in _CLASSES.items():
        body.append(f"classDef {name} fill:{fill},stroke:{stroke},color:{color}{extra}")
    by_class: dict[str, list[str]] = {}
    for state in protocol.states:
        by_class.setdefault(_class_of(protocol, state, route), []).append(state.name)
    for name in _CLASSES:
        if name in by_class:
            body.append(f"class {', '.join(by_class[name])} {name}")
    lines.extend(INDENT + line if line else "" for line in body)
    return "\n".join(lines) + "\n"


def _legend(protocol: FacialProtocol, route: Route | None) -> Iterable[str]:
    entries = [
        "Legend",
        "blue: a treatment step (dashed border: conditional)",
        "green: completed",
        "red: declined at intake, or stopped",
        "orange: the safe exit after an adverse reaction",
        "edge labels: the condition, in plain language ([n]: spelt out below)",
    ]
    if route is not None:
        entries += [
            "purple, numbered: this client's route",
            "grey: not on this route (dashed: skipped)",
        ]
    entries += [f"{tag} {text}" for tag, text in conditions(protocol)]
    yield "note left of intake"
    yield from (INDENT + _text(e) for e in entries)
    yield "end note"
