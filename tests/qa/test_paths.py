"""Path enumeration: exhaustive and exact, proved against a brute force over the real engine."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest
from hypothesis import HealthCheck, given, settings

from facialflow.clinic.reactions import FIRST_REACTIONS
from facialflow.errors import PathExplosion
from facialflow.model import AdverseKind, Assessment, Client, Concern, Condition
from facialflow.protocol.facial import FACIAL
from facialflow.protocol.guards import Facts
from facialflow.protocol.spec import FacialProtocol, GuardSpec, StateSpec, TransitionSpec
from facialflow.qa.paths import (
    adverse_states,
    all_paths,
    client_paths,
    enumerate_paths,
    paths_to_dicts,
    route,
)
from facialflow.session.live import Session
from facialflow.testing import clients

DAY = dt.date(2025, 6, 2)
ANYONE = Client(id="probe", skin_type="normal", concerns=[Concern.PREVENTATIVE], fitzpatrick=2)


def _run(
    facts: Facts | None,
    client: Client,
    adverse_at: int | None,
    kind: AdverseKind,
    worsen_at: int | None = None,
) -> tuple[str, ...]:
    """Drive the real engine; ``adverse_at`` and ``worsen_at`` count states entered, intake 0."""
    session = Session.start(client, date=DAY, policy="conservative")
    if facts is not None:
        session.facts = facts
    position = 0
    while not session.finished:
        if position == adverse_at:
            session.report_adverse(kind)
        elif position == worsen_at:
            session.report_adverse(AdverseKind.WORSENING)
        else:
            session.advance()
        position += 1
    return tuple(session.path)


def _brute_force(client: Client, facts: Facts | None) -> set[tuple[str, ...]]:
    """Every path: every first reaction at every position, then a worsening at every later one."""
    found = set()
    base = _run(facts, client, None, AdverseKind.IRRITATION)
    found.add(base)
    for position, state in enumerate(base):
        if "adverse" not in FACIAL.outgoing[state]:
            continue
        for kind in FIRST_REACTIONS:
            stopped = _run(facts, client, position, kind)
            found.add(stopped)
            for later in range(position + 1, len(stopped) - 1):
                if "emergency" in FACIAL.outgoing[stopped[later]]:
                    found.add(_run(facts, client, position, kind, later))
    return found


def _all_fact_combinations() -> list[Facts]:
    names = ("session_blocked", "extraction_indicated", "laser_indicated", "test_spot_required")
    return [
        Facts(**dict(zip(names, values, strict=True)))
        for values in itertools.product((False, True), repeat=4)
    ]


def test_any_client_paths_equal_a_brute_force_over_every_fact_combination_and_reaction() -> None:
    expected: set[tuple[str, ...]] = set()
    for facts in _all_fact_combinations():
        expected |= _brute_force(ANYONE, facts)
    listed = [p.path for p in all_paths()]
    assert len(listed) == len(set(listed)), "a path is listed twice"
    assert set(listed) == expected


def test_the_facial_has_326_paths_one_declined_six_complete() -> None:
    paths = all_paths()
    outcomes = [p.outcome for p in paths]
    assert len(paths) == 326
    assert outcomes.count("declined") == 1
    assert outcomes.count("complete") == 6
    # a reaction at intake or any of the 62 step positions (tolerated or not)
    assert outcomes.count("stopped") == 64
    # straight from a step, or from any step of the safe exit when it worsens
    assert outcomes.count("emergency") == 255
    # listed complete first, then declined, then stopped, then emergency
    order = ["complete", "declined", "stopped", "emergency"]
    assert outcomes == sorted(outcomes, key=order.index)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clients())
def test_client_paths_equal_a_brute_force_for_that_client(client: Client) -> None:
    listed = {p.path for p in client_paths(client, date=DAY, policy="conservative")}
    assert listed == _brute_force(client, None)


@settings(max_examples=40, deadline=None)
@given(clients())
def test_a_clients_paths_are_among_the_any_client_paths(client: Client) -> None:
    everyone = {p.path: p for p in all_paths()}
    for p in client_paths(client, date=DAY, policy="asds2017"):
        assert p.path in everyone
        # the client's own reasons are added to the generic conditions, in order
        generic = iter(p.conditions)
        assert all(c in generic for c in everyone[p.path].conditions)


def test_paths_start_at_intake_end_in_their_outcome_and_never_repeat_a_state() -> None:
    for p in all_paths():
        assert p.path[0] == "intake"
        assert p.path[-1] == p.outcome
        assert p.outcome in FACIAL.final_states
        assert len(set(p.path)) == len(p.path)


def _find(path: list[str]) -> list[str]:
    (match,) = [p for p in all_paths() if list(p.path) == path]
    return list(match.conditions)


def test_the_declined_path_needs_only_a_blocking_contraindication() -> None:
    assert _find(["intake", "declined"]) == ["blocking contraindication"]


def test_the_plainest_complete_path_says_no_extraction_no_laser() -> None:
    conditions = _find(
        ["intake", "cleansing", "exfoliation", "serums", "mask", "hydration", "complete"]
    )
    assert conditions == ["screening passed", "no extraction, no laser"]


def test_an_intolerant_reaction_at_serums_skips_soothing_and_protection() -> None:
    path = [
        "intake", "cleansing", "exfoliation", "serums",
        "safe_exit_stop", "safe_exit_remove", "safe_exit_cool", "safe_exit_document", "stopped",
    ]  # fmt: skip
    (p,) = [p for p in all_paths() if list(p.path) == path]
    assert "adverse reaction at serums" in p.conditions
    assert "skin cannot tolerate product" in p.conditions
    assert p.adverse is not None
    assert p.adverse.state == "serums"
    assert set(p.adverse.kinds) == {AdverseKind.URTICARIA, AdverseKind.BLISTERING}
    assert p.guards["tolerates_product"] is False


def test_laser_without_test_spot_names_the_guards_that_had_to_fail() -> None:
    conditions = _find(
        [
            "intake", "cleansing", "exfoliation", "laser_treatment", "laser_cooling",
            "serums", "mask", "hydration", "complete",
        ]
    )  # fmt: skip
    assert conditions == [
        "screening passed",
        "not: non-inflamed comedones, no rosacea or fragile skin",
        "not: test spot required (phototype IV-VI or keloid history)",
        "laser requested and safe for this client",
    ]


def test_a_declined_client_has_exactly_one_path() -> None:
    client = Client(
        id="c",
        skin_type="dry",
        concerns=[Concern.AGING],
        fitzpatrick=2,
        conditions=[Condition.FEVER],
    )
    paths = client_paths(client, date=DAY)
    assert [p.path for p in paths if p.adverse is None] == [("intake", "declined")]
    # fainting during the consultation can still happen, and only there
    assert {p.adverse.state for p in paths if p.adverse} == {"intake"}


def test_a_client_can_still_meet_a_reaction_at_every_step_of_its_route() -> None:
    client = Client(id="c", skin_type="oily", concerns=[Concern.ACNE], fitzpatrick=3)
    session = Session.start(client, date=DAY)
    steps = [s for s in route(session.facts) if s in adverse_states()]
    paths = client_paths(client, date=DAY)
    # one undisturbed path; per step that can go wrong, two stopped endings (tolerated or
    # not), straight to the emergency state (not from intake: nothing is on the skin yet),
    # or to it from a safe-exit step it worsens at (six on the tolerated exit; the
    # intolerant one adds only its documenting step)
    assert steps[0] == "intake"
    assert len(paths) == 1 + (2 + 6 + 1) + (len(steps) - 1) * (2 + 1 + 6 + 1)
    assert {p.adverse.state for p in paths if p.adverse} == set(steps)


def test_without_adverse_reactions_only_declined_and_complete_paths_remain() -> None:
    paths = all_paths(adverse=False)
    assert {p.outcome for p in paths} == {"complete", "declined"}
    assert len(paths) == 7


def test_route_is_the_undisturbed_path() -> None:
    facts = Facts(extraction_indicated=True, laser_indicated=True, test_spot_required=True)
    assert route(facts) == (
        "intake", "cleansing", "exfoliation", "extraction", "laser_test_spot",
        "laser_treatment", "laser_cooling", "serums", "mask", "hydration", "complete",
    )  # fmt: skip


def test_paths_json_has_the_contract_keys() -> None:
    data = json.loads(json.dumps(paths_to_dicts(all_paths())))
    assert isinstance(data, list)
    for item in data:
        assert {"path", "outcome", "conditions"} <= set(item)
        assert all(isinstance(c, str) for c in item["conditions"])


def _chain(n: int) -> FacialProtocol:
    names = [f"s{i}" for i in range(n)]
    final = StateSpec("complete", "Complete", "", final=True)
    states = (*(StateSpec(name, name, "") for name in names), final)
    transitions = tuple(
        TransitionSpec("advance", a, b) for a, b in itertools.pairwise([*names, "complete"])
    )
    return FacialProtocol("chain", "1", names[0], states, transitions, ())


def test_a_very_long_protocol_is_walked_without_recursion() -> None:
    (p,) = enumerate_paths(_chain(5000), max_depth=6000)
    assert len(p.path) == 5001


def test_a_cycle_raises_path_explosion_at_the_depth_cap() -> None:
    states = (
        StateSpec("a", "A", ""),
        StateSpec("b", "B", ""),
        StateSpec("complete", "Complete", "", final=True),
    )
    transitions = (
        TransitionSpec("advance", "a", "b"),
        TransitionSpec("advance", "b", "a", guards=("session_blocked",)),
        TransitionSpec("advance", "b", "complete"),
    )
    cyclic = FacialProtocol(
        "cyclic", "1", "a", states, transitions, (GuardSpec("session_blocked", "loop"),)
    )
    with pytest.raises(PathExplosion, match="past 50 states"):
        enumerate_paths(cyclic, max_depth=50)


def test_too_many_paths_raise_path_explosion() -> None:
    with pytest.raises(PathExplosion, match="more than 10 distinct paths"):
        all_paths(max_paths=10)


def test_a_clients_conditions_name_its_own_contraindications() -> None:
    client = Client(
        id="c",
        skin_type="normal",
        concerns=[Concern.AGING],
        fitzpatrick=2,
        pregnant=True,
        assessment=Assessment(laser_requested=True),
    )
    complete = [p for p in client_paths(client, date=DAY) if p.outcome == "complete"]
    (p,) = complete
    assert "no extraction, no laser" in p.conditions
    assert "extraction skipped: no comedones" in p.conditions
    assert "laser skipped: pregnancy (conservative policy)" in p.conditions
    declined = Client(
        id="d",
        skin_type="normal",
        concerns=[Concern.AGING],
        fitzpatrick=2,
        conditions=[Condition.SUNBURN],
    )
    (only,) = [p for p in client_paths(declined, date=DAY) if p.adverse is None]
    assert only.conditions == (
        "blocking contraindication",
        "declined: sunburn (conservative policy)",
    )


def test_many_routes_to_one_path_are_merged_and_the_walk_is_capped() -> None:
    facts = ("session_blocked", "extraction_indicated", "laser_indicated")
    names = ["a", "b", "c", "d"]
    states = (
        *(StateSpec(n, n, "") for n in names),
        StateSpec("complete", "Complete", "", final=True),
    )
    transitions: list[TransitionSpec] = []
    for (src, dst), fact in zip(itertools.pairwise([*names, "complete"]), facts, strict=False):
        transitions += [
            TransitionSpec("advance", src, dst, guards=(fact,)),
            TransitionSpec("advance", src, dst, label=f"no {fact}"),
        ]
    transitions.append(TransitionSpec("advance", "d", "complete"))
    guards = tuple(GuardSpec(f, f) for f in facts)
    diamonds = FacialProtocol("diamonds", "1", "a", states, tuple(transitions), guards)
    (only,) = enumerate_paths(diamonds)
    assert only.path == ("a", "b", "c", "d", "complete")
    assert len(only.also_when) == 2**3 - 1
    with pytest.raises(PathExplosion, match="the walk took more than"):
        enumerate_paths(diamonds, max_paths=1, max_depth=6)
