"""The invariants catch what the safety filter and screening enforce, read independently."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from test_invariants import DAY, LASER, MAIN, SPF50, broken, client, result, serum

from facialflow.model import AdverseKind, Assessment, Product, ProductKind

LASER_CLIENT = {"assessment": Assessment(laser_requested=True)}


@pytest.mark.parametrize(
    "extra",
    [
        {"medications": ["Accutane"]},
        {"medications": ["doxycycline 100 mg"]},
        {"medications": ["Retin-A 0.05% cream"]},
        {"last_sun_exposure": DAY - dt.timedelta(days=3)},
        {"last_topical_retinoid": DAY - dt.timedelta(days=3)},
        {"last_peel": DAY - dt.timedelta(days=3)},
    ],
)
def test_laser_is_caught_when_a_medication_or_a_date_contraindicates_it(
    extra: dict[str, Any],
) -> None:
    c = client(**LASER_CLIENT, **extra)
    assert "no_laser_when_contraindicated" in broken(result(c, path=LASER))
    old = {
        k: (DAY - dt.timedelta(days=400) if isinstance(v, dt.date) else v) for k, v in extra.items()
    }
    if "medications" not in extra:
        assert "no_laser_when_contraindicated" not in broken(
            result(client(**LASER_CLIENT, **old), path=LASER)
        )


def test_extraction_on_warfarin_without_acknowledgement_is_caught() -> None:
    path = (
        "intake",
        "cleansing",
        "exfoliation",
        "extraction",
        "serums",
        "mask",
        "hydration",
        "complete",
    )
    unacked = client(medications=["warfarin"], assessment=Assessment(comedones="mild"))
    assert "no_extraction_when_contraindicated" in broken(result(unacked, path=path))
    acked = client(
        medications=["warfarin"],
        assessment=Assessment(comedones="mild", anticoagulant_acknowledged=True),
    )
    assert "no_extraction_when_contraindicated" not in broken(result(acked, path=path))


@pytest.mark.parametrize(
    ("allergy", "ingredient"),
    [
        ("retinoids", "retinyl palmitate"),
        ("fragrance", "linalool"),
        ("aspirin", "betaine salicylate"),
    ],
)
def test_an_allergen_covered_by_a_class_word_is_caught(allergy: str, ingredient: str) -> None:
    r = result(
        client(allergies=[allergy]), products=[("serums", serum(ingredient)), ("hydration", SPF50)]
    )
    assert "no_allergen_applied" in broken(r)


def test_an_spf_without_a_uv_filter_does_not_count() -> None:
    fake = Product(name="Glow SPF 50", kind=ProductKind.SUNSCREEN, ingredients=["glycerin"], spf=50)
    assert "sunscreen_at_hydration" in broken(result(client(), products=[("hydration", fake)]))


def test_a_prescription_only_product_needs_a_real_reference() -> None:
    rx = Product(name="Rx", kind=ProductKind.SERUM, ingredients=["niacinamide"], rx_only=True)
    r = result(client(), products=[("serums", rx), ("hydration", SPF50)])
    assert "hydroquinone_needs_prescription" in broken(r)


def test_an_exfoliant_in_a_laser_session_is_caught() -> None:
    peel = Product(name="TCA", kind=ProductKind.EXFOLIANT, ingredients=["trichloroacetic acid"])
    r = result(
        client(**LASER_CLIENT), path=LASER, products=[("exfoliation", peel), ("hydration", SPF50)]
    )
    assert "no_laser_day_exfoliants" in broken(r)


def test_strong_actives_after_a_procedure_are_caught() -> None:
    vit_c = serum("l-ascorbic acid", l_ascorbic_acid=15.0)
    r = result(
        client(**LASER_CLIENT), path=LASER, products=[("serums", vit_c), ("hydration", SPF50)]
    )
    assert "after_procedure_calm" in broken(r)
    assert "after_procedure_calm" not in broken(
        result(client(), products=[("serums", vit_c), ("hydration", SPF50)])
    )


@pytest.mark.parametrize(
    "who", [{"skin_type": "dry"}, {"concerns": ["dehydration"]}, {"conditions": ["rosacea"]}]
)
def test_clay_on_dry_dehydrated_or_rosacea_skin_is_caught(who: dict[str, Any]) -> None:
    mask = Product(name="Illite Mask", kind=ProductKind.MASK, ingredients=["illite"])
    assert "clay_never_on_dry_skin" in broken(
        result(client(**who), products=[("mask", mask), ("hydration", SPF50)])
    )


def test_an_emergency_grade_reaction_that_ends_stopped_is_caught() -> None:
    stopped = (
        *MAIN[:4],
        "safe_exit_stop",
        "safe_exit_remove",
        "safe_exit_cool",
        "safe_exit_document",
        "stopped",
    )
    r = result(client(), path=stopped, products=[], adverse=AdverseKind.DYSPNOEA)
    assert "emergency_grade_reaction_escalates" in broken(r)
    fine = result(
        client(), path=(*MAIN[:4], "emergency"), products=[], adverse=AdverseKind.DYSPNOEA
    )
    assert broken(fine) == set()
