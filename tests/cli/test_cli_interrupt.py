"""Runs with workers (``simulate --random``, ``verify``) end promptly however they are stopped.

Real processes, signalled the way a terminal does it (Ctrl-C and a hang-up reach the
whole process group, workers included), or as ``kill`` does, or with a worker killed
as the out-of-memory killer would. The runs are far too long to finish on their own;
Ctrl-C comes at different moments (as the workers start, early, mid-stream), in every
output format. Each stopped run ends with its documented exit, no traceback, no
worker left running and no folder left behind (but for a run killed outright, whose
folder the next run removes; and a run started under nohup, which a hang-up does not
stop).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
FORMATS = ("summary", "jsonl", "json")
#: seconds after the workers have started at which the signal is sent
DELAYS = (0.0, 0.1, 0.25, 0.4, 0.6, 0.8, 1.0)
COMMAND = (
    *(sys.executable, "-m", "facialflow", "simulate", "--random", "50000000", "--seed", "3"),
    *("--date", "2026-01-05", "--workers", "2"),
)
#: the promise: ended within this many seconds of the signal
PROMPT = 2.0
#: where a run may keep the sessions its workers ship each other
SHIPPED = ("/dev/shm", tempfile.gettempdir())


def wait_for_workers(pid: int, timeout: float = 20.0) -> None:
    """Until the run has forked its workers: a signal before then reaches Python's own start-up.

    (Ctrl-C while the interpreter itself starts, before any facialflow code runs, is
    reported by Python; facialflow's promise starts with its own code.)
    """
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if not children.exists():
        time.sleep(1.0)  # no /proc: give start-up a generous second
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if len(children.read_text().split()) >= 2:
                return
        except OSError:
            return
        time.sleep(0.01)
    raise AssertionError("the run never started its workers")


def group_gone(group: int, grace: float = 2.0) -> bool:
    """Whether every process of the run's process group has ended (workers included)."""
    deadline = time.monotonic() + grace
    while True:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)


def processes_state(pid: int) -> str:
    """What a hung run's processes are doing, signals included, for the failure message."""
    found = []
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for p in pids:
        try:
            status = Path(f"/proc/{p}/status").read_text().splitlines()
            wchan = Path(f"/proc/{p}/wchan").read_text()
        except OSError:
            continue
        keep = ("State", "SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt")
        found.append(f"{p}: " + ", ".join(x for x in status if x.startswith(keep)) + f", {wchan}")
    return "; ".join(found)


def shipped_folders(pid: int) -> list[Path]:
    """The folders in which run ``pid``'s workers ship each other sessions (a summary's)."""
    return [p for d in SHIPPED for p in Path(d).glob(f"facialflow-{pid}-*")]


def hung(proc: subprocess.Popen[bytes], state: str) -> str:
    """Kill a hung run's group; what its processes were doing (``state``) and its stderr."""
    os.killpg(proc.pid, signal.SIGKILL)
    _, err = proc.communicate()
    return f"({state}): {(err or b'').decode()[-500:]}"


def interrupted_run(fmt: str, delay: float, tmp: Path) -> tuple[int | None, float, str]:
    out = tmp / f"{fmt}-{delay}.out"
    with out.open("wb") as stdout:
        proc = subprocess.Popen(
            [*COMMAND, "--format", fmt],
            stdout=stdout,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            start_new_session=True,
        )
        wait_for_workers(proc.pid)
        time.sleep(delay)
        assert proc.poll() is None, "the run ended before it was signalled"
        os.killpg(proc.pid, signal.SIGINT)
        signalled = time.monotonic()
        try:
            _, err = proc.communicate(timeout=PROMPT + 8)
        except subprocess.TimeoutExpired:
            seconds = time.monotonic() - signalled
            return None, seconds, "hung " + hung(proc, processes_state(proc.pid))
        seconds = time.monotonic() - signalled
        if not group_gone(proc.pid):
            return proc.returncode, seconds, "a worker outlived its parent"
        # the sessions a summary's workers ship each other wait in a folder of the run's own
        left = [str(p) for p in shipped_folders(proc.pid)]
        if left:
            return proc.returncode, seconds, f"left behind: {left}"
        return proc.returncode, seconds, err.decode()


@pytest.mark.slow
def test_ctrl_c_ends_every_format_promptly_with_130_and_no_traceback(tmp_path: Path) -> None:
    cases = [(fmt, delay) for delay in DELAYS for fmt in FORMATS]
    assert len(cases) >= 20
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda c: (c, *interrupted_run(c[0], c[1], tmp_path)), cases))
    bad = [
        (case, code, round(seconds, 2), err[-300:])
        for case, code, seconds, err in results
        if code != 130 or seconds > PROMPT or "Traceback" in err or err.strip() != "Interrupted"
    ]
    assert bad == []


def as_a_terminal_starts_it() -> None:
    """For ``preexec_fn``: a hang-up and ``kill`` end the program, as they do when a terminal starts it.

    A program started ignoring them keeps ignoring them (nohup, see below), and a test
    run is not always started from a terminal: under ``nohup`` (a CI job, say) every
    run the tests start would ignore the hang-up they send.
    """
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def started_run(fmt: str, stderr: int) -> subprocess.Popen[bytes]:
    """A long run in its own process group, a moment after its workers started."""
    proc = subprocess.Popen(
        [*COMMAND, "--format", fmt],
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        cwd=ROOT,
        start_new_session=True,
        preexec_fn=as_a_terminal_starts_it,
    )
    wait_for_workers(proc.pid)
    time.sleep(0.3)
    return proc


