"""Worker processes for a split simulation: a pipe each, so a worker that dies fails the run.

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

import pickle
import traceback
from collections.abc import Callable, Sequence
from contextlib import suppress
from multiprocessing.connection import Connection, wait
from types import TracebackType
from typing import Any

from facialflow.errors import WorkerLost

__all__ = ["Workers"]


class RemoteTraceback(Exception):
    """Where a worker raised: the cause of the error re-raised here (as Pool shows it)."""

    def __str__(self) -> str:
        return str(self.args[0])


#: seconds a worker told to stop may take to exit before it is terminated
_GRACE = 5.0


def _serve(
    conn: Connection,
    init: Callable[..., None],
    args: tuple[Any, ...],
    inherited: Sequence[Connection] = (),
) -> None:
    """A worker's life: set up, then answer each task in turn until told to stop."""
    # a forked worker holds copies of the parent's ends of every pipe made so far, its own
    # included: closed, so that each pipe reaches EOF when the parent is gone
    for end in inherited:
        end.close()
    failed: tuple[bool, Any, str] | None = None
    try:
        init(*args)
    except BaseException as exc:  # every task is then answered with why the worker cannot run it
        failed = _failure(exc)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if task is None:
            return
        reply = failed
        if reply is None:
            fn, fn_args = task
            try:
                reply = (True, fn(*fn_args), "")
            except BaseException as exc:
                reply = _failure(exc)
        try:
            conn.send(reply)
        except OSError:
            return  # the parent is gone (killed outright): nobody is left to tell


def _failure(exc: BaseException) -> tuple[bool, Any, str]:
    text = "".join(traceback.format_exception(exc))
    try:
        pickle.dumps(exc)
    except Exception:
        # an error that cannot cross the pipe still says what it was
        return False, RuntimeError(f"{type(exc).__name__}: {exc}"), text
    return False, exc, text


class Workers:
    """``count`` worker processes, started from ``context``, each set up with its own arguments.

    Tasks are module-level functions (they cross the pipe by name) sent to a chosen
    worker; each worker answers its tasks in the order it was sent them.
    """

    def __init__(
        self,
        context: Any,
        init: Callable[..., None],
        args: Sequence[tuple[Any, ...]],
    ) -> None:
        self.processes: list[Any] = []
        self.conns: list[Connection] = []
        #: tasks sent to each worker and not yet answered
        self.owed: list[int] = []
        #: how each worker ended, once all have (see :meth:`terminate`)
        self.exitcodes: list[int | None] = []
        try:
            forked = context.get_start_method() == "fork"
            for worker_args in args:
                here, there = context.Pipe()
                inherited = [*self.conns, here] if forked else []
                process = context.Process(
                    target=_serve, args=(there, init, worker_args, inherited), daemon=True
                )
                process.start()
                there.close()  # only the worker's end: EOF reaches each side when the other goes
                self.processes.append(process)
                self.conns.append(here)
                self.owed.append(0)
        except BaseException:
            self.terminate()
            raise

    def __len__(self) -> int:
        return len(self.processes)

    def send(self, worker: int, fn: Callable[..., Any], *args: Any) -> None:
        try:
            self.conns[worker].send((fn, args))
        except (BrokenPipeError, ConnectionResetError):
            raise self._lost(worker) from None
        self.owed[worker] += 1

    def receive(self) -> tuple[int, Any]:
        """The next answer of any worker: ``(worker, result)``; raises what a task raised.

        Raises :class:`~facialflow.errors.WorkerLost` if a worker ends before it is told to.
        """
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

    def _answer(self, w: int, conn: Connection) -> Any:
        try:
            ok, value, text = conn.recv()
        except (EOFError, OSError):
            raise self._lost(w) from None
        self.owed[w] -= 1
        if not ok:
            error: BaseException = value
            error.__cause__ = RemoteTraceback(text)
            raise error
        return value

    def _lost(self, worker: int) -> WorkerLost:
        process = self.processes[worker]
        process.join(0.1)
        code = process.exitcode
        how = (
            f"was killed by signal {-code}"
            if code is not None and code < 0
            else f"exited with status {code}"
        )
        return WorkerLost(
            f"worker process {process.pid} {how} before finishing its work"
            " (killed from outside: out of memory? try fewer --workers)"
        )

    def close(self) -> None:
        """Tell every worker to stop, and wait for them (terminating any that lingers)."""
        for conn in self.conns:
            with suppress(OSError):  # already gone
                conn.send(None)
        for process in self.processes:
            process.join(_GRACE)
        self.terminate()

    def terminate(self) -> None:
        """Stop every worker now: nothing they hold can keep this process waiting."""
        for process in self.processes:
            if process.is_alive():
                process.terminate()
        for process in self.processes:
            process.join()
            self.exitcodes.append(process.exitcode)
            process.close()
        for conn in self.conns:
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
