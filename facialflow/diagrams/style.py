"""Colours, fonts and shapes of the diagrams: one palette for DOT, Mermaid and the page."""

from __future__ import annotations

from collections.abc import Mapping

#: Graphviz lays text out with this font's widths; the rendered SVG names FONT_STACK, so a
#: browser without Verdana draws DejaVu Sans (the same widths) rather than a narrower or serif
#: face. Helvetica's widths, the usual choice, are ~20% narrower than DejaVu Sans, Linux's
#: default: text then ran out of its boxes and labels into each other.
FONT = "Verdana"
FONT_STACK = "Verdana,DejaVu Sans,Bitstream Vera Sans,sans-serif"
INK = "#2d3748"
DIM_LINE = "#b8bec7"
DIM_TEXT = "#8a939f"
DIM_FILL = "#f7f8fa"
ROUTE = "#6b46c1"
ROUTE_FILL = "#efe7fd"
#: the current step of a storyboard frame (the walkthrough page's highlight too)
HIGHLIGHT = "#d69e2e"
HIGHLIGHT_FILL = "#fefcbf"

#: edge labels wrap at this many characters
WRAP = 16

#: (fill, line) per kind of state
STYLE: Mapping[str, tuple[str, str]] = {
    "main": ("#eaf2fb", "#2b6cb0"),
    "complete": ("#e6f4ea", "#2f855a"),
    "decline": ("#fdecea", "#c53030"),
    "safe_exit": ("#fff4e5", "#c05621"),
    "stopped": ("#fdecea", "#c53030"),
}
