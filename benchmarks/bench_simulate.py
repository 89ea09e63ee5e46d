"""Simulation throughput, parallel speed-up, memory and CLI start-up, measured in one run.

Run: python benchmarks/bench_simulate.py [--sessions 200000] [--big 1000000] [--repeat 3]

What is measured, each figure with the command that produced it:

- bare transitions: one ``HierarchicalMachine`` built here directly from the
  protocol data (same states, transitions and guards as ``FACIAL``), one
  shared machine and one reused model object, random branch flags drawn per
  session, stepped to a final state with ``trigger_event``. No screening, no
  products, no output: the floor of what stepping the protocol with
  transitions costs;
- end to end: ``facialflow simulate --random N`` as a user runs it (a fresh
  process, stdout to /dev/null), in summary and jsonl formats, with one and
  two workers. The wall time includes start-up;
- memory: the peak resident set of those processes (``os.wait4``), for a
  small and a large N in both streaming formats;
- start-up: ``facialflow --help`` wall time, median of several runs.

Timings are the best of ``--repeat`` runs: the machine may be shared, and the
best run is the one least disturbed by others.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from transitions.extensions.nesting import HierarchicalMachine, NestedState

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from facialflow.protocol.facial import FACIAL  # noqa: E402
from facialflow.protocol.guards import GUARDS, Facts  # noqa: E402

DATE = "2026-11-25"
PYTHON = sys.executable


# -- bare transitions -------------------------------------------------------------------------


class _State(NestedState):
    separator = "."


class _Machine(HierarchicalMachine):
    state_cls = _State


class BareModel:
    """The one model object every bare session reuses."""

    def __init__(self) -> None:
        self.state = ""
        self.facts = Facts()


def _internal(name: str) -> str:
    parent = FACIAL.state_map[name].parent
    return f"{parent}.{name[len(parent) + 1 :]}" if parent else name


def bare_machine() -> _Machine:
    tree: list[Any] = []
    seen: set[str] = set()
    for s in FACIAL.states:
        if s.parent is None:
            tree.append(s.name)
        elif s.parent not in seen:
            seen.add(s.parent)
            children = [c[len(s.parent) + 1 :] for c in FACIAL.children(s.parent)]
            tree.append({"name": s.parent, "children": children, "initial": children[0]})

    def guard(name: str) -> Any:
        check = GUARDS[name]
        return lambda event: check(event.model.facts)

    transitions = [
        {
            "trigger": t.trigger,
            "source": _internal(t.source),
            "dest": _internal(t.dest),
            "conditions": [guard(g) for g in t.guards],
        }
        for t in FACIAL.transitions
    ]
    return _Machine(
        model=None,
        states=tree,
        transitions=transitions,
        initial=_internal(FACIAL.initial),
        auto_transitions=False,
        send_event=True,
    )


def bare_transitions(n: int, seed: int = 1) -> float:
    """Sessions per second stepping the protocol with bare transitions."""
    machine = bare_machine()
    model = BareModel()
    finals = {_internal(s) for s in FACIAL.final_states}
    initial = _internal(FACIAL.initial)
    r = random.Random(seed).random
    started = time.perf_counter()
    for _ in range(n):
        model.facts = Facts(
            session_blocked=r() < 0.05,
            extraction_indicated=r() < 0.5,
            laser_indicated=(laser := r() < 0.25),
            test_spot_required=laser and r() < 0.4,
        )
        model.state = initial
        while model.state not in finals:
            machine.trigger_event(model, "advance")
    return n / (time.perf_counter() - started)


# -- the CLI, as a user runs it ---------------------------------------------------------------


def cli(*args: str) -> list[str]:
    return [PYTHON, "-m", "facialflow", *args]


def show(command: list[str]) -> str:
    return " ".join(["python" if c == PYTHON else c for c in command]) + " > /dev/null"


def run(command: list[str]) -> tuple[float, float]:
    """(wall seconds, peak resident MB) of one process, stdout to /dev/null."""
    with open(os.devnull, "wb") as sink:
        started = time.perf_counter()
        proc = subprocess.Popen(command, stdout=sink, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {show(command)}")
    return wall, usage.ru_maxrss / 1024


def best(command: list[str], repeat: int) -> tuple[float, float]:
    runs = [run(command) for _ in range(repeat)]
    return min(w for w, _ in runs), max(m for _, m in runs)


def simulate_args(n: int, fmt: str, workers: int) -> list[str]:
    return cli(
        "simulate",
        "--random",
        str(n),
        "--seed",
        "1",
        "--date",
        DATE,
        "--adverse-rate",
        "0.05",
        "--format",
        fmt,
        "--workers",
        str(workers),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200_000, help="N of the timing runs")
    parser.add_argument("--big", type=int, default=1_000_000, help="a larger N, 0 to skip")
    parser.add_argument("--small", type=int, default=10_000, help="the small N of memory runs")
    parser.add_argument("--bare", type=int, default=20_000, help="sessions of bare transitions")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the best counts")
    args = parser.parse_args()
    n, repeat = args.sessions, args.repeat

    print(
        "command: python benchmarks/bench_simulate.py "
        f"--sessions {n} --big {args.big} --small {args.small} --bare {args.bare} "
        f"--repeat {repeat}"
    )
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"load average at start {os.getloadavg()[0]:.2f}; best of {repeat} runs"
    )

    bare = max(bare_transitions(args.bare) for _ in range(repeat))
    print(
        f"\nbare transitions, one shared machine and model, random branches: "
        f"{bare:10,.0f} sessions/s  ({args.bare:,} sessions, in process)"
    )

    startup, _ = best(simulate_args(0, "summary", 1), repeat)
    print(f"\nsimulate start-up (--random 0):             {startup * 1000:6.0f} ms")
    print(f"  {show(simulate_args(0, 'summary', 1))}")

    figures: dict[tuple[str, int, int], tuple[float, float]] = {}
    sizes = [n] + ([args.big] if args.big else [])
    print("\nend to end, sessions/s (wall time including start-up), peak RSS:")
    for size in sizes:
        for fmt in ("summary", "jsonl"):
            for workers in (1, 2):
                command = simulate_args(size, fmt, workers)
                wall, rss = best(command, repeat if size == n else 1)
                figures[(fmt, size, workers)] = (wall, rss)
                print(
                    f"  {fmt:<8} N={size:>9,} workers {workers}: {size / wall:10,.0f}/s  "
                    f"{wall:6.2f} s  {rss:6.0f} MB   {show(command)}"
                )
    for size in sizes:
        for fmt in ("summary", "jsonl"):
            one, two = figures[(fmt, size, 1)][0], figures[(fmt, size, 2)][0]
            print(f"  speed-up of 2 workers, {fmt:<8} N={size:>9,}: {one / two:.2f}x")
    summary_rate = n / figures[("summary", n, 1)][0]
    print(f"  summary, 1 worker, vs bare transitions: {summary_rate / bare:.1f}x faster")

    print("\nmemory (peak RSS of the process) for a small and a large N:")
    for fmt in ("summary", "jsonl"):
        command = simulate_args(args.small, fmt, 1)
        _, small = run(command)
        large = figures[(fmt, n, 1)][1]
        line = f"  {fmt:<8} N={args.small:>9,}: {small:6.0f} MB   N={n:>9,}: {large:6.0f} MB"
        if args.big:
            line += f"   N={args.big:>9,}: {figures[(fmt, args.big, 1)][1]:6.0f} MB"
        print(line + f"   {show(command)}")

    help_runs = [run(cli("--help"))[0] for _ in range(max(5, 3 * repeat))]
    print(
        f"\nfacialflow --help start-up: median {statistics.median(help_runs) * 1000:.0f} ms, "
        f"best {min(help_runs) * 1000:.0f} ms ({len(help_runs)} runs)   {show(cli('--help'))}"
    )


if __name__ == "__main__":
    main()
