"""The bad-input battery: every case a real process, each one clear ``Error:`` line and exit 2.

The table is :mod:`bad_input_cases`. All cases run once, concurrently (they are
separate processes; most of their time is start-up), then each is checked on its
own: the exit code (2 for a user error, or the documented code), exactly one
``Error:`` line holding the words that name the field, option or plugin, nothing
on stdout, and never a traceback.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from bad_input_cases import CASES, DAY, Case

ROOT = Path(__file__).parents[2]

#: restores a snapshot file the way an embedding application would, and reports like the CLI
SNAPSHOT_DRIVER = """
import json, sys
from facialflow.errors import SnapshotError
from facialflow.session.live import Session
try:
    Session.restore(json.loads(open(sys.argv[1], encoding="utf-8").read()))
except SnapshotError as exc:
    print(f"Error: {exc}", file=sys.stderr)
    sys.exit(2)
print("restored")
"""


def _valid_snapshot() -> dict[str, Any]:
    import datetime as dt

    from conftest import build_client

    from facialflow.session.live import Session

    session = Session.start(build_client(), date=dt.date.fromisoformat(DAY))
    session.advance()
    return session.snapshot()


def _run(case: Case, folder: Path, snapshot: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    folder.mkdir()
    for name, content in case.files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    env = {**os.environ, **{k: v.replace("{dir}", str(folder)) for k, v in case.env.items()}}
    env.pop("FACIALFLOW_DEBUG", None)
    if case.snapshot is not None:
        (folder / "s.json").write_text(json.dumps(case.snapshot(snapshot)), encoding="utf-8")
        command = [sys.executable, "-c", SNAPSHOT_DRIVER, str(folder / "s.json")]
    else:
        args = [a.replace("{dir}", str(folder)) for a in case.args]
        command = [sys.executable, "-m", "facialflow", *args]
    return subprocess.run(
        command, capture_output=True, text=True, cwd=folder, env=env, timeout=60, check=False
    )


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("bad-input")
    snapshot = _valid_snapshot()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(4, 2 * (os.cpu_count() or 1))) as pool:
        futures = {
            c.id: pool.submit(_run, c, base / f"{i:03d}", snapshot) for i, c in enumerate(CASES)
        }
        results: dict[str, Any] = {name: f.result() for name, f in futures.items()}
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    results["__seconds__"] = time.perf_counter() - started
    results["__cpu__"] = used.ru_utime + used.ru_stime
    return results


def test_the_battery_has_at_least_100_cases_in_every_category() -> None:
    counts = Counter(c.category for c in CASES)
    assert sum(counts.values()) >= 100
    assert set(counts) == {"client", "policy", "catalog", "option", "snapshot", "plugin"}
    assert min(counts.values()) >= 10
    assert len({c.id for c in CASES}) == len(CASES)  # every case has its own name


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_input_is_one_clear_error_naming_the_field(
    outcomes: dict[str, Any], case: Case
) -> None:
    proc = outcomes[case.id]
    stderr = proc.stderr
    assert "Traceback" not in stderr, stderr
    assert proc.returncode == case.code, stderr
    if case.code == 0:
        for words in case.words:
            assert words in stderr
        return
    assert proc.stdout == ""
    errors = [line for line in stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, stderr
    # a FacialflowError is the whole of stderr; a click usage error adds its usage lines
    assert stderr.strip() == errors[0] or stderr.startswith("Usage:"), stderr
    for words in case.words:
        assert words in errors[0], errors[0]
    assert "internal error" not in errors[0]
