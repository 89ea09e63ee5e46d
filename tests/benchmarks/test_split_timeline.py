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
        # each worker ran tasks (the wrapper reached it), never longer than its span, and
        # spent CPU time in them (its own clock, not this process's)
        assert 0 < busy <= span + 1e-3
        assert 0 < got[f"worker_cpu_{w}"] <= busy + 1e-2
        # a worker starts after the fork and ends before this process's last batch
        assert got["fork"] < got[f"worker_first_{w}"]
        assert got[f"worker_last_{w}"] <= got["last_batch"]
    # the coordinator's own CPU, within the time the workers ran
    assert 0 < got["coordinator_cpu"] <= got["last_batch"] - got["fork"]


def test_one_worker_forks_nothing_and_reports_only_its_exit() -> None:
    got = split_timeline.timeline(1500, 1)
    assert set(got) == {"exit"}


def test_each_workers_marks_are_keyed_by_its_place_whatever_order_they_arrive_in() -> None:
    stderr = (
        "a warning\n"
        "timeline: worker=1 worker_busy=0.3 worker_last=1.0\n"
        "timeline: fork=0.1 exit=1.5\n"
        "timeline: worker=0 worker_busy=0.2 worker_last=0.9\n"
    )
    assert split_timeline.parse(stderr) == {
        "fork": 0.1,
        "exit": 1.5,
        "worker_busy_0": 0.2,
        "worker_last_0": 0.9,
        "worker_busy_1": 0.3,
        "worker_last_1": 1.0,
    }
