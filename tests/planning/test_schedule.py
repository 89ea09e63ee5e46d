"""Visit planning: series, maintenance, spacing rules R32-R35, calendars and the plan objects."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import attrs
import pytest
from conftest import build_client
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from facialflow.clinic.policy import Policy, SchedulePolicy, load_policy
from facialflow.clinic.screening import screen
from facialflow.errors import PolicyError, ScheduleError
from facialflow.model import Assessment, Client, Comedones, Concern, Condition, SkinType
from facialflow.planning.report import plan_text_lines, plan_to_dict
from facialflow.planning.schedule import plan_visits
from facialflow.planning.visits import MAX_VISITS, Calendar, Visit, VisitKind, VisitPlan

START = dt.date(2026, 11, 23)  # a Monday
DAY = dt.timedelta(days=1)


def gaps(plan: VisitPlan) -> list[int]:
    return [v.gap_days for v in plan.visits[1:] if v.gap_days is not None]


def with_schedule(**changes: Any) -> Policy:
    return attrs.evolve(Policy(), name="custom", schedule=attrs.evolve(SchedulePolicy(), **changes))


# -- series and maintenance (R32, R33) ----------------------------------------------------------


def test_acne_series_has_six_visits_fourteen_days_apart_then_maintenance_every_28() -> None:
    client = build_client(concerns=["acne"], a_comedones="mild")
    plan = plan_visits(client, START, visits=9)
    assert plan.visits[0].date == START
    assert [(v.kind, v.number) for v in plan.visits[:6]] == [
        (VisitKind.SERIES, n) for n in range(1, 7)
    ]
    assert all(v.series_of == 6 for v in plan.visits[:6])
    assert gaps(plan) == [14] * 5 + [28] * 3
    assert "acne series, R33" in plan.visits[1].reason


def test_series_switches_to_maintenance_after_its_last_session() -> None:
    client = build_client(concerns=["acne", "aging"], a_comedones="mild")
    plan = plan_visits(client, START, visits=8)
    switch = plan.visits[6]
    assert (plan.visits[5].kind, plan.visits[5].number) == (VisitKind.SERIES, 6)
    assert (switch.kind, switch.number, switch.series_of) == (VisitKind.MAINTENANCE, 1, None)
    assert switch.concerns == (Concern.ACNE, Concern.AGING)
    assert (switch.min_gap_days, switch.max_gap_days) == (28, 42)
    assert "maintenance, R32" in switch.reason
    assert plan.visits[7].number == 2


def test_hyperpigmentation_series_is_spaced_21_days() -> None:
    plan = plan_visits(build_client(concerns=["hyperpigmentation"]), START, visits=7)
    assert gaps(plan) == [21] * 5 + [28]
    assert plan.visits[1].max_gap_days == 28


def test_hyperpigmentation_interval_is_configurable_up_to_42_days(tmp_path: Path) -> None:
    f = tmp_path / "slow-pigment.toml"
    f.write_text(
        'extends = "conservative"\n[schedule]\n'
        "hyperpigmentation_min_days = 35\nhyperpigmentation_max_days = 42\n"
    )
    plan = plan_visits(build_client(concerns=["hyperpigmentation"]), START, f, visits=3)
    assert gaps(plan) == [35, 35]
    assert plan.visits[1].max_gap_days == 42
    f.write_text('extends = "conservative"\n[schedule]\nhyperpigmentation_max_days = 43\n')
    with pytest.raises(
        PolicyError, match=r"hyperpigmentation_max_days: must be an integer from 1 to 42"
    ):
        load_policy(f)


def test_other_concerns_get_maintenance_only() -> None:
    client = build_client(concerns=["dehydration", "dullness"])
    plan = plan_visits(client, START, visits=4)
    assert [v.kind for v in plan.visits] == [VisitKind.MAINTENANCE] * 4
    assert [v.number for v in plan.visits] == [1, 2, 3, 4]
    assert gaps(plan) == [28, 28, 28]


def test_series_can_be_shortened_within_the_policy_range() -> None:
    client = build_client(concerns=["acne"])
    plan = plan_visits(client, START, visits=5, series_sessions=4)
    assert [v.kind for v in plan.visits] == [VisitKind.SERIES] * 4 + [VisitKind.MAINTENANCE]
    assert plan.visits[0].series_of == 4
    with pytest.raises(ScheduleError, match="must have 4 to 6 sessions"):
        plan_visits(client, START, visits=5, series_sessions=3)
    with pytest.raises(ScheduleError, match="maintenance only"):
        plan_visits(build_client(concerns=["aging"]), START, series_sessions=4)


# -- several concerns: the strictest constraint wins ----------------------------------------------


def test_acne_with_hyperpigmentation_takes_the_larger_minimum_and_smaller_maximum() -> None:
    client = build_client(concerns=["acne", "hyperpigmentation"])
    visit = plan_visits(client, START, visits=2).visits[1]
    assert visit.gap_days == 21
    assert (visit.min_gap_days, visit.max_gap_days) == (21, 21)
    assert "hyperpigmentation series, R33" in visit.reason
    assert "at most 21 days (acne series, R33)" in visit.reason
    assert {s.source for s in visit.spacing} >= {"acne series", "hyperpigmentation series"}


def test_a_longer_series_continues_at_its_own_interval_when_the_shorter_ends() -> None:
    policy = with_schedule(acne_series_sessions=4)
    client = build_client(concerns=["acne", "hyperpigmentation"])
    plan = plan_visits(client, START, policy, visits=7)
    assert [v.concerns for v in plan.visits[3:6]] == [
        (Concern.ACNE, Concern.HYPERPIGMENTATION),
        (Concern.HYPERPIGMENTATION,),
        (Concern.HYPERPIGMENTATION,),
    ]
    assert plan.visits[4].max_gap_days == 28
    assert plan.visits[5].series_of == 6
    assert plan.visits[6].kind is VisitKind.MAINTENANCE


def test_when_windows_do_not_overlap_the_minimum_wins_and_the_reason_says_so() -> None:
    policy = with_schedule(hyperpigmentation_min_days=28, hyperpigmentation_max_days=42)
    client = build_client(concerns=["acne", "hyperpigmentation"])
    visit = plan_visits(client, START, policy, visits=2).visits[1]
    assert visit.gap_days == 28
    assert (visit.min_gap_days, visit.max_gap_days) == (28, 28)
    assert "the 21-day maximum (acne series, R33) yields to it" in visit.reason


# -- procedures: laser (R34) and the gap after a peel, extraction or laser (R32, R35) ------------


def test_laser_sessions_are_at_least_28_days_apart_even_in_an_acne_series() -> None:
    client = build_client(concerns=["acne"], a_laser_requested=True)
    plan = plan_visits(client, START, visits=4)
    assert all(v.laser for v in plan.visits)
    assert gaps(plan) == [28, 28, 28]
    assert "laser 28 days after the laser on 2026-11-23, R34" in plan.visits[1].reason


def test_after_the_laser_course_laser_is_maintenance_only() -> None:
    policy = with_schedule(laser_series_sessions=3, laser_maintenance_min_days=182)
    client = build_client(concerns=["aging"], a_laser_requested=True)
    plan = plan_visits(client, START, policy, visits=10)
    # maintenance every 28 days: a course of three, then the first visit 182 days on
    lasers = [(v.date - START).days for v in plan.visits if v.laser]
    assert lasers == [0, 28, 56, 252]
    skipped = [v for v in plan.visits if not v.laser]
    assert skipped
    assert all("laser maintenance is due from" in v.notes[0] for v in skipped)


def test_laser_joins_the_plan_when_the_isotretinoin_washout_ends() -> None:
    # conservative: 6 months after the last dose (R7); the plan screens each visit's own date
    client = build_client(
        concerns=["aging"], isotretinoin_last_dose="2026-09-01", a_laser_requested=True
    )
    plan = plan_visits(client, START, visits=6)
    first_laser = next(v for v in plan.visits if v.laser)
    assert first_laser.date >= dt.date(2027, 3, 1)
    assert all(v.date < dt.date(2027, 3, 1) for v in plan.visits if not v.laser)
    assert "isotretinoin within 6 months" in plan.visits[0].notes[0]


def test_no_visit_sooner_than_14_days_after_a_peel_or_extraction() -> None:
    policy = with_schedule(acne_min_days=7, acne_max_days=21)
    with_extraction = build_client(concerns=["acne"], a_comedones="moderate")
    visit = plan_visits(with_extraction, START, policy, visits=2).visits[1]
    assert visit.gap_days == 14
    assert "after the peel and extraction, R32/R35" in visit.reason
    # sensitive skin: gentle exfoliation, no comedones: nothing that needs a recovery gap
    quiet = build_client(concerns=["acne"], skin_type="sensitive")
    assert gaps(plan_visits(quiet, START, policy, visits=2)) == [7]


def test_recent_peel_in_the_client_file_affects_only_the_first_visit() -> None:
    client = build_client(
        concerns=["aging"], conditions=["recent_peel_or_laser"], a_laser_requested=True
    )
    plan = plan_visits(client, START, visits=3)
    assert not plan.visits[0].laser
    assert plan.visits[0].exfoliation == "gentle"
    assert plan.visits[1].laser


# -- age (R32, domain 4b) -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth_date", "gap"),
    [(None, 28), ("1990-01-01", 28), ("1985-01-01", 31), ("1975-01-01", 34), ("1960-01-01", 37)],
)
def test_maintenance_interval_lengthens_with_age(birth_date: str | None, gap: int) -> None:
    extra = {"birth_date": birth_date} if birth_date else {}
    plan = plan_visits(build_client(concerns=["aging"], **extra), START, visits=2)
    assert gaps(plan) == [gap]
    assert plan.visits[1].max_gap_days == gap + 14


def test_age_does_not_lengthen_a_corrective_series() -> None:
    client = build_client(concerns=["acne"], birth_date="1960-01-01")
    assert gaps(plan_visits(client, START, visits=3)) == [14, 14]


# -- the clinic calendar ------------------------------------------------------------------------


def test_skip_weekends_moves_a_sunday_visit_to_monday() -> None:
    # maintenance at age 45 is 31 days: Thursday + 31 is a Sunday
    client = build_client(concerns=["aging"], birth_date="1981-06-01")
    thursday = dt.date(2026, 11, 26)
    calendar = Calendar.from_options(skip_weekends=True)
    visit = plan_visits(client, thursday, visits=2, calendar=calendar).visits[1]
    assert visit.moved_from == dt.date(2026, 12, 27)
    assert visit.date == dt.date(2026, 12, 28)
    assert visit.date.weekday() == 0
    assert "moved from 2026-12-27 (closed on Sun) to the next open day" in visit.reason
    assert visit.warnings == ()


def test_a_closed_date_moves_a_visit_past_the_weekend_within_the_maximum() -> None:
    friday = dt.date(2026, 11, 27)  # + 21 days is Friday 18 December, closed
    calendar = Calendar.from_options(skip_weekends=True, closed_dates=[dt.date(2026, 12, 18)])
    plan = plan_visits(
        build_client(concerns=["hyperpigmentation"]), friday, visits=2, calendar=calendar
    )
    visit = plan.visits[1]
    assert visit.date == dt.date(2026, 12, 21)
    assert (visit.gap_days, visit.max_gap_days) == (24, 28)
    assert visit.moved_from == dt.date(2026, 12, 18)
    assert visit.warnings == ()
    assert "moved from 2026-12-18 (closed date) to the next open day" in visit.reason


def test_closed_weekdays_are_never_planned() -> None:
    calendar = Calendar.from_options(closed_weekdays=["mon", "tue"])
    plan = plan_visits(
        build_client(concerns=["acne"]), START + 2 * DAY, visits=10, calendar=calendar
    )
    assert all(v.date.weekday() not in (0, 1) for v in plan.visits)
    assert all(not v.warnings for v in plan.visits)


def test_no_open_day_within_the_maximum_gives_a_warning_and_never_an_early_visit() -> None:
    client = build_client(concerns=["acne"], a_comedones="mild")
    closed = [START + dt.timedelta(days=d) for d in range(14, 24)]
    calendar = Calendar.from_options(closed_dates=closed)
    visit = plan_visits(client, START, visits=2, calendar=calendar).visits[1]
    assert visit.gap_days == 24
    assert visit.max_gap_days == 21
    assert visit.warnings
    assert "over the 21-day maximum" in visit.warnings[0]
    with pytest.raises(ScheduleError, match="series visit 2: no open day from 2026-12-07"):
        plan_visits(client, START, visits=2, calendar=calendar, strict=True)


def test_the_start_date_must_be_an_open_day() -> None:
    calendar = Calendar.from_options(closed_dates=[START])
    with pytest.raises(ScheduleError, match=r"start date 2026-11-23 \(closed date\)"):
        plan_visits(build_client(), START, calendar=calendar)
    with pytest.raises(ScheduleError, match=r"\(closed on Sat\)"):
        plan_visits(
            build_client(),
            dt.date(2026, 11, 28),
            calendar=Calendar.from_options(skip_weekends=True),
        )


def test_calendar_weekday_names_and_errors() -> None:
    assert Calendar(closed_weekdays=["Mon", "sunday", 2]).closed_weekdays == frozenset({0, 6, 2})
    with pytest.raises(ScheduleError, match="unknown weekday 'funday'"):
        Calendar(closed_weekdays=["funday"])
    with pytest.raises(ScheduleError, match="every weekday is closed"):
        Calendar(closed_weekdays=range(7))
    with pytest.raises(ScheduleError, match="not a date"):
        Calendar(closed_dates=["2026-12-25"])  # type: ignore[list-item]


# -- how long a plan is, and bad requests -------------------------------------------------------


def test_until_is_inclusive_and_the_default_plan_covers_one_year() -> None:
    client = build_client(concerns=["aging"])
    plan = plan_visits(client, START, until=START + dt.timedelta(days=56))
    assert [v.date for v in plan.visits] == [START + dt.timedelta(days=d) for d in (0, 28, 56)]
    year = plan_visits(client, START)
    assert year.visits[-1].date <= dt.date(2027, 11, 22)
    assert year.visits[-1].date + dt.timedelta(days=28) > dt.date(2027, 11, 22)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"visits": 0}, "visits must be a positive integer"),
        ({"visits": -3}, "visits must be a positive integer"),
        ({"visits": True}, "visits must be a positive integer"),
        ({"visits": MAX_VISITS + 1}, "visits must be at most 1000"),
        ({"visits": 2, "until": START}, "either visits or until"),
        ({"until": START - DAY}, "is before the start date"),
        ({"until": dt.date(9999, 12, 31)}, "more than 1000 visits"),
    ],
)
def test_bad_plan_requests_raise_schedule_error(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        plan_visits(build_client(), START, **options)


def test_a_plan_past_the_last_representable_date_is_a_clean_error() -> None:
    with pytest.raises(ScheduleError, match="last date"):
        plan_visits(build_client(), dt.date(9999, 12, 1), visits=3)


def test_a_client_whose_session_would_be_declined_cannot_be_planned() -> None:
    with pytest.raises(ScheduleError, match=r"intake declines the session.*cold sore"):
        plan_visits(build_client(conditions=["active_cold_sore"]), START)


def test_policy_can_be_a_preset_name_or_object() -> None:
    client = build_client(concerns=["acne"])
    assert plan_visits(client, START, "asds2017", visits=1).policy == "asds2017"
    assert plan_visits(client, START, Policy(name="x"), visits=1).policy == "x"
    with pytest.raises(PolicyError):
        plan_visits(client, START, "nope", visits=1)


# -- the plan objects ---------------------------------------------------------------------------


def test_plan_json_has_the_contract_shape() -> None:
    client = build_client(concerns=["acne", "aging"], a_comedones="mild")
    data = plan_to_dict(plan_visits(client, START, visits=8))
    json.dumps(data)
    assert data["client"] == "t-1"
    dates = [v["date"] for v in data["visits"]]
    assert dates == sorted(dates)
    assert dates[0] == "2026-11-23"
    assert {v["kind"] for v in data["visits"]} == {"series", "maintenance"}
    first = data["visits"][0]
    assert first["steps"] == [
        "intake",
        "cleansing",
        "exfoliation",
        "extraction",
        "serums",
        "mask",
        "hydration",
    ]
    assert any("SPF 30" in a for a in first["aftercare"])
    assert any("no retinoid" in a for a in first["aftercare"])


def test_text_lines_show_each_visit_and_why() -> None:
    lines = plan_text_lines(plan_visits(build_client(concerns=["acne"]), START, visits=2))
    assert (
        lines[0] == "Visit plan for t-1 (conservative policy): 2 visits, 2026-11-23 to 2026-12-07"
    )
    assert "series 2/6" in lines[3]
    assert "+14d" in lines[3]
    assert "exfoliation (peel-strength)" in lines[3]
    assert lines[4].strip() == (
        "why: at least 14 days (acne series, R33; after the peel, R32/R35),"
        " at most 21 days (acne series, R33)"
    )


def test_visit_type_refuses_a_gap_below_its_minimum() -> None:
    visit = plan_visits(build_client(concerns=["acne"]), START, visits=2).visits[1]
    with pytest.raises(ValueError, match="outside the minimum"):
        attrs.evolve(visit, gap_days=visit.min_gap_days - 1)  # type: ignore[operator]
    with pytest.raises(ValueError, match="must carry a warning"):
        attrs.evolve(visit, gap_days=40)
    with pytest.raises(ValueError, match="protocol order"):
        attrs.evolve(visit, steps=("laser", "cleansing"))
    with pytest.raises(ValueError, match="series_of"):
        attrs.evolve(visit, kind=VisitKind.MAINTENANCE)


def test_plan_type_refuses_visits_out_of_order() -> None:
    plan = plan_visits(build_client(concerns=["acne"]), START, visits=3)
    with pytest.raises(ValueError, match="wrong gap_days"):
        attrs.evolve(plan, visits=(plan.visits[0], plan.visits[2]))
    with pytest.raises(ValueError, match="start date"):
        attrs.evolve(plan, start=START + DAY)


def test_schedule_policy_rejects_inconsistent_windows() -> None:
    with pytest.raises(ValueError, match="acne_min_days"):
        SchedulePolicy(acne_min_days=30)
    with pytest.raises(ValueError, match=r"maintenance_min_days: must be an integer from 1 to"):
        SchedulePolicy(maintenance_min_days=0)
    with pytest.raises(ValueError, match="acne_series_min_sessions"):
        SchedulePolicy(acne_series_min_sessions=7)


def test_visit_is_frozen() -> None:
    visit: Visit = plan_visits(build_client(), START, visits=1).visits[0]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        visit.date = START + DAY  # type: ignore[misc]


# -- property: no generated plan ever breaks a spacing rule -------------------------------------

SAFE_CONDITIONS = [c for c in Condition if c not in Policy().screening.declining_conditions]


@st.composite
def schedule_policies(draw: st.DrawFn) -> Policy:
    def window(low_max: int, high_max: int) -> tuple[int, int]:
        low = draw(st.integers(1, low_max))
        return low, draw(st.integers(low, max(low, high_max)))

    m_lo, m_hi = window(50, 70)
    a_lo, a_hi = window(30, 45)
    h_lo, h_hi = window(42, 42)
    a_n, h_n = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    schedule = SchedulePolicy(
        maintenance_min_days=m_lo,
        maintenance_max_days=m_hi,
        acne_series_sessions=a_n,
        acne_series_min_sessions=draw(st.integers(1, a_n)),
        acne_min_days=a_lo,
        acne_max_days=a_hi,
        hyperpigmentation_series_sessions=h_n,
        hyperpigmentation_series_min_sessions=draw(st.integers(1, h_n)),
        hyperpigmentation_min_days=h_lo,
        hyperpigmentation_max_days=h_hi,
        laser_min_gap_days=draw(st.integers(0, 56)),
        post_active_min_gap_days=draw(st.integers(0, 21)),
        age_lengthening_from=draw(st.integers(20, 70)),
        age_extra_days_per_decade=draw(st.integers(0, 10)),
        laser_series_sessions=draw(st.integers(0, 6)),
        laser_maintenance_min_days=draw(st.integers(0, 365)),
    )
    base = load_policy(draw(st.sampled_from(["conservative", "asds2017"])))
    return attrs.evolve(base, name=f"{base.name}-schedule", schedule=schedule)


@st.composite
def clients(draw: st.DrawFn, around: dt.date) -> Client:
    recent = st.dates(around - dt.timedelta(days=400), around + dt.timedelta(days=200))
    return Client(
        id="gen",
        skin_type=draw(st.sampled_from(SkinType)),
        concerns=tuple(draw(st.lists(st.sampled_from(Concern), min_size=1, unique=True))),
        fitzpatrick=draw(st.integers(1, 6)),
        pregnant=draw(st.booleans()),
        isotretinoin_last_dose=draw(st.none() | recent),
        conditions=frozenset(draw(st.lists(st.sampled_from(SAFE_CONDITIONS), max_size=4))),
        assessment=Assessment(
            comedones=draw(st.sampled_from(Comedones)),
            laser_requested=draw(st.booleans()),
        ),
        birth_date=draw(st.none() | st.dates(dt.date(1930, 1, 1), dt.date(2008, 1, 1))),
    )


@st.composite
def calendars(draw: st.DrawFn, around: dt.date) -> Calendar:
    days = st.dates(around, around + dt.timedelta(days=500))
    return Calendar(
        closed_weekdays=draw(st.sets(st.integers(0, 6), max_size=5)),
        closed_dates=draw(st.sets(days, max_size=40)),
    )


def _interval(visit: Visit, prev: Visit, client: Client, sp: SchedulePolicy) -> tuple[int, int]:
    """The R32/R33 window of ``visit``, computed from the policy, not from the plan."""
    if visit.kind is VisitKind.SERIES:
        windows = {
            Concern.ACNE: (sp.acne_min_days, sp.acne_max_days),
            Concern.HYPERPIGMENTATION: (
                sp.hyperpigmentation_min_days,
                sp.hyperpigmentation_max_days,
            ),
        }
        chosen = [windows[c] for c in visit.concerns]
        return max(lo for lo, _ in chosen), min(hi for _, hi in chosen)
    extra = 0
    if client.birth_date is not None:
        b, on = client.birth_date, prev.date
        age = on.year - b.year - ((on.month, on.day) < (b.month, b.day))
        if age >= sp.age_lengthening_from:
            extra = sp.age_extra_days_per_decade * ((age - sp.age_lengthening_from) // 10 + 1)
    return sp.maintenance_min_days + extra, sp.maintenance_max_days + extra


def assert_plan_keeps_every_rule(
    plan: VisitPlan, client: Client, policy: Policy, calendar: Calendar, start: dt.date
) -> None:
    sp = policy.schedule
    # the planner screens visits after the first without the file's "recent" procedure
    changes: dict[str, Any] = {"conditions": client.conditions - {Condition.RECENT_PEEL_OR_LASER}}
    later = attrs.evolve(client, **changes)
    visits = plan.visits
    assert visits[0].date == start
    assert visits[0].gap_days is None
    series_len = max(
        (
            {Concern.ACNE: sp.acne_series_sessions}.get(c)
            or {Concern.HYPERPIGMENTATION: sp.hyperpigmentation_series_sessions}.get(c, 0)
            for c in client.concerns
        ),
        default=0,
    )
    lasers: list[dt.date] = []
    for i, visit in enumerate(visits):
        assert calendar.closure(visit.date) is None
        expected_kind = VisitKind.SERIES if i < series_len else VisitKind.MAINTENANCE
        assert visit.kind is expected_kind
        assert visit.number == (i + 1 if i < series_len else i + 1 - series_len)
        facts = screen(client if i == 0 else later, visit.date, policy)
        assert ("extraction" in visit.steps) == facts.facts.extraction_indicated
        assert not visit.laser or facts.facts.laser_indicated
        assert visit.exfoliation == ("gentle" if visit.laser else facts.exfoliation)
        if i > 0:
            prev = visits[i - 1]
            gap = (visit.date - prev.date).days
            assert gap == visit.gap_days
            floor, tightest = _interval(visit, prev, client, sp)
            if prev.peel or "extraction" in prev.steps or prev.laser:
                floor = max(floor, sp.post_active_min_gap_days)  # R32, R35
            assert gap >= floor
            in_course = len(lasers) < sp.laser_series_sessions
            ready = lasers[-1] + dt.timedelta(days=sp.laser_min_gap_days) if lasers else None
            laser_floor = (ready - prev.date).days if (visit.laser and ready and in_course) else 0
            ceiling = max(floor, laser_floor, tightest)
            # every day the visit skipped over was closed or too soon for its laser (R34)
            for k in range(floor, gap):
                day = prev.date + dt.timedelta(days=k)
                laser_blocked = (
                    in_course
                    and ready is not None
                    and day < ready
                    and screen(later, day, policy).facts.laser_indicated
                )
                assert calendar.closure(day) is not None or laser_blocked, day
            assert bool(visit.warnings) == (gap > ceiling)
        if visit.laser:
            if lasers:
                apart = (visit.date - lasers[-1]).days
                assert apart >= sp.laser_min_gap_days  # R34
                if len(lasers) >= sp.laser_series_sessions:
                    assert apart >= sp.laser_maintenance_min_days
            lasers.append(visit.date)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_no_generated_plan_ever_breaks_a_spacing_rule(data: st.DataObject) -> None:
    start = data.draw(st.dates(dt.date(2020, 1, 1), dt.date(2035, 12, 31)), label="start")
    calendar = data.draw(calendars(start), label="calendar")
    assume(calendar.closure(start) is None)
    client = data.draw(clients(start), label="client")
    policy = data.draw(schedule_policies(), label="policy")
    count = data.draw(st.integers(1, 25), label="visits")
    plan = plan_visits(client, start, policy, visits=count, calendar=calendar)
    assert len(plan.visits) == count
    assert_plan_keeps_every_rule(plan, client, policy, calendar, start)
