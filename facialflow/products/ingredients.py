"""What the safety filter knows about a product's ingredients: their classes, from the knowledge base.

A product's safety follows from its ingredients' identity, not from labels a
catalog author may forget or spell differently: a clinic product listing
``Trichloroacetic Acid`` is a peel acid, ``Retinyl Palmitate`` a retinoid and
``Linalool`` a fragrance, whether or not anyone tagged them. Identity and
classes come from :mod:`facialflow.knowledge` (one home for ingredient names);
this module names the classes the rules use and unions them per product.

Two sources are trusted only to restrict, never to permit (a sunscreen tagged
``zinc oxide`` with no filter among its ingredients protects nobody): a
product's tags, and the known ingredient names inside an unknown ingredient
(``glycolic acid 30% peel`` is restricted as glycolic acid). Classes that allow
something (:data:`PERMISSIVE_CLASSES`: a UV filter for R27, a mineral filter for
the safe exit, a soothing agent for the calming set) come from known ingredients only.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from functools import lru_cache

from facialflow import knowledge
from facialflow.model import Product

__all__ = [
    "PERMISSIVE_CLASSES",
    "IngredientClass",
    "allergy_reach",
    "relevant_allergies",
    "classes_of",
    "product_classes",
    "tag_classes",
    "tagged_classes",
    "unknown_ingredients",
    "unknown_warning",
]


class IngredientClass(enum.StrEnum):
    """Knowledge-base classes the rules refer to (values are the knowledge base's class names)."""

    RETINOID = "retinoid"
    TRETINOIN = "tretinoin"
    HYDROQUINONE = "hydroquinone"
    PRESCRIPTION_ONLY = "prescription_only"
    BHA = "bha"
    AHA = "aha"
    PEEL_ACID = "peel_acid"
    EXFOLIANT = "exfoliant"
    ENZYME = "enzyme"
    BENZOYL_PEROXIDE = "benzoyl_peroxide"
    VITAMIN_C = "vitamin_c"
    L_ASCORBIC_ACID = "l_ascorbic_acid"
    AZELAIC_ACID = "azelaic_acid"
    SULFUR = "sulfur"
    COOLING_AGENT = "cooling_agent"
    ESSENTIAL_OIL = "essential_oil"
    FRAGRANCE = "fragrance"
    CLAY = "clay"
    UV_FILTER = "uv_filter"
    MINERAL_FILTER = "mineral_filter"
    SOOTHING = "soothing"
    STRONG_ACTIVE = "strong_active"


#: classes whose presence permits something: only a known ingredient may bring them
PERMISSIVE_CLASSES = frozenset(
    {
        IngredientClass.UV_FILTER,
        IngredientClass.MINERAL_FILTER,
        "chemical_filter",
        IngredientClass.SOOTHING,
    }
)


def classes_of(ingredient: str) -> frozenset[str]:
    """Every knowledge-base class of the named ingredient (any spelling).

    An unknown name is read fail-closed: it takes the restricting classes of every
    known ingredient named inside it as whole words (``glycolic acid 30% peel``:
    an AHA peel acid), never a permissive one; empty when it names none.
    """
    hit = knowledge.lookup_ingredient(ingredient)
    return hit.classes if hit is not None else _contained_classes(ingredient)


@lru_cache(maxsize=16384)
def _contained_classes(ingredient: str) -> frozenset[str]:
    inside = knowledge.contained_ingredients(ingredient)
    return frozenset().union(*(i.classes for i in inside)) - PERMISSIVE_CLASSES


@lru_cache(maxsize=4096)
def _tag_classes(tag: str) -> frozenset[str]:
    # a tag is an ingredient name ("parfum") or a class name or alias ("fragrance", "retinoids")
    found = set(knowledge.classes_of(tag))
    meaning = knowledge.ingredient_base().alias_keys.get(knowledge.match_key(tag))
    for cls in meaning[0] if meaning is not None else ():
        members = knowledge.members_of(cls)
        # the class and every class all its members share (what it implies)
        found |= frozenset.intersection(*(knowledge.classes_of(m) for m in members)) | {cls}
    return frozenset(found)


@lru_cache(maxsize=8192)
def product_classes(product: Product) -> frozenset[str]:
    """The classes of every ingredient of ``product``, and the restricting classes of its tags."""
    out: set[str] = set()
    for name in product.ingredients:
        out |= classes_of(name)
    for tag in product.tags:
        out |= _tag_classes(tag) - PERMISSIVE_CLASSES
    return frozenset(out)


def tag_classes(tag: str) -> frozenset[str]:
    """The restricting classes one tag brings (a tag never brings a permissive class)."""
    return _tag_classes(tag) - PERMISSIVE_CLASSES


@lru_cache(maxsize=16384)
def allergy_reach(name: str) -> tuple[frozenset[str], frozenset[str]]:
    """The ingredients and classes an allergy may meet in one ingredient or tag name.

    Its own identity, its meaning as a tag, and every known ingredient named inside
    it, permissive classes included: to an allergy every class restricts.
    """
    hit = knowledge.lookup_ingredient(name)
    inside = knowledge.contained_ingredients(name)
    names = {i.name for i in inside} | ({hit.name} if hit is not None else set())
    classes = _tag_classes(name).union(*(i.classes for i in inside))
    return frozenset(names | {name}), classes


@lru_cache(maxsize=16384)
def relevant_allergies(allergies: tuple[str, ...], universe: frozenset[str]) -> tuple[str, ...]:
    """The allergies, in the client's order and words, that could cover a product made of
    the ingredients and tags in ``universe``.

    An allergy the knowledge base knows and whose ingredients and classes meet
    nothing in ``universe`` cannot change a verdict on such a product; every other
    one is kept (its words appear in the warnings).
    """
    names, classes, literals = _offered_reach(universe)
    out = []
    for a in allergies:
        m = knowledge.resolve_allergy(a)
        if (
            not m.known
            or m.classes & classes
            or not m.covers.isdisjoint(names)
            # an ingredient the knowledge base does not know matches an allergy written the
            # same way, known or not (``almond`` in a clinic's catalog)
            or m.key in literals
        ):
            out.append(a)
    return tuple(out)


@lru_cache(maxsize=64)
def _offered_reach(
    universe: frozenset[str],
) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """What an allergy can meet among ``universe``'s names: every way
    :func:`~facialflow.knowledge.allergy_matches` and the class check of the safety filter
    match, as the known names, the classes and the literal keys of the unknown names."""
    # what the names stand for, the known names inside an unknown one included: an allergy
    # to pyruvic acid meets "pyruvic acid 40% solution"
    reach = [allergy_reach(n) for n in universe]
    names = frozenset().union(*(r[0] for r in reach))
    classes = frozenset().union(*(r[1] for r in reach), universe)
    literals = frozenset(
        knowledge.literal_key(n) for n in universe if knowledge.lookup_ingredient(n) is None
    )
    return names, classes, literals


@lru_cache(maxsize=8192)
def tagged_classes(product: Product) -> frozenset[str]:
    """:func:`product_classes` with every class of every tag: what an allergy may match."""
    return product_classes(product).union(*(_tag_classes(t) for t in product.tags))


@lru_cache(maxsize=8192)
def unknown_ingredients(product: Product) -> tuple[str, ...]:
    """Ingredients of ``product`` the knowledge base does not know: rules cannot see their classes."""
    return tuple(n for n in product.ingredients if knowledge.lookup_ingredient(n) is None)


def unknown_warning(product: Product, unknown: Sequence[str]) -> str:
    """The warning for a product whose ingredients the knowledge base does not all know."""
    names = ", ".join(repr(n) for n in unknown)
    inside = {
        n: [i.name for i in knowledge.contained_ingredients(n)]
        for n in unknown
        if knowledge.contained_ingredients(n)
    }
    read_as = "; ".join(f"{n!r} as {', '.join(found)}" for n, found in inside.items())
    if not read_as:
        return (
            f"{product.name!r}: ingredient(s) {names} unknown to the knowledge base; "
            "no rule can see their classes"
        )
    return (
        f"{product.name!r}: ingredient(s) {names} unknown to the knowledge base; "
        f"restricted by the known names they contain ({read_as}), never allowed by them"
    )
