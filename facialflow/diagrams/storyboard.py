"""Storyboards for handouts: every step of a route as a numbered frame.

Frame *k* is the diagram with the route drawn as far as step *k*: that step
marked, the edges taken so far numbered in order, later steps still grey.
Without a client the storyboard follows the protocol's full treatment route
(every step performed). Frames come as SVG files (embedded renderer: nothing
to install) or as one PDF: Chromium prints the walkthrough page, whose print
stylesheet lays out one frame per page with the step's details; without
Chromium the system Graphviz draws each frame and the pages are joined.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import attrs

from facialflow.diagrams.route import Route, frames, storyboard_path
from facialflow.errors import DiagramError, RendererUnavailable
from facialflow.io.atomic import write_atomic
from facialflow.protocol.facial import FACIAL
from facialflow.protocol.spec import FacialProtocol

__all__ = [
    "CHROMIUM_ENV_VAR",
    "find_chromium",
    "frame_dot",
    "frames",
    "storyboard_path",
    "storyboard_pdf",
    "write_svg_frames",
]

CHROMIUM_ENV_VAR = "FACIALFLOW_CHROMIUM"
_CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_SAFE = re.compile(r"[^a-z0-9_]+")


def _walk(protocol: FacialProtocol, route: Route | None) -> Route:
    if route is not None:
        return route
    # the protocol alone: its treatment route, as if every step were performed
    return Route(
        client_id="",
        date=dt.date(1970, 1, 1),
        policy="",
        outcome=None,
        path=storyboard_path(protocol, None),
    )


def frame_dot(protocol: FacialProtocol, route: Route | None, k: int) -> str:
    """DOT of frame ``k`` (0-based)."""
    from facialflow.diagrams.dot import build_graph

    walk = _walk(protocol, route)
    path = walk.path
    shown = attrs.evolve(
        walk, path=path[: k + 1], outcome=walk.outcome if k == len(path) - 1 else None
    )
    name = path[k]
    head = f"{protocol.name} {protocol.version}"
    if route is not None:
        head = f"{head}: {route.title()}"
    title = f"{head}. Step {k + 1} of {len(path)}: {protocol.state_map[name].label}"
    source: str = build_graph(protocol, shown, current=name, title=title).source
    return source


def _file_name(k: int, state: str) -> str:
    return f"frame-{k + 1:02d}-{_SAFE.sub('-', state.lower())}.svg"


def write_svg_frames(
    directory: Path,
    protocol: FacialProtocol = FACIAL,
    route: Route | None = None,
    *,
    renderer: str | None = None,
) -> list[Path]:
    """Write every frame as ``frame-NN-<state>.svg`` into ``directory``; returns the files."""
    from facialflow.diagrams.render import render

    path = storyboard_path(protocol, route)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DiagramError(f"cannot create {directory}: {exc.strerror or exc}") from None
    written = []
    for k, state in enumerate(path):
        target = directory / _file_name(k, state)
        svg = render(frame_dot(protocol, route, k), "svg", renderer=renderer)
        write_atomic(target, svg)
        written.append(target)
    return written


def find_chromium() -> str | None:
    """A Chromium (or Chrome) to print with: ``$FACIALFLOW_CHROMIUM``, else one on PATH."""
    chosen = os.environ.get(CHROMIUM_ENV_VAR)
    if chosen:
        return chosen if Path(chosen).is_file() else None
    return next((p for p in map(shutil.which, _CHROMIUM_NAMES) if p), None)


def storyboard_pdf(
    protocol: FacialProtocol = FACIAL,
    route: Route | None = None,
    *,
    renderer: str | None = None,
) -> bytes:
    """The storyboard as one PDF, one frame per page."""
    from facialflow.diagrams.render import has_system_dot

    chromium = find_chromium()
    if chromium is not None:
        return _print_with_chromium(chromium, protocol, route, renderer)
    if has_system_dot():
        return _join_graphviz_pages(protocol, route)
    raise RendererUnavailable(
        "a storyboard PDF needs Chromium (apt-get install chromium, or set "
        f"{CHROMIUM_ENV_VAR}) or the system Graphviz (apt-get install graphviz); "
        "without either, write SVG frames: --format storyboard --output FOLDER"
    )


def _print_with_chromium(
    chromium: str, protocol: FacialProtocol, route: Route | None, renderer: str | None
) -> bytes:
    from facialflow.diagrams.walkthrough import to_html

    page = to_html(protocol, route, renderer=renderer)
    with tempfile.TemporaryDirectory(prefix="facialflow-storyboard-") as tmp:
        html_file = Path(tmp) / "storyboard.html"
        pdf_file = Path(tmp) / "storyboard.pdf"
        html_file.write_text(page, encoding="utf-8")
        args = [
            chromium,
            "--headless",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            f"--user-data-dir={Path(tmp) / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf_file}",
            html_file.as_uri(),
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            # Chromium refuses to start as root inside its sandbox
            args.insert(1, "--no-sandbox")
        try:
            proc = subprocess.run(args, capture_output=True, timeout=120, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise DiagramError(f"Chromium could not print the storyboard: {exc}") from None
        if proc.returncode != 0 or not pdf_file.is_file():
            detail = proc.stderr.decode(errors="replace").strip().splitlines()[-1:]
            raise DiagramError(
                f"Chromium could not print the storyboard (exit {proc.returncode})"
                + (f": {detail[0]}" if detail else "")
            )
        return pdf_file.read_bytes()


def _join_graphviz_pages(protocol: FacialProtocol, route: Route | None) -> bytes:
    import pypdf

    from facialflow.diagrams.render import render

    writer = pypdf.PdfWriter()
    for k in range(len(storyboard_path(protocol, route))):
        page = render(frame_dot(protocol, route, k), "pdf", renderer="system")
        writer.append(pypdf.PdfReader(io.BytesIO(page)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
