"""Visits and visit plans: frozen values, with the clinic calendar and the spacing rules they carry."""

from __future__ import annotations

import datetime as dt
import enum
import itertools
from collections.abc import Iterable
from typing import Any

import attrs
from attrs import field, frozen

from facialflow.errors import InvalidValueError, ScheduleError
from facialflow.model import Concern

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
DAY = dt.timedelta(days=1)


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
            raise InvalidValueError(f"spacing {self.source}: max_days below min_days")

    @property
    def label(self) -> str:
        return f"{self.source}, {self.rule}"


def _steps_in_order(_: object, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    positions = [PLANNED_STEPS.index(s) if s in PLANNED_STEPS else -1 for s in value]
    if -1 in positions or positions != sorted(set(positions)):
        raise InvalidValueError(
            f"steps must be distinct planned steps in protocol order: {value!r}"
        )


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
            raise InvalidValueError("series_of is set exactly for series visits")
        if self.series_of is not None and self.number > self.series_of:
            raise InvalidValueError(
                f"series visit {self.number} beyond a series of {self.series_of}"
            )
        gap, low, high = self.gap_days, self.min_gap_days, self.max_gap_days
        if gap is None or low is None or high is None:
            if (gap, low, high) != (None, None, None) or self.spacing:
                raise InvalidValueError(
                    "a first visit has no gap; a later visit has all gap fields"
                )
            return
        # the type itself refuses a visit that breaks a minimum
        if not 1 <= low <= high or gap < low:
            raise InvalidValueError(f"gap of {gap} days outside the minimum {low} (max {high})")
        if gap > high and not self.warnings:
            raise InvalidValueError("a gap over the maximum must carry a warning")

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
            raise InvalidValueError("a plan starts with a visit on its start date")
        for before, after in itertools.pairwise(value):
            if after.gap_days != (after.date - before.date).days or after.gap_days < 1:
                raise InvalidValueError(f"visit on {after.date} has a wrong gap_days")
