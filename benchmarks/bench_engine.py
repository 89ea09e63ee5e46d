"""Live-session cost and memory: facialflow sessions against bare transitions, in one run.

Run: python benchmarks/bench_engine.py [--sessions 3000] [--held 100000]

Bare transitions is what a transitions user writes without facialflow: one
HierarchicalMachine built from the same protocol data, a plain model object
per session added with ``add_model`` (so it gets its trigger methods), stepped
to a final state with the same branch decisions, then ``remove_model``.
facialflow does the whole live-session job: screening, product choice,
stepping with listeners' hook, snapshot and restore.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from transitions.extensions.nesting import HierarchicalMachine, NestedState

from facialflow import FACIAL, Session, load_client, load_policy
from facialflow.clinic.screening import screen
from facialflow.products.loading import load_plugins
from facialflow.products.selection import choose_products
from facialflow.protocol.engine import engine_for
from facialflow.qa.draws import iter_clients

DATE = dt.date(2026, 11, 25)
CLIENT_FILE = Path(__file__).resolve().parent.parent / "examples" / "clients" / "laser-aging.json"


class _State(NestedState):
    separator = "."


class _Machine(HierarchicalMachine):
    state_cls = _State


class BareModel:
    """A plain transitions model carrying the same branch facts as a session."""

    def __init__(self, facts: Any) -> None:
        self.facts = facts


def bare_machine() -> tuple[_Machine, Callable[[str], str]]:
    engine = engine_for()
    to_internal = engine.to_internal

    def guard(name: str) -> Callable[[Any], bool]:
        return lambda event: bool(getattr(event.model.facts, name))

    transitions = [
        {
            "trigger": t.trigger,
            "source": to_internal[t.source],
            "dest": to_internal[t.dest],
            "conditions": [guard(g) for g in t.guards],
        }
        for t in FACIAL.transitions
    ]
    machine = _Machine(
        model=None,
        states=engine._state_tree(),
        transitions=transitions,
        initial=engine.initial,
        auto_transitions=False,
        send_event=True,
    )
    finals = {to_internal[s] for s in FACIAL.final_states}
    return machine, lambda state: "final" if state in finals else state


def time_per_op(fn: Callable[[], object], n: int, repeats: int = 5) -> float:
    """Median microseconds per call over ``repeats`` batches of ``n``."""
    samples = []
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        samples.append((time.perf_counter() - t0) / n * 1e6)
    return statistics.median(samples)


def held_bytes(make: Callable[[], object], n: int) -> float:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    held = [make() for _ in range(n)]
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    total = sum(s.size_diff for s in after.compare_to(before, "filename"))
    del held
    return total / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=3000, help="sessions per timing batch")
    parser.add_argument(
        "--held", type=int, default=100_000, help="sessions held at once for memory"
    )
    args = parser.parse_args()

    client = load_client(CLIENT_FILE)
    policy = load_policy("conservative")
    plugins = load_plugins()
    screening = screen(client, DATE, policy)
    facts = screening.facts
    machine, final_of = bare_machine()

    def bare_session() -> None:
        model = BareModel(facts)
        machine.add_model(model)
        while final_of(model.state) != "final":
            model.advance()
        machine.remove_model(model)

    def ff_session() -> None:
        s = Session.start(client, date=DATE, policy=policy, plugins=plugins)
        while not s.finished:
            s.advance()

    def ff_session_snapshot_restore() -> None:
        s = Session.start(client, date=DATE, policy=policy, plugins=plugins)
        s.advance()
        s.advance()
        s = Session.restore(s.snapshot())
        while not s.finished:
            s.advance()

    def plan_choice() -> None:
        choose_products(client, screen(client, DATE, policy), policy, plugins=plugins)

    steps = len(Session.start(client, date=DATE, policy=policy).run().path) - 1
    n = args.sessions

    # the same work over n distinct generated clients (different routes, plans and caches)
    varied = list(iter_clients(1, n, date=DATE))
    varied_facts = [screen(c, DATE, policy).facts for c in varied]
    cursor = {"i": 0}

    def next_index() -> int:
        i = cursor["i"] = (cursor["i"] + 1) % n
        return i

    def bare_varied() -> None:
        model = BareModel(varied_facts[next_index()])
        machine.add_model(model)
        while final_of(model.state) != "final":
            model.advance()
        machine.remove_model(model)

    def ff_varied() -> None:
        s = Session.start(varied[next_index()], date=DATE, policy=policy, plugins=plugins)
        s.advance()
        if not s.finished:
            s.advance()
            s = Session.restore(s.snapshot())
        while not s.finished:
            s.advance()

    bare = time_per_op(bare_session, n)
    ff = time_per_op(ff_session, n)
    ff_sr = time_per_op(ff_session_snapshot_restore, n)
    plan = time_per_op(plan_choice, n)
    bare_v = time_per_op(bare_varied, n)
    ff_v = time_per_op(ff_varied, n)

    def bare_held() -> object:
        model = BareModel(facts)
        machine.add_model(model)
        model.advance()
        return model

    def ff_held() -> object:
        s = Session.start(client, date=DATE, policy=policy, plugins=plugins)
        s.advance()
        return s

    mem_bare = held_bytes(bare_held, args.held)
    machine.remove_model(list(machine.models))
    mem_ff = held_bytes(ff_held, args.held)

    print(f"command: python benchmarks/bench_engine.py --sessions {n} --held {args.held}")
    print(
        f"python {sys.version.split()[0]}, one client ({CLIENT_FILE.name}), {steps} steps per session"
    )
    print(f"bare transitions session (add_model, {steps} steps, remove_model): {bare:8.1f} us")
    print(
        f"facialflow session (screen, choose plan, {steps} steps):           {ff:8.1f} us  ratio {ff / bare:.2f}x"
    )
    print(
        f"facialflow session with snapshot + restore mid-way:               {ff_sr:8.1f} us  ratio {ff_sr / bare:.2f}x"
    )
    print(
        f"  of which plan choice (screening + product selection):          {plan:8.1f} us  ({plan / ff:.0%} of a session)"
    )
    print(f"{n} distinct generated clients (population seed 1), all routes:")
    print(f"  bare transitions session:                                      {bare_v:8.1f} us")
    print(
        f"  facialflow session with snapshot + restore:                    {ff_v:8.1f} us  ratio {ff_v / bare_v:.2f}x"
    )
    print(f"memory per held session, {args.held:,} held at once:")
    print(f"  bare transitions model: {mem_bare:8.0f} B")
    print(f"  facialflow session:     {mem_ff:8.0f} B  ratio {mem_ff / mem_bare:.2f}x")


if __name__ == "__main__":
    main()
