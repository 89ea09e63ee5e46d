"""Policy floors and ranges: a clinic tunes medium- and low-confidence rules, never R1-R4 or R27."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import attrs
import pytest

from facialflow.clinic.policy import (
    FLOOR_DECLINING,
    Policy,
    ProductPolicy,
    RecordPolicy,
    SchedulePolicy,
    ScreeningPolicy,
    load_policy,
)
from facialflow.errors import FacialflowError, PolicyError, PolicyFloorError
from facialflow.model import Condition

DOCS = (Path(__file__).parents[2] / "docs" / "policy.md").read_text()


def policy_file(tmp_path: Path, body: str, name: str = "clinic") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(f'extends = "conservative"\n{body}\n')
    return path


@pytest.mark.parametrize(("condition", "rule"), sorted(FLOOR_DECLINING.items()))
def test_no_clinic_policy_can_drop_a_high_confidence_declining_condition(
    tmp_path: Path, condition: Condition, rule: str
) -> None:
    kept = {c: r for c, r in FLOOR_DECLINING.items() if c is not condition}
    table = ", ".join(f'{c} = "{r}"' for c, r in kept.items())
    path = policy_file(tmp_path, f"[screening]\ndeclining_conditions = {{ {table} }}")
    with pytest.raises(PolicyFloorError, match=rf"cannot leave out {condition}: {rule} ") as info:
        load_policy(path)
    assert info.value.field == "screening.declining_conditions"


def test_an_empty_declining_list_names_the_first_rule_it_would_break(tmp_path: Path) -> None:
    path = policy_file(tmp_path, "[screening]\ndeclining_conditions = {}")
    with pytest.raises(PolicyFloorError, match="R1 is a high-confidence rule"):
        load_policy(path)


@pytest.mark.parametrize("spf", [0, 15, 29])
def test_no_policy_can_accept_a_sunscreen_below_spf_30(tmp_path: Path, spf: int) -> None:
    with pytest.raises(PolicyFloorError, match=r"min_spf: must be at least 30.*R27"):
        load_policy(policy_file(tmp_path, f"[products]\nmin_spf = {spf}"))
    with pytest.raises(PolicyFloorError, match="R27"):
        ProductPolicy(min_spf=spf)


def test_a_policy_may_be_stricter_than_every_floor(tmp_path: Path) -> None:
    body = (
        "[products]\nmin_spf = 50\nsa_pregnancy_max_pct = 0.5\n[screening]\ndeclining_conditions = "
        '{ active_cold_sore = "R1", active_infection = "R1", open_wound = "R2", sunburn = "R3", '
        'fever = "R4", rosacea = "R21" }'
    )
    policy = load_policy(policy_file(tmp_path, body, "strict-clinic"))
    assert policy.products.min_spf == 50
    assert Condition.ROSACEA in policy.screening.declining_conditions


def test_salicylic_acid_in_pregnancy_cannot_be_loosened_past_two_percent(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"sa_pregnancy_max_pct: must be from 0 to 2"):
        load_policy(policy_file(tmp_path, "[products]\nsa_pregnancy_max_pct = 5.0"))


@pytest.mark.parametrize("name", ["conservative", "asds2017"])
def test_a_clinic_policy_cannot_take_a_presets_name(tmp_path: Path, name: str) -> None:
    with pytest.raises(PolicyError, match=rf"name: '{name}' is a preset's name"):
        load_policy(policy_file(tmp_path, f'name = "{name}"'))
    # nor by its file name alone
    with pytest.raises(PolicyError, match="preset's name"):
        load_policy(policy_file(tmp_path, "", name))


def test_a_python_policy_named_like_a_preset_must_carry_its_values() -> None:
    assert Policy().name == "conservative"  # the defaults are the conservative preset
    changed = ScreeningPolicy(sun_washout_days=28)
    with pytest.raises(ValueError, match="name of a preset") as info:
        Policy(screening=changed)
    assert isinstance(info.value, FacialflowError)
    assert Policy(name="clinic", screening=changed).name == "clinic"


def test_decisions_name_the_policy_that_made_them(tmp_path: Path) -> None:
    from conftest import DATE, build_client

    from facialflow.clinic.screening import screen

    policy = load_policy(policy_file(tmp_path, "[screening]\nsun_washout_days = 28", "lumen"))
    client = build_client(conditions=["fever"])
    assert {f.policy for f in screen(client, DATE, policy).findings} == {"lumen"}


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_are_refused_for_every_percentage(bad: float) -> None:
    for key in ("sa_pregnancy_max_pct", "aha_strong_pct", "bha_strong_pct"):
        percentage: dict[str, Any] = {key: bad}
        with pytest.raises(ValueError, match="finite"):
            ProductPolicy(**percentage)


def _fields() -> list[tuple[str, attrs.Attribute[Any]]]:
    out: list[tuple[str, attrs.Attribute[Any]]] = []
    for table, cls in (
        ("screening", ScreeningPolicy),
        ("products", ProductPolicy),
        ("schedule", SchedulePolicy),
        ("records", RecordPolicy),
    ):
        out.extend((f"{table}.{a.name}", a) for a in attrs.fields(cls))
    return out


@pytest.mark.parametrize(("key", "attribute"), _fields(), ids=[k for k, _ in _fields()])
def test_every_policy_value_is_documented_with_its_range(
    key: str,
    attribute: attrs.Attribute,  # type: ignore[type-arg]
) -> None:
    row = re.search(rf"^\| `{re.escape(key)}` \|(.*)$", DOCS, flags=re.MULTILINE)
    assert row, f"{key} is missing from docs/policy.md"
    if "range" in attribute.metadata:
        low, high = attribute.metadata["range"]
        assert f"{low:g} to {high:g}" in row.group(1)


def _is_int(attribute: attrs.Attribute) -> bool:  # type: ignore[type-arg]
    # the annotation is the string "int" until something (cattrs) resolves it to the type
    return attribute.type in ("int", int)


@pytest.mark.parametrize(
    ("key", "attribute"),
    [(k, a) for k, a in _fields() if "range" in a.metadata and _is_int(a)],
    ids=[k for k, a in _fields() if "range" in a.metadata and _is_int(a)],
)
def test_every_integer_policy_value_is_refused_just_outside_its_range(
    tmp_path: Path,
    key: str,
    attribute: attrs.Attribute,  # type: ignore[type-arg]
) -> None:
    table, name = key.split(".")
    low, high = attribute.metadata["range"]
    for value in (low - 1, high + 1):
        path = policy_file(tmp_path, f"name = 'edge'\n[{table}]\n{name} = {value}")
        with pytest.raises(PolicyError, match=re.escape(key)):
            load_policy(path)
