"""Worker processes with a pipe each: answers in order, errors carried back, a lost worker fails."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from typing import Any

import pytest

from facialflow.errors import FacialflowError, InvalidStep, WorkerLost
from facialflow.io import workers as workers_module
from facialflow.io.workers import (
    RemoteTraceback,
    Workers,
    leave_the_terminal_to_the_parent,
    worker_context,
)

pytestmark = pytest.mark.usefixtures("no_hang")

CONTEXT = worker_context()
#: the start methods a platform may use: fork (Linux) and spawn (macOS, Windows)
CONTEXTS = [
    pytest.param(multiprocessing.get_context(m), id=m)
    for m in ("fork", "spawn")
    if m in multiprocessing.get_all_start_methods()
]

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
    def __reduce__(self) -> Any:
        raise TypeError("not this one")


def _raise_unpicklable() -> None:
    raise _Unpicklable("deep inside")


def _raise_invalid_step() -> None:
    # pickles, but its __init__ wants three arguments: it cannot be unpickled
    raise InvalidStep("advance", "mask", ["adverse"])


def _return_unpicklable() -> Any:
    return lambda: None


def _handlers() -> tuple[Any, Any]:
    return signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)


def _signal_state() -> tuple[Any, Any, Any, set[int]]:
    """A worker's handlers for SIGTERM, SIGHUP and SIGINT, and the signals it blocks."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    return (*_handlers(), signal.getsignal(signal.SIGINT), set(blocked))


def _sleep(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def _exit_now(code: int) -> None:
    os._exit(code)


def _crash() -> None:
    # a signal whose default ends the process, as a crash in C code would (SIGSEGV, SIGABRT),
    # without the crash report pytest's faulthandler would print for those
    os.kill(os.getpid(), signal.SIGUSR1)
    time.sleep(10)


@pytest.mark.parametrize("context", CONTEXTS)
def test_each_worker_is_set_up_with_its_own_arguments_and_answers_in_order(context: Any) -> None:
    with Workers(context, _set, [(100,), (200,)]) as workers:
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
    assert workers.exitcodes == [0, 0]


@pytest.mark.parametrize("context", CONTEXTS)
def test_a_tasks_error_is_raised_here_with_where_it_was_raised_and_the_worker_goes_on(
    context: Any,
) -> None:
    with Workers(context, _set, [(1,)]) as workers:
        workers.send(0, _raise, "no such key")
        with pytest.raises(KeyError, match="no such key") as caught:
            workers.receive()
        assert isinstance(caught.value.__cause__, RemoteTraceback)
        assert "_raise" in str(caught.value.__cause__)
        workers.send(0, _plus_setting, 1)
        assert workers.receive()[1][1] == 2


@pytest.mark.parametrize(
    ("task", "what"),
    [
        (_raise_unpicklable, "_Unpicklable: deep inside"),
        (_raise_invalid_step, "InvalidStep: "),
    ],
)
def test_an_error_that_cannot_cross_intact_still_says_what_it_was(task: Any, what: str) -> None:
    with Workers(CONTEXT, _set, [(1,)]) as workers:
        workers.send(0, task)
        with pytest.raises(RuntimeError, match=what):
            workers.receive()
        workers.send(0, _plus_setting, 1)  # the worker lives on
        assert workers.receive()[1][1] == 2


def test_an_answer_that_cannot_be_pickled_is_an_error_not_a_dead_worker() -> None:
    with Workers(CONTEXT, _set, [(1,)]) as workers:
        workers.send(0, _return_unpicklable)
        with pytest.raises(Exception, match=r"pickle|lambda") as caught:
            workers.receive()
        assert not isinstance(caught.value, WorkerLost)
        workers.send(0, _plus_setting, 1)
        assert workers.receive()[1][1] == 2


def test_a_worker_that_failed_to_set_up_answers_every_task_with_why() -> None:
    with Workers(CONTEXT, _fail_to_set, [(7,)]) as workers:
        for _ in range(2):
            workers.send(0, _plus_setting, 1)
        for _ in range(2):
            with pytest.raises(ValueError, match="cannot set 7"):
                workers.receive()
    assert workers.exitcodes == [0]  # and it still stops when told


def _kill_one_while_both_work(workers: Workers, how: int) -> None:
    workers.send(0, _sleep, 60)
    workers.send(1, _sleep, 60)
    time.sleep(0.2)
    victim = workers.processes[1].pid
    assert victim is not None
    os.kill(victim, how)
    workers.receive()


@pytest.mark.parametrize(
    ("how", "hint"),
    [
        (signal.SIGKILL, "out of memory? fewer workers use less"),
        (signal.SIGTERM, "killed from outside"),
    ],
)
def test_a_worker_killed_with_work_unanswered_fails_the_run_at_once(how: int, hint: str) -> None:
    workers = Workers(CONTEXT, _set, [(1,), (2,)])
    victim = workers.processes[1].pid
    started = time.monotonic()
    with pytest.raises(WorkerLost) as caught, workers:
        _kill_one_while_both_work(workers, how)
    assert time.monotonic() - started < 5
    name = signal.Signals(how).name
    assert str(caught.value) == (
        f"worker process {victim} was killed by {name} before finishing its work ({hint})"
    )
    assert isinstance(caught.value, FacialflowError) and isinstance(caught.value, RuntimeError)
    # leaving on the error terminated the other worker, busy as it was
    assert workers.exitcodes == [-signal.SIGTERM, -how]


@pytest.mark.parametrize(
    ("task", "arg", "what"),
    [(_exit_now, (3,), "exit status 3"), (_crash, (), "ended by SIGUSR1")],
)
def test_a_worker_that_ends_by_itself_is_a_bug_not_the_environment(
    task: Any, arg: tuple[Any, ...], what: str
) -> None:
    w = Workers(CONTEXT, _set, [(1,)])
    w.send(0, task, *arg)
    with pytest.raises(RuntimeError, match=what) as caught, w:
        w.receive()
    assert not isinstance(caught.value, FacialflowError)  # the CLI reports a bug: exit 70


def test_a_worker_killed_while_idle_fails_the_wait_too() -> None:
    workers = Workers(CONTEXT, _set, [(1,), (2,)])
    workers.send(0, _sleep, 60)
    pid = workers.processes[1].pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(WorkerLost, match=f"{pid} was killed by SIGKILL"), workers:
        workers.receive()
    assert workers.exitcodes == [-signal.SIGTERM, -signal.SIGKILL]


def test_sending_to_a_worker_that_is_gone_fails_too() -> None:
    workers = Workers(CONTEXT, _set, [(1,)])
    pid = workers.processes[0].pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    workers.processes[0].join(5)
    with pytest.raises(WorkerLost, match="SIGKILL"), workers:
        workers.send(0, _plus_setting, 1)


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="forks")
def test_a_worker_ends_when_its_parent_end_closes_though_later_workers_were_forked() -> None:
    # each later fork inherits the earlier pipes' parent ends: unless closed there, the
    # first worker would never see EOF, and would outlive a parent killed outright
    first = Workers(CONTEXT, _set, [(1,)])
    later = Workers(CONTEXT, _set, [(2,), (3,)])
    try:
        first.conns[0].close()
        first.processes[0].join(5)
        assert first.processes[0].exitcode == 0
    finally:
        later.close()
        first.processes[0].kill()


