"""Calendar export: one parseable, deterministic VEVENT per planned visit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import build_client
from icalendar import Calendar as ICalendar
from icalendar import Event

from facialflow.errors import OutputError, ScheduleError
from facialflow.planning.ics import plan_to_ics, visit_uid, write_ics
from facialflow.planning.schedule import plan_visits
from facialflow.planning.visits import VisitPlan

START = dt.date(2026, 11, 23)


def acne_plan(start: dt.date = START, client_id: str = "t-1") -> VisitPlan:
    client = build_client(id=client_id, concerns=["acne"], a_comedones="mild")
    return plan_visits(client, start, visits=8)


def events(data: bytes) -> list[Event]:
    return [e for e in ICalendar.from_ical(data).walk("VEVENT") if isinstance(e, Event)]


def test_calendar_parses_back_with_one_event_per_visit() -> None:
    plan = acne_plan()
    parsed = events(plan_to_ics(plan))
    assert len(parsed) == len(plan.visits)
    for event, visit in zip(parsed, plan.visits, strict=True):
        assert event.decoded("dtstart") == dt.datetime.combine(visit.date, dt.time(9, 0))
        assert event.decoded("duration") == dt.timedelta(minutes=60)
        assert str(event["uid"]) == visit_uid("t-1", visit)
        assert str(event["status"]) == "TENTATIVE"
    assert str(parsed[0]["summary"]) == "Facial: series 1/6 (t-1)"
    assert str(parsed[6]["summary"]) == "Facial: maintenance 1 (t-1)"


def test_calendar_has_the_required_rfc5545_properties() -> None:
    cal = ICalendar.from_ical(plan_to_ics(acne_plan()))
    assert str(cal["version"]) == "2.0"
    assert "facialflow" in str(cal["prodid"])
    for event in cal.walk("VEVENT"):
        for prop in ("uid", "dtstamp", "dtstart", "summary", "description"):
            assert prop in event


def test_description_lists_steps_and_aftercare_reminders() -> None:
    client = build_client(concerns=["aging"], a_laser_requested=True)
    plan = plan_visits(client, START, visits=2)
    description = str(events(plan_to_ics(plan))[0]["description"])
    # no peel on a laser day: the session refuses acids then, so the plan says plain exfoliation
    assert "Planned steps: cleansing, exfoliation, laser, serums" in description
    assert "SPF 30 or more, every day" in description
    assert "no retinoid or exfoliant for 7 days after the laser" in description
    assert "Spacing: first visit, on the start date" in description


def test_duration_and_start_time_are_configurable() -> None:
    data = plan_to_ics(acne_plan(), duration=dt.timedelta(minutes=90), start_time=dt.time(14, 30))
    event = events(data)[0]
    assert event.decoded("dtstart") == dt.datetime(2026, 11, 23, 14, 30)
    assert event.decoded("duration") == dt.timedelta(minutes=90)


@pytest.mark.parametrize("minutes", [0, -5, 24 * 60 + 1])
def test_an_impossible_duration_is_refused(minutes: int) -> None:
    with pytest.raises(ScheduleError, match="duration"):
        plan_to_ics(acne_plan(), duration=dt.timedelta(minutes=minutes))


def test_same_plan_gives_the_same_bytes() -> None:
    # no wall clock anywhere: DTSTAMP comes from the plan's start date
    assert plan_to_ics(acne_plan()) == plan_to_ics(acne_plan())
    stamp = events(plan_to_ics(acne_plan()))[0].decoded("dtstamp")
    assert stamp == dt.datetime(2026, 11, 23, tzinfo=dt.UTC)


def test_uid_is_stable_per_client_and_visit_across_replanning() -> None:
    first = [str(e["uid"]) for e in events(plan_to_ics(acne_plan()))]
    moved = [str(e["uid"]) for e in events(plan_to_ics(acne_plan(START + dt.timedelta(days=7))))]
    other = [str(e["uid"]) for e in events(plan_to_ics(acne_plan(client_id="t-2")))]
    assert first == moved
    assert len(set(first)) == len(first)
    assert not set(first) & set(other)


def test_client_ids_with_calendar_syntax_survive_the_round_trip() -> None:
    plan = acne_plan(client_id="Müller, Anna; room 2")
    event = events(plan_to_ics(plan))[0]
    assert str(event["summary"]) == "Facial: series 1/6 (Müller, Anna; room 2)"
    assert str(event["uid"]).endswith("@facialflow")


def test_write_ics_writes_the_file_and_reports_errors(tmp_path: Path) -> None:
    target = tmp_path / "plan.ics"
    assert write_ics(acne_plan(), target) == 8
    assert target.read_bytes() == plan_to_ics(acne_plan())
    with pytest.raises(OutputError, match=r"cannot write .*the folder .* does not exist"):
        write_ics(acne_plan(), tmp_path / "missing" / "plan.ics")
