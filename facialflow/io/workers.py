"""Worker processes (a split simulation, verify): a pipe each, so a worker that dies fails the run.

``multiprocessing.Pool`` shares one task queue and one result queue between its
workers, each guarded by a lock. A worker killed from outside (the kernel's
out-of-memory killer, a stray ``kill -9``) dies holding what it held: Pool
quietly starts a replacement, the task it had never reports, and the run waits
for ever; ending the pool can itself block on a lock the dead worker held. Here
each worker has its own duplex pipe and nothing is shared: this process waits on
the pipes and on the processes' sentinels together, so a worker that ends with
work unanswered fails the run at once (:class:`~facialflow.errors.WorkerLost`),
and stopping the others is never blocked by it. It also runs no helper threads,
which in a pool take CPU time from the workers on a machine with no core to spare.
"""

from __future__ import annotations

import multiprocessing
import pickle
import signal
import sys
import time
import traceback
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext, suppress
from multiprocessing.connection import Connection, wait
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from multiprocessing.reduction import ForkingPickler
from types import TracebackType
from typing import Any

from facialflow.errors import ENDING_SIGNALS, WorkerLost

__all__ = ["RemoteTraceback", "Workers", "leave_the_terminal_to_the_parent", "worker_context"]


class RemoteTraceback(Exception):
    """Where a worker raised: the cause of the error re-raised here (as Pool shows it)."""

    def __str__(self) -> str:
        return str(self.args[0])


#: seconds a worker told to stop may take to exit before it is terminated, and a
#: terminated one before it is killed
_GRACE = 5.0

#: the signals held while a worker is forked: a terminal's (Ctrl-C, a closed terminal) and
#: ``kill``'s, where signals can be held (POSIX)
_HOLD: tuple[int, ...] = (
    (int(signal.SIGINT), *ENDING_SIGNALS) if hasattr(signal, "pthread_sigmask") else ()
)


def _flush_standard_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        with suppress(AttributeError, ValueError, OSError):  # absent, closed, or a closed pipe
            stream.flush()


@contextmanager
def _held() -> Iterator[frozenset[int] | None]:
    """Hold (block) :data:`_HOLD` while a worker is forked; yields the mask to restore, if any.

    A signal that reaches a worker between its fork and its own handlers is otherwise
    lost or misread: CPython drops a signal that arrives before its after-fork
    clean-up (the parent's ``terminate()`` of a worker not yet scheduled then waits
    out the grace), and one that arrives later runs the parent's handler in the
    worker. Held, it waits: in this process until the worker is started, in the
    worker until it has set its own handlers (see :func:`_serve`). Only for ``fork``:
    a spawned worker starts a new interpreter, with none of this process's handlers.

    The hold is the calling thread's: in a process with other threads, one of them may
    take such a signal meanwhile, and the handler then runs on the main thread as usual.
    """
    if not _HOLD:
        yield None
        return
    # the mask as it is first, then held: a handler that raises on the way (a signal that
    # came just before) leaves no signal held
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, ())
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, _HOLD)
        yield frozenset(previous)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


#: this process's ends of the pipes of every live worker, whatever ``Workers`` made it: a
#: worker forked later closes its copies (see ``_serve``)
_PARENT_ENDS: weakref.WeakSet[Connection] = weakref.WeakSet()


def _join_all(processes: Sequence[BaseProcess], grace: float) -> None:
    """Wait for ``processes`` to end, all of them within ``grace`` seconds."""
    deadline = time.monotonic() + grace
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))


def worker_context() -> BaseContext:
    """``fork`` wherever there is one (workers start from what this process built), else the default."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def leave_the_terminal_to_the_parent() -> None:
    """For a worker's initializer: ignore Ctrl-C and a closed terminal.

    Both reach the whole process group; only the parent handles them (it ends the
    workers), so no worker prints a traceback or ends on its own.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_IGN)


