"""The trainers' walkthrough page: one self-contained HTML file.

The page's markup, styles and script are package data
(``facialflow/diagrams/assets/walkthrough.{html,css,js}``), inlined here with
the diagram's SVG and the step data, and a Content-Security-Policy forbids
every fetch, so the page works offline and from an e-mail attachment.

On screen it adapts: on a projector the step list, the diagram and the details
sit side by side and the diagram follows the current step at a legible size;
on a phone they stack (a step strip, the details, then the diagram). The
diagram zooms and pans (buttons, keys, wheel, drag, pinch). Printed, it is a
storyboard: one numbered frame per step of the route (see
:mod:`facialflow.diagrams.storyboard`).
"""

from __future__ import annotations

import html
import json
import re
from functools import cache
from importlib.resources import files
from typing import Any

from facialflow.diagrams.dot import to_dot
from facialflow.diagrams.route import Route, conditions, edge_text, frames, product_text
from facialflow.protocol.facial import FACIAL
from facialflow.protocol.spec import FacialProtocol, StateSpec

__all__ = ["page_steps", "to_html"]


def _reached_when(protocol: FacialProtocol, names: set[str]) -> list[str]:
    out: list[str] = []
    for t in protocol.transitions:
        if t.dest in names and t.source not in names:
            line = f"from {protocol.state_map[t.source].label}: {edge_text(protocol, t)}"
            if line not in out:
                out.append(line)
    return out


def _leads_to(protocol: FacialProtocol, names: set[str]) -> list[str]:
    out: list[str] = []
    for t in protocol.transitions:
        if t.source in names and t.dest not in names:
            line = f"{protocol.state_map[t.dest].label}: {edge_text(protocol, t)}"
            if line not in out:
                out.append(line)
    return out


def _state_item(protocol: FacialProtocol, state: StateSpec, route: Route | None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": state.name,
        "label": state.label,
        "compound": False,
        "parent": protocol.compounds.get(state.parent, "") if state.parent else "",
        "does": state.does,
        "why": state.why,
        "skipped_when": state.skipped_when,
        "reached_when": _reached_when(protocol, {state.name}),
        "leads_to": _leads_to(protocol, {state.name}),
        "final": state.final,
    }
    if route is not None:
        item.update(_route_facts(protocol, route, state.name, protocol.step_of(state.name)))
    return item


def _compound_item(protocol: FacialProtocol, compound: str, route: Route | None) -> dict[str, Any]:
    children = [protocol.state_map[c] for c in protocol.children(compound)]
    names = {c.name for c in children}
    item: dict[str, Any] = {
        "id": compound,
        "label": protocol.compounds[compound],
        "compound": True,
        "parent": "",
        "does": "Sub-steps: " + ", then ".join(c.label for c in children) + ".",
        "why": next((c.why for c in children if c.why), ""),
        "skipped_when": "",
        "reached_when": _reached_when(protocol, names),
        "leads_to": _leads_to(protocol, names),
        "final": False,
    }
    if route is not None:
        item.update(_route_facts(protocol, route, compound, compound))
    return item


def _route_facts(protocol: FacialProtocol, route: Route, name: str, step: str) -> dict[str, Any]:
    number = route.step_number(name) if name in protocol.state_map else None
    if name not in protocol.state_map and any(s in route.visited for s in protocol.children(name)):
        status = "route"
    else:
        status = "route" if number is not None else "off"
    reason = route.skip_reason(protocol, name)
    if reason is not None and status != "route":
        status = "skipped"
    return {
        "status": status,
        "number": number,
        "skipped": reason or "",
        "products": [
            {"name": product_text(p), "ingredients": list(p.ingredients)}
            for p in route.products_at(name)
        ],
        "findings": [
            f"{f.rule} ({f.effect}): {f.reason}"
            for f in route.findings
            if f.step == step or (f.step in protocol.state_map and protocol.step_of(f.step) == name)
        ],
    }


