"""Each safety invariant catches the unsafe session it names, and passes safe ones."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from facialflow.clinic.policy import LaserDevice, Policy, load_policy
from facialflow.clinic.screening import add_months
from facialflow.model import (
    AdverseKind,
    AppliedProduct,
    Assessment,
    Client,
    Comedones,
    Concern,
    Condition,
    Outcome,
    Product,
    ProductKind,
    SessionResult,
    SkinType,
)
from facialflow.qa.invariants import (
    INVARIANTS,
    invariant_named,
    laser_contraindications,
    violations,
)
from facialflow.session.live import Session

DAY = dt.date(2025, 6, 2)
CONSERVATIVE = load_policy("conservative")
ASDS = load_policy("asds2017")

MAIN = ("intake", "cleansing", "exfoliation", "serums", "mask", "hydration", "complete")
LASER = (
    "intake", "cleansing", "exfoliation", "laser_treatment", "laser_cooling",
    "serums", "mask", "hydration", "complete",
)  # fmt: skip
SPF50 = Product(
    name="Mineral SPF 50", kind=ProductKind.SUNSCREEN, ingredients=["zinc oxide"], spf=50
)
SPF15 = Product(
    name="Tinted SPF 15", kind=ProductKind.SUNSCREEN, ingredients=["zinc oxide"], spf=15
)


def client(**kw: object) -> Client:
    base: dict[str, object] = {
        "id": "c-1",
        "skin_type": SkinType.NORMAL,
        "concerns": [Concern.AGING],
        "fitzpatrick": 2,
    }
    base.update(kw)
    return Client(**base)  # type: ignore[arg-type]


def serum(*ingredients: str, **strengths: float) -> Product:
    return Product(
        name="Serum " + "+".join(ingredients),
        kind=ProductKind.SERUM,
        ingredients=list(ingredients),
        strengths={k.replace("_", " "): v for k, v in strengths.items()},
    )


def result(
    c: Client,
    path: Sequence[str] = MAIN,
    products: Sequence[tuple[str, Product]] = (("hydration", SPF50),),
    adverse: AdverseKind | None = None,
) -> SessionResult:
    outcome = Outcome(path[-1]) if path[-1] in set(Outcome) else None
    record = None
    if adverse is not None:
        record = {"kind": str(adverse), "step": "serums", "escalation": "", "note": ""}
    return SessionResult(
        client=c,
        outcome=outcome,
        path=tuple(path),
        products=tuple(AppliedProduct(step, p) for step, p in products),
        skipped={},
        warnings=(),
        policy="conservative",
        date=DAY,
        adverse=record,
    )


def broken(r: SessionResult, policy: Policy = CONSERVATIVE) -> set[str]:
    return {v.invariant for v in violations(r, policy)}


def test_a_plain_completed_session_breaks_nothing() -> None:
    assert broken(result(client())) == set()


def test_every_invariant_has_a_name_description_and_unique_name() -> None:
    names = [inv.name for inv in INVARIANTS]
    assert len(names) == len(set(names))
    assert all(inv.description for inv in INVARIANTS)
    assert invariant_named("sunscreen_at_hydration").rules == ("R27",)
    with pytest.raises(KeyError, match="unknown invariant"):
        invariant_named("nope")


@pytest.mark.parametrize(
    ("c", "why"),
    [
        (client(assessment=Assessment(laser_requested=False)), "not requested"),
        (client(pregnant=True), "pregnant"),
        (client(breastfeeding=True), "breastfeeding"),
        (client(isotretinoin_last_dose=DAY - dt.timedelta(days=60)), "isotretinoin"),
        (client(conditions=[Condition.RECENT_TAN]), "recent tan"),
        (client(conditions=[Condition.HSV_HISTORY]), "HSV"),
        (client(conditions=[Condition.MELASMA]), "melasma"),
        (client(conditions=[Condition.PHOTOSENSITIZING_MEDICATION]), "photosensitizing"),
        (client(conditions=[Condition.TOPICAL_RETINOID]), "retinoid"),
        (client(conditions=[Condition.RECENT_PEEL_OR_LASER]), "peel or laser"),
    ],
)
def test_laser_under_a_contraindication_is_caught(c: Client, why: str) -> None:
    if why != "not requested":
        c = attrs.evolve(c, assessment=attrs.evolve(c.assessment, laser_requested=True))
    found = violations(result(c, LASER), CONSERVATIVE)
    assert [v.invariant for v in found] == ["no_laser_when_contraindicated"]
    assert why in found[0].detail


def test_hsv_history_with_prophylaxis_and_reviewed_melasma_allow_laser() -> None:
    c = client(
        conditions=[Condition.HSV_HISTORY, Condition.MELASMA],
        assessment=Assessment(
            laser_requested=True, antiviral_prophylaxis=True, clinician_approved_laser=True
        ),
    )
    assert broken(result(c, LASER)) == set()


def test_a_short_wavelength_device_on_phototype_four_is_caught_even_if_the_policy_allows_it() -> (
    None
):
    permissive = attrs.evolve(
        CONSERVATIVE,
        name="permissive",
        screening=attrs.evolve(
            CONSERVATIVE.screening,
            laser_device=LaserDevice.IPL,
            short_wavelength_max_fitzpatrick=6,
        ),
    )
    c = client(fitzpatrick=4, assessment=Assessment(laser_requested=True))
    spotted = ("intake", "cleansing", "exfoliation", "laser_test_spot", *LASER[3:])
    assert "ipl on Fitzpatrick 4 (R10)" in laser_contraindications(c, DAY, permissive)
    assert "no_laser_when_contraindicated" in broken(result(c, spotted), permissive)
    assert broken(result(c, spotted), CONSERVATIVE) == set()


def test_the_isotretinoin_washout_follows_the_policy() -> None:
    c = client(
        isotretinoin_last_dose=DAY - dt.timedelta(days=40),
        assessment=Assessment(laser_requested=True),
    )
    assert "no_laser_when_contraindicated" in broken(result(c, LASER), CONSERVATIVE)
    assert broken(result(c, LASER), ASDS) == set()


@given(
    st.dates(dt.date(2020, 1, 1), dt.date(2026, 12, 31)), st.integers(0, 700), st.integers(1, 12)
)
def test_the_washout_month_arithmetic_agrees_with_calendar_months(
    last: dt.date, days: int, months: int
) -> None:
    day = last + dt.timedelta(days=days)
    c = client(isotretinoin_last_dose=last, assessment=Assessment(laser_requested=True))
    policy = attrs.evolve(
        CONSERVATIVE,
        name=f"washout-{months}",
        screening=attrs.evolve(
            CONSERVATIVE.screening, isotretinoin_washout_months={"laser": months}
        ),
    )
    within = any("isotretinoin" in w for w in laser_contraindications(c, day, policy))
    assert within == (day < add_months(last, months))


def test_laser_on_phototype_four_or_keloid_history_without_a_test_spot_is_caught() -> None:
    dark = client(fitzpatrick=4, assessment=Assessment(laser_requested=True))
    keloid = client(
        conditions=[Condition.KELOID_HISTORY], assessment=Assessment(laser_requested=True)
    )
    assert broken(result(dark, LASER)) == {"laser_test_spot_when_required"}
    assert broken(result(keloid, LASER)) == {"laser_test_spot_when_required"}
    spotted = ("intake", "cleansing", "exfoliation", "laser_test_spot", *LASER[3:])
    assert broken(result(dark, spotted)) == set()


@pytest.mark.parametrize(
    "c",
    [
        client(),
        client(conditions=[Condition.ROSACEA], assessment=Assessment(comedones=Comedones.MILD)),
        client(
            conditions=[Condition.FRAGILE_SKIN], assessment=Assessment(comedones=Comedones.MILD)
        ),
        client(
            conditions=[Condition.INFLAMED_ACNE], assessment=Assessment(comedones=Comedones.SEVERE)
        ),
    ],
    ids=["no comedones", "rosacea", "fragile skin", "inflamed acne"],
)
def test_extraction_when_contraindicated_is_caught(c: Client) -> None:
    path = ("intake", "cleansing", "exfoliation", "extraction", *MAIN[3:])
    assert broken(result(c, path)) == {"no_extraction_when_contraindicated"}


def test_extraction_of_comedones_is_fine() -> None:
    c = client(assessment=Assessment(comedones=Comedones.MODERATE))
    path = ("intake", "cleansing", "exfoliation", "extraction", *MAIN[3:])
    assert broken(result(c, path)) == set()


def test_an_allergen_is_caught_whatever_its_case() -> None:
    c = client(allergies=["LAVENDER Oil"])
    oil = Product(name="Calm Oil", kind=ProductKind.SERUM, ingredients=["Lavender Oil", "squalane"])
    found = violations(result(c, products=[("serums", oil), ("hydration", SPF50)]), CONSERVATIVE)
    assert [v.invariant for v in found] == ["no_allergen_applied"]
    assert "lavender oil" in found[0].detail


@pytest.mark.parametrize(
    ("product", "unsafe"),
    [
        (serum("retinol", retinol=0.3), True),
        (serum("hydroxypinacolone retinoate"), True),
        (serum("adapalene"), True),
        # leave-on salicylic acid is avoided whatever its strength (R8: low-% wash-off only)
        (serum("salicylic acid", salicylic_acid=2.0), True),
        (
            Product(
                name="SA Wash 2%",
                kind=ProductKind.CLEANSER,
                ingredients=["salicylic acid"],
                strengths={"salicylic acid": 2.0},
            ),
            False,
        ),
        (serum("salicylic acid", salicylic_acid=5.0), True),
        (serum("salicylic acid"), True),
        (serum("azelaic acid", azelaic_acid=10.0), False),
        (serum("niacinamide"), False),
    ],
)
@pytest.mark.parametrize("who", ["pregnant", "breastfeeding"])
def test_pregnancy_unsafe_ingredients_are_caught(product: Product, unsafe: bool, who: str) -> None:
    c = client(**{who: True})
    got = broken(result(c, products=[("serums", product), ("hydration", SPF50)]))
    assert ("pregnancy_safe_ingredients" in got) is unsafe


def test_hydroquinone_is_caught_in_pregnancy_and_without_a_prescription() -> None:
    hq = serum("hydroquinone", hydroquinone=4.0)
    products = [("serums", hq), ("hydration", SPF50)]
    assert broken(result(client(), products=products)) == {"hydroquinone_needs_prescription"}
    with_rx = client(pregnant=True, assessment=Assessment(prescription_reference="RX-1"))
    assert broken(result(with_rx, products=products)) == {"pregnancy_safe_ingredients"}


def test_a_completed_session_needs_spf_30_at_hydration() -> None:
    assert broken(result(client(), products=[])) == {"sunscreen_at_hydration"}
    assert broken(result(client(), products=[("hydration", SPF15)])) == {"sunscreen_at_hydration"}
    assert broken(result(client(), products=[("mask", SPF50)])) == {"sunscreen_at_hydration"}


def test_a_policy_asking_more_than_spf_30_is_held_to_it() -> None:
    strict = attrs.evolve(
        CONSERVATIVE, name="spf-60", products=attrs.evolve(CONSERVATIVE.products, min_spf=60)
    )
    assert broken(result(client()), strict) == {"sunscreen_at_hydration"}


def test_a_declined_session_applies_nothing_and_goes_nowhere() -> None:
    c = client(conditions=[Condition.FEVER])
    assert broken(result(c, ("intake", "declined"), products=[])) == set()
    assert broken(result(c, ("intake", "declined"), products=[("intake", SPF50)])) == {
        "declined_applies_nothing"
    }
    assert "declined_applies_nothing" in broken(
        result(c, ("intake", "cleansing", "declined"), products=[])
    )


@pytest.mark.parametrize(
    "condition", ["active_cold_sore", "active_infection", "open_wound", "sunburn", "fever"]
)
def test_a_blocking_condition_that_is_not_declined_is_caught(condition: str) -> None:
    c = client(conditions=[Condition(condition)])
    assert broken(result(c)) == {"blocking_conditions_declined"}


def test_a_safe_exit_must_end_stopped_and_apply_nothing_after_intolerance() -> None:
    exit_path = (
        "intake", "cleansing", "serums", "safe_exit_stop", "safe_exit_remove", "safe_exit_cool",
        "safe_exit_soothe", "safe_exit_protect", "safe_exit_document", "stopped",
    )  # fmt: skip
    soothing = Product(name="Balm", kind=ProductKind.SOOTHING, ingredients=["panthenol"])
    ok = result(client(), exit_path, [("safe_exit_soothe", soothing)], AdverseKind.IRRITATION)
    assert broken(ok) == set()
    bad = result(client(), exit_path, [("safe_exit_soothe", soothing)], AdverseKind.URTICARIA)
    assert broken(bad) == {"nothing_applied_after_intolerance"}
    resumed = (*exit_path[:6], "mask", "complete")
    assert "safe_exit_ends_stopped" in broken(result(client(), resumed, [], AdverseKind.IRRITATION))
    unrecorded = result(client(), exit_path, [])
    assert broken(unrecorded) == {"safe_exit_ends_stopped"}


def test_benzoyl_peroxide_with_tretinoin_or_l_ascorbic_acid_is_caught() -> None:
    bpo = serum("benzoyl peroxide")
    # tretinoin is prescription-only (R26): this client has one, so only the pair is wrong
    prescribed = client(assessment=Assessment(prescription_reference="RX-2291"))
    for partner in (serum("tretinoin"), serum("L-Ascorbic Acid")):
        got = broken(
            result(prescribed, products=[("serums", bpo), ("mask", partner), ("hydration", SPF50)])
        )
        assert got == {"no_incompatible_actives"}
    assert broken(result(client(), products=[("serums", bpo), ("hydration", SPF50)])) == set()


def test_products_at_steps_never_entered_break_the_path_invariant() -> None:
    assert broken(result(client(), products=[("extraction", SPF50), ("hydration", SPF50)])) == {
        "path_well_formed"
    }


def test_real_sessions_of_the_example_kind_are_safe() -> None:
    for c in (
        client(
            pregnant=True, assessment=Assessment(laser_requested=True, comedones=Comedones.MILD)
        ),
        client(conditions=[Condition.SUNBURN]),
        client(
            fitzpatrick=5, assessment=Assessment(laser_requested=True), allergies=["zinc oxide"]
        ),
    ):
        for policy in (CONSERVATIVE, ASDS):
            r = Session.start(c, date=DAY, policy=policy).run()
            assert violations(r, policy) == []
