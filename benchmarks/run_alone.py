"""A simulation timed inside a fresh process: the run alone, without the process around it.

``facialflow simulate`` as a user runs it pays, besides the run, for the
interpreter's start-up, the imports and the exit: a fixed cost that one worker
and two pay alike, and that no split into workers can shorten. This measures
the rest, :func:`facialflow.simulation.run.simulate` from its call to its last
batch (plugins loaded, runner built, workers forked and stopped), in a fresh
process each time, so that no cache is warm: the split's own speed-up, and
with the command's wall time, what the process around the run costs.

Run: python benchmarks/run_alone.py N WORKERS SEED DATE ADVERSE_RATE  (prints the run's seconds)
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from statistics import median

from figures import spread

__all__ = ["report", "run_alone"]

HERE = Path(__file__).resolve()


def run_alone(
    n: int, workers: int, seed: int, date: str, adverse_rate: float, cwd: Path, env: dict[str, str]
) -> float:
    """Seconds a summary run of ``n`` sessions took inside a fresh process (this file run)."""
    done = subprocess.run(
        [sys.executable, str(HERE), str(n), str(workers), str(seed), date, str(adverse_rate)],
        cwd=cwd,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return float(done.stdout.split()[-1])


def report(n: int, one: list[float], two: list[float], fixed: list[float]) -> list[str]:
    """Lines on the split's own speed-up and on the fixed cost around the run.

    ``one``/``two``: the run alone with one and two workers, per round; ``fixed``:
    the wall time of the same command with one session, per round (the process
    around a run: start-up, imports, policy and plugins, output, exit). That
    command also builds a runner and runs a session, which the run alone counts
    too: the bound errs low, by those few milliseconds.
    """

    split = [a / b for a, b in zip(one, two, strict=True)]
    s, a, b = median(fixed), median(one), median(two)
    return [
        f"  the run alone (simulate() timed inside a fresh process: no start-up, imports, output "
        f"or exit), summary, N={n}: 1 worker {spread(one, ' s')}, 2 workers {spread(two, ' s')}; "
        f"the split's own speed-up {spread(split)} per round, {a / b:.2f}x by the medians",
        # paid by one worker and two alike: a perfect split (half the run each, nothing done
        # twice, nothing serial) gives the command at most (s + a) / (s + a / 2)
        f"  the process around a run (the same command with 1 session): {spread(fixed, ' s')}; "
        f"with it, by the medians, a perfect split of the run would give the command "
        f"{(s + a) / (s + a / 2):.2f}x, and this split {(s + a) / (s + b):.2f}x (predicted: "
        f"the command's own figures are above)",
    ]


def _main(n: int, workers: int, seed: int, date: str, adverse_rate: float) -> None:
    import datetime as dt

    from facialflow.clinic.policy import load_policy
    from facialflow.products.loading import load_plugins
    from facialflow.simulation.run import SimulationSpec, Tally, simulate

    # as the command does before its run (bad catalogs fail once, not in every worker)
    load_plugins()

    # the spec the CLI makes of the benchmark's simulate commands (the default policy)
    spec = SimulationSpec(
        n=n,
        seed=seed,
        date=dt.date.fromisoformat(date),
        policy=load_policy("conservative"),
        adverse_rate=adverse_rate,
        workers=workers,
    )
    tally = Tally()
    started = time.perf_counter()
    # freeze_caches as the program does: the process runs nothing else
    for batch in simulate(spec, freeze_caches=True):
        tally.add(batch)
    seconds = time.perf_counter() - started
    if tally.sessions != n:
        raise SystemExit(f"ran {tally.sessions} sessions, not {n}")
    print(f"{seconds:.6f}")
    sys.stdout.flush()
    os._exit(0)  # as the program ends a simulation: no teardown of the caches


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent.parent))
    n, workers, seed, date, rate = sys.argv[1:]
    _main(int(n), int(workers), int(seed), date, float(rate))
