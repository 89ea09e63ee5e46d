"""Property: no client hypothesis can think of makes a shipped policy break a safety invariant."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from facialflow.clinic.policy import PRESETS, load_policy
from facialflow.model import Client
from facialflow.qa.invariants import violations
from facialflow.qa.shrinking import AdversePlan
from facialflow.testing import DEFAULT_DATE, adverse_plans, assessments, clients, run_session

POLICIES = st.sampled_from(PRESETS)
DATES = st.dates(DEFAULT_DATE - dt.timedelta(days=400), DEFAULT_DATE + dt.timedelta(days=400))


@settings(max_examples=300, deadline=None)
@given(client=clients(), policy=POLICIES, day=DATES)
def test_random_clients_never_break_an_invariant(client: Client, policy: str, day: dt.date) -> None:
    pol = load_policy(policy)
    result = run_session(client, date=day, policy=pol)
    assert violations(result, pol) == []


@settings(max_examples=300, deadline=None)
@given(client=clients(blocking=False), policy=POLICIES, plan=adverse_plans())
def test_random_clients_with_an_adverse_reaction_never_break_an_invariant(
    client: Client, policy: str, plan: AdversePlan
) -> None:
    pol = load_policy(policy)
    result = run_session(client, policy=pol, adverse=plan)
    # a client allergic to every sunscreen is declined at intake (R27), before any step
    assert result.adverse is not None or result.path == ("intake", "declined")
    assert violations(result, pol) == []


@settings(max_examples=150, deadline=None)
@given(
    client=clients(blocking=False, assessment=assessments(laser_requested=True)),
    policy=POLICIES,
)
def test_clients_asking_for_laser_never_break_an_invariant(client: Client, policy: str) -> None:
    pol = load_policy(policy)
    assert violations(run_session(client, policy=pol), pol) == []


@settings(max_examples=100, deadline=None)
@given(client=clients(blocking=True), policy=POLICIES)
def test_clients_with_a_blocking_condition_are_always_declined(client: Client, policy: str) -> None:
    pol = load_policy(policy)
    result = run_session(client, policy=pol)
    assert result.path == ("intake", "declined")
    assert result.products == ()
    assert violations(result, pol) == []
