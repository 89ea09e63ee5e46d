"""The two-worker timeline benchmark really clocks the program's workers and coordinator."""

from __future__ import annotations

import sys
from pathlib import Path

# appended, not put first: the benchmark scripts' names never shadow another module
sys.path.append(str(Path(__file__).resolve().parents[2] / "benchmarks"))

import split_timeline


def test_a_two_worker_run_reports_the_fork_both_workers_busy_and_the_coordinators_cpu() -> None:
    got = split_timeline.timeline(3000, 2)
    assert 0 < got["fork"] < got["last_batch"] <= got["exit"]
    for w in (0, 1):
        busy = got[f"worker_busy_{w}"]
        span = got[f"worker_last_{w}"] - got[f"worker_first_{w}"]
        # each worker ran tasks (the wrapper reached it) and was never busier than its span
        assert busy > 0
        assert busy <= span + 1e-3
        # a worker starts after the fork and ends before this process's last batch
        assert got["fork"] < got[f"worker_first_{w}"]
        assert got[f"worker_last_{w}"] <= got["last_batch"]
    assert 0 <= got["coordinator_cpu"] < got["exit"]


def test_one_worker_forks_nothing_and_reports_only_its_exit() -> None:
    got = split_timeline.timeline(1500, 1)
    assert set(got) == {"exit"}


def test_lines_that_are_not_the_timelines_are_ignored() -> None:
    stderr = "a warning\ntimeline: fork=0.1 exit=0.5\ntimeline: worker_busy=0.2 worker_first=0.2\n"
    assert split_timeline.parse(stderr) == {
        "fork": 0.1,
        "exit": 0.5,
        "worker_busy_0": 0.2,
        "worker_first_0": 0.2,
    }
