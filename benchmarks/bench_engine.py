"""Live-session cost, snapshot size and memory: facialflow against the fastest fair baselines.

Run: python benchmarks/bench_engine.py [--clients 3000] [--rounds 7] [--held 20000]

The workload is a whole live session for each of ``--clients`` distinct
generated clients (population seed 1): start (screen and choose products),
two steps, snapshot, restore, run to the end, result. Every baseline
(``baselines.py``, which ``bench_simulate.py`` measures against too) steps
the very same states for the same clients, with the same branch facts:

- ``flat``: a bare transitions ``Machine`` built from the same protocol data,
  compound steps as dotted names, shared, with one reused model (``add_model``
  once), stepped with the model's trigger method: the fastest fair transitions
  baseline, and the one the targets are measured against;
- ``hsm``: the same with a bare ``HierarchicalMachine``;
- ``psm``: python-statemachine, one machine instance per session (its model);
- ``loop``: a hand-written dispatch loop over a dict: the floor.

Rounds are interleaved (each round times every contender once, in turn) and
the figures are the median of the rounds, with min and max. Only the public
Session API is used for facialflow, so ``--tree DIR`` measures another
checkout (say the previous commit) with the same code.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import statistics
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _setup_path() -> None:
    tree = None
    if "--tree" in sys.argv:
        tree = Path(sys.argv[sys.argv.index("--tree") + 1]).resolve()
    sys.path.insert(0, str(tree or ROOT))


_setup_path()

from baselines import Model, baselines, internal_names  # noqa: E402

from facialflow import Session, load_policy  # noqa: E402
from facialflow.products.loading import load_plugins  # noqa: E402
from facialflow.qa.draws import iter_clients  # noqa: E402

DATE = dt.date(2026, 11, 25)


def _restorer(plugins: Any) -> Callable[[Any], Session]:
    import inspect

    # an older checkout (--tree) restores with the default plugins only
    if "plugins" in inspect.signature(Session.restore).parameters:
        return lambda data: Session.restore(data, plugins=plugins)
    return Session.restore


def interleaved(
    contenders: dict[str, Callable[[], object]], rounds: int
) -> dict[str, tuple[float, float, float]]:
    samples: dict[str, list[float]] = {k: [] for k in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            gc.collect()
            t0 = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - t0)
    return {k: (statistics.median(v), min(v), max(v)) for k, v in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--held", type=int, default=20_000)
    parser.add_argument("--tree", default=None, help="measure the facialflow checkout in DIR")
    args = parser.parse_args()
    n = args.clients

    policy = load_policy("conservative")
    plugins = load_plugins()
    restore = _restorer(plugins)
    clients = list(iter_clients(1, n, date=DATE))
    facts = [Session.start(c, date=DATE, policy=policy, plugins=plugins).facts for c in clients]
    names = internal_names()

    def ff() -> None:
        for c in clients:
            s = Session.start(c, date=DATE, policy=policy, plugins=plugins)
            s.advance()
            if not s.finished:
                s.advance()
            s = restore(s.snapshot())
            s.run()

    # every baseline must step the very same states as the sessions: the instances timed
    # below are the ones checked here
    bases = baselines()
    expected = [
        Session.start(c, date=DATE, policy=policy, plugins=plugins).run().path for c in clients
    ]
    for name, baseline in bases.items():
        if baseline.routes(facts) != expected:
            raise SystemExit(f"the {name} baseline's routes differ from the sessions' routes")
    steps = sum(len(p) - 1 for p in expected) / n

    ff()  # warm the memoised intake, as a long-running host would be
    contenders: dict[str, Callable[[], object]] = {"facialflow": ff}
    for name, baseline in bases.items():
        contenders[name] = partial(baseline.run, facts)
    results = interleaved(contenders, args.rounds)

    # the parts of a session
    sessions = [Session.start(c, date=DATE, policy=policy, plugins=plugins) for c in clients]
    for s in sessions:
        s.advance()
    snaps = [s.snapshot() for s in sessions]

    def start_only() -> None:
        for c in clients:
            Session.start(c, date=DATE, policy=policy, plugins=plugins)

    def snapshot_only() -> None:
        for s in sessions:
            s.snapshot()

    def restore_only() -> None:
        for d in snaps:
            restore(d)

    def rederive() -> None:
        from facialflow.session.intake import decide_intake

        for c in clients:
            decide_intake(c, DATE, policy, plugins=plugins)

    def client_decode() -> None:
        from facialflow.io.client_file import client_from_dict

        for d in snaps:
            client_from_dict(d["client"])

    parts = interleaved(
        {
            "start": start_only,
            "snapshot": snapshot_only,
            "restore": restore_only,
            "rederive": rederive,
            "client": client_decode,
        },
        args.rounds,
    )
    sizes = sorted(len(json.dumps(d, separators=(",", ":"))) for d in snaps)
    sizes_default = sorted(len(json.dumps(d)) for d in snaps)

    # threads: 8 threads run the same whole sessions at once (the GIL serialises them)
    def threaded() -> None:
        chunk = [clients[i::8] for i in range(8)]

        def work(cs: list[Any]) -> None:
            for c in cs:
                s = Session.start(c, date=DATE, policy=policy, plugins=plugins)
                s.advance()
                s = restore(s.snapshot())
                s.run()

        ts = [threading.Thread(target=work, args=(cs,)) for cs in chunk]
        for t in ts:
            t.start()
        for t in ts:
            t.join()

    thr = interleaved({"threads": threaded, "serial": ff}, max(3, args.rounds // 2))

    # memory: one session per distinct client, held at once
    held_clients = list(iter_clients(2, args.held, date=DATE))

    def held(make: Callable[[Any], object]) -> float:
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        kept = [make(c) for c in held_clients]
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
        total = sum(st.size_diff for st in after.compare_to(before, "filename"))
        del kept
        return total / len(held_clients)

    def ff_held(c: Any) -> object:
        s = Session.start(c, date=DATE, policy=policy, plugins=plugins)
        s.advance()
        return s

    def flat_held(c: Any) -> object:
        m = Model()
        m.facts = Session.start(c, date=DATE, policy=policy, plugins=plugins).facts
        m.state = names["cleansing"]
        return m

    mem_ff = held(ff_held)
    mem_flat = held(flat_held)

    # a host restoring after a restart meets clients it has not decoded yet: a round's
    # snapshots whose client values no earlier restore has seen (other population seeds).
    # Last, in rounds of its own: the clients it brings in fill the memos, which would
    # evict the clients the other parts restore again and warm the memory measured above
    def unseen_snapshots(seed: int) -> list[Any]:
        out = []
        for c in iter_clients(seed, n, date=DATE):
            s = Session.start(c, date=DATE, policy=policy, plugins=plugins)
            s.advance()
            out.append(s.snapshot())
        return out

    unseen = iter([unseen_snapshots(100 + r) for r in range(args.rounds)])

    def restore_unseen() -> None:
        for d in next(unseen):
            restore(d)

    parts |= interleaved({"restore_unseen": restore_unseen}, args.rounds)

    us = 1e6 / n
    base = results["flat"][0]
    print(
        f"command: python benchmarks/bench_engine.py --clients {n} --rounds {args.rounds} "
        f"--held {args.held}" + (f" --tree {args.tree}" if args.tree else "")
    )
    print(
        f"python {sys.version.split()[0]}; {n} distinct generated clients (seed 1), "
        f"{steps:.1f} steps per session on average; median of {args.rounds} interleaved rounds"
    )
    print("whole live session (start, 2 steps, snapshot, restore, run), per session:")
    labels = {"facialflow": "facialflow Session"} | {k: b.label for k, b in bases.items()}
    for name, (med, lo, hi) in results.items():
        print(
            f"  {labels[name]:<56} {med * us:8.1f} us  (min {lo * us:.1f}, max {hi * us:.1f})  "
            f"{med / base:5.2f}x flat"
        )
    if "psm" not in bases:
        print("  python-statemachine: not installed (pip install -e '.[bench]')")
    print("parts, per session:")
    labels = {
        "restore": "restore (a client seen before)",
        "restore_unseen": "restore, a client not seen before (decoded, not shared)",
        "rederive": "re-derivation (intake decision, memoised; inside restore)",
        "client": "client decode, not shared (restore shares a client seen before)",
    }
    for name in ("start", "snapshot", "restore", "restore_unseen", "rederive", "client"):
        med, lo, hi = parts[name]
        label = labels.get(name, name)
        print(f"  {label:<62} {med * us:8.1f} us  (min {lo * us:.1f}, max {hi * us:.1f})")
    print(
        f"snapshot after one step: median {statistics.median(sizes)} B compact JSON "
        f"(max {sizes[-1]}), {statistics.median(sizes_default)} B with json.dumps defaults"
    )
    tm, tlo, thi = thr["threads"]
    sm, _, _ = thr["serial"]
    print(
        f"8 threads, same sessions: {tm * us:.1f} us per session (min {tlo * us:.1f}, "
        f"max {thi * us:.1f}) vs {sm * us:.1f} us serial"
    )
    print(f"memory per held session, {args.held:,} distinct clients held at once:")
    print(f"  facialflow session: {mem_ff:8.0f} B")
    print(f"  bare model (state + facts): {mem_flat:8.0f} B")


if __name__ == "__main__":
    main()
