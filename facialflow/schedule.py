"""Visit planning: a corrective series, then maintenance, spaced by rules R32-R35.

:func:`plan_visits` turns a client, a start date and a :class:`Policy` into a
frozen :class:`VisitPlan`. Acne and hyperpigmentation get a corrective series;
every other concern is maintenance only. Each visit is placed at the shortest
interval that every spacing rule allows (the strictest minimum wins), then moved
past closed days of the clinic's :class:`Calendar` while the longest allowed
interval still holds. If no open day is left in that window the visit goes to
the next open day with a warning (or :class:`ScheduleError` when ``strict``):
a minimum is never broken, a maximum only ever with a warning on the visit.

Which steps a visit will have comes from intake screening on that visit's date,
so laser spacing follows the same rules the session engine applies. Laser comes
as a course (``laser_series_sessions``, at least ``laser_min_gap_days`` apart;
a series visit waits for it), then only as maintenance every
``laser_maintenance_min_days`` (visits in between simply have no laser, with a
note saying why). A client whose session intake would decline cannot be planned,
and a start date on a closed day is an error: the first visit is on the start date.
"""

from __future__ import annotations

import datetime as dt
import enum
import itertools
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import attrs
from attrs import field, frozen

from facialflow.errors import ScheduleError
from facialflow.model import Client, Concern, Condition
from facialflow.policy import Policy, SchedulePolicy, load_policy
from facialflow.screening import Screening, add_months, screen

__all__ = [
    "MAX_VISITS",
    "WEEKDAY_NAMES",
    "Calendar",
    "Spacing",
    "Visit",
    "VisitKind",
    "VisitPlan",
    "age_extra_days",
    "plan_text_lines",
    "plan_to_dict",
    "plan_visits",
    "step_labels",
    "visit_title",
]

#: a guard against runaway plans (e.g. ``until`` in the year 9999)
MAX_VISITS = 1000
WEEKDAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: every state a planned visit may pass through, in protocol order
PLANNED_STEPS: tuple[str, ...] = (
    "intake",
    "cleansing",
    "exfoliation",
    "extraction",
    "laser",
    "serums",
    "mask",
    "hydration",
)
_DAY = dt.timedelta(days=1)


class VisitKind(enum.StrEnum):
    SERIES = "series"
    MAINTENANCE = "maintenance"


