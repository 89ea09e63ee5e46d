"""Stopping workers: a close, an error or a Ctrl-C ends every worker within its grace."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Sequence
from multiprocessing.process import BaseProcess

import pytest

from facialflow.io import workers as workers_module
from facialflow.io.workers import Workers, worker_context

pytestmark = pytest.mark.usefixtures("no_hang")

CONTEXT = worker_context()


def _ready(value: int) -> None:
    """An initializer with nothing to set up."""


def _ignore_sigterm(value: int) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _stubborn(workers: int) -> Workers:
    """Workers that ignore SIGTERM and are busy for a minute: the stop message is never read."""
    stubborn = Workers(CONTEXT, _ignore_sigterm, [(w,) for w in range(workers)])
    for w in range(workers):
        stubborn.send(w, time.sleep, 0)
        stubborn.receive()  # set up: SIGTERM is ignored from here on
        stubborn.send(w, time.sleep, 60)
    return stubborn


def _seconds_to_leave_on_an_error(workers: Workers) -> float:
    started = time.monotonic()
    with pytest.raises(ZeroDivisionError), workers:
        raise ZeroDivisionError
    return time.monotonic() - started


def test_closing_ends_every_worker_and_an_error_terminates_busy_ones() -> None:
    workers = Workers(CONTEXT, _ready, [(1,), (2,)])
    workers.close()
    assert workers.exitcodes == [0, 0]

    busy = Workers(CONTEXT, _ready, [(1,)])
    busy.send(0, time.sleep, 60)
    assert _seconds_to_leave_on_an_error(busy) < 5
    assert busy.exitcodes == [-signal.SIGTERM]
    assert busy.processes == [] and busy.conns == []


def test_a_worker_that_ignores_sigterm_is_killed_after_the_grace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(workers_module, "_GRACE", 0.3)
    stubborn = _stubborn(1)
    assert _seconds_to_leave_on_an_error(stubborn) < 5
    assert stubborn.exitcodes == [-signal.SIGKILL]


def test_workers_that_outlive_sigterm_are_killed_within_one_grace_for_all_of_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # one grace each made a stop wait for as many graces as workers lingered
    monkeypatch.setattr(workers_module, "_GRACE", 1.0)
    stubborn = _stubborn(3)
    started = time.monotonic()
    stubborn.terminate()
    # the grace is waited out (SIGTERM is given its chance), once
    assert 0.95 <= time.monotonic() - started < 1.9
    assert stubborn.exitcodes == [-signal.SIGKILL] * 3


def _graces(monkeypatch: pytest.MonkeyPatch, cut_short_after: float | None = None) -> list[float]:
    """The graces the workers' waits are given, recorded; the first wait is cut short by a
    Ctrl-C ``cut_short_after`` seconds in, if given."""
    join_all = workers_module._join_all
    graces: list[float] = []

    def recorded(processes: Sequence[BaseProcess], grace: float) -> None:
        graces.append(grace)
        if cut_short_after is not None and len(graces) == 1:
            time.sleep(cut_short_after)
            raise KeyboardInterrupt
        join_all(processes, grace)

    monkeypatch.setattr(workers_module, "_join_all", recorded)
    return graces


def test_closing_workers_that_ignore_the_stop_and_sigterm_takes_one_grace_not_two(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the stop waited a grace, then terminate() waited another before SIGKILL
    monkeypatch.setattr(workers_module, "_GRACE", 1.0)
    stubborn = _stubborn(2)
    graces = _graces(monkeypatch)
    started = time.monotonic()
    stubborn.close()
    # the stop is given its grace, then SIGTERM a tenth of one
    assert graces[0] == pytest.approx(1.0, abs=0.05) and graces[1] == pytest.approx(0.1)
    assert 1.05 <= time.monotonic() - started < 2.5
    assert stubborn.exitcodes == [-signal.SIGKILL] * 2


def test_a_close_cut_short_by_ctrl_c_waits_out_only_what_is_left_of_its_grace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # cut short, the close used to give the workers a whole grace more
    monkeypatch.setattr(workers_module, "_GRACE", 1.0)
    stubborn = _stubborn(2)
    graces = _graces(monkeypatch, cut_short_after=0.5)
    with pytest.raises(KeyboardInterrupt):
        stubborn.close()
    assert 0.35 <= graces[1] <= 0.5
    assert stubborn.exitcodes == [-signal.SIGKILL] * 2


def test_a_terminate_cut_short_by_a_second_ctrl_c_still_kills_every_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # it left the workers running, and forgot them: nothing could stop them afterwards
    monkeypatch.setattr(workers_module, "_GRACE", 1.0)
    stubborn = _stubborn(2)
    pids = [p.pid for p in stubborn.processes if p.pid is not None]
    assert len(pids) == 2
    _graces(monkeypatch, cut_short_after=0.1)
    with pytest.raises(KeyboardInterrupt):
        stubborn.terminate()
    assert stubborn.exitcodes == [-signal.SIGKILL] * 2
    assert stubborn.processes == []
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # reaped, not merely signalled
