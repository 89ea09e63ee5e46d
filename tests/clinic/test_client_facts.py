"""Flags, dated facts and medications merge into one set of facts, each with where it came from."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import DATE, build_client

from facialflow.clinic.client_facts import client_facts
from facialflow.clinic.policy import load_policy
from facialflow.clinic.screening import screen
from facialflow.model import Condition, Effect

POLICY = load_policy("conservative")


@pytest.mark.parametrize(
    ("field", "condition"),
    [
        ("last_sun_exposure", Condition.RECENT_TAN),
        ("last_topical_retinoid", Condition.TOPICAL_RETINOID),
        ("last_peel", Condition.RECENT_PEEL_OR_LASER),
        ("last_injectable", Condition.RECENT_INJECTABLES),
    ],
)
def test_a_dated_fact_after_the_session_date_counts_as_recent(
    field: str, condition: Condition
) -> None:
    # a client file refuses such a date; a caller's Client must not make a recent fact vanish
    later = DATE + dt.timedelta(days=9)
    facts = client_facts(build_client(**{field: later.isoformat()}), DATE, POLICY)
    assert facts.has(condition)
    assert f"{field} {later.isoformat()}" in facts.src(condition)


def test_a_future_peel_skips_extraction_and_laser_like_a_recent_one() -> None:
    later = (DATE + dt.timedelta(days=9)).isoformat()
    client = build_client(last_peel=later, a_comedones="moderate", a_laser_requested=True)
    skipped = {f.step for f in screen(client, DATE, POLICY).findings if f.effect is Effect.SKIP}
    assert {"extraction", "laser"} <= skipped


def test_a_peel_outside_the_window_is_no_longer_recent() -> None:
    days = POLICY.screening.recent_procedure_days
    inside = build_client(last_peel=(DATE - dt.timedelta(days=days - 1)).isoformat())
    outside = build_client(last_peel=(DATE - dt.timedelta(days=days)).isoformat())
    assert client_facts(inside, DATE, POLICY).has(Condition.RECENT_PEEL_OR_LASER)
    assert not client_facts(outside, DATE, POLICY).has(Condition.RECENT_PEEL_OR_LASER)
