"""Store events: lifecycle events follow from the state a step entered."""

from __future__ import annotations

from facialflow.records.events import EventKind, StoreEvent, step_events


def _step(state: str) -> StoreEvent:
    return StoreEvent(EventKind.STEP, "s-1", 4, "2026-11-25T10:00:00+00:00", "Ana", state)


def test_entering_the_emergency_protocol_is_an_emergency_event() -> None:
    kinds = [e.kind for e in step_events(_step("emergency"), finished=True, outcome="emergency")]
    assert kinds == [EventKind.STEP, EventKind.EMERGENCY, EventKind.FINISHED]


def test_an_ordinary_step_is_one_event() -> None:
    assert [e.kind for e in step_events(_step("serums"), finished=False, outcome=None)] == [
        EventKind.STEP
    ]


def test_lifecycle_events_keep_the_step_details() -> None:
    *_, finished = step_events(_step("complete"), finished=True, outcome="complete")
    assert (finished.session_id, finished.revision, finished.actor) == ("s-1", 4, "Ana")
    assert finished.outcome == "complete"
