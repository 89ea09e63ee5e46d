"""Policies: presets, clinic overrides, and clear errors for bad policy files."""

from __future__ import annotations

from pathlib import Path

import pytest

from facialflow.clinic.policy import Policy, load_policy, policy_from_dict, policy_to_dict
from facialflow.errors import PolicyError
from facialflow.model import Condition


def test_default_policy_is_conservative_with_label_washout() -> None:
    p = load_policy()
    assert p.name == "conservative"
    assert p.screening.isotretinoin_washout_months["laser"] == 6
    assert p == load_policy("conservative")


def test_conservative_preset_equals_the_code_defaults() -> None:
    # the TOML preset documents every value; it must not drift from the class defaults
    assert policy_to_dict(load_policy("conservative")) == policy_to_dict(Policy())


def test_asds2017_removes_the_laser_washout_and_keeps_the_rest() -> None:
    a, c = load_policy("asds2017"), load_policy("conservative")
    assert a.name == "asds2017"
    assert a.screening.isotretinoin_washout_months["laser"] == 0
    assert a.screening.declining_conditions == c.screening.declining_conditions
    assert a.products == c.products


def test_clinic_file_overrides_one_threshold_of_a_preset(tmp_path: Path) -> None:
    f = tmp_path / "lumen.toml"
    f.write_text('extends = "asds2017"\n[screening]\nsun_washout_days = 28\n')
    p = load_policy(f)
    assert p.name == "lumen"
    assert p.screening.sun_washout_days == 28
    assert p.screening.isotretinoin_washout_months["laser"] == 0


KEPT_FLOORS = (
    'active_cold_sore = "R1", active_infection = "R1", open_wound = "R2", sunburn = "R3", '
    'fever = "R4"'
)


def test_clinic_file_can_replace_the_declining_conditions_above_the_floor(tmp_path: Path) -> None:
    f = tmp_path / "partial.toml"
    f.write_text(
        f'name = "partial"\n[screening]\ndeclining_conditions = {{ {KEPT_FLOORS}, rosacea = "R21" }}\n'
    )
    p = load_policy(f)
    assert p.name == "partial"
    assert Condition.UNDIAGNOSED_LESION not in p.screening.declining_conditions
    assert p.screening.declining_conditions[Condition.ROSACEA] == "R21"


def test_policy_round_trips_through_a_dict() -> None:
    p = load_policy("asds2017")
    assert policy_from_dict(policy_to_dict(p), source="x") == p


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[screening]\nsun_washout_day = 3\n", "unknown field(s) sun_washout_day"),
        ('[screening]\nlaser_device = "co2"\n', "'co2' is not one of: nd_yag_1064"),
        ('[screening.isotretinoin_washout_months]\nlaser = "6"\n', "expected an integer"),
        ("[screening.isotretinoin_washout_months]\nablative = 6\n", "unknown modality 'ablative'"),
        ("[screening]\nsun_washout_days = -1\n", "must be an integer from 0 to 365"),
        ('[screening]\nanticoagulant_extraction = "maybe"\n', "is not one of: warn, skip"),
        ("x = ", "malformed TOML"),
        ('extends = "lenient"\n', "no such policy file"),
    ],
)
def test_bad_policy_file_is_a_clear_error(tmp_path: Path, text: str, words: str) -> None:
    f = tmp_path / "clinic.toml"
    f.write_text(text)
    with pytest.raises(PolicyError) as info:
        load_policy(f)
    assert words in str(info.value)
    assert "\n" not in str(info.value)


def test_unknown_policy_name_lists_the_presets() -> None:
    with pytest.raises(PolicyError, match="conservative, asds2017"):
        load_policy("lenient")


def test_extends_cycle_is_an_error(tmp_path: Path) -> None:
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text(f'extends = "{b}"\n')
    b.write_text(f'extends = "{a}"\n')
    with pytest.raises(PolicyError, match="cycle"):
        load_policy(a)


def test_relative_extends_is_relative_to_the_policy_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = tmp_path / "clinic"
    d.mkdir()
    (d / "base.toml").write_text('extends = "conservative"\n[screening]\nsun_washout_days = 21\n')
    (d / "site.toml").write_text('extends = "base.toml"\n[products]\nmax_serums = 2\n')
    monkeypatch.chdir(tmp_path)
    p = load_policy("clinic/site.toml")
    assert p.screening.sun_washout_days == 21 and p.products.max_serums == 2


def test_a_section_that_is_not_a_table_is_a_clear_error(tmp_path: Path) -> None:
    f = tmp_path / "bad.toml"
    f.write_text('extends = "conservative"\nscreening = 5\n')
    with pytest.raises(PolicyError, match=r"bad\.toml"):
        load_policy(f)
