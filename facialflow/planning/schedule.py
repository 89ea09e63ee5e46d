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
from pathlib import Path
from typing import Any

import attrs
from attrs import frozen

from facialflow.clinic.policy import Policy, SchedulePolicy, load_policy
from facialflow.clinic.screening import Screening, add_months, screen
from facialflow.errors import ScheduleError
from facialflow.model import Client, Concern, Condition
from facialflow.planning.visits import (
    DAY,
    MAX_VISITS,
    PLANNED_STEPS,
    Calendar,
    Spacing,
    Visit,
    VisitKind,
    VisitPlan,
)

__all__ = ["age_extra_days", "plan_visits"]


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

    Turnover slows with age (R32), so from ``age_lengthening_from`` on each
    started decade adds ``age_extra_days_per_decade`` (defaults: 40-49 +3, 50-59 +6).
    R32 uses turnover only to suggest maintenance intervals, so series keep theirs.
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
            day += DAY
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
            return add_months(start, 12) - DAY
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
