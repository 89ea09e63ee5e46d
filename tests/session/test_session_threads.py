"""Thread safety: sessions started, stepped, snapshotted and restored by 16 threads at once."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from facialflow.clinic.reactions import FIRST_REACTIONS
from facialflow.io.documents import session_to_dict
from facialflow.model import Client
from facialflow.qa.draws import iter_clients
from facialflow.session.live import Session

DATE = dt.date(2026, 11, 25)
KINDS = FIRST_REACTIONS  # worsening is only a second report
ROOT = Path(__file__).resolve().parents[2]


def scenario(index: int, client: Client) -> tuple[dict[str, Any], dict[str, Any]]:
    """A whole session with a snapshot and restore on the way, and a reaction for some."""
    s = Session.start(client, date=DATE, policy="conservative")
    s.advance()
    if not s.finished:
        s.advance()
    snap = json.loads(json.dumps(s.snapshot()))
    s = Session.restore(snap)
    if index % 3 == 0 and s.can("adverse"):
        s.report_adverse(KINDS[index % len(KINDS)])
        snap = s.snapshot()
        s = Session.restore(snap)
    return session_to_dict(s.run()), snap


@contextmanager
def tiny_switch_interval() -> Iterator[None]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def run_threads(n: int, work: Callable[[int], None]) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(n)

    def target(t: int) -> None:
        try:
            barrier.wait()
            work(t)
        except BaseException as exc:  # every failure counts, whatever its type
            errors.append(exc)

    threads = [threading.Thread(target=target, args=(t,)) for t in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_sixteen_threads_give_exactly_the_serial_results_and_no_exception() -> None:
    clients = list(iter_clients(11, 240, date=DATE))
    serial = [scenario(i, c) for i, c in enumerate(clients)]
    results: dict[tuple[int, int], Any] = {}

    def work(t: int) -> None:
        # every thread runs every client, starting at a different one
        for k in range(len(clients)):
            i = (k + 15 * t) % len(clients)
            results[t, i] = scenario(i, clients[i])

    with tiny_switch_interval():
        errors = run_threads(16, work)
    assert errors == []
    assert len(results) == 16 * len(clients)
    for (_, i), got in results.items():
        assert got == serial[i]


def test_one_session_shared_by_threads_in_turn_keeps_state_and_path_in_step() -> None:
    # a session belongs to one thread at a time; handed over under a lock it stays coherent
    client = next(iter_clients(3, 1, date=DATE))
    lock = threading.Lock()
    sessions = [Session.start(client, date=DATE) for _ in range(8)]

    def work(t: int) -> None:
        for s in sessions:
            with lock:
                if not s.finished:
                    s.advance()

    with tiny_switch_interval():
        errors = run_threads(16, work)
    assert errors == []
    for s in sessions:
        assert s.finished and s.path[-1] == s.current
        assert tuple(s.path) == Session.start(client, date=DATE).run().path


def test_concurrent_first_use_loads_the_plugins_once_for_everyone() -> None:
    # a fresh interpreter: the first requests of a server arrive together
    script = """
import datetime as dt, json, sys, threading
sys.setswitchinterval(1e-6)
from facialflow.io.documents import session_to_dict
from facialflow.qa.draws import iter_clients
from facialflow.session.live import Session
clients = list(iter_clients(5, 16, date=dt.date(2026, 11, 25)))
out, errors = {}, []
barrier = threading.Barrier(16)
def work(i):
    try:
        barrier.wait()
        s = Session.start(clients[i], date=dt.date(2026, 11, 25))
        out[i] = session_to_dict(s.run())
    except BaseException as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
for t in threads: t.start()
for t in threads: t.join()
serial = [session_to_dict(Session.start(c, date=dt.date(2026, 11, 25)).run()) for c in clients]
print(json.dumps({"errors": errors, "same": [out.get(i) == serial[i] for i in range(16)]}))
"""
    for _ in range(3):
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True
        )
        report = json.loads(done.stdout)
        assert report == {"errors": [], "same": [True] * 16}
