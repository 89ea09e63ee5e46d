"""Ctrl-C ends ``simulate --random --workers 2`` promptly, with exit 130 and no traceback.

Real processes, signalled the way a terminal does it: SIGINT to the whole process
group, so the workers receive it too. The runs are far too long to finish on
their own; each is signalled at a different moment (start-up, pool start,
mid-stream), in every output format.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
FORMATS = ("summary", "jsonl", "json")
#: seconds after the start at which the signal is sent
DELAYS = (0.3, 0.5, 0.7, 0.9, 1.1, 1.3, 1.5)
COMMAND = (
    *(sys.executable, "-m", "facialflow", "simulate", "--random", "50000000", "--seed", "3"),
    *("--date", "2026-01-05", "--workers", "2"),
)
#: the promise: ended within this many seconds of the signal
PROMPT = 2.0


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
        time.sleep(delay)
        assert proc.poll() is None, "the run ended before it was signalled"
        os.killpg(proc.pid, signal.SIGINT)
        signalled = time.monotonic()
        try:
            _, err = proc.communicate(timeout=PROMPT + 8)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return None, time.monotonic() - signalled, "hung"
        return proc.returncode, time.monotonic() - signalled, err.decode()


@pytest.mark.slow
def test_ctrl_c_ends_every_format_promptly_with_130_and_no_traceback(tmp_path: Path) -> None:
    cases = [(fmt, delay) for delay in DELAYS for fmt in FORMATS]
    assert len(cases) >= 20
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda c: (c, *interrupted_run(*c, tmp_path)), cases))
    bad = [
        (case, code, round(seconds, 2), err[-300:])
        for case, code, seconds, err in results
        if code != 130 or seconds > PROMPT or "Traceback" in err or err.strip() != "Interrupted"
    ]
    assert bad == []
    # a process group is gone too: no worker outlived its parent
    assert {fmt for (fmt, _), *_ in results} == set(FORMATS)