def _weekday_index(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
        return value
    text = str(value).strip().lower()
    for names in (WEEKDAY_NAMES, _FULL_NAMES):
        if text in names:
            return names.index(text)
    raise ScheduleError(
        f"unknown weekday {value!r}; use one of: {', '.join(WEEKDAY_NAMES)} (or 0-6, Monday 0)"
    )


def _weekdays(values: Iterable[object]) -> frozenset[int]:
    return frozenset(_weekday_index(v) for v in values)


def _dates(values: Iterable[dt.date]) -> frozenset[dt.date]:
    out = frozenset(values)
    for day in out:
        if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
            raise ScheduleError(f"closed date {day!r} is not a date")
    return out


@frozen
class Calendar:
    """The days the clinic is closed: weekdays (Monday 0) and single dates."""

    closed_weekdays: frozenset[int] = field(default=frozenset(), converter=_weekdays)
    closed_dates: frozenset[dt.date] = field(default=frozenset(), converter=_dates)

    @closed_weekdays.validator
    def _check_weekdays(self, attribute: attrs.Attribute[Any], value: frozenset[int]) -> None:
        if len(value) == 7:
            raise ScheduleError("every weekday is closed: no visit can be planned")

    @classmethod
    def from_options(
        cls,
        *,
        skip_weekends: bool = False,
        closed_weekdays: Iterable[str | int] = (),
        closed_dates: Iterable[dt.date] = (),
    ) -> Calendar:
        weekdays = [*closed_weekdays, *(("sat", "sun") if skip_weekends else ())]
        return cls(closed_weekdays=weekdays, closed_dates=closed_dates)

    def closure(self, day: dt.date) -> str | None:
        """Why the clinic is closed on ``day``, or None if it is open."""
        if day in self.closed_dates:
            return "closed date"
        if day.weekday() in self.closed_weekdays:
            return f"closed on {WEEKDAY_NAMES[day.weekday()].capitalize()}"
        return None


@frozen
class Spacing:
    """One rule on the days between a visit and the one before it."""

    rule: str
    source: str
    min_days: int = field(validator=attrs.validators.ge(1))
    max_days: int | None = field(default=None)

    @max_days.validator
    def _check_max(self, attribute: attrs.Attribute[Any], value: int | None) -> None:
        if value is not None and value < self.min_days:
            raise ValueError(f"spacing {self.source}: max_days below min_days")

    @property
    def label(self) -> str:
        return f"{self.source}, {self.rule}"


def _steps_in_order(_: object, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    positions = [PLANNED_STEPS.index(s) if s in PLANNED_STEPS else -1 for s in value]
    if -1 in positions or positions != sorted(set(positions)):
        raise ValueError(f"steps must be distinct planned steps in protocol order: {value!r}")


@frozen
class Visit:
    """One planned visit. Gap fields are None for the first visit of a plan."""

    date: dt.date = field(validator=attrs.validators.instance_of(dt.date))
    kind: VisitKind = field(converter=VisitKind)
    #: 1-based position within its kind (series 3, maintenance 2, ...)
    number: int = field(validator=attrs.validators.ge(1))
    #: the series length for a series visit; None for maintenance
    series_of: int | None
    concerns: tuple[Concern, ...]
    steps: tuple[str, ...] = field(validator=_steps_in_order)
    #: "strong" (peel-strength acids allowed) or "gentle"
    exfoliation: str = field(validator=attrs.validators.in_(("strong", "gentle")))
    reason: str
    gap_days: int | None = None
    min_gap_days: int | None = None
    max_gap_days: int | None = None
    spacing: tuple[Spacing, ...] = ()
    #: the day the rules asked for, when a closed day moved the visit
    moved_from: dt.date | None = None
    warnings: tuple[str, ...] = ()
    #: why a conditional step (extraction, laser) is not planned at this visit
    notes: tuple[str, ...] = ()
    aftercare: tuple[str, ...] = ()

    def __attrs_post_init__(self) -> None:
        if (self.kind is VisitKind.SERIES) != (self.series_of is not None):
            raise ValueError("series_of is set exactly for series visits")
        if self.series_of is not None and self.number > self.series_of:
            raise ValueError(f"series visit {self.number} beyond a series of {self.series_of}")
        gap, low, high = self.gap_days, self.min_gap_days, self.max_gap_days
        if gap is None or low is None or high is None:
            if (gap, low, high) != (None, None, None) or self.spacing:
                raise ValueError("a first visit has no gap; a later visit has all gap fields")
            return
        # the type itself refuses a visit that breaks a minimum
        if not 1 <= low <= high or gap < low:
            raise ValueError(f"gap of {gap} days outside the minimum {low} (max {high})")
        if gap > high and not self.warnings:
            raise ValueError("a gap over the maximum must carry a warning")

    @property
    def peel(self) -> bool:
        return "exfoliation" in self.steps and self.exfoliation == "strong"

    @property
    def laser(self) -> bool:
        return "laser" in self.steps

    @property
    def active(self) -> tuple[str, ...]:
        """The treatments at this visit that require a recovery gap (R32, R35)."""
        present = {"peel": self.peel, "extraction": "extraction" in self.steps, "laser": self.laser}
        return tuple(name for name, here in present.items() if here)


@frozen
class VisitPlan:
    """Visits in date order, the first on ``start``."""

    client_id: str
    policy: str
    start: dt.date
    visits: tuple[Visit, ...] = field()
    calendar: Calendar = field(factory=Calendar)

    @visits.validator
    def _check_visits(self, attribute: attrs.Attribute[Any], value: tuple[Visit, ...]) -> None:
        if not value or value[0].date != self.start:
            raise ValueError("a plan starts with a visit on its start date")
        for before, after in itertools.pairwise(value):
            if after.gap_days != (after.date - before.date).days or after.gap_days < 1:
                raise ValueError(f"visit on {after.date} has a wrong gap_days")


@frozen
class _SeriesRule:
    concern: Concern
    fewest: int
    planned: int
    min_days: int
    max_days: int


def _series_rules(sp: SchedulePolicy) -> dict[Concern, _SeriesRule]:
    return {
        Concern.ACNE: _SeriesRule(
            Concern.ACNE,
            sp.acne_series_min_sessions,
            sp.acne_series_sessions,
            sp.acne_min_days,
            sp.acne_max_days,
        ),
        Concern.HYPERPIGMENTATION: _SeriesRule(
            Concern.HYPERPIGMENTATION,
            sp.hyperpigmentation_series_min_sessions,
            sp.hyperpigmentation_series_sessions,
            sp.hyperpigmentation_min_days,
            sp.hyperpigmentation_max_days,
        ),
    }


def _series_for(client: Client, sp: SchedulePolicy, sessions: int | None) -> dict[Concern, int]:
    """Series concerns of the client and how many sessions each series has."""
    rules = _series_rules(sp)
    chosen = [rules[c] for c in client.concerns if c in rules]
    if sessions is None:
        return {r.concern: r.planned for r in chosen}
    if not chosen:
        raise ScheduleError(
            "a series length needs a series concern (acne or hyperpigmentation); "
            f"client {client.id} has maintenance only"
        )
    fewest, most = max(r.fewest for r in chosen), min(r.planned for r in chosen)
    if not fewest <= sessions <= most:
        raise ScheduleError(f"the series must have {fewest} to {most} sessions, got {sessions}")
    return {r.concern: sessions for r in chosen}


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def age_extra_days(client: Client, on: dt.date, sp: SchedulePolicy) -> tuple[int, int | None]:
    """Days added to the maintenance interval for the client's age on ``on``, and that age.

    Turnover slows with age (domain 4b), so from ``age_lengthening_from`` on each
    started decade adds ``age_extra_days_per_decade`` (defaults: 40-49 +3, 50-59 +6).
    Domain 4b uses turnover only to suggest maintenance intervals, so series keep theirs.
    """
    if client.birth_date is None:
        return 0, None
    age = _age(client.birth_date, on)
    if age < sp.age_lengthening_from:
        return 0, age
    return sp.age_extra_days_per_decade * ((age - sp.age_lengthening_from) // 10 + 1), age


def _aftercare(
    visit_steps: tuple[str, ...], peel: bool, day: dt.date, policy: Policy
) -> tuple[str, ...]:
    out = [f"apply a broad-spectrum sunscreen, SPF {policy.products.min_spf} or more, every day"]
    actives = [n for n, on in (("peel", peel), ("laser", "laser" in visit_steps)) if on]
    if actives:
        pause = policy.schedule.post_active_pause_days
        until = day + dt.timedelta(days=pause)
        out.append(
            f"no retinoid or exfoliant for {pause} days after the {' and '.join(actives)}"
            f" (until {until.isoformat()})"
        )
        out.append("no heat, sweat or sauna for 48 hours")
    else:
        out.append("no exfoliation for 48 hours")
    return tuple(out)


def _window(spacing: tuple[Spacing, ...]) -> tuple[int, int, int]:
    """(minimum, maximum, the tightest maximum): a safety minimum overrides any maximum."""
    low = max(s.min_days for s in spacing)
    tightest = min(s.max_days for s in spacing if s.max_days is not None)
    return low, max(low, tightest), tightest


def _reason(spacing: tuple[Spacing, ...], moved: tuple[dt.date, str] | None) -> str:
    low, high, tightest = _window(spacing)
    lows = "; ".join(s.label for s in spacing if s.min_days == low)
    highs = "; ".join(s.label for s in spacing if s.max_days == tightest)
    if tightest < low:
        text = f"at least {low} days ({lows}); the {tightest}-day maximum ({highs}) yields to it"
    elif lows == highs:
        text = f"{low} to {high} days apart ({lows})"
    else:
        text = f"at least {low} days ({lows}), at most {high} days ({highs})"
    if moved is not None:
        text += f"; moved from {moved[0].isoformat()} ({moved[1]}) to the next open day"
    return text


# screening's skip reasons when there was simply nothing to do: not worth a note
_NOTHING_TO_DO = ("not requested", "no comedones")


@frozen
class _Slot:
    """What the n-th visit of a plan is, before it has a date."""

    kind: VisitKind
    number: int
    series_of: int | None
    concerns: tuple[Concern, ...]


class _Planner:
    """Places visits one after another for one plan; keeps its laser history."""

    def __init__(self, client: Client, policy: Policy, calendar: Calendar, strict: bool) -> None:
        self.client = client
        # a recent peel or laser named in the client file is before the first visit; after
        # it the plan itself spaces procedures, so screening later visits must not see it
        # (passed as a mapping: mypy's attrs plugin cannot type Client's frozenset converter)
        changes: dict[str, Any] = {
            "conditions": client.conditions - {Condition.RECENT_PEEL_OR_LASER}
        }
        self.later_client = attrs.evolve(client, **changes)
        self.policy = policy
        self.sp = policy.schedule
        self.calendar = calendar
        self.strict = strict
        self.laser_count = 0
        self.last_laser: dt.date | None = None
        self._screens: dict[dt.date, Screening] = {}

    def _screening(self, day: dt.date) -> Screening:
        if day not in self._screens:
            self._screens[day] = screen(self.later_client, day, self.policy)
        return self._screens[day]

    def _laser_limits(self) -> tuple[dt.date | None, dt.date | None]:
        """(laser_ready, laser_due): during the course a visit waits until ``laser_ready``
        for its laser; after the course, visits before ``laser_due`` simply have none (R34)."""
        if self.last_laser is None:
            return None, None
        gap = self.sp.laser_min_gap_days
        if self.laser_count < self.sp.laser_series_sessions:
            return (self.last_laser + dt.timedelta(days=gap) if gap >= 1 else None), None
        due = max(gap, self.sp.laser_maintenance_min_days)
        return None, self.last_laser + dt.timedelta(days=due)

    def _make(
        self, day: dt.date, screening: Screening, slot: _Slot, laser_due: dt.date | None, **gap: Any
    ) -> Visit:
        facts = screening.facts
        laser = facts.laser_indicated and (laser_due is None or day >= laser_due)
        wanted = {"extraction": facts.extraction_indicated, "laser": laser}
        steps = tuple(s for s in PLANNED_STEPS if wanted.get(s, True))
        # the session refuses acids and enzymes on a laser day, so no peel is planned with laser
        exfoliation = "gentle" if laser else screening.exfoliation
        notes = [
            f"{step} not planned: {why}"
            for step, why in screening.skipped.items()
            if why not in _NOTHING_TO_DO
        ]
        if facts.laser_indicated and not laser:
            notes.append(
                f"laser not planned: the course of {self.sp.laser_series_sessions} laser sessions"
                f" is done; laser maintenance is due from {laser_due} (R34)"
            )
        return Visit(
            date=day,
            kind=slot.kind,
            number=slot.number,
            series_of=slot.series_of,
            concerns=slot.concerns,
            steps=steps,
            exfoliation=exfoliation,
            notes=tuple(notes),
            aftercare=_aftercare(steps, exfoliation == "strong", day, self.policy),
            **gap,
        )

    def record(self, visit: Visit) -> None:
        """Take ``visit`` into the plan: later laser spacing counts from it."""
        if visit.laser:
            self.laser_count += 1
            self.last_laser = visit.date

    def first(self, start: dt.date, slot: _Slot) -> Visit:
        closed = self.calendar.closure(start)
        if closed is not None:
            raise ScheduleError(
                f"the clinic is closed on the start date {start.isoformat()} ({closed});"
                " choose an open day"
            )
        screening = screen(self.client, start, self.policy)
        if screening.declined:
            raise ScheduleError(
                f"cannot plan visits for client {self.client.id}: intake declines the session ("
                + "; ".join(screening.decline_reasons)
                + "); plan again once that has resolved"
            )
        return self._make(start, screening, slot, None, reason="first visit, on the start date")

    def _base_spacing(self, prev: Visit, slot: _Slot, series: dict[Concern, int]) -> list[Spacing]:
        if slot.kind is VisitKind.SERIES:
            rules = _series_rules(self.sp)
            out = [
                Spacing("R33", f"{c.value} series", rules[c].min_days, rules[c].max_days)
                for c, sessions in series.items()
                if sessions >= slot.number
            ]
        else:
            extra, age = age_extra_days(self.client, prev.date, self.sp)
            source = "maintenance" + (f", {extra} days longer at age {age}" if extra else "")
            low, high = self.sp.maintenance_min_days + extra, self.sp.maintenance_max_days + extra
            out = [Spacing("R32", source, low, high)]
        if prev.active and self.sp.post_active_min_gap_days >= 1:
            what = " and ".join(prev.active)
            out.append(Spacing("R32/R35", f"after the {what}", self.sp.post_active_min_gap_days))
        return out

    def next(self, prev: Visit, slot: _Slot, series: dict[Concern, int]) -> Visit:
        spacing = self._base_spacing(prev, slot, series)
        laser_ready, laser_due = self._laser_limits()
        day = earliest = prev.date + dt.timedelta(days=_window(tuple(spacing))[0])
        first_closure: tuple[dt.date, str] | None = None
        while True:
            screening = self._screening(day)
            laser = screening.facts.laser_indicated
            if laser and laser_ready is not None and day < laser_ready:
                day = earliest = laser_ready
                first_closure = None
                continue
            closed = self.calendar.closure(day)
            if closed is None:
                break
            first_closure = first_closure or (day, closed)
            day += _DAY
        if laser and laser_ready is not None and (laser_ready - prev.date).days >= 1:
            last = (laser_ready - dt.timedelta(days=self.sp.laser_min_gap_days)).isoformat()
            source = f"laser {self.sp.laser_min_gap_days} days after the laser on {last}"
            spacing.append(Spacing("R34", source, (laser_ready - prev.date).days))
        low, high, _ = _window(tuple(spacing))
        gap = (day - prev.date).days
        warnings: list[str] = []
        if gap > high:
            # only closed days push a visit past its maximum
            warning = (
                f"no open day from {earliest.isoformat()} to "
                f"{(prev.date + dt.timedelta(days=high)).isoformat()}: {gap} days after the "
                f"previous visit, over the {high}-day maximum"
            )
            if self.strict:
                raise ScheduleError(f"{slot.kind.value} visit {slot.number}: {warning}")
            warnings.append(warning)
        moved = first_closure if day != earliest else None
        return self._make(
            day,
            screening,
            slot,
            laser_due,
            reason=_reason(tuple(spacing), moved),
            gap_days=gap,
            min_gap_days=low,
            max_gap_days=high,
            spacing=tuple(spacing),
            moved_from=earliest if moved else None,
            warnings=tuple(warnings),
        )


def _check_count(visits: int | None, until: dt.date | None, start: dt.date) -> dt.date | None:
    if visits is not None and until is not None:
        raise ScheduleError("give either visits or until, not both")
    if visits is not None:
        if isinstance(visits, bool) or not isinstance(visits, int) or visits < 1:
            raise ScheduleError(f"visits must be a positive integer, got {visits!r}")
        if visits > MAX_VISITS:
            raise ScheduleError(f"visits must be at most {MAX_VISITS}, got {visits}")
        return None
    if until is None:
        # with no count, a plan covers one year
        try:
            return add_months(start, 12) - _DAY
        except ValueError:
            return dt.date.max
    if until < start:
        raise ScheduleError(
            f"until {until.isoformat()} is before the start date {start.isoformat()}"
        )
    return until


def plan_visits(
    client: Client,
    start: dt.date,
    policy: Policy | str | Path | None = None,
    *,
    visits: int | None = None,
    until: dt.date | None = None,
    calendar: Calendar | None = None,
    series_sessions: int | None = None,
    strict: bool = False,
) -> VisitPlan:
    """Plan visits for ``client`` from ``start`` (the first visit is on that day).

    Give ``visits`` (how many) or ``until`` (last possible day, inclusive); with
    neither the plan covers one year. ``series_sessions`` shortens the corrective
    series within the policy's range. ``strict`` turns "no open day within the
    maximum interval" from a warning on the visit into a :class:`ScheduleError`.
    """
    pol = policy if isinstance(policy, Policy) else load_policy(policy)
    cal = calendar if calendar is not None else Calendar()
    if not isinstance(start, dt.date) or isinstance(start, dt.datetime):
        raise ScheduleError(f"start must be a date, got {start!r}")
    horizon = _check_count(visits, until, start)
    series = _series_for(client, pol.schedule, series_sessions)
    series_len = max(series.values(), default=0)
    planner = _Planner(client, pol, cal, strict)

    def slot(n: int) -> _Slot:
        if n <= series_len:
            active = tuple(c for c, sessions in series.items() if sessions >= n)
            return _Slot(VisitKind.SERIES, n, series_len, active)
        return _Slot(VisitKind.MAINTENANCE, n - series_len, None, client.concerns)

    try:
        plan = [planner.first(start, slot(1))]
        planner.record(plan[0])
        while visits is None or len(plan) < visits:
            visit = planner.next(plan[-1], slot(len(plan) + 1), series)
            if horizon is not None and visit.date > horizon:
                break
            if len(plan) == MAX_VISITS:
                raise ScheduleError(
                    f"the plan would have more than {MAX_VISITS} visits; end it sooner"
                )
            plan.append(visit)
            planner.record(visit)
    except OverflowError:
        raise ScheduleError("the plan runs past the last date the calendar can represent") from None
    return VisitPlan(client.id, pol.name, start, tuple(plan), cal)


def _visit_to_dict(v: Visit) -> dict[str, Any]:
    return {
        "date": v.date.isoformat(),
        "kind": str(v.kind),
        "number": v.number,
        "series_of": v.series_of,
        "weekday": WEEKDAY_NAMES[v.date.weekday()],
        "concerns": [str(c) for c in v.concerns],
        "steps": list(v.steps),
        "exfoliation": v.exfoliation,
        "gap_days": v.gap_days,
        "min_gap_days": v.min_gap_days,
        "max_gap_days": v.max_gap_days,
        "reason": v.reason,
        "spacing": [
            {"rule": s.rule, "source": s.source, "min_days": s.min_days, "max_days": s.max_days}
            for s in v.spacing
        ],
        "moved_from": v.moved_from.isoformat() if v.moved_from else None,
        "warnings": list(v.warnings),
        "notes": list(v.notes),
        "aftercare": list(v.aftercare),
    }


def plan_to_dict(plan: VisitPlan) -> dict[str, Any]:
    """The contract's plan JSON: ``{"client": id, "visits": [...]}`` plus extra keys."""
    return {
        "client": plan.client_id,
        "policy": plan.policy,
        "start": plan.start.isoformat(),
        "closed_weekdays": [WEEKDAY_NAMES[d] for d in sorted(plan.calendar.closed_weekdays)],
        "closed_dates": [d.isoformat() for d in sorted(plan.calendar.closed_dates)],
        "visits": [_visit_to_dict(v) for v in plan.visits],
    }


def visit_title(visit: Visit) -> str:
    if visit.kind is VisitKind.SERIES:
        return f"series {visit.number}/{visit.series_of}"
    return f"maintenance {visit.number}"


def step_labels(visit: Visit) -> list[str]:
    strong = visit.exfoliation == "strong"
    return [
        "exfoliation (peel-strength)" if s == "exfoliation" and strong else s
        for s in visit.steps
        if s != "intake"
    ]


def plan_text_lines(plan: VisitPlan) -> list[str]:
    """The plan as human-readable lines (the CLI's text format)."""
    v = plan.visits
    lines = [
        f"Visit plan for {plan.client_id} ({plan.policy} policy): {len(v)} visit"
        f"{'s' if len(v) != 1 else ''}, {v[0].date.isoformat()} to {v[-1].date.isoformat()}"
    ]
    for i, visit in enumerate(v, 1):
        gap = f"+{visit.gap_days}d" if visit.gap_days is not None else "start"
        day = WEEKDAY_NAMES[visit.date.weekday()].capitalize()
        lines.append(
            f"{i:>3}  {visit.date.isoformat()} {day}  {visit_title(visit):<16} {gap:>5}  "
            + ", ".join(step_labels(visit))
        )
        lines.append(f"       why: {visit.reason}")
        lines.extend(f"       warning: {w}" for w in visit.warnings)
        lines.extend(f"       note: {n}" for n in visit.notes)
    return lines
