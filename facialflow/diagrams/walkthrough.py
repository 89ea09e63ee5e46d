"""The trainers' walkthrough page: one self-contained HTML file.

The diagram is inlined as SVG, the styles and the script are inline, and a
Content-Security-Policy forbids every fetch, so the page works offline and
from an e-mail attachment. A step list sits beside the diagram; clicking a
step (or a box in the diagram) or pressing the arrow keys highlights the state
and shows what happens there, why, when it is skipped and, for a client's
route, the products chosen and the reasons.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from facialflow.diagrams.dot import to_dot
from facialflow.diagrams.route import Route, edge_text, product_text
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
    subtitle = "The whole protocol. Click a step or a box, or use the arrow keys."
    warnings = ""
    if route is not None:
        subtitle = f"{route.title()}. Click a step or a box, or use the arrow keys."
        if route.warnings:
            warnings = (
                '<ul class="warnings">'
                + "".join(f"<li>{html.escape(w)}</li>" for w in route.warnings)
                + "</ul>"
            )
    data = json.dumps(
        {"route": route is not None, "steps": page_steps(protocol, route)},
        ensure_ascii=False,
        indent=1,
        sort_keys=True,
    ).replace("</", "<\\/")
    return _PAGE.format(
        title=html.escape(title),
        subtitle=html.escape(subtitle),
        warnings=warnings,
        svg=_inline_svg(svg),
        data=data,
        css=_CSS,
        js=_JS,
    )


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; \
style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="facialflow">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
<header>
<h1>{title}</h1>
<p class="sub">{subtitle}</p>
{warnings}
</header>
<main>
<nav aria-label="Steps">
<ol id="steps"></ol>
<p class="hint">Keys: &uarr; &darr; (or &larr; &rarr;) step, Home and End jump.</p>
</nav>
<figure id="diagram">
<!-- diagram:start -->
{svg}
<!-- diagram:end -->
</figure>
<section id="detail" aria-live="polite">
<h2 id="detail-title"></h2>
<p id="detail-status"></p>
<dl id="detail-facts"></dl>
</section>
</main>
<script type="application/json" id="ff-data">
{data}
</script>
<script>{js}</script>
</body>
</html>
"""

_CSS = """
:root { --ink: #2d3748; --muted: #6b7280; --hl: #d69e2e; --route: #6b46c1; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fbfcfd;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
header { padding: 12px 20px; border-bottom: 1px solid #e2e8f0; background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px; }
.sub { margin: 0; color: var(--muted); }
.warnings { margin: 6px 0 0; padding-left: 20px; color: #9c4221; font-size: 13px; }
main { display: grid; grid-template-columns: 230px minmax(0, 1fr) 340px; gap: 16px;
  padding: 16px 20px; }
nav ol { list-style: none; margin: 0; padding: 0; }
nav li { margin: 0 0 4px; }
nav li.other-start { margin-top: 14px; padding-top: 8px; border-top: 1px solid #e2e8f0; }
nav li.child button { padding-left: 26px; }
nav button { width: 100%; text-align: left; font: inherit; padding: 6px 10px; border-radius: 8px;
  border: 1px solid #cbd5e0; background: #fff; color: var(--ink); cursor: pointer; }
nav button.route { border-color: var(--route); }
nav button.skipped, nav button.off { color: var(--muted); border-style: dashed; }
nav button[aria-current="step"] { background: #fefcbf; border-color: var(--hl); border-width: 2px;
  font-weight: 600; }
.hint { color: var(--muted); font-size: 12px; }
figure { margin: 0; align-self: start; background: #fff; border: 1px solid #e2e8f0;
  border-radius: 10px; padding: 8px;
  overflow: auto; max-height: calc(100vh - 120px); }
figure svg { width: 100%; height: auto; display: block; }
#diagram g.node, #diagram g.cluster { cursor: pointer; }
#diagram g.ff-current > path, #diagram g.ff-current > polygon,
#diagram g.ff-current > ellipse, #diagram g.ff-current > g > a > path,
#diagram g.ff-current > g > a > polygon { stroke: var(--hl); stroke-width: 5px; }
#diagram g.ff-current text { font-weight: bold; }
#diagram g.ff-edge > path, #diagram g.ff-edge > polygon { stroke: var(--hl); stroke-width: 3px; }
#detail { background: #fff; border: 1px solid #e2e8f0; border-radius: 10px; padding: 12px 16px;
  align-self: start; position: sticky; top: 12px; }
#detail h2 { margin: 0 0 4px; font-size: 18px; }
#detail-status { margin: 0 0 8px; color: var(--muted); }
#detail dt { font-weight: 600; margin-top: 10px; }
#detail dd { margin: 2px 0 0; }
#detail ul { margin: 2px 0 0; padding-left: 18px; }
@media (max-width: 1000px) { main { grid-template-columns: 1fr; } #detail { position: static; } }
"""

