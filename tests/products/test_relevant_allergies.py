"""An allergy left out of a safety profile can never have met an offered product."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from facialflow import knowledge
from facialflow.clinic.policy import load_policy
from facialflow.clinic.screening import screen
from facialflow.model import Client, Product
from facialflow.products.ingredients import relevant_allergies
from facialflow.products.loading import load_plugins
from facialflow.products.safety import allergy_hits
from facialflow.products.selection import choose_products

# words the knowledge base does not know as an ingredient, some of which it knows as an
# allergy (a clinic catalog can list any of them), and its own names and class words
ODD = [
    "almond",
    "aloe",
    "cinnamon",
    "citrus",
    "shea",
    "oat extract",
    "nuts",
    "parfum",
    "retinoids",
    "sodium bentonite clay",
    "glycolic acid 30% peel",
]
WORD = st.sampled_from(ODD) | st.sampled_from(
    sorted({*knowledge.ingredient_names(), *knowledge.class_names()})
)


@settings(max_examples=400, deadline=None)
@given(
    allergy=WORD,
    ingredients=st.lists(WORD, min_size=1, max_size=3, unique=True),
    tags=st.lists(WORD, max_size=2, unique=True),
    named=st.sampled_from(["no", "ingredient", "tag"]),
)
def test_an_allergy_that_meets_a_product_is_kept_for_its_offer_universe(
    allergy: str, ingredients: list[str], tags: list[str], named: str
) -> None:
    # profiles keep only the allergies relevant_allergies keeps: one the filter would find
    # in an offered product must never be left out, however the product and allergy are named
    # (the allergy's own words as an ingredient or a tag, often: the likeliest match)
    if named == "ingredient" and allergy not in ingredients:
        ingredients = [allergy, *ingredients]
    if named == "tag" and allergy not in tags:
        tags = [allergy, *tags]
    product = Product(name="p", kind="serum", ingredients=ingredients, tags=tags)
    universe = frozenset((*product.ingredients, *product.tags))
    if allergy_hits(product, (knowledge.resolve_allergy(allergy),)):
        assert relevant_allergies((allergy,), universe) == (allergy,)


def test_a_catalog_ingredient_the_base_does_not_know_meets_the_allergy_written_the_same(
    tmp_path: Path,
) -> None:
    # the review's reproducer: "almond" is known as an allergy, not as an ingredient
    catalog = tmp_path / "almond.toml"
    catalog.write_text(
        "[[products]]\n"
        'name = "Almond Serum"\n'
        'kind = "serum"\n'
        'ingredients = ["almond", "glycerin"]\n'
        'concerns = ["dehydration"]\n'
        "rank = 1\n"
    )
    plugins = load_plugins(catalogs=[catalog])
    policy = load_policy()
    day = dt.date(2026, 11, 25)
    client = Client(
        id="a", skin_type="normal", concerns=("dehydration",), fitzpatrick=2, allergies=("almond",)
    )
    # a client without the allergy first: nothing kept for it may reach the allergic one
    other = Client(id="b", skin_type="normal", concerns=("dehydration",), fitzpatrick=2)
    assert "Almond Serum" in [
        p.name
        for p in choose_products(
            other, screen(other, day, policy), policy, plugins=plugins
        ).for_step("serums")
    ]
    chosen = choose_products(client, screen(client, day, policy), policy, plugins=plugins)
    assert "Almond Serum" not in [p.name for p in chosen.for_step("serums")]
    assert any("allergy to almond" in w for w in chosen.warnings)
