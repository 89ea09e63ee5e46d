"""Diagram formats: pick the producer for a format or a file name."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from facialflow.errors import DiagramError
from facialflow.protocol.facial import FACIAL
from facialflow.protocol.spec import FacialProtocol

if TYPE_CHECKING:
    pass

from facialflow.diagrams.dot import to_dot
from facialflow.diagrams.mermaid import to_mermaid
from facialflow.diagrams.render import render
from facialflow.diagrams.route import Route
from facialflow.diagrams.walkthrough import to_html

FORMATS = ("dot", "svg", "png", "pdf", "mermaid", "html")
BINARY_FORMATS = frozenset({"png", "pdf"})
EXTENSIONS: Mapping[str, str] = {
    ".dot": "dot",
    ".gv": "dot",
    ".svg": "svg",
    ".png": "png",
    ".pdf": "pdf",
    ".mmd": "mermaid",
    ".mermaid": "mermaid",
    ".html": "html",
    ".htm": "html",
}

# -- formats ------------------------------------------------------------------------------------


def format_for_path(path: Path | str) -> str:
    """The format a file name asks for, from its extension."""
    suffix = Path(path).suffix.lower()
    if suffix not in EXTENSIONS:
        known = ", ".join(sorted(EXTENSIONS))
        raise DiagramError(
            f"cannot tell the format from {str(path)!r}: give --format, or use one of {known}"
        )
    return EXTENSIONS[suffix]


def produce(
    fmt: str,
    *,
    protocol: FacialProtocol = FACIAL,
    route: Route | None = None,
    renderer: str | None = None,
) -> bytes:
    """The diagram in ``fmt`` (one of :data:`FORMATS`) as bytes, ready to write."""
    if fmt == "dot":
        return to_dot(protocol, route).encode()
    if fmt == "mermaid":
        return to_mermaid(protocol, route).encode()
    if fmt == "html":
        return to_html(protocol, route, renderer=renderer).encode()
    if fmt in ("svg", "png", "pdf"):
        return render(to_dot(protocol, route), fmt, renderer=renderer)
    raise DiagramError(f"unknown diagram format {fmt!r}; choose one of: {', '.join(FORMATS)}")