_JS = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("ff-data").textContent);
  var steps = data.steps;
  var list = document.getElementById("steps");
  var buttons = [];
  var current = -1;

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  steps.forEach(function (step, i) {
    var li = el("li");
    if (step.parent) li.classList.add("child");
    if (step.other && !(i > 0 && steps[i - 1].other)) {
      li.classList.add("other-start");
    }
    var text = (step.number ? step.number + ". " : "") + step.label;
    if (step.status === "skipped") text += " (skipped)";
    var button = el("button", text, step.status || "");
    button.type = "button";
    button.dataset.state = step.id;
    button.addEventListener("click", function () { select(i); });
    li.appendChild(button);
    list.appendChild(li);
    buttons.push(button);
  });

  function facts(step) {
    var out = [];
    if (step.status === "route") {
      out.push(["On this route", step.number ? "step " + step.number : "yes"]);
    }
    if (step.status === "skipped") out.push(["Skipped for this client", step.skipped]);
    if (step.status === "off") out.push(["On this route", "no"]);
    out.push(["What happens", step.does]);
    if (step.why) out.push(["Why", step.why]);
    if (step.skipped_when) out.push(["Skipped when", step.skipped_when]);
    if (step.reached_when.length) out.push(["Reached", step.reached_when]);
    if (step.leads_to.length) out.push(["Next", step.leads_to]);
    if (step.products && step.products.length) {
      out.push(["Products for this client", step.products.map(function (p) {
        return p.name + " (" + p.ingredients.join(", ") + ")";
      })]);
    }
    if (step.findings && step.findings.length) {
      out.push(["Screening for this client", step.findings]);
    }
    return out;
  }

  function highlight(id) {
    var svg = document.querySelector("#diagram svg");
    svg.querySelectorAll(".ff-current, .ff-edge").forEach(function (g) {
      g.classList.remove("ff-current", "ff-edge");
    });
    var target = svg.querySelector("#state-" + CSS.escape(id));
    if (target) {
      target.classList.add("ff-current");
      if (target.scrollIntoView) target.scrollIntoView({block: "nearest", inline: "nearest"});
    }
    svg.querySelectorAll("g.edge").forEach(function (g) {
      if (g.id.indexOf("-" + id + "-") !== -1 && g.id.lastIndexOf("edge-", 0) === 0) {
        g.classList.add("ff-edge");
      }
    });
  }

  function select(i) {
    if (i < 0 || i >= steps.length) return;
    current = i;
    var step = steps[i];
    buttons.forEach(function (b, j) {
      if (j === i) b.setAttribute("aria-current", "step"); else b.removeAttribute("aria-current");
    });
    highlight(step.id);
    document.getElementById("detail-title").textContent =
      (step.number ? step.number + ". " : "") + step.label;
    var status = step.final ? "Final state" : "";
    if (step.parent) status = "Part of " + step.parent;
    if (step.compound) status = "A group of steps";
    document.getElementById("detail-status").textContent = status;
    var dl = document.getElementById("detail-facts");
    dl.textContent = "";
    facts(step).forEach(function (pair) {
      dl.appendChild(el("dt", pair[0]));
      var dd = el("dd");
      if (Array.isArray(pair[1])) {
        var ul = el("ul");
        pair[1].forEach(function (line) { ul.appendChild(el("li", line)); });
        dd.appendChild(ul);
      } else {
        dd.textContent = pair[1];
      }
      dl.appendChild(dd);
    });
    document.body.dataset.current = step.id;
    if (history.replaceState) history.replaceState(null, "", "#" + step.id);
  }

  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var next = {ArrowDown: current + 1, ArrowRight: current + 1, ArrowUp: current - 1,
                ArrowLeft: current - 1, Home: 0, End: steps.length - 1}[e.key];
    if (next === undefined) return;
    e.preventDefault();
    select(Math.max(0, Math.min(steps.length - 1, next)));
    buttons[current].focus();
  });

  document.querySelectorAll("#diagram g.node, #diagram g.cluster").forEach(function (g) {
    if (g.id.lastIndexOf("state-", 0) !== 0) return;
    var id = g.id.slice(6);
    g.addEventListener("click", function (e) {
      e.stopPropagation();
      var i = steps.findIndex(function (s) { return s.id === id; });
      if (i !== -1) select(i);
    });
  });

  var wanted = decodeURIComponent(location.hash.slice(1));
  var start = steps.findIndex(function (s) { return s.id === wanted; });
  select(start === -1 ? 0 : start);
})();
"""