def _serve(
    conn: Connection,
    init: Callable[..., None],
    args: tuple[Any, ...],
    inherited: Sequence[Connection] = (),
    mask: frozenset[int] | None = None,
) -> None:
    """A worker's life: set up, then answer each task in turn until told to stop.

    Whatever a task does (raise, return something that cannot be pickled, arrive in a
    form that cannot be unpickled), the worker answers it: a worker that ends before
    it is told to was killed, or met a bug below Python.
    """
    # a forked worker holds copies of this process's ends of every pipe made so far, its
    # own included: closed, so that each pipe reaches EOF when the parent is gone
    for end in inherited:
        end.close()
    # and it may hold the program's handlers that turn SIGTERM and SIGHUP into an exit to
    # unwind through. SIGTERM is how a worker is stopped (`terminate`): it just ends, and
    # promptly, even while the initializer runs. A handler for SIGHUP is dropped, but a
    # hang-up the program ignores (nohup) stays ignored
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    for signum in ENDING_SIGNALS:
        if callable(signal.getsignal(signum)):
            signal.signal(signum, signal.SIG_DFL)
    # what was held across the fork (see `_held`) waits no longer than the initializer,
    # which says what the worker does with Ctrl-C and a closed terminal (a signal sent
    # meanwhile then meets that, not the parent's handler)
    if hasattr(signal, "pthread_sigmask"):  # held, or blocked by whoever started the program
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])
    failed: bytes | None = None
    try:
        try:
            init(*args)
        finally:
            if mask is not None:
                # SIGTERM stays let through, whatever the parent blocked. A Ctrl-C held
                # meanwhile, where the initializer left Python's handler, raises here:
                # the worker then answers every task with it
                signal.pthread_sigmask(signal.SIG_SETMASK, mask - {signal.SIGTERM})
    except BaseException as exc:  # every task is then answered with why the worker cannot run it
        failed = _failure(exc)
    while True:
        try:
            message = conn.recv_bytes()
        except (EOFError, OSError):
            return  # the parent is gone
        if message == _STOP:
            return
        try:
            conn.send_bytes(failed if failed is not None else _run(message))
        except OSError:
            return  # the parent is gone (killed outright): nobody is left to tell


def _run(message: bytes) -> bytes:
    """The answer to one task: its result, or the error it raised (see :func:`_failure`)."""
    try:
        fn, args = pickle.loads(message)
        return _dumps((True, fn(*args), ""))
    except BaseException as exc:
        return _failure(exc)


#: how a worker is killed from outside (the out-of-memory killer sends SIGKILL); any other
#: early end is a bug (a crash in C code, an abort)
_FROM_OUTSIDE = frozenset(
    int(getattr(signal, name))
    for name in ("SIGKILL", "SIGTERM", "SIGHUP", "SIGINT")
    if hasattr(signal, name)
)


def _dumps(value: Any) -> bytes:
    return bytes(ForkingPickler.dumps(value, pickle.HIGHEST_PROTOCOL))


#: the message that tells a worker to stop
_STOP = pickle.dumps(None)
#: what ``Workers.map`` meets when its items run out
_END = object()


def _failure(exc: BaseException) -> bytes:
    """A reply that carries ``exc`` back, or what it was when it cannot cross intact."""
    text = "".join(traceback.format_exception(exc))
    try:
        reply = _dumps((False, exc, text))
        pickle.loads(reply)  # some errors pickle but fail to unpickle (required arguments)
    except Exception:
        return _dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}"), text))
    return reply