def ended_cleanly(proc: subprocess.Popen[bytes], after: str) -> str:
    """Its stderr, once the run ended promptly with no worker and no folder left behind."""
    signalled = time.monotonic()
    try:
        _, err = proc.communicate(timeout=PROMPT)
    except subprocess.TimeoutExpired:
        # what its processes are doing (their signals included), read while they still run
        state = processes_state(proc.pid)
        try:
            _, err = proc.communicate(timeout=8)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the run hung after {after} {hung(proc, state)}") from None
        ended = time.monotonic() - signalled
        tail = (err or b"").decode()[-500:]
        raise AssertionError(
            f"the run took {ended:.1f} s to end after {after} ({state}): {tail}"
        ) from None
    assert group_gone(proc.pid), "a worker outlived its parent"
    assert not shipped_folders(proc.pid)
    return (err or b"").decode().strip()


@pytest.mark.slow
def test_a_run_killed_outright_leaves_its_folder_and_the_next_run_removes_it(
    tmp_path: Path,
) -> None:
    proc = started_run("summary", subprocess.DEVNULL)
    os.kill(proc.pid, signal.SIGKILL)  # nothing runs after this one
    proc.wait(timeout=PROMPT + 8)
    # its workers end by themselves once their task is done: their pipes to it are closed
    ended = group_gone(proc.pid, grace=10.0)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # its workers, if any outlived it
    assert ended, "a worker outlived its parent"
    left = shipped_folders(proc.pid)
    assert left, "the run was killed before it made its folder"
    subprocess.run(
        [*COMMAND[:5], "20000", *COMMAND[6:], "--format", "summary"],
        check=True,
        stdout=subprocess.DEVNULL,
        cwd=ROOT,
    )
    assert not [p for p in left if p.exists()]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fmt", "how"),
    [("summary", signal.SIGTERM), ("jsonl", signal.SIGTERM), ("summary", signal.SIGHUP)],
)
def test_kill_or_a_closed_terminal_cleans_up_and_ends_the_run_as_the_signal_does(
    fmt: str, how: int, tmp_path: Path
) -> None:
    # `kill PID` (SIGTERM) and a closed terminal (SIGHUP) reach the program alone or the
    # whole group: either way it stops its workers and removes its folder, then ends by
    # the signal, as a caller has always seen it end
    proc = started_run(fmt, subprocess.PIPE)
    if how == signal.SIGHUP:
        os.killpg(proc.pid, how)
    else:
        os.kill(proc.pid, how)
    err = ended_cleanly(proc, "the signal")
    assert proc.returncode == -how
    assert err == ""


@pytest.mark.slow
def test_a_run_started_ignoring_sighup_keeps_running_when_the_terminal_closes() -> None:
    # nohup: a hang-up the program was started ignoring stays ignored
    proc = subprocess.Popen(
        [*COMMAND, "--format", "summary"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN),
    )
    try:
        wait_for_workers(proc.pid)
        os.killpg(proc.pid, signal.SIGHUP)
        time.sleep(1.0)
        assert proc.poll() is None, "the hang-up ended a run started under nohup"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="finds a worker in /proc")
@pytest.mark.parametrize("fmt", ["summary", "jsonl"])
def test_a_worker_killed_from_outside_fails_the_run_with_one_error_line(
    fmt: str, tmp_path: Path
) -> None:
    # what the kernel's out-of-memory killer does to one worker: the run must not wait for ever
    proc = started_run(fmt, subprocess.PIPE)
    victim = int(Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()[-1])
    os.kill(victim, signal.SIGKILL)
    lines = ended_cleanly(proc, "losing a worker").splitlines()
    assert lines == [
        f"Error: worker process {victim} was killed by SIGKILL before finishing its work"
        " (out of memory? fewer workers use less)"
    ]
    assert proc.returncode == 2


#: a run of ``verify`` far too long to finish while a test waits (tens of seconds)
VERIFY = (sys.executable, "-m", "facialflow", "verify", "--date", "2026-12-01", "--workers", "2")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="finds a worker in /proc")
@pytest.mark.parametrize("how", ["SIGTERM", "Ctrl-C", "a worker killed"])
def test_verify_with_workers_ends_promptly_however_it_is_stopped(how: str) -> None:
    # its workers are terminated mid-chunk: nothing waits for a chunk to finish
    proc = subprocess.Popen(
        VERIFY,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        start_new_session=True,
        preexec_fn=as_a_terminal_starts_it,
    )
    wait_for_workers(proc.pid)
    time.sleep(1.0)
    assert proc.poll() is None, "verify ended before it was stopped"
    if how == "SIGTERM":
        os.kill(proc.pid, signal.SIGTERM)
    elif how == "Ctrl-C":
        os.killpg(proc.pid, signal.SIGINT)
    else:
        victim = int(Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()[-1])
        os.kill(victim, signal.SIGKILL)
    started = time.monotonic()
    err = ended_cleanly(proc, how)
    assert time.monotonic() - started < PROMPT
    if how == "SIGTERM":
        assert (proc.returncode, err) == (-signal.SIGTERM, "")
    elif how == "Ctrl-C":
        assert (proc.returncode, err) == (130, "Interrupted")
    else:
        assert proc.returncode == 2
        assert err == (
            f"Error: worker process {victim} was killed by SIGKILL before finishing its work"
            " (out of memory? fewer workers use less)"
        )
