"""Each clinical rule of the screening, with the reason it gives and the policy it names."""

from __future__ import annotations

import datetime as dt
from operator import attrgetter
from pathlib import Path
from typing import Any

import attrs
import pytest
from conftest import DATE, MakeClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facialflow import testing
from facialflow.clinic.policy import Policy, load_policy
from facialflow.clinic.screening import CLIENT_READS, READ_AS, add_months, screen
from facialflow.model import Client, Effect

CONS = load_policy("conservative")
ASDS = load_policy("asds2017")


def laser_client(make_client: MakeClient, **kw: object) -> object:
    return make_client(a_laser_requested=True, **kw)


@pytest.mark.parametrize(
    ("condition", "rule"),
    [
        ("active_cold_sore", "R1"),
        ("active_infection", "R1"),
        ("open_wound", "R2"),
        ("sunburn", "R3"),
        ("fever", "R4"),
        ("undiagnosed_lesion", "R5"),
    ],
)
def test_blocking_condition_declines_the_session(
    make_client: MakeClient, condition: str, rule: str
) -> None:
    s = screen(make_client(conditions=[condition]), DATE, CONS)
    assert s.declined and s.facts.session_blocked
    assert [f.rule for f in s.findings] == [rule]
    assert condition.replace("_", " ") in s.decline_reasons[0]
    assert "session declined" in s.skipped["laser"]


def test_non_blocking_conditions_do_not_decline(make_client: MakeClient) -> None:
    s = screen(make_client(conditions=["rosacea", "melasma", "keloid_history"]), DATE, CONS)
    assert not s.declined


def test_laser_not_requested_is_skipped_as_not_requested(make_client: MakeClient) -> None:
    s = screen(make_client(), DATE, CONS)
    assert s.skipped["laser"] == "not requested"
    assert not s.facts.laser_indicated


def test_requested_laser_for_a_clear_client_is_indicated(make_client: MakeClient) -> None:
    s = screen(make_client(a_laser_requested=True), DATE, CONS)
    assert s.facts.laser_indicated and "laser" not in s.skipped
    assert not s.facts.test_spot_required


def test_isotretinoin_within_six_months_blocks_laser_under_conservative(
    make_client: MakeClient,
) -> None:
    c = make_client(a_laser_requested=True, isotretinoin_last_dose="2026-06-01")
    s = screen(c, DATE, CONS)
    assert s.skipped["laser"] == "isotretinoin within 6 months (conservative policy)"
    assert any(f.rule == "R7" and f.policy == "conservative" for f in s.findings)


def test_isotretinoin_washout_boundary_is_exactly_six_calendar_months(
    make_client: MakeClient,
) -> None:
    c = make_client(a_laser_requested=True, isotretinoin_last_dose="2026-05-25")
    assert screen(c, dt.date(2026, 11, 24), CONS).skipped.get("laser")
    assert "laser" not in screen(c, dt.date(2026, 11, 25), CONS).skipped


def test_asds2017_allows_laser_after_isotretinoin_and_records_the_policy(
    make_client: MakeClient,
) -> None:
    c = make_client(a_laser_requested=True, isotretinoin_last_dose="2026-10-01")
    s = screen(c, DATE, ASDS)
    assert s.facts.laser_indicated
    assert any(
        f.rule == "R7" and f.effect is Effect.WARN and "asds2017" in f.reason for f in s.findings
    )


def test_isotretinoin_limits_exfoliation_to_gentle(make_client: MakeClient) -> None:
    c = make_client(isotretinoin_last_dose="2026-10-01")
    assert screen(c, DATE, CONS).exfoliation == "gentle"
    assert screen(c, DATE, ASDS).exfoliation == "strong"


@pytest.mark.parametrize("field", ["pregnant", "breastfeeding"])
def test_pregnancy_and_breastfeeding_defer_laser_and_peels(
    make_client: MakeClient, field: str
) -> None:
    s = screen(make_client(a_laser_requested=True, **{field: True}), DATE, CONS)
    assert field.replace("pregnant", "pregnancy") in s.skipped["laser"]
    assert s.exfoliation == "gentle"
    assert any(f.rule == "R8" for f in s.findings)


def test_recent_tan_blocks_laser(make_client: MakeClient) -> None:
    s = screen(make_client(a_laser_requested=True, conditions=["recent_tan"]), DATE, CONS)
    assert "recent tan" in s.skipped["laser"]


def test_high_phototype_gets_a_test_spot_with_the_default_1064_device(
    make_client: MakeClient,
) -> None:
    s = screen(make_client(a_laser_requested=True, fitzpatrick=5), DATE, CONS)
    assert s.facts.laser_indicated and s.facts.test_spot_required
    assert any("test spot" in w for w in s.warnings)


