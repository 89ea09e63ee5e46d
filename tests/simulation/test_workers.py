"""Worker processes with a pipe each: answers in order, errors carried back, a lost worker fails."""

from __future__ import annotations

import faulthandler
import multiprocessing
import os
import signal
import time
from collections.abc import Iterator

import pytest

from facialflow.errors import FacialflowError, WorkerLost
from facialflow.simulation.workers import RemoteTraceback, Workers

CONTEXT = multiprocessing.get_context(
    "fork" if "fork" in multiprocessing.get_all_start_methods() else None
)


@pytest.fixture(autouse=True)
def hang_guard() -> Iterator[None]:
    # a broken error path would wait for ever: fail with every thread's traceback instead
    faulthandler.dump_traceback_later(60, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


_SETTING: list[int] = []


def _set(value: int) -> None:
    _SETTING.append(value)


def _fail_to_set(value: int) -> None:
    raise ValueError(f"cannot set {value}")


def _plus_setting(x: int) -> tuple[int, int]:
    return os.getpid(), x + _SETTING[-1]


def _raise(message: str) -> None:
    raise KeyError(message)


class _Unpicklable(Exception):
    def __reduce__(self) -> object:
        raise TypeError("not this one")


def _raise_unpicklable() -> None:
    raise _Unpicklable("deep inside")


def _sleep(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def test_each_worker_is_set_up_with_its_own_arguments_and_answers_in_order() -> None:
    with Workers(CONTEXT, _set, [(100,), (200,)]) as workers:
        for x in range(5):
            workers.send(0, _plus_setting, x)
            workers.send(1, _plus_setting, x)
        answers: dict[int, list[int]] = {0: [], 1: []}
        pids: dict[int, set[int]] = {0: set(), 1: set()}
        for _ in range(10):
            w, (pid, value) = workers.receive()
            answers[w].append(value)
            pids[w].add(pid)
        assert workers.owed == [0, 0]
    assert answers == {0: [100, 101, 102, 103, 104], 1: [200, 201, 202, 203, 204]}
    assert len(pids[0]) == len(pids[1]) == 1 and pids[0] != pids[1]
    assert os.getpid() not in pids[0] | pids[1]


def test_a_tasks_error_is_raised_here_with_where_it_was_raised_and_the_worker_goes_on() -> None:
    with Workers(CONTEXT, _set, [(1,)]) as workers:
        workers.send(0, _raise, "no such key")
        with pytest.raises(KeyError, match="no such key") as caught:
            workers.receive()
        assert isinstance(caught.value.__cause__, RemoteTraceback)
        assert "_raise" in str(caught.value.__cause__)
        workers.send(0, _plus_setting, 1)
        assert workers.receive()[1][1] == 2


def test_an_error_that_cannot_be_pickled_still_says_what_it_was() -> None:
    with Workers(CONTEXT, _set, [(1,)]) as workers:
        workers.send(0, _raise_unpicklable)
        with pytest.raises(RuntimeError, match="_Unpicklable: deep inside"):
            workers.receive()


def test_a_worker_that_failed_to_set_up_answers_every_task_with_why() -> None:
    with Workers(CONTEXT, _fail_to_set, [(7,)]) as workers:
        for _ in range(2):
            workers.send(0, _plus_setting, 1)
        for _ in range(2):
            with pytest.raises(ValueError, match="cannot set 7"):
                workers.receive()


def _kill_one_while_both_work(workers: Workers, how: int) -> int:
    workers.send(0, _sleep, 60)
    workers.send(1, _sleep, 60)
    time.sleep(0.2)
    victim = workers.processes[1].pid
    assert victim is not None
    os.kill(victim, how)
    workers.receive()
    return victim


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_a_worker_killed_with_work_unanswered_fails_the_run_at_once(how: int) -> None:
    workers = Workers(CONTEXT, _set, [(1,), (2,)])
    started = time.monotonic()
    with pytest.raises(WorkerLost) as caught, workers:
        _kill_one_while_both_work(workers, how)
    assert time.monotonic() - started < 5
    victim = str(caught.value).split()[2]
    assert str(caught.value) == (
        f"worker process {victim} was killed by signal {how} before finishing its work"
        " (killed from outside: out of memory? try fewer --workers)"
    )
    assert isinstance(caught.value, FacialflowError) and isinstance(caught.value, RuntimeError)
    # leaving on the error terminated the other worker, busy as it was
    assert workers.exitcodes == [-signal.SIGTERM, -how]


def test_a_worker_killed_while_idle_fails_the_wait_too() -> None:
    workers = Workers(CONTEXT, _set, [(1,), (2,)])
    workers.send(0, _sleep, 60)
    pid = workers.processes[1].pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(WorkerLost, match=f"{pid} was killed by signal 9"), workers:
        workers.receive()
    assert workers.exitcodes == [-signal.SIGTERM, -signal.SIGKILL]


def _gone(workers: Workers) -> None:
    pid = workers.processes[0].pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    workers.processes[0].join(5)
    for _ in range(100):  # the pipe's buffer may take a few sends before it breaks
        workers.send(0, _plus_setting, 1)
    workers.receive()


def test_sending_to_a_worker_that_is_gone_fails_too() -> None:
    with Workers(CONTEXT, _set, [(1,)]) as workers, pytest.raises(WorkerLost):
        _gone(workers)


def test_closing_ends_every_worker_and_an_error_terminates_busy_ones() -> None:
    workers = Workers(CONTEXT, _set, [(1,), (2,)])
    workers.close()
    assert workers.exitcodes == [0, 0]

    busy = Workers(CONTEXT, _set, [(1,)])
    busy.send(0, _sleep, 60)
    started = time.monotonic()
    with pytest.raises(ZeroDivisionError), busy:
        raise ZeroDivisionError
    assert time.monotonic() - started < 5
    assert busy.exitcodes == [-signal.SIGTERM]
    assert busy.processes == [] and busy.conns == []


def test_waiting_with_nothing_sent_is_a_bug_not_a_hang() -> None:
    with Workers(CONTEXT, _set, [(1,)]) as workers, pytest.raises(RuntimeError, match="no task"):
        workers.receive()
