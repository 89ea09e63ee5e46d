"""Calendar export: a :class:`~facialflow.planning.schedule.VisitPlan` as an iCalendar file.

One VEVENT per visit. Output is a pure function of the plan and the options, so
the same input gives the same bytes: the UID is a UUID5 of client, kind and
number (re-importing a re-planned series updates the events instead of adding
copies), DTSTAMP is derived from the plan's start date rather than the clock,
and times are floating local times (the clinic's wall clock, no time zone).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from pathlib import Path

from icalendar import Calendar, Event

from facialflow.errors import ScheduleError
from facialflow.io.atomic import write_atomic
from facialflow.planning.report import step_labels, visit_title
from facialflow.planning.visits import Visit, VisitPlan

__all__ = [
    "DEFAULT_DURATION",
    "DEFAULT_START_TIME",
    "PRODID",
    "plan_to_ics",
    "visit_uid",
    "write_ics",
]

DEFAULT_DURATION = dt.timedelta(minutes=60)
DEFAULT_START_TIME = dt.time(9, 0)
_MAX_DURATION = dt.timedelta(hours=24)
_UID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_DNS, "facialflow.plan")
PRODID = "-//facialflow//visit plan//EN"


def visit_uid(client_id: str, visit: Visit) -> str:
    """A UID stable for this client's n-th series or maintenance visit."""
    name = f"{client_id}\x1f{visit.kind.value}\x1f{visit.number}"
    return f"{uuid.uuid5(_UID_NAMESPACE, name)}@facialflow"


def _description(plan: VisitPlan, visit: Visit) -> str:
    lines = [
        f"Client: {plan.client_id}",
        f"Visit: {visit_title(visit)} ({', '.join(str(c) for c in visit.concerns)})",
        "Planned steps: " + ", ".join(step_labels(visit)),
        f"Spacing: {visit.reason}",
    ]
    lines.extend(f"Warning: {w}" for w in visit.warnings)
    lines.extend(f"Note: {n}" for n in visit.notes)
    lines.append("Aftercare:")
    lines.extend(f"- {a}" for a in visit.aftercare)
    lines.append(f"Planned by facialflow under the {plan.policy} policy.")
    return "\n".join(lines)


def _check_options(duration: dt.timedelta, start_time: dt.time) -> None:
    if not dt.timedelta(0) < duration <= _MAX_DURATION:
        raise ScheduleError(f"duration must be more than 0 and at most 24 hours, got {duration}")
    if start_time.tzinfo is not None:
        raise ScheduleError("start_time must be a local (floating) time without a time zone")


def plan_to_ics(
    plan: VisitPlan,
    *,
    duration: dt.timedelta = DEFAULT_DURATION,
    start_time: dt.time = DEFAULT_START_TIME,
) -> bytes:
    """The plan as an RFC 5545 calendar, one tentative VEVENT per visit."""
    _check_options(duration, start_time)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"facialflow: {plan.client_id}")
    stamp = dt.datetime.combine(plan.start, dt.time(0), tzinfo=dt.UTC)
    for visit in plan.visits:
        event = Event()
        event.add("uid", visit_uid(plan.client_id, visit))
        event.add("dtstamp", stamp)
        event.add("dtstart", dt.datetime.combine(visit.date, start_time))
        event.add("duration", duration)
        event.add("summary", f"Facial: {visit_title(visit)} ({plan.client_id})")
        event.add("description", _description(plan, visit))
        event.add("categories", [visit.kind.value])
        # planned, not yet booked: calendars show it as tentative
        event.add("status", "TENTATIVE")
        cal.add_component(event)
    return bytes(cal.to_ical())


def write_ics(
    plan: VisitPlan,
    path: str | Path,
    *,
    duration: dt.timedelta = DEFAULT_DURATION,
    start_time: dt.time = DEFAULT_START_TIME,
    protect: Iterable[tuple[str, str | Path | None]] = (),
) -> int:
    """Write the plan's calendar to ``path`` atomically; returns the number of events written.

    ``protect`` names input files (``("--client", path)``) that must not be overwritten.
    """
    data = plan_to_ics(plan, duration=duration, start_time=start_time)
    write_atomic(path, data, protect=protect)
    return len(plan.visits)
