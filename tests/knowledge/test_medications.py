"""The medication vocabulary: generic and brand names, with strengths and forms, name a drug class."""

from __future__ import annotations

import copy
import tomllib
from importlib import resources
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facialflow.knowledge import (
    KnowledgeBaseError,
    build_medication_base,
    medication_base,
    resolve_medication,
    resolve_medications,
)
from facialflow.model import Client, Condition


def shipped() -> dict[str, Any]:
    text = resources.files("facialflow.knowledge").joinpath("medications.toml").read_text("utf-8")
    return tomllib.loads(text)


def test_shipped_medication_data_is_valid_and_substantial() -> None:
    base = build_medication_base(shipped())
    assert len(base.medications) >= 45
    assert sum(len(m.brands) for m in base.medications.values()) >= 100
    assert set(base.classes) == {
        "isotretinoin",
        "anticoagulant",
        "photosensitizer",
        "topical_retinoid",
    }


def test_every_drug_class_stands_for_a_real_condition_or_client_field() -> None:
    fields = {a.name for a in attrs.fields(Client)}
    for drug_class in medication_base().classes.values():
        if drug_class.condition is not None:
            assert Condition(drug_class.condition)
        else:
            assert drug_class.client_field in fields


def test_sources_cite_publications_not_local_files() -> None:
    base = medication_base()
    for source in [m.source for m in base.medications.values()] + [
        c.source for c in base.classes.values()
    ]:
        assert "../" not in source and ".md" not in source and "shared" not in source, source


@pytest.mark.parametrize(
    "written",
    [
        "Accutane",
        "Roaccutane",
        "isotretinoin 20 mg capsules",
        "".join(chr(ord(c) + 0xFEE0) for c in "ACCUTANE"),
        "Absorica LD",
    ],
)
def test_isotretinoin_by_any_name_is_a_current_course(written: str) -> None:
    match = resolve_medication(written)
    assert match is not None
    assert (match.medication, match.drug_class, match.rule) == (
        "isotretinoin",
        "isotretinoin",
        "R7",
    )
    assert match.client_fields == ("isotretinoin_last_dose",)
    assert match.condition is None
    # isotretinoin also sensitises skin to light (R13)
    assert "photosensitizing_medication" in match.conditions
    assert match.given == written


@pytest.mark.parametrize(
    ("written", "generic"),
    [
        ("warfarin", "warfarin"),
        ("Eliquis", "apixaban"),
        ("Xarelto 20mg once daily", "rivaroxaban"),
        ("Coumadin", "warfarin"),
        ("clopidogrel (Plavix) 75 mg", "clopidogrel"),
        ("Lovenox injection", "enoxaparin"),
        ("low-dose aspirin 81 mg", "aspirin"),
    ],
)
def test_anticoagulants_and_antiplatelets_mean_the_anticoagulants_condition(
    written: str, generic: str
) -> None:
    match = resolve_medication(written)
    assert match is not None
    assert (match.medication, match.drug_class, match.condition, match.rule) == (
        generic,
        "anticoagulant",
        "anticoagulants",
        "R18",
    )


@pytest.mark.parametrize(
    ("written", "generic"),
    [
        ("doxycycline 100 mg", "doxycycline"),
        ("Doryx 200mg tablets", "doxycycline"),
        ("minocycline ER", "minocycline"),
        ("HCTZ 25 mg", "hydrochlorothiazide"),
        ("St. John\u2019s Wort", "st john's wort"),
        ("Bactrim DS 800/160", "sulfamethoxazole/trimethoprim"),
        ("Cipro 500", "ciprofloxacin"),
    ],
)
def test_photosensitising_drugs_mean_the_photosensitizing_medication_condition(
    written: str, generic: str
) -> None:
    match = resolve_medication(written)
    assert match is not None
    assert (match.medication, match.condition, match.rule) == (
        generic,
        "photosensitizing_medication",
        "R13",
    )


@pytest.mark.parametrize(
    ("written", "generic"),
    [
        ("tretinoin cream 0.05%", "tretinoin"),
        ("Retin-A 0.05%", "tretinoin"),
        ("Retin-A\u2122 Micro gel 0.04 %", "tretinoin"),
        ("Differin gel", "adapalene"),
        ("Tazorac 0.1% cream", "tazarotene"),
        ("Aklief", "trifarotene"),
    ],
)
def test_topical_retinoids_mean_the_topical_retinoid_condition(written: str, generic: str) -> None:
    match = resolve_medication(written)
    assert match is not None
    assert (match.medication, match.condition, match.rule) == (generic, "topical_retinoid", "R15")


@pytest.mark.parametrize("written", ["vitamin d", "fish oil", "levothyroxine 50 mcg", "", "   "])
def test_an_unknown_medication_stays_informational(written: str) -> None:
    assert resolve_medication(written) is None


def test_isotretinoin_is_not_mistaken_for_tretinoin() -> None:
    match = resolve_medication("isotretinoin")
    assert match is not None and match.medication == "isotretinoin"


def test_one_line_naming_two_medicines_yields_both_in_order() -> None:
    found = resolve_medications("warfarin 5 mg and doxycycline 100 mg")
    assert [m.medication for m in found] == ["warfarin", "doxycycline"]


# --- strict validation -------------------------------------------------------------------------


def _broken(change: Any) -> str:
    data = copy.deepcopy(shipped())
    change(data)
    with pytest.raises(KnowledgeBaseError) as info:
        build_medication_base(data)
    return str(info.value)


def test_an_unknown_key_is_refused() -> None:
    assert "unknown key" in _broken(lambda d: d["medication"][0].update(brand=["X"]))


def test_an_unknown_drug_class_is_refused() -> None:
    assert "unknown drug class" in _broken(lambda d: d["medication"][0]["classes"].append("statin"))


def test_a_brand_claimed_by_two_medicines_is_refused() -> None:
    message = _broken(lambda d: d["medication"][1].setdefault("brands", []).append("ACCUTANE"))
    assert "already belongs to medication 'isotretinoin'" in message


def test_a_drug_class_must_set_exactly_one_fact() -> None:
    message = _broken(lambda d: d["classes"]["anticoagulant"].update(client_field="x"))
    assert "exactly one of condition and client_field" in message


# --- property: every name, however it is written, resolves ------------------------------------

NAMES = sorted((m.name, n) for m in medication_base().medications.values() for n in m.names)


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(NAMES),
    st.sampled_from(["", " 0.05%", " 100 mg", " 5mg tablets", " cream", " (daily)"]),
    st.booleans(),
)
def test_any_name_with_a_strength_or_form_resolves_to_its_medicine(
    case: tuple[str, str], suffix: str, upper: bool
) -> None:
    generic, name = case
    written = (name.upper() if upper else name) + suffix
    match = resolve_medication(written)
    assert match is not None and match.medication == generic, written
