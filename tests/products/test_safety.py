"""The safety filter: every rule that removes a product, and the pairs that may not meet."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import MakeClient

from facialflow.clinic.policy import load_policy
from facialflow.model import Product
from facialflow.products.hookspecs import SelectionContext
from facialflow.products.loading import load_plugins
from facialflow.products.safety import conflicts, is_strong_acid, product_problems

POLICY = load_policy()
PLAIN = SelectionContext(
    exfoliation="strong", extraction_today=False, laser_today=False, policy="conservative"
)


def product(
    kind: str = "serum", ingredients: tuple[str, ...] = ("glycerin",), **kw: Any
) -> Product:
    return Product(name=kw.pop("name", "P"), kind=kind, ingredients=ingredients, **kw)


def problems(p: Product, client: Any, context: SelectionContext = PLAIN) -> list[str]:
    return product_problems(p, client, context, POLICY)


def test_allergen_is_matched_case_insensitively_in_the_clients_own_words(
    make_client: MakeClient,
) -> None:
    c = make_client(allergies=["NIACINAMIDE"])
    assert problems(product(ingredients=("Niacinamide", "glycerin")), c) == [
        "allergy to NIACINAMIDE: niacinamide (R6)"
    ]


def test_allergy_to_a_tag_such_as_fragrance_is_matched(make_client: MakeClient) -> None:
    c = make_client(allergies=["fragrance"])
    assert problems(product(tags=["fragrance"]), c)


@pytest.mark.parametrize("ingredient", ["retinol", "tretinoin", "adapalene", "retinyl palmitate"])
@pytest.mark.parametrize("state", ["pregnant", "breastfeeding"])
def test_no_retinoid_of_any_kind_in_pregnancy_or_breastfeeding(
    make_client: MakeClient, ingredient: str, state: str
) -> None:
    assert any(
        "retinoid" in p
        for p in problems(product(ingredients=(ingredient,)), make_client(**{state: True}))
    )


def test_salicylic_acid_in_pregnancy_only_wash_off_at_low_strength(make_client: MakeClient) -> None:
    c = make_client(pregnant=True)
    wash = product("cleanser", ("salicylic acid",), strengths={"salicylic acid": 2.0})
    assert problems(wash, c) == []
    assert problems(product("cleanser", ("salicylic acid",), strengths={"salicylic acid": 20.0}), c)
    # unknown strength is treated as high
    assert problems(product("cleanser", ("salicylic acid",)), c)
    # two BHAs: one of unknown strength is enough to refuse
    mixed = product(
        "mask", ("salicylic acid", "betaine salicylate"), strengths={"betaine salicylate": 0.5}
    )
    assert problems(mixed, c)
    # leave-on is refused whatever the strength
    leave_on = product("serum", ("salicylic acid",), strengths={"salicylic acid": 0.5})
    assert any("leave-on" in p for p in problems(leave_on, c))


def test_synonyms_and_spacing_cannot_smuggle_an_ingredient(make_client: MakeClient) -> None:
    pregnant = make_client(pregnant=True, allergies=["Parfum"])
    assert problems(product(ingredients=("All-trans  Retinoic Acid",)), pregnant)
    assert problems(product(ingredients=("Retinyl Acetate",)), pregnant)
    assert problems(product(tags=[" Fragrance "]), pregnant)
    assert problems(product(tags=[" retinoid"]), pregnant)
    assert conflicts(product(ingredients=("BPO",)), product(ingredients=("Vitamin C",)))


def test_blank_prescription_reference_is_no_prescription(make_client: MakeClient) -> None:
    hq = product(ingredients=("hydroquinone",), strengths={"hydroquinone": 4.0})
    assert problems(hq, make_client(a_prescription_reference="   "))


def test_hydroquinone_needs_a_prescription_and_never_in_pregnancy(make_client: MakeClient) -> None:
    hq = product(ingredients=("hydroquinone",), strengths={"hydroquinone": 4.0})
    assert any("prescription" in p for p in problems(hq, make_client()))
    assert problems(hq, make_client(a_prescription_reference="RX-1")) == []
    assert any(
        "hydroquinone in pregnancy" in p
        for p in problems(hq, make_client(pregnant=True, a_prescription_reference="RX-1"))
    )


def test_rx_only_product_needs_a_prescription(make_client: MakeClient) -> None:
    assert problems(product(rx_only=True), make_client())


def test_no_acid_enzyme_or_retinoid_on_a_laser_day(make_client: MakeClient) -> None:
    laser = SelectionContext(
        exfoliation="strong", extraction_today=False, laser_today=True, policy="x"
    )
    c = make_client()
    assert problems(product(ingredients=("papain",)), c, laser)
    assert problems(
        product(ingredients=("glycolic acid",), strengths={"glycolic acid": 20.0}), c, laser
    )
    assert problems(
        product(ingredients=("glycolic acid",), strengths={"glycolic acid": 5.0}), c, laser
    )
    assert problems(product(ingredients=("retinol",)), c, laser)
    assert problems(product(ingredients=("niacinamide",)), c, laser) == []


def test_gentle_exfoliation_refuses_peel_strength_acids_and_enzymes_in_any_product(
    make_client: MakeClient,
) -> None:
    gentle = SelectionContext(
        exfoliation="gentle", extraction_today=False, laser_today=False, policy="x"
    )
    peel = product("exfoliant", ("glycolic acid",), strengths={"glycolic acid": 20.0})
    assert problems(peel, make_client(), gentle)
    assert problems(peel, make_client()) == []


def test_sensitive_skin_gets_no_fragrance_essential_oil_enzyme_or_strong_acid(
    make_client: MakeClient,
) -> None:
    c = make_client(skin_type="sensitive")
    for p in (
        product(tags=["fragrance"]),
        product(ingredients=("lavender oil",)),
        product(ingredients=("bromelain",)),
        product(ingredients=("lactic acid",), strengths={"lactic acid": 30.0}),
    ):
        assert problems(p, c), p


@pytest.mark.parametrize("skin", ["dry", "sensitive"])
def test_clay_mask_is_never_used_on_dry_or_sensitive_skin(
    make_client: MakeClient, skin: str
) -> None:
    clay = product("mask", ("kaolin",))
    assert any("clay" in p for p in problems(clay, make_client(skin_type=skin)))
    assert problems(clay, make_client(skin_type="oily")) == []


def test_sunscreen_below_spf_30_is_refused(make_client: MakeClient) -> None:
    assert problems(product("sunscreen", ("zinc oxide",), spf=15), make_client())
    assert problems(product("sunscreen", ("zinc oxide",), spf=30), make_client()) == []


@pytest.mark.parametrize("partner", ["tretinoin", "l-ascorbic acid", "hydroquinone"])
def test_benzoyl_peroxide_conflicts_with_tretinoin_vitamin_c_and_hq(partner: str) -> None:
    bpo = product(ingredients=("benzoyl peroxide",))
    assert conflicts(bpo, product(ingredients=(partner,)))
    assert conflicts(product(ingredients=(partner,)), bpo)
    assert conflicts(bpo, product(ingredients=("niacinamide",))) is None


def test_strength_thresholds_come_from_the_policy() -> None:
    assert not is_strong_acid(
        product(ingredients=("glycolic acid",), strengths={"glycolic acid": 10.0}), POLICY
    )
    assert is_strong_acid(
        product(ingredients=("glycolic acid",), strengths={"glycolic acid": 10.5}), POLICY
    )
    assert is_strong_acid(
        product(ingredients=("salicylic acid",), strengths={"salicylic acid": 2.5}), POLICY
    )


def test_reasons_come_in_one_order_client_then_session_then_skin(
    make_client: MakeClient,
) -> None:
    # the client's reasons and the session's are cached apart: the list must still read
    # allergy first, the laser day next, the skin last, whatever was asked before
    laser = SelectionContext(
        exfoliation="strong", extraction_today=False, laser_today=True, policy="x"
    )
    p = product(ingredients=("glycolic acid", "parfum"), strengths={"glycolic acid": 30.0})
    c = make_client(allergies=["glycolic acid"], skin_type="sensitive")
    plain_first = problems(p, c)
    found = problems(p, c, laser)
    assert [r.split(" ")[0] for r in found[:2]] == ["allergy", "acid,"]
    assert found[0] == plain_first[0]
    assert found[1] == "acid, enzyme or retinoid on a laser day"
    assert found[2:] == plain_first[1:]
    assert any("sensitive skin (R24)" in r for r in found[2:])
    # pregnancy and prescription are the client's too: before the session's reasons
    pregnant = make_client(pregnant=True)
    retinoid = product(ingredients=("tretinoin",))
    both = problems(retinoid, pregnant, laser)
    assert [r.split(" (")[0].split(" ")[0] for r in both] == ["retinoid", "tretinoin", "acid,"]


def test_a_product_that_cannot_clash_clashes_with_nothing() -> None:
    from facialflow.products.safety import may_conflict

    offered = {prod for info in load_plugins().plugins for prod in info.info.products}
    partners = [
        product(ingredients=(name,), name=name)
        for name in ("benzoyl peroxide", "tretinoin", "ascorbic acid", "hydroquinone")
    ]
    pairs = [(a, b) for a in [*offered, *partners] for b in [*offered, *partners]]
    clashing = [(a, b) for a, b in pairs if conflicts(a, b) is not None]
    assert clashing, "the pairs must include clashes, or this proves nothing"
    for a, b in clashing:
        assert may_conflict(a) and may_conflict(b)
    assert any(not may_conflict(p) for p in offered)