def test_short_wavelength_device_is_blocked_above_phototype_three(
    make_client: MakeClient, tmp_path: Path
) -> None:
    f = tmp_path / "ipl.toml"
    f.write_text('[screening]\nlaser_device = "ipl"\n')
    ipl = load_policy(f)
    assert (
        "no ipl above type 3"
        in screen(make_client(a_laser_requested=True, fitzpatrick=4), DATE, ipl).skipped["laser"]
    )
    assert screen(
        make_client(a_laser_requested=True, fitzpatrick=3), DATE, ipl
    ).facts.laser_indicated


def test_hsv_history_needs_confirmed_prophylaxis(make_client: MakeClient) -> None:
    without = screen(make_client(a_laser_requested=True, conditions=["hsv_history"]), DATE, CONS)
    assert "antiviral prophylaxis" in without.skipped["laser"]
    with_ = make_client(
        a_laser_requested=True, a_antiviral_prophylaxis=True, conditions=["hsv_history"]
    )
    assert screen(with_, DATE, CONS).facts.laser_indicated


def test_keloid_history_requires_test_spot_and_conservative_settings(
    make_client: MakeClient,
) -> None:
    s = screen(make_client(a_laser_requested=True, conditions=["keloid_history"]), DATE, CONS)
    assert s.facts.test_spot_required
    assert any("conservative settings" in w for w in s.warnings)


@pytest.mark.parametrize(
    ("condition", "rule"), [("photosensitizing_medication", "R13"), ("melasma", "R14")]
)
def test_review_conditions_need_clinician_approval(
    make_client: MakeClient, condition: str, rule: str
) -> None:
    s = screen(make_client(a_laser_requested=True, conditions=[condition]), DATE, CONS)
    assert "clinician review" in s.skipped["laser"]
    assert any(f.rule == rule for f in s.findings)
    approved = make_client(
        a_laser_requested=True, a_clinician_approved_laser=True, conditions=[condition]
    )
    assert screen(approved, DATE, CONS).facts.laser_indicated


def test_topical_retinoid_blocks_laser_and_strong_exfoliation(make_client: MakeClient) -> None:
    s = screen(make_client(a_laser_requested=True, conditions=["topical_retinoid"]), DATE, CONS)
    assert "topical retinoid" in s.skipped["laser"]
    assert s.exfoliation == "gentle"


def test_recent_procedure_blocks_extraction_laser_and_strong_exfoliation(
    make_client: MakeClient,
) -> None:
    c = make_client(a_laser_requested=True, a_comedones="mild", conditions=["recent_peel_or_laser"])
    s = screen(c, DATE, CONS)
    assert "extraction" in s.skipped and "laser" in s.skipped and s.exfoliation == "gentle"


def test_all_laser_causes_are_named_together(make_client: MakeClient) -> None:
    c = make_client(a_laser_requested=True, pregnant=True, conditions=["recent_tan"])
    reason = screen(c, DATE, CONS).skipped["laser"]
    assert "pregnancy" in reason and "recent tan" in reason


def test_extraction_needs_comedones(make_client: MakeClient) -> None:
    assert screen(make_client(), DATE, CONS).skipped["extraction"] == "no comedones"
    assert screen(make_client(a_comedones="mild"), DATE, CONS).facts.extraction_indicated


@pytest.mark.parametrize(
    ("condition", "words"),
    [("rosacea", "rosacea"), ("fragile_skin", "fragile skin"), ("inflamed_acne", "inflamed")],
)
def test_extraction_is_never_done_with_rosacea_fragile_skin_or_inflamed_acne(
    make_client: MakeClient, condition: str, words: str
) -> None:
    s = screen(make_client(a_comedones="severe", conditions=[condition]), DATE, CONS)
    assert words in s.skipped["extraction"] and not s.facts.extraction_indicated


def test_anticoagulants_wait_for_the_practitioners_acknowledgement_by_default(
    make_client: MakeClient,
) -> None:
    s = screen(make_client(a_comedones="mild", conditions=["anticoagulants"]), DATE, CONS)
    assert not s.facts.extraction_indicated
    assert "acknowledgement" in s.skipped["extraction"]
    acked = make_client(
        a_comedones="mild", conditions=["anticoagulants"], a_anticoagulant_acknowledged=True
    )
    s = screen(acked, DATE, CONS)
    assert s.facts.extraction_indicated
    assert any("bruising" in w for w in s.warnings)


