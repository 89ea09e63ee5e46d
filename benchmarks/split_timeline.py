"""Where the wall time of a two-worker summary goes: before the fork, in the workers, after.

Run: python benchmarks/split_timeline.py [--sessions 100000] [--runs 7]

Each run starts a fresh process that calls the program's ``run()`` with the
arguments of the benchmark's two-worker command (``facialflow simulate --random N
--workers 2`` with ``bench_simulate.py``'s flags), with clocks wrapped around its
private functions from outside: its own code is untouched. The clocks start once
the interpreter is up and this script is imported, so the interpreter's own
start (about 0.01-0.02 s, paid by one worker and two alike) is left out of both:
the speed-up printed here runs a little above ``bench_simulate.py``'s, which
times whole processes and is the figure the issue's target is judged on.
Against the same command with one worker, run alternately, it prints per run and
as medians:

- the serial start: from the clocks' start to the fork of the first worker
  (imports, policy, plugins, the runner);
- for each worker (by its place among the workers): how long after the fork its
  first task began; its wall time inside tasks, shipped sessions included, and the
  CPU time of those tasks, against the span from its first task to its last (the
  rest of the span went to taking in a task, sending its answer, or waiting for
  the next one); and how long before this process's last batch its last task ended;
- how far apart the workers' last tasks ended: the split's imbalance;
- the CPU time this process (the coordinator) took while the workers ran:
  merging reports, tallying, handing out tasks; on two cores it is taken from the
  workers;
- the end: the last batch, and the exit.
"""

from __future__ import annotations

import argparse
import atexit
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from figures import spread

__all__ = ["Timeline", "parse", "timeline"]

HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent
FLAGS = ["--seed", "7", "--date", "2026-11-25", "--adverse-rate", "0.05", "--format", "summary"]
#: lines the instrumented program writes to stderr start with this
TAG = "timeline:"

Timeline = dict[str, float]


def _tell(line: str) -> None:
    # one write of a whole line: the workers and this process share the pipe, and a
    # write this short is never interleaved with another (a pipe's PIPE_BUF)
    os.write(sys.stderr.fileno(), f"{TAG} {line}\n".encode())


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _instrumented(n: int, workers: int) -> None:
    """The program, with clocks: runs in the child process this script starts."""
    started = time.perf_counter()
    marks: list[tuple[str, float]] = []

    def mark(name: str, value: float | None = None) -> None:
        marks.append((name, time.perf_counter() - started if value is None else value))

    def report() -> None:
        mark("exit")
        _tell(" ".join(f"{k}={v:.6f}" for k, v in marks))

    atexit.register(report)  # the program's fast exit still runs exit handlers

    import facialflow.io.workers as pool
    import facialflow.simulation.parallel as parallel

    fork = os.fork

    def forked() -> int:
        if not any(k == "fork" for k, _ in marks):
            mark("fork")
        return fork()

    os.fork = forked

    exchange = parallel._exchange
    #: a worker's clock, copied into it at the fork: wall time and CPU time in tasks,
    #: and when its first task began and its last ended (-1: none yet)
    clock = {"busy": 0.0, "cpu": 0.0, "first": -1.0, "last": -1.0}

    def timed_exchange(*args: Any) -> Any:
        begun, cpu = time.perf_counter(), time.process_time()
        if clock["first"] < 0:
            clock["first"] = begun - started
        try:
            return exchange(*args)
        finally:
            ended = time.perf_counter()
            clock["busy"] += ended - begun
            clock["cpu"] += time.process_time() - cpu
            clock["last"] = ended - started

    # a task names its function by module and name: the worker finds this wrapper
    timed_exchange.__module__, timed_exchange.__qualname__ = exchange.__module__, "_exchange"
    parallel._exchange = timed_exchange  # type: ignore[assignment]

    serve = pool._serve

    def timed_serve(*args: Any, **kwargs: Any) -> None:
        try:
            serve(*args, **kwargs)
        finally:
            # the worker's place among the workers, set by its initializer
            line = " ".join(f"worker_{k}={v:.6f}" for k, v in clock.items())
            _tell(f"worker={parallel._ME} {line}")

    pool._serve = timed_serve

    by_skin_type: Callable[..., Iterator[Any]] = parallel._by_skin_type

    def timed_split(*args: Any) -> Iterator[Any]:
        cpu = _cpu()
        yield from by_skin_type(*args)
        mark("last_batch")
        mark("coordinator_cpu", _cpu() - cpu)

    parallel._by_skin_type = timed_split  # type: ignore[assignment]

    from facialflow.cli import run

    sys.argv = ["facialflow", "simulate", "--random", str(n), *FLAGS, "--workers", str(workers)]
    run()