def _raising_handler(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="forks")
def test_a_forked_worker_drops_the_programs_ending_handlers() -> None:
    # the program turns SIGTERM and SIGHUP into an exit to unwind through; a worker that kept
    # that handler would answer `terminate()` with an error reply instead of ending
    previous = [signal.signal(s, _raising_handler) for s in (signal.SIGTERM, signal.SIGHUP)]
    try:
        with Workers(CONTEXT, _set, [(1,)]) as workers:
            workers.send(0, _handlers)
            assert workers.receive()[1] == (signal.SIG_DFL, signal.SIG_DFL)
    finally:
        for signum, handler in zip((signal.SIGTERM, signal.SIGHUP), previous, strict=True):
            signal.signal(signum, handler)


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="forks")
def test_a_forked_worker_keeps_a_hang_up_the_program_ignores() -> None:
    # nohup: the program runs on when its terminal closes, and so do its workers
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with Workers(CONTEXT, _set, [(1,)]) as workers:
            workers.send(0, _handlers)
            assert workers.receive()[1] == (signal.SIG_DFL, signal.SIG_IGN)
    finally:
        signal.signal(signal.SIGHUP, previous)


def _first_waits_for_the_failure(item: tuple[int, str]) -> int:
    # item 0 ends only once item 3 (on the other worker) has failed: answers and errors
    # come back out of item order, whatever the machine's speed
    number, marker = item
    if number == 0:
        deadline = time.monotonic() + 30
        while not os.path.exists(marker) and time.monotonic() < deadline:
            time.sleep(0.01)
    if number == 3:
        open(marker, "w").close()
        raise KeyError(f"item {number}")
    return number * 10


def test_map_answers_in_item_order_and_raises_an_error_in_its_turn(tmp_path: Any) -> None:
    marker = str(tmp_path / "item 3 failed")
    with Workers(CONTEXT, _set, [(1,), (2,)]) as workers:
        assert list(workers.map(_echo, range(7))) == list(range(7))
    with Workers(CONTEXT, _set, [(1,), (2,)]) as workers:
        # items 0 and 2 go to the first worker, 1 and 3 to the second
        answers = workers.map(_first_waits_for_the_failure, [(i, marker) for i in range(6)])
        assert [next(answers), next(answers), next(answers)] == [0, 10, 20]
        with pytest.raises(KeyError, match="item 3") as raised:
            next(answers)
        assert isinstance(raised.value.__cause__, RemoteTraceback)


def _echo(item: Any) -> Any:
    return item