def test_anticoagulants_skip_extraction_when_the_policy_says_so(
    make_client: MakeClient, tmp_path: Path
) -> None:
    f = tmp_path / "strict.toml"
    f.write_text('[screening]\nanticoagulant_extraction = "skip"\n')
    s = screen(make_client(a_comedones="mild", conditions=["anticoagulants"]), DATE, load_policy(f))
    assert "anticoagulants" in s.skipped["extraction"]


def test_sensitive_skin_and_rosacea_get_gentle_exfoliation(make_client: MakeClient) -> None:
    assert screen(make_client(skin_type="sensitive"), DATE, CONS).exfoliation == "gentle"
    assert screen(make_client(conditions=["rosacea"]), DATE, CONS).exfoliation == "gentle"
    assert screen(make_client(), DATE, CONS).exfoliation == "strong"


def test_dark_phototypes_get_gentle_exfoliation(make_client: MakeClient) -> None:
    assert screen(make_client(fitzpatrick=5), DATE, CONS).exfoliation == "gentle"
    assert screen(make_client(fitzpatrick=4), DATE, CONS).exfoliation == "strong"


def test_warnings_about_a_skipped_step_are_not_repeated(make_client: MakeClient) -> None:
    c = make_client(a_laser_requested=True, pregnant=True, fitzpatrick=5)
    s = screen(c, DATE, CONS)
    assert not any("test spot" in w for w in s.warnings)


def test_screening_is_pure(make_client: MakeClient) -> None:
    c = make_client(a_laser_requested=True, conditions=["keloid_history"], a_comedones="mild")
    assert screen(c, DATE, CONS) == screen(c, DATE, CONS)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (dt.date(2026, 8, 31), 6, dt.date(2027, 2, 28)),
        (dt.date(2026, 1, 15), 12, dt.date(2027, 1, 15)),
        (dt.date(2026, 5, 31), 1, dt.date(2026, 6, 30)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(
    start: dt.date, months: int, expected: dt.date
) -> None:
    assert add_months(start, months) == expected


def test_hsv_history_without_prophylaxis_gets_no_peel(make_client: MakeClient) -> None:
    s = screen(make_client(conditions=["hsv_history"]), DATE, CONS)
    assert s.exfoliation == "gentle"
    assert any(f.rule == "R11" and f.step == "exfoliation" for f in s.findings)
    ok = make_client(conditions=["hsv_history"], a_antiviral_prophylaxis=True)
    assert screen(ok, DATE, CONS).exfoliation == "strong"


def test_possible_rules_leave_out_what_the_policy_switches_off(tmp_path: Path) -> None:
    from facialflow.clinic.screening import possible_rules

    assert {"R9", "R16", "R1", "R27"} <= possible_rules(CONS)
    f = tmp_path / "loose.toml"
    f.write_text(
        'extends = "conservative"\n[screening]\ntan_blocks_laser = false\n'
        'recent_procedure_blocks = false\ndeclining_conditions = { active_cold_sore = "R1", '
        'active_infection = "R1", open_wound = "R2", sunburn = "R3", fever = "R4" }\n'
    )
    rules = possible_rules(load_policy(f))
    assert "R9" not in rules and "R16" not in rules and "R5" not in rules
    assert "R4" in rules


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(client=testing.clients(), policy=st.sampled_from([CONS, ASDS]))
def test_a_field_read_only_in_part_changes_nothing_within_that_part(
    client: Client, policy: Policy
) -> None:
    # READ_AS says screening sees a skin type only as sensitive or not, the comedones only
    # as present or not: the simulator shares screenings on that, so every value with the
    # same part must give the same screening
    before = screen(client, DATE, policy)
    for name, part in READ_AS.items():
        owner, _, leaf = name.rpartition(".")
        holder = attrgetter(owner)(client) if owner else client
        value = getattr(holder, leaf)
        for other in type(value):
            if other == value or part(other) != part(value):
                continue
            leaf_change: dict[str, Any] = {leaf: other}
            changed = attrs.evolve(holder, **leaf_change)
            owner_change: dict[str, Any] = {owner: changed}
            twin = attrs.evolve(client, **owner_change) if owner else changed
            assert screen(twin, DATE, policy) == before, (name, other)


def test_the_prescription_reference_is_not_screenings(make_client: MakeClient) -> None:
    # R26 belongs to product selection: screening does not declare it, and does not read it
    assert "assessment.prescription_reference" not in CLIENT_READS
    with_rx = make_client(a_prescription_reference="Dr Lee, tretinoin 0.05%")
    assert screen(with_rx, DATE, CONS) == screen(
        attrs.evolve(
            with_rx, assessment=attrs.evolve(with_rx.assessment, prescription_reference=None)
        ),
        DATE,
        CONS,
    )
