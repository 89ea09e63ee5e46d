"""Property: catalog products written with any name the knowledge base knows, for any client.

Products are drawn from the knowledge base under any synonym, any case and any
Unicode form (fullwidth, zero-width, decomposed accents); clients have any
allergies (ingredient names, class words such as ``retinoids`` or ``aspirin``,
written any way). Products carry tags drawn the same way, sunscreens among them
(with or without a known UV filter), and sessions go through extraction, laser
and, with a reaction at any step, the safe exit. Whatever the draw, no applied
product carries an allergen, no pregnancy-unsafe ingredient reaches a pregnant
or breastfeeding client, no peel is applied in a session with laser, nothing
after a procedure or on the safe exit carries an active (nor, on the safe exit,
fragrance), and a completed session's SPF has a UV filter among its ingredients.
The checks below use the knowledge base directly, not the safety filter's code.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from facialflow import knowledge
from facialflow.clinic.policy import load_policy
from facialflow.model import AdverseKind, Client, Outcome, Product, ProductKind, SessionResult
from facialflow.products.catalog import Offer, OfferPlugin
from facialflow.products.loading import load_plugins
from facialflow.qa.invariants import violations
from facialflow.testing import DEFAULT_DATE, assessments, clients, ingredient_spellings, run_session

POLICY = load_policy()

_KINDS = list(ProductKind)
_CLASS_WORDS = ["retinoids", "fragrance", "salicylates", "aspirin", "AHA", "papaya", "clay"]
#: what may not follow a procedure nor go on the safe exit (R28, R30), by knowledge-base class
_NOT_AFTER = {
    "exfoliant", "retinoid", "azelaic_acid", "sulfur", "cooling_agent", "benzoyl_peroxide",
    "hydroquinone",
}  # fmt: skip
_AFTER_STEPS = {"serums", "mask", "hydration", "safe_exit_soothe", "safe_exit_protect"}


def _product(
    i: int,
    kind: ProductKind,
    names: list[str],
    pct: float | None,
    tags: list[str],
    spf: int | None,
) -> Product:
    ingredients = list(dict.fromkeys(names))
    strengths = {ingredients[0]: pct} if pct is not None else {}
    return Product(
        name=f"KB product {i}",
        kind=kind,
        ingredients=ingredients,
        strengths=strengths,
        tags=tags,
        spf=spf if kind is ProductKind.SUNSCREEN else None,
    )


@st.composite
def catalog_products(draw: Any) -> list[Product]:
    n = draw(st.integers(1, 6))
    out = []
    for i in range(n):
        kind = draw(st.sampled_from(_KINDS))
        names = draw(st.lists(ingredient_spellings(), min_size=1, max_size=3))
        if kind is ProductKind.SUNSCREEN and draw(st.booleans()):
            # half the sunscreens have a real filter, so they can win the hydration step
            names.append(draw(ingredient_spellings(classes=["uv_filter"])))
        pct = draw(st.one_of(st.none(), st.floats(0.5, 40.0)))
        tags = draw(
            st.lists(st.one_of(ingredient_spellings(), st.sampled_from(_CLASS_WORDS)), max_size=2)
        )
        spf = draw(st.sampled_from([15, 30, 50]))
        try:
            out.append(_product(i, kind, names, pct, tags, spf))
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


def _restricting(name: str) -> frozenset[str]:
    """Classes a name restricts by: its own, or those of known names inside an unknown one."""
    if knowledge.lookup_ingredient(name) is not None:
        return knowledge.classes_of(name)
    return frozenset().union(*(i.classes for i in knowledge.contained_ingredients(name)))


def _check(result: SessionResult, client: Client) -> None:
    matches = [knowledge.resolve_allergy(a) for a in client.allergies]
    carer = client.pregnant or client.breastfeeding
    laser = any(s.startswith("laser") for s in result.path)
    procedure = laser or "extraction" in result.path
    for step, product in _applied(result):
        for name in (*product.ingredients, *product.tags):
            for m in matches:
                assert not knowledge.allergy_matches(m, name), (step, product, m.given)
        if (procedure and step in _AFTER_STEPS) or step.startswith("safe_exit"):
            for name in product.ingredients:
                assert not _restricting(name) & _NOT_AFTER, (step, product)
        if step.startswith("safe_exit"):
            assert not any("fragrance" in _restricting(n) for n in product.ingredients), (
                step,
                product,
            )
        for name in product.ingredients:
            classes = _restricting(name)
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
    if result.outcome is Outcome.COMPLETE:
        assert any(
            p.kind is ProductKind.SUNSCREEN
            and (p.spf or 0) >= 30
            and any("uv_filter" in knowledge.classes_of(n) for n in p.ingredients)
            for step, p in _applied(result)
            if step == "hydration"
        ), result.products
    assert violations(result, POLICY) == []


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    products=catalog_products(),
    client=clients(blocking=False, allergies=allergies, pregnant=st.booleans()),
    reaction=st.one_of(st.none(), st.integers(0, 12)),
)
def test_no_allergen_pregnancy_unsafe_ingredient_or_laser_day_peel_is_applied(
    products: list[Product], client: Client, reaction: int | None
) -> None:
    adverse = None if reaction is None else (reaction, AdverseKind.IRRITATION)
    result = run_session(client, policy=POLICY, plugins=_plugins(products), adverse=adverse)
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