def test_map_takes_no_more_items_than_its_window_ahead_of_the_consumer() -> None:
    taken: list[int] = []

    def items() -> Any:
        for i in range(40):
            taken.append(i)
            yield i

    with Workers(CONTEXT, _set, [(1,), (2,)]) as workers:
        for yielded, answer in enumerate(workers.map(_echo, items(), window=2), 1):
            assert answer == yielded - 1
            assert len(taken) - yielded <= 2 * 2
        assert len(taken) == 40


def test_map_refuses_a_window_below_one_and_workers_busy_or_gone_when_called() -> None:
    with Workers(CONTEXT, _set, [(1,)]) as workers:
        with pytest.raises(ValueError, match="window"):
            workers.map(_echo, [1], window=0)
        workers.send(0, _sleep, 0)
        with pytest.raises(RuntimeError, match="no task in flight"):
            workers.map(_echo, [1])
        workers.receive()
    with pytest.raises(RuntimeError, match="none is running"):
        workers.map(_echo, [1])  # closed


def test_waiting_with_nothing_sent_is_a_bug_not_a_hang() -> None:
    with Workers(CONTEXT, _set, [(1,)]) as workers, pytest.raises(RuntimeError, match="no task"):
        workers.receive()


#: signals a forked child sends itself as it starts (see the test below)
_AS_FORKED: list[int] = []


def _signal_self_as_forked() -> None:
    for signum in _AS_FORKED:
        os.kill(os.getpid(), signum)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_signal_self_as_forked)


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="forks")
@pytest.mark.parametrize(
    "signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=["SIGTERM", "SIGINT", "SIGHUP"]
)
def test_a_signal_that_reaches_a_worker_as_it_forks_waits_for_the_workers_own_handlers(
    signum: int, tmp_path: Any
) -> None:
    # a group-wide Ctrl-C or kill can reach a worker before it sets its handlers: run by
    # this process's handler there, it is lost (a terminated worker went on running and was
    # killed only after the grace). Held until the worker's own, SIGTERM ends it at once,
    # and SIGINT and SIGHUP meet the initializer's SIG_IGN (not the default, before it ran)
    ran = tmp_path / "ran"

    def record(signum: int, frame: object) -> None:
        ran.write_text(f"{signum} in {os.getpid()}")

    previous = signal.signal(signum, record)
    _AS_FORKED[:] = [signum]
    try:
        workers = Workers(CONTEXT, leave_the_terminal_to_the_parent, [()])
    finally:
        _AS_FORKED.clear()
        signal.signal(signum, previous)
    try:
        if signum == signal.SIGTERM:
            workers.processes[0].join(5)
            assert workers.processes[0].exitcode == -signal.SIGTERM
        else:
            # and, ready, it blocks what this process blocks: nothing held is left held
            workers.send(0, _signal_state)
            here = set(signal.pthread_sigmask(signal.SIG_BLOCK, []))
            assert workers.receive()[1] == (signal.SIG_DFL, signal.SIG_IGN, signal.SIG_IGN, here)
        assert not ran.exists(), ran.read_text()
    finally:
        workers.terminate()


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="forks")
def test_a_ctrl_c_held_through_an_initializer_that_leaves_it_alone_is_each_tasks_answer() -> None:
    # Python's own handler, met once the worker lets the held signal through: the worker
    # answers with the interruption instead of dying with a traceback
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    _AS_FORKED[:] = [signal.SIGINT]
    try:
        workers = Workers(CONTEXT, _set, [(1,)])
    finally:
        _AS_FORKED.clear()
        signal.signal(signal.SIGINT, previous)
    with workers:
        workers.send(0, _handlers)
        with pytest.raises(KeyboardInterrupt) as raised:
            workers.receive()
        assert isinstance(raised.value.__cause__, RemoteTraceback)


@pytest.mark.skipif("spawn" not in multiprocessing.get_all_start_methods(), reason="spawns")
def test_spawned_workers_hold_no_signal(monkeypatch: pytest.MonkeyPatch) -> None:
    # a spawned worker is a new interpreter with none of this process's handlers
    held: list[bool] = []
    monkeypatch.setattr(workers_module, "_held", lambda: held.append(True))
    with Workers(multiprocessing.get_context("spawn"), _set, [(1,)]) as workers:
        workers.send(0, _plus_setting, 1)
        assert workers.receive()[1][1] == 2
    assert held == []


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="blocks signals")
@pytest.mark.parametrize("context", CONTEXTS)
def test_a_worker_is_stopped_promptly_though_its_parent_blocks_sigterm(context: Any) -> None:
    # a blocked mask is inherited across exec, from whatever started the program
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM])
    try:
        workers = Workers(context, _set, [(1,)])
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
    workers.send(0, _sleep, 0)
    workers.receive()  # set up, its mask settled
    workers.send(0, _sleep, 60)
    started = time.monotonic()
    with pytest.raises(ZeroDivisionError), workers:
        raise ZeroDivisionError
    assert time.monotonic() - started < 5
    assert workers.exitcodes == [-signal.SIGTERM]