def parse(stderr: str) -> Timeline:
    """The marks of one run; each worker's keyed by its place (``worker_busy_0``, ...)."""
    out: Timeline = {}
    for line in stderr.splitlines():
        if not line.startswith(TAG):
            continue
        pairs = dict(item.split("=") for item in line[len(TAG) :].split())
        me = pairs.pop("worker", None)
        suffix = "" if me is None else f"_{int(me)}"
        out.update({f"{key}{suffix}": float(value) for key, value in pairs.items()})
    return out


def timeline(n: int, workers: int) -> Timeline:
    """One instrumented run of the command in a fresh process."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # started as an installed package starts
    done = subprocess.run(
        [sys.executable, str(HERE), "--child", str(n), str(workers)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"the instrumented run failed ({done.returncode}):\n{done.stderr}")
    got = parse(done.stderr)
    if workers > 1:
        for w in range(workers):
            first, last = got.get(f"worker_first_{w}", -1.0), got.get(f"worker_last_{w}", -1.0)
            if not got.get("fork", 0.0) < first <= last:
                raise SystemExit(f"worker {w} reported no task run after the fork: {got}")
    return got


def _seconds(values: list[float]) -> str:
    return spread(values, " s", 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    n = args.sessions
    timeline(min(n, 5000), 2)  # bytecode written, caches warm, before anything is timed
    ones: list[float] = []
    twos: list[Timeline] = []
    for i in range(args.runs):
        for workers in (1, 2) if i % 2 == 0 else (2, 1):
            got = timeline(n, workers)
            if workers == 1:
                ones.append(got["exit"])
            else:
                twos.append(got)
    shown = f"python -m facialflow simulate --random {n} {' '.join(FLAGS)} --workers 2"
    print(f"command: python benchmarks/split_timeline.py --sessions {n} --runs {args.runs}")
    print(
        f"  the program's run() as {shown} runs it, {args.runs} runs alternated with --workers 1;"
    )
    print(
        "  clocks from the interpreter being up (its own start left out of both); medians (min..max)"
    )
    print(f"  one worker, start to exit: {_seconds(ones)}")
    print(f"  two workers: the first fork at {_seconds([t['fork'] for t in twos])}")
    for w in (0, 1):
        lag = [t[f"worker_first_{w}"] - t["fork"] for t in twos]
        busy = [t[f"worker_busy_{w}"] for t in twos]
        cpu = [t[f"worker_cpu_{w}"] for t in twos]
        span = [t[f"worker_last_{w}"] - t[f"worker_first_{w}"] for t in twos]
        share = [100 * b / s for b, s in zip(busy, span, strict=True)]
        early = [t["last_batch"] - t[f"worker_last_{w}"] for t in twos]
        print(
            f"    worker {w}: its first task {_seconds(lag)} after the fork; in tasks "
            f"{_seconds(busy)} ({_seconds(cpu)} of CPU) of a span of {_seconds(span)}: "
            f"{spread(share, '%', 1)}; its last task ended {_seconds(early)} before the last batch"
        )
    apart = [abs(t["worker_last_1"] - t["worker_last_0"]) for t in twos]
    print(f"    the workers' last tasks ended {_seconds(apart)} apart")
    print(
        f"    this process's CPU while they ran (merging, tallying, handing out work): "
        f"{_seconds([t['coordinator_cpu'] for t in twos])}"
    )
    print(
        f"  the last batch at {_seconds([t['last_batch'] for t in twos])}, the exit at "
        f"{_seconds([t['exit'] for t in twos])}"
    )
    speedups = [one / two["exit"] for one, two in zip(ones, twos, strict=True)]
    print(
        f"  two workers over one, start to exit, paired by run: {spread(speedups)} "
        "(the interpreter's start left out: bench_simulate.py's whole-process figure is the target's)"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        sys.path.insert(0, str(ROOT))
        _instrumented(int(sys.argv[2]), int(sys.argv[3]))
    else:
        main()