class Workers:
    """Worker processes started from ``context``, each set up with its own arguments.

    Tasks are module-level functions (they cross the pipe by name) sent to a chosen
    worker; each worker answers its tasks in the order it was sent them. A task and
    its arguments must stay small (a few KB): this process sends while a worker may
    be sending a large answer on the same pipe, and reads only after it has sent.
    """

    def __init__(
        self,
        context: BaseContext,
        init: Callable[..., None],
        args: Sequence[tuple[Any, ...]],
    ) -> None:
        self.processes: list[BaseProcess] = []
        self.conns: list[Connection] = []
        #: tasks sent to each worker and not yet answered
        self.owed: list[int] = []
        #: how each worker ended, once all have (see :meth:`terminate`)
        self.exitcodes: list[int | None] = []
        try:
            forked = context.get_start_method() == "fork"
            for worker_args in args:
                here, there = context.Pipe()
                inherited = [*_PARENT_ENDS, here] if forked else []
                # multiprocessing flushes the standard streams before it forks: flushed first,
                # so that a stalled reader of stdout never blocks this process while signals
                # are held
                _flush_standard_streams()
                with _held() if forked else nullcontext() as mask:
                    try:
                        process = context.Process(  # type: ignore[attr-defined]
                            target=_serve,
                            args=(there, init, worker_args, inherited, mask),
                            daemon=True,
                        )
                        process.start()
                        # recorded before a held signal can interrupt: every worker started
                        # is stopped
                        self.processes.append(process)
                        self.conns.append(here)
                        self.owed.append(0)
                        _PARENT_ENDS.add(here)
                    finally:
                        # only the worker's end: EOF reaches each side when the other goes.
                        # Its last reference dropped here too, while signals are held (fork): a
                        # Ctrl-C whose handler runs on entry to a finalizer (the
                        # ``Connection.__del__`` call, when the name is next bound) is
                        # reported and lost
                        there.close()
                        del there
        except BaseException:
            self.terminate()
            raise

    def __len__(self) -> int:
        return len(self.processes)

    def send(self, worker: int, fn: Callable[..., Any], *args: Any) -> None:
        try:
            self.conns[worker].send_bytes(_dumps((fn, args)))
        except (BrokenPipeError, ConnectionResetError):
            raise self._lost(worker) from None
        self.owed[worker] += 1

    def receive(self) -> tuple[int, Any]:
        """The next answer of any worker: ``(worker, result)``; raises what a task raised.

        Raises :class:`~facialflow.errors.WorkerLost` if a worker ends before it is told to.
        """
        w, (ok, value) = self._outcome()
        if not ok:
            raise value
        return w, value

    def _outcome(self) -> tuple[int, tuple[bool, Any]]:
        """The next answer of any worker, as ``(worker, (ok, result or error))``."""
        waiting = [w for w in range(len(self.conns)) if self.owed[w]]
        if not waiting:
            raise RuntimeError("no task is waiting for an answer")
        conns = [self.conns[w] for w in waiting]
        # every worker's end, idle or not: a worker is told when to stop, so one that ends
        # before then was killed, and the run it belongs to cannot finish
        sentinels = [p.sentinel for p in self.processes]
        while True:
            ready = set(wait([*conns, *sentinels]))
            # an answer first: a worker may have answered and then ended
            for w, conn in zip(waiting, conns, strict=True):
                if conn in ready:
                    return w, self._answer(w, conn)
            # (what a worker wrote before it ended is readable by then: its pipe was in ready)
            for w, sentinel in enumerate(sentinels):
                if sentinel in ready:
                    raise self._lost(w)

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any], window: int = 2) -> Iterator[Any]:
        """``fn(item)`` for each of ``items``, in their order, each run by a worker free for it.

        A worker holds at most ``window`` tasks at once (one running, the next queued, so
        it never waits for this process), and at most ``window`` per worker are taken
        from ``items`` and not yet yielded: no pile-up of answers when the consumer (a
        pipe, a disk) is slower than the workers. The next task is handed out before an
        answer is yielded, so a freed worker never waits for the consumer either.

        A task's error is raised in its turn, after the answers of the items before it,
        whichever worker finished first. The workers must be idle when this is called
        (it refuses at once otherwise); after an error, or a consumer that stops early,
        tasks may still be running: end the workers (leaving the ``with`` block does).
        """
        if window < 1:
            raise ValueError(f"window must be at least 1, not {window}")
        if not self.processes:
            raise RuntimeError("map needs workers: none is running")
        if any(self.owed):
            raise RuntimeError("map needs workers with no task in flight")
        return self._map(fn, items, window)

    def _map(self, fn: Callable[[Any], Any], items: Iterable[Any], window: int) -> Iterator[Any]:
        count = len(self)
        limit = window * count
        todo = iter(items)
        #: each worker's tasks in flight, by number, in the order it answers them
        sent: list[deque[int]] = [deque() for _ in range(count)]
        done: dict[int, tuple[bool, Any]] = {}
        given = following = 0
        owed = self.owed

        def fill() -> None:
            nonlocal given
            while given - following < limit:
                w = min(range(count), key=owed.__getitem__)
                if owed[w] >= window:
                    return
                item = next(todo, _END)
                if item is _END:
                    return
                self.send(w, fn, item)
                sent[w].append(given)
                given += 1

        fill()
        while following < given:
            while following not in done:
                w, outcome = self._outcome()
                done[sent[w].popleft()] = outcome
                fill()
            ok, answer = done.pop(following)
            if not ok:
                raise answer
            following += 1
            fill()
            yield answer

    def _answer(self, w: int, conn: Connection) -> tuple[bool, Any]:
        """``(True, result)``, or ``(False, the error the task raised)``."""
        try:
            message = conn.recv_bytes()
        except (EOFError, OSError):
            raise self._lost(w) from None
        self.owed[w] -= 1
        try:
            ok, value, text = pickle.loads(message)
        except Exception as exc:
            raise RuntimeError(f"worker {w}'s answer cannot be read: {exc}") from exc
        if not ok:
            value.__cause__ = RemoteTraceback(text)
        return ok, value

    def _lost(self, worker: int) -> Exception:
        """Why worker ``worker`` ended early: killed from outside, or a bug (say, a crash in C)."""
        process = self.processes[worker]
        process.join(_GRACE)
        code = process.exitcode
        if code is None or code >= 0:
            return RuntimeError(
                f"worker process {process.pid} ended before finishing its work (exit status {code})"
            )
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        if -code not in _FROM_OUTSIDE:
            return RuntimeError(
                f"worker process {process.pid} ended by {name} before finishing its work"
            )
        hint = (
            "out of memory? fewer workers use less" if name == "SIGKILL" else "killed from outside"
        )
        return WorkerLost(
            f"worker process {process.pid} was killed by {name} before finishing its work ({hint})"
        )

    def close(self) -> None:
        """Tell every worker to stop, and wait for them (terminating any that lingers).

        A close takes a grace and a tenth at most (and the moment SIGKILL takes): a
        worker still running when the grace since the stop message is over, or when
        the wait was cut short (Ctrl-C), gets SIGTERM and what is left of that grace,
        a tenth of one at the least, not a grace more.
        """
        deadline = time.monotonic() + _GRACE
        try:
            for conn in self.conns:
                with suppress(OSError):  # already gone
                    conn.send_bytes(_STOP)
            _join_all(self.processes, max(0.0, deadline - time.monotonic()))
        finally:
            # a worker's SIGTERM is the default action (the program's handlers are dropped
            # after the fork): a tenth of a grace is enough for it to take effect
            self.terminate(max(_GRACE / 10, deadline - time.monotonic()))

    def terminate(self, grace: float | None = None) -> None:
        """Stop every worker now: SIGTERM, then SIGKILL for any that outlives the grace.

        The grace (``_GRACE`` unless given) is one for all the workers, not one each:
        however many linger, the workers are gone within it (and the moment SIGKILL takes).
        A wait cut short (a second Ctrl-C) goes straight to SIGKILL: no worker outlives
        this call, since nothing could stop it afterwards.
        """
        try:
            try:
                for process in self.processes:
                    if process.is_alive():
                        process.terminate()
                _join_all(self.processes, _GRACE if grace is None else grace)
            finally:
                for process in self.processes:
                    if process.exitcode is None:  # stopped, or a handler that ignores SIGTERM
                        process.kill()
                        process.join()
                    self.exitcodes.append(process.exitcode)
                    process.close()
        finally:
            for conn in self.conns:
                _PARENT_ENDS.discard(conn)
                conn.close()
            self.processes.clear()
            self.conns.clear()
            self.owed.clear()

    def __enter__(self) -> Workers:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if kind is None:
            self.close()
        else:
            self.terminate()
