"""The checker finds a planted bug and shrinks it to the smallest client that shows it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import attrs
import pytest

from facialflow.clinic.policy import Policy, load_policy
from facialflow.io.client_file import client_from_dict
from facialflow.model import (
    AdverseKind,
    Assessment,
    Client,
    Comedones,
    Concern,
    Condition,
    Outcome,
    SessionResult,
    SkinType,
)
from facialflow.qa.check import check_clients, compact_client_dict
from facialflow.qa.invariants import INVARIANTS, Invariant
from facialflow.qa.shrinking import AdversePlan, StepNotReached, run_scenario, shrink_client

DAY = dt.date(2025, 6, 2)

#: a client with a bit of everything, the kind a generator produces
BUSY = Client(
    id="busy-1",
    skin_type=SkinType.COMBINATION,
    concerns=[Concern.HYPERPIGMENTATION, Concern.AGING, Concern.DEHYDRATION],
    fitzpatrick=3,
    pregnant=True,
    breastfeeding=True,
    isotretinoin_last_dose=dt.date(2023, 1, 5),
    allergies=["Lavender Oil", "fragrance"],
    medications=["warfarin"],
    conditions=[Condition.ANTICOAGULANTS, Condition.KELOID_HISTORY, Condition.RECENT_INJECTABLES],
    assessment=Assessment(
        comedones=Comedones.MODERATE,
        laser_requested=True,
        antiviral_prophylaxis=True,
        clinician_approved_laser=True,
    ),
)

PLAIN = Client(id="plain", skin_type=SkinType.NORMAL, concerns=[Concern.AGING], fitzpatrick=2)


def broken_policy(tmp_path: Path, name: str, screening: str) -> Policy:
    path = tmp_path / f"{name}.toml"
    path.write_text(f'extends = "conservative"\nname = "{name}"\n[screening]\n{screening}\n')
    return load_policy(path)


def population(*needles: Client, size: int = 60) -> Iterable[Client]:
    """Harmless clients with the needles hidden among them."""
    for i in range(size):
        yield attrs.evolve(PLAIN, id=f"p-{i}", fitzpatrick=1 + i % 6)
        if i == size // 2:
            yield from needles


def test_shrinking_keeps_only_what_the_failure_needs() -> None:
    def fails(c: Client) -> bool:
        return c.pregnant and c.assessment.laser_requested

    minimal, runs = shrink_client(BUSY, fails)
    assert fails(minimal)
    assert minimal == Client(
        id="busy-1",
        skin_type=SkinType.NORMAL,
        concerns=[Concern.AGING],
        fitzpatrick=1,
        pregnant=True,
        assessment=Assessment(laser_requested=True),
    )
    assert runs < 100


def test_shrinking_stops_when_nothing_can_be_dropped() -> None:
    minimal, _ = shrink_client(PLAIN, lambda c: True)
    assert minimal == attrs.evolve(PLAIN, fitzpatrick=1)


def test_check_catches_a_policy_that_allows_laser_in_pregnancy(tmp_path: Path) -> None:
    policy = broken_policy(tmp_path, "laser-in-pregnancy", "pregnancy_defers_laser = false")
    needle = attrs.evolve(BUSY, breastfeeding=False)
    report = check_clients(population(needle), date=DAY, policy=policy, seed=3)
    assert not report.ok
    (failure,) = report.failures
    assert failure.invariant.name == "no_laser_when_contraindicated"
    assert failure.count == 1
    assert failure.first == needle
    assert "pregnant" in failure.minimal_detail
    assert failure.adverse is None
    assert compact_client_dict(failure.minimal) == {
        "id": "busy-1",
        "skin_type": "normal",
        "concerns": ["aging"],
        "fitzpatrick": 1,
        "pregnant": True,
        "assessment": {"laser_requested": True},
    }


def declines_nothing() -> Policy:
    """A policy that got past the R1-R4 floor, as only a bug could make it."""
    conservative = load_policy("conservative")
    screening = attrs.evolve(conservative.screening)
    object.__setattr__(screening, "declining_conditions", {})
    return attrs.evolve(conservative, name="declines-nothing", screening=screening)


def test_check_catches_an_empty_declining_list_and_shrinks_to_one_condition() -> None:
    policy = declines_nothing()
    needle = attrs.evolve(
        BUSY,
        pregnant=False,
        conditions=[*BUSY.conditions, Condition.ACTIVE_COLD_SORE, Condition.ROSACEA],
    )
    report = check_clients(population(needle), date=DAY, policy=policy)
    names = [f.invariant.name for f in report.failures]
    assert names == ["blocking_conditions_declined"]
    minimal = report.failures[0].minimal
    assert minimal.conditions == {Condition.ACTIVE_COLD_SORE}
    assert (minimal.allergies, minimal.pregnant, minimal.breastfeeding) == ((), False, False)
    assert minimal.assessment == Assessment()
    assert minimal.isotretinoin_last_dose is None
    assert minimal.fitzpatrick == 1


def test_the_shipped_presets_pass_the_same_population() -> None:
    for preset in ("conservative", "asds2017"):
        report = check_clients(
            population(BUSY), date=DAY, policy=load_policy(preset), adverse_rate=0.5
        )
        assert report.ok, [f.to_dict() for f in report.failures]
        assert report.sessions == 61


def _stopped_with_rosacea(result: SessionResult, policy: Policy) -> list[str]:
    ended = result.outcome in (Outcome.STOPPED, Outcome.EMERGENCY)
    if ended and result.client.has(Condition.ROSACEA):
        return ["stopped with rosacea"]
    return []


def test_a_failure_that_needs_a_reaction_keeps_the_simplest_reaction() -> None:
    planted = Invariant("no_rosacea_reactions", "test only", (), _stopped_with_rosacea)
    needle = attrs.evolve(BUSY, pregnant=False, conditions=[Condition.ROSACEA, Condition.MELASMA])
    report = check_clients(
        [needle], date=DAY, policy=load_policy(None), adverse_rate=1.0, invariants=[planted]
    )
    (failure,) = report.failures
    assert failure.adverse == AdversePlan("cleansing", AdverseKind.IRRITATION)
    assert failure.minimal.conditions == {Condition.ROSACEA}
    # and without the reaction the session is fine
    assert run_scenario(failure.minimal, date=DAY).outcome is Outcome.COMPLETE


def test_the_same_seed_gives_the_same_report() -> None:
    def run(seed: int) -> dict[str, object]:
        return check_clients(
            population(BUSY), date=DAY, policy=load_policy(None), seed=seed, adverse_rate=0.3
        ).to_dict()

    assert run(7) == run(7)
    assert run(7)["adverse_sessions"] != run(8)["adverse_sessions"] or run(7) != run(8)


def test_the_adverse_rate_is_the_share_of_sessions_with_a_reaction() -> None:
    report = check_clients(
        population(size=400), date=DAY, policy=load_policy(None), adverse_rate=0.25
    )
    assert 60 <= report.adverse_sessions <= 140
    assert report.outcomes["stopped"] + report.outcomes["emergency"] == report.adverse_sessions
    assert (
        check_clients(population(size=50), date=DAY, policy=load_policy(None)).adverse_sessions == 0
    )


def test_adverse_rate_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        check_clients([], date=DAY, policy=load_policy(None), adverse_rate=1.5)


def test_run_scenario_takes_the_reaction_at_the_planned_step() -> None:
    result = run_scenario(PLAIN, date=DAY, adverse=AdversePlan("serums", "urticaria"))
    assert result.outcome is Outcome.STOPPED
    assert result.adverse is not None
    assert result.adverse["step"] == "serums"
    assert "safe_exit_soothe" not in result.path


def test_an_index_step_always_lands_on_the_route() -> None:
    for index in range(12):
        result = run_scenario(PLAIN, date=DAY, adverse=AdversePlan(index, "irritation"))
        assert result.outcome is Outcome.STOPPED


def test_a_step_the_client_never_reaches_is_an_error_only_when_strict() -> None:
    plan = AdversePlan("laser_treatment", "irritation")
    assert run_scenario(PLAIN, date=DAY, adverse=plan).outcome is Outcome.COMPLETE
    with pytest.raises(StepNotReached, match="never reaches 'laser_treatment'"):
        run_scenario(PLAIN, date=DAY, adverse=plan, strict=True)
    with pytest.raises(StepNotReached, match="no adverse reaction can happen at 'complete'"):
        run_scenario(PLAIN, date=DAY, adverse=AdversePlan("complete", "irritation"))


def test_adverse_plans_validate_their_fields() -> None:
    with pytest.raises(ValueError, match="not a valid AdverseKind"):
        AdversePlan("serums", "sneezing")
    with pytest.raises(ValueError, match="negative"):
        AdversePlan(-1)
    with pytest.raises(TypeError):
        AdversePlan(True)


def test_the_compact_client_file_reads_back_as_the_same_client() -> None:
    for c in (BUSY, PLAIN):
        assert client_from_dict(compact_client_dict(c)) == c


def test_every_invariant_is_checked_by_default() -> None:
    report = check_clients([PLAIN], date=DAY, policy=load_policy(None))
    assert report.invariants == tuple(inv.name for inv in INVARIANTS)


def test_check_meets_the_same_reactions_as_simulate_for_the_same_seed() -> None:
    import datetime as dt
    import json
    from collections import Counter

    from click.testing import CliRunner

    from facialflow.cli import main
    from facialflow.clinic.policy import load_policy
    from facialflow.qa.check import check_clients
    from facialflow.qa.draws import iter_clients

    day = dt.date(2026, 11, 25)
    args = ["simulate", "--random", "1500", "--seed", "5", "--date", "2026-11-25"]
    out = CliRunner().invoke(main, [*args, "--adverse-rate", "0.4", "--format", "jsonl"]).stdout
    sessions = [json.loads(line) for line in out.splitlines()]
    simulated = Counter(s["outcome"] for s in sessions)
    report = check_clients(
        iter_clients(5, 1500, date=day), date=day, policy=load_policy(), seed=5, adverse_rate=0.4
    )
    assert report.adverse_sessions == sum(1 for s in sessions if s["adverse"])
    assert dict(report.outcomes) == dict(simulated)