def _order(protocol: FacialProtocol) -> list[str]:
    """Every state and compound in treatment order, each compound just before its children."""
    out: list[str] = []
    for s in protocol.states:
        if s.parent is not None and s.parent not in out:
            out.append(s.parent)
        out.append(s.name)
    return out


def page_steps(
    protocol: FacialProtocol = FACIAL, route: Route | None = None
) -> list[dict[str, Any]]:
    """The page's step list: every state in order, or a route's states with its skipped steps."""
    items = {s.name: _state_item(protocol, s, route) for s in protocol.states}
    items.update({c: _compound_item(protocol, c, route) for c in protocol.compounds})
    order = _order(protocol)
    if route is None:
        return [items[name] for name in order]
    rank = {name: i for i, name in enumerate(order)}
    chosen: list[str] = []
    pending = sorted((s for s in route.skipped if s in rank), key=rank.__getitem__)
    for state in route.path:
        while pending and rank[pending[0]] < rank[state]:
            chosen.append(pending.pop(0))
        chosen.append(state)
    chosen.extend(pending)
    listed = [items[name] for name in chosen]
    others = [dict(items[name], other=True) for name in order if name not in chosen]
    return listed + others


_XML_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.S)
_SVG_SIZE = re.compile(r'(<svg\b[^>]*?)\s(?:width|height)="[^"]*"\s(?:width|height)="[^"]*"', re.S)


def _inline_svg(svg: str) -> str:
    svg = _XML_PROLOGUE.sub("", svg, count=1)
    # drop the fixed size so CSS can fit the drawing to the page; the viewBox keeps its shape
    return _SVG_SIZE.sub(r"\1", svg, count=1).strip()


def to_html(
    protocol: FacialProtocol = FACIAL,
    route: Route | None = None,
    *,
    renderer: str | None = None,
    svg: str | None = None,
) -> str:
    """The walkthrough page. ``svg`` skips rendering (the diagram's SVG, already drawn)."""
    if svg is None:
        from facialflow.diagrams.render import render

        svg = render(to_dot(protocol, route), "svg", renderer=renderer).decode()
    title = f"{protocol.name} {protocol.version}: step-by-step walkthrough"
    subtitle = "The whole protocol. Choose a step, tap a box, or use the arrow keys."
    warnings = ""
    if route is not None:
        subtitle = f"{route.title()}. Choose a step, tap a box, or use the arrow keys."
        if route.warnings:
            warnings = (
                '<ul class="warnings">'
                + "".join(f"<li>{html.escape(w)}</li>" for w in route.warnings)
                + "</ul>"
            )
    data = json.dumps(
        {
            "route": route is not None,
            "heading": route.title() if route else f"{protocol.name} {protocol.version}",
            "steps": page_steps(protocol, route),
            "frames": frames(protocol, route),
        },
        ensure_ascii=False,
        indent=1,
        sort_keys=True,
    ).replace("<", "\\u003c")  # no "<" in the script element: no "</script>" or "<!--" ends it
    caption = "Hover an edge for its full condition."
    if conditions(protocol):
        caption = (
            "Long conditions are drawn as [1], [2]... on the edges and spelt out in the "
            "legend under the diagram; hover an edge for its full condition."
        )
    values = {
        "title": html.escape(title),
        "subtitle": html.escape(subtitle),
        "warnings": warnings,
        "caption": html.escape(caption),
        "svg": _inline_svg(svg),
        "data": data,
        "css": _asset("walkthrough.css"),
        "js": _asset("walkthrough.js"),
    }
    # one pass: text inserted for one placeholder is never scanned for another
    return _PLACEHOLDER.sub(lambda m: values[m[1]], _asset("walkthrough.html"))


_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


@cache
def _asset(name: str) -> str:
    return files("facialflow.diagrams").joinpath("assets", name).read_text(encoding="utf-8")
