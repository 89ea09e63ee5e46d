"""Product selection: a complete, coherent, safe plan for every concern and skin type."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from conftest import DATE, MakeClient, build_client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facialflow import testing
from facialflow.clinic.policy import load_policy
from facialflow.clinic.screening import screen
from facialflow.model import Client, Concern, ProductKind, Selection, SkinType
from facialflow.products.ingredients import IngredientClass, product_classes
from facialflow.products.loading import load_plugins
from facialflow.products.safety import conflicts
from facialflow.products.selection import choose_products

POLICY = load_policy()


def choose(client: Client, policy: Any = POLICY) -> Selection:
    return choose_products(client, screen(client, DATE, policy), policy)


@pytest.mark.parametrize(
    ("concern", "skin"), list(itertools.product(list(Concern), list(SkinType))), ids=str
)
def test_every_concern_and_skin_type_gets_a_complete_plan(concern: Concern, skin: SkinType) -> None:
    sel = choose(build_client(concerns=[concern.value], skin_type=skin.value))
    assert sel.missing == {}
    assert len(sel.for_step("cleansing")) == 1
    assert len(sel.for_step("exfoliation")) == 1
    assert 1 <= len(sel.for_step("serums")) <= POLICY.products.max_serums
    assert len(sel.for_step("mask")) == 1
    kinds = [p.kind for p in sel.for_step("hydration")]
    assert kinds == [ProductKind.MOISTURIZER, ProductKind.SUNSCREEN]
    assert (sel.for_step("hydration")[1].spf or 0) >= 30


def test_oily_acne_gets_a_clay_mask_and_dry_skin_never_does() -> None:
    oily = choose(build_client(concerns=["acne"], skin_type="oily"))
    assert IngredientClass.CLAY in product_classes(oily.for_step("mask")[0])
    dry = choose(build_client(concerns=["acne"], skin_type="dry"))
    assert IngredientClass.CLAY not in product_classes(dry.for_step("mask")[0])


def test_sensitive_skin_gets_a_calming_mask_and_no_stacked_irritants() -> None:
    sel = choose(build_client(concerns=["acne", "aging", "dullness"], skin_type="sensitive"))
    assert sel.for_step("mask")[0].name == "Calming Centella Gel Mask"
    irritants = [
        p
        for p in sel.for_step("serums")
        if product_classes(p)
        & {
            IngredientClass.RETINOID,
            IngredientClass.AHA,
            IngredientClass.BHA,
            IngredientClass.BENZOYL_PEROXIDE,
            IngredientClass.L_ASCORBIC_ACID,
        }
    ]
    assert len(irritants) <= 1


def test_calming_mask_is_preferred_after_extraction_or_laser() -> None:
    plain = choose(build_client(concerns=["acne"], skin_type="oily"))
    after = choose(build_client(concerns=["acne"], skin_type="oily", a_comedones="moderate"))
    assert plain.for_step("mask")[0].name != "Calming Centella Gel Mask"
    assert after.for_step("mask")[0].name == "Calming Centella Gel Mask"


def test_several_concerns_get_one_serum_each_in_client_order_and_one_mask() -> None:
    sel = choose(
        build_client(concerns=["acne", "hyperpigmentation", "aging"], skin_type="combination")
    )
    names = [p.name for p in sel.for_step("serums")]
    assert names == [
        "Salicylic Clarifying Serum 2%",
        "Tranexamic Brightening Serum",
        "Vitamin C 15% Serum",
    ]
    assert len(sel.for_step("mask")) == 1


def test_serum_count_is_bounded_by_the_policy() -> None:
    sel = choose(build_client(concerns=[c.value for c in Concern], skin_type="normal"))
    assert len(sel.for_step("serums")) == 3
    assert any("at most 3 serums" in w for w in sel.warnings)


def test_choice_is_deterministic() -> None:
    c = build_client(
        concerns=["dullness", "aging", "acne"], skin_type="oily", allergies=["retinol"]
    )
    assert choose(c) == choose(c)


def test_filtered_product_is_replaced_with_a_warning_naming_both(make_client: MakeClient) -> None:
    sel = choose(make_client(concerns=["aging"], pregnant=True))
    serum = sel.for_step("serums")[0]
    assert IngredientClass.RETINOID not in product_classes(serum)
    c = make_client(concerns=["aging"], allergies=["l-ascorbic acid"])
    sel = choose(c)
    assert sel.for_step("serums")[0].name == "Peptide Firming Serum"
    assert any(
        "replaced 'Vitamin C 15% Serum' (allergy to l-ascorbic acid: l-ascorbic acid (R6))" in w
        for w in sel.warnings
    )


def test_nothing_safe_left_for_a_step_is_reported_not_applied(make_client: MakeClient) -> None:
    c = make_client(
        concerns=["dehydration"],
        allergies=["glycerin", "ceramide np", "squalane", "urea", "sodium hyaluronate"],
    )
    sel = choose(c)
    assert "serums" in sel.missing
    assert sel.for_step("serums") == ()


def test_bpo_never_shares_a_session_with_vitamin_c(tmp_path: Path) -> None:
    # a clinic catalog offers benzoyl peroxide first for acne; aging would pick vitamin C
    f = tmp_path / "bpo.toml"
    f.write_text(
        '[[products]]\nname = "BPO Gel"\nkind = "serum"\n'
        'ingredients = ["benzoyl peroxide"]\nconcerns = ["acne"]\nrank = 0\n'
    )
    plugins = load_plugins(catalogs=[f])
    c = build_client(concerns=["acne", "aging"], skin_type="oily")
    serums = choose_products(c, screen(c, DATE, POLICY), POLICY, plugins=plugins).for_step("serums")
    assert serums[0].name == "BPO Gel"
    assert all(conflicts(a, b) is None for a, b in itertools.combinations(serums, 2))
    assert "Vitamin C 15% Serum" not in [p.name for p in serums]


def test_a_catalog_serum_without_concerns_serves_every_concern(tmp_path: Path) -> None:
    f = tmp_path / "house.toml"
    f.write_text(
        '[[products]]\nname = "House Serum"\nkind = "serum"\ningredients = ["peptides"]\nrank = 0\n'
    )
    c = build_client(concerns=["dullness"])
    sel = choose_products(c, screen(c, DATE, POLICY), POLICY, plugins=load_plugins(catalogs=[f]))
    assert sel.for_step("serums")[0].name == "House Serum"


def test_no_serum_repeats_the_exfoliants_acid() -> None:
    c = build_client(concerns=["dullness"], skin_type="normal")
    sel = choose(c)
    assert sel.for_step("exfoliation")[0].name == "Glycolic Acid Peel 20%"
    assert "glycolic acid" not in sel.for_step("serums")[0].ingredients


def test_pregnant_acne_client_gets_no_leave_on_salicylic_acid() -> None:
    sel = choose(build_client(concerns=["acne"], skin_type="oily", pregnant=True))
    assert sel.for_step("serums")[0].name == "Azelaic Acid Serum 10%"


def test_declined_session_gets_no_products(make_client: MakeClient) -> None:
    assert choose(make_client(conditions=["fever"])).steps == {}


ALLERGENS = [
    "niacinamide",
    "salicylic acid",
    "glycerin",
    "zinc oxide",
    "retinol",
    "l-ascorbic acid",
    "kaolin",
    "aloe vera",
    "panthenol",
    "azelaic acid",
    "lactic acid",
    "fragrance",
    "squalane",
]


@st.composite
def clients(draw: st.DrawFn) -> Client:
    return build_client(
        skin_type=draw(st.sampled_from([s.value for s in SkinType])),
        concerns=draw(
            st.lists(
                st.sampled_from([c.value for c in Concern]), min_size=1, max_size=4, unique=True
            )
        ),
        fitzpatrick=draw(st.integers(1, 6)),
        pregnant=draw(st.booleans()),
        breastfeeding=draw(st.booleans()),
        allergies=draw(st.lists(st.sampled_from(ALLERGENS), max_size=4, unique=True)),
        conditions=draw(
            st.lists(
                st.sampled_from(["rosacea", "topical_retinoid", "melasma", "inflamed_acne"]),
                unique=True,
            )
        ),
        a_comedones=draw(st.sampled_from(["none", "mild", "severe"])),
        a_laser_requested=draw(st.booleans()),
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(client=clients(), policy=st.sampled_from(["conservative", "asds2017"]))
def test_no_generated_client_ever_gets_an_unsafe_product(client: Client, policy: str) -> None:
    pol = load_policy(policy)
    screening = screen(client, DATE, pol)
    sel = choose_products(client, screening, pol)
    chosen = [p for ps in sel.steps.values() for p in ps]
    for p in chosen:
        assert not (p.ingredient_set & set(client.allergies)), p
        cls = product_classes(p)
        if client.pregnant or client.breastfeeding:
            assert not cls & {IngredientClass.RETINOID, IngredientClass.HYDROQUINONE}, p
            for name, pct in p.strengths.items():
                if name == "salicylic acid":
                    assert pct <= pol.products.sa_pregnancy_max_pct
        if screening.facts.laser_indicated:
            assert IngredientClass.ENZYME not in cls, p
    for a, b in itertools.combinations(chosen, 2):
        assert conflicts(a, b) is None, (a.name, b.name)
    assert len(sel.for_step("mask")) <= 1
    if "hydration (sunscreen)" not in sel.missing:
        assert any((p.spf or 0) >= 30 for p in sel.for_step("hydration"))


def _forget_kept_verdicts() -> None:
    """Empty every cache selection keeps across calls, as a fresh process starts."""
    from facialflow.products import safety, selection

    selection.forget_verdicts()
    for cached in (
        safety._allergy_problems,
        safety._carer_problems,
        safety._prescription_problems,
        safety._session_problems,
        safety._skin_problems,
        safety._bottle_problems,
        safety._allergy_hit,
    ):
        cached.cache_clear()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(group=st.lists(testing.clients(blocking=False), min_size=2, max_size=6))
def test_a_selection_is_the_same_whatever_was_chosen_before_it(group: list[Client]) -> None:
    # verdicts are kept per profile and session, and profiles interned: what one client
    # was given must never leak into another's products, warnings or reasons
    alone = []
    for client in group:
        _forget_kept_verdicts()
        alone.append(choose(client))
    _forget_kept_verdicts()
    in_turn = [choose(client) for client in group]
    backwards = [choose(client) for client in reversed(group)][::-1]
    assert in_turn == alone
    assert backwards == alone


def test_a_replaced_filter_takes_effect_once_kept_verdicts_are_forgotten(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # verdicts are kept across selections: whoever replaces the filter (a planted bug, a
    # test) must forget them, and then nothing of the old filter is left
    from facialflow.products import selection

    client = build_client(concerns=["acne"], skin_type="oily")
    first = choose(client)
    monkeypatch.setattr(selection, "profile_problems", lambda *args: ("planted refusal",))
    assert choose(client) == first, "kept verdicts answer until they are forgotten"
    selection.forget_verdicts()
    refused = choose(client)
    assert "planted refusal" in refused.missing["cleansing"]
    monkeypatch.undo()
    selection.forget_verdicts()
    assert choose(client) == first
