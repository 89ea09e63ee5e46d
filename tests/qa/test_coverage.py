"""Coverage: what sessions exercised, and an explicit list of what they never did."""

from __future__ import annotations

import pytest

from facialflow.protocol.facial import FACIAL
from facialflow.protocol.guards import Facts
from facialflow.qa.coverage import Coverage, Trace, decide, trace_path, transition_name

PLAIN = ("intake", "cleansing", "exfoliation", "serums", "mask", "hydration", "complete")
LASER_SPOT = (
    "intake",
    "cleansing",
    "exfoliation",
    "extraction",
    "laser_test_spot",
    "laser_treatment",
    "laser_cooling",
    "serums",
    "mask",
    "hydration",
    "complete",
)
STOPPED_AT_MASK = (
    "intake",
    "cleansing",
    "exfoliation",
    "serums",
    "mask",
    "safe_exit_stop",
    "safe_exit_remove",
    "safe_exit_cool",
    "safe_exit_document",
    "stopped",
)


def name_of(index: int | None) -> str:
    assert index is not None
    return transition_name(FACIAL.transitions[index])


def test_decide_takes_the_first_candidate_whose_guards_hold() -> None:
    facts = Facts(laser_indicated=True, test_spot_required=False)

    d = decide(FACIAL, "exfoliation", "advance", facts)

    assert name_of(d.transition) == "exfoliation -> laser_treatment"
    # extraction fails; the test-spot edge fails on its second guard; laser_treatment passes
    assert d.guards == (
        ("extraction_indicated", False),
        ("laser_indicated", True),
        ("test_spot_required", False),
        ("laser_indicated", True),
    )


def test_decide_stops_evaluating_a_candidate_at_its_first_false_guard() -> None:
    d = decide(FACIAL, "exfoliation", "advance", Facts())

    assert name_of(d.transition) == "exfoliation -> serums"
    assert ("test_spot_required", False) not in d.guards


def test_decide_reports_no_transition_for_a_trigger_the_state_refuses() -> None:
    assert decide(FACIAL, "intake", "emergency", Facts()).transition is None


def test_trace_path_names_each_transition_taken() -> None:
    facts = Facts(extraction_indicated=True, laser_indicated=True, test_spot_required=True)

    trace = trace_path(LASER_SPOT, facts, rules={"R10"})

    assert [name_of(i) for i in trace.transitions][:4] == [
        "intake -> cleansing",
        "cleansing -> exfoliation",
        "exfoliation -> extraction",
        "extraction -> laser_test_spot",
    ]
    assert trace.outcome == "complete"
    assert trace.rules == {"R10"}


def test_trace_path_switches_to_the_facts_after_the_reaction() -> None:
    intolerant = Facts(tolerates_product=False)

    trace = trace_path(STOPPED_AT_MASK, Facts(), facts_after_adverse=intolerant)

    assert "mask -(adverse)-> safe_exit_stop" in [name_of(i) for i in trace.transitions]
    assert ("tolerates_product", False) in trace.guards


def test_trace_path_refuses_a_path_the_guards_could_not_produce() -> None:
    with pytest.raises(ValueError, match="exfoliation -> extraction"):
        trace_path(("intake", "cleansing", "exfoliation", "extraction"), Facts())


def test_a_report_lists_everything_never_exercised() -> None:
    coverage = Coverage(rules=("R1", "R19", "R20"))
    coverage.add(trace_path(PLAIN, Facts(), rules={"R19", "R20"}))

    report = coverage.report()

    missed = report.never_exercised
    assert "extraction" in missed["states"]
    assert "stopped" in missed["states"]
    assert "exfoliation -> extraction" in missed["transitions"]
    assert "tolerates_product=true" in missed["guard outcomes"]
    assert "extraction_indicated=true" in missed["guard outcomes"]
    assert "extraction_indicated=false" not in missed["guard outcomes"]
    assert missed["rules"] == ("R1",)
    assert report["states"].covered == len(PLAIN)
    assert report.covered < report.total


def test_every_guard_seen_both_ways_covers_the_guard_criterion() -> None:
    coverage = Coverage()
    spot = Facts(extraction_indicated=True, laser_indicated=True, test_spot_required=True)
    coverage.add(trace_path(LASER_SPOT, spot))
    coverage.add(trace_path(PLAIN, Facts()))
    coverage.add(
        trace_path(STOPPED_AT_MASK, Facts(), facts_after_adverse=Facts(tolerates_product=False))
    )
    coverage.add(
        trace_path(
            (*STOPPED_AT_MASK[:-2], "safe_exit_soothe", "safe_exit_protect", *STOPPED_AT_MASK[-2:]),
            Facts(),
        )
    )
    no_spot = (*LASER_SPOT[:4], *LASER_SPOT[5:])
    coverage.add(trace_path(no_spot, Facts(extraction_indicated=True, laser_indicated=True)))
    coverage.add(trace_path(("intake", "declined"), Facts(session_blocked=True)))
    coverage.add(
        trace_path(
            ("intake", "cleansing", "emergency"),
            Facts(),
            facts_after_adverse=Facts(tolerates_product=False),
        )
    )

    guards = coverage.report()["guard outcomes"]

    assert guards.missed == ()
    assert guards.percent == 100.0


def test_counts_weight_traces_and_merge_adds_accumulators() -> None:
    a, b = Coverage(), Coverage()
    trace = trace_path(PLAIN, Facts(), rules={"R20"})
    a.add(trace, 3)
    b.add(trace)

    a.merge(b)

    report = a.report()
    assert a.sessions == 4
    assert report["states"].counts["serums"] == 4
    assert report["rules"].counts["R20"] == 4
    assert report.sessions == 4


def test_rules_outside_the_universe_are_still_counted_and_reported() -> None:
    coverage = Coverage(rules=("R1",))
    coverage.add(
        Trace(("intake", "declined"), (0,), (("session_blocked", True),), frozenset({"R99"}))
    )

    counts = coverage.report()["rules"].counts

    assert counts == {"R1": 0, "R99": 1}


def test_percent_pools_every_item_and_an_empty_run_is_zero() -> None:
    empty = Coverage().report()

    assert empty.covered == 0
    assert empty.percent == 0.0
    assert empty.total == len(FACIAL.states) + len(FACIAL.transitions) + 2 * len(FACIAL.guards)


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        Coverage().add(trace_path(PLAIN, Facts()), -1)


def test_report_dict_has_each_criterion_with_its_gaps() -> None:
    coverage = Coverage(rules=("R20",))
    coverage.add(trace_path(PLAIN, Facts(), rules={"R20"}))

    d = coverage.report().to_dict()

    assert set(d) == {"sessions", "percent", "covered", "total", "criteria"}
    assert set(d["criteria"]) == {"states", "transitions", "guard outcomes", "rules"}
    states = d["criteria"]["states"]
    assert set(states) == {"covered", "total", "percent", "never_exercised", "counts"}
    assert "declined" in states["never_exercised"]
