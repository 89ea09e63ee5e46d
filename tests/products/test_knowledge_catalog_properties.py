"""Property: catalog products written with any name the knowledge base knows, for any client.

Products are drawn from the knowledge base under any synonym, any case and any
Unicode form (fullwidth, zero-width, decomposed accents); clients have any
allergies (ingredient names, class words such as ``retinoids`` or ``aspirin``,
written any way). Whatever the draw, no applied product carries an allergen,
no pregnancy-unsafe ingredient reaches a pregnant or breastfeeding client, and
no peel is applied in a session with laser. The checks below use the knowledge
base directly, not the safety filter's code.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from facialflow import knowledge
from facialflow.clinic.policy import load_policy
from facialflow.model import Client, Product, ProductKind, SessionResult
from facialflow.products.catalog import Offer, OfferPlugin
from facialflow.products.loading import load_plugins
from facialflow.qa.invariants import violations
from facialflow.testing import DEFAULT_DATE, assessments, clients, ingredient_spellings, run_session

POLICY = load_policy()

_KINDS = [k for k in ProductKind if k is not ProductKind.SUNSCREEN]
_CLASS_WORDS = ["retinoids", "fragrance", "salicylates", "aspirin", "AHA", "papaya", "clay"]


def _product(i: int, kind: ProductKind, names: list[str], pct: float | None) -> Product:
    ingredients = list(dict.fromkeys(names))
    strengths = {ingredients[0]: pct} if pct is not None else {}
    return Product(name=f"KB product {i}", kind=kind, ingredients=ingredients, strengths=strengths)


@st.composite
def catalog_products(draw: Any) -> list[Product]:
    n = draw(st.integers(1, 6))
    out = []
    for i in range(n):
        kind = draw(st.sampled_from(_KINDS))
        names = draw(st.lists(ingredient_spellings(), min_size=1, max_size=3))
        pct = draw(st.one_of(st.none(), st.floats(0.5, 40.0)))
        try:
            out.append(_product(i, kind, names, pct))
        except ValueError:
            # two spellings of one ingredient with a strength: not a valid product, skip it
            continue
    return out


allergies = st.lists(
    st.one_of(ingredient_spellings(), st.sampled_from(_CLASS_WORDS)), min_size=0, max_size=3
)


def _plugins(products: list[Product]) -> Any:
    offers = [Offer(p, rank=-100) for p in products]
    return load_plugins(extra=[("kb-catalog", OfferPlugin("kb-catalog", "drawn", offers))])


def _applied(result: SessionResult) -> list[tuple[str, Product]]:
    return [(a.step, a.product) for a in result.products]


def _check(result: SessionResult, client: Client) -> None:
    matches = [knowledge.resolve_allergy(a) for a in client.allergies]
    carer = client.pregnant or client.breastfeeding
    laser = any(s.startswith("laser") for s in result.path)
    for step, product in _applied(result):
        for name in product.ingredients:
            for m in matches:
                assert not knowledge.allergy_matches(m, name), (step, product, m.given)
            classes = knowledge.classes_of(name)
            if carer:
                assert not classes & {"retinoid", "hydroquinone"}, (step, product)
                if "bha" in classes:
                    assert product.kind in (
                        ProductKind.CLEANSER,
                        ProductKind.EXFOLIANT,
                        ProductKind.MASK,
                    )
                    assert product.strengths.get(name, 100.0) <= 2.0
            if laser:
                assert not classes & {"peel_acid", "exfoliant", "retinoid"}, (step, product)
    assert violations(result, POLICY) == []


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    products=catalog_products(),
    client=clients(blocking=False, allergies=allergies, pregnant=st.booleans()),
)
def test_no_allergen_pregnancy_unsafe_ingredient_or_laser_day_peel_is_applied(
    products: list[Product], client: Client
) -> None:
    result = run_session(client, policy=POLICY, plugins=_plugins(products))
    _check(result, client)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    products=catalog_products(),
    client=clients(
        allergies=allergies,
        pregnant=False,
        breastfeeding=False,
        conditions=st.just(frozenset()),
        isotretinoin_last_dose=None,
        last_sun_exposure=None,
        last_topical_retinoid=None,
        last_peel=None,
        fitzpatrick=st.integers(1, 3),
        medications=(),
        assessment=assessments(laser_requested=True, clinician_approved_laser=True),
    ),
)
def test_laser_sessions_with_any_catalog_apply_no_peel(
    products: list[Product], client: Client
) -> None:
    result = run_session(client, policy=POLICY, plugins=_plugins(products))
    # allergic to every sunscreen: declined at intake (R27), so no laser to check
    assume(result.path != ("intake", "declined"))
    assert any(s.startswith("laser") for s in result.path), result.skipped
    _check(result, client)
    assert result.date == DEFAULT_DATE
