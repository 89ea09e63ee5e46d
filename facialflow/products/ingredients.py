"""What the safety filter knows about a product's ingredients: their classes, from the knowledge base.

A product's safety follows from its ingredients' identity, not from labels a
catalog author may forget or spell differently: a clinic product listing
``Trichloroacetic Acid`` is a peel acid, ``Retinyl Palmitate`` a retinoid and
``Linalool`` a fragrance, whether or not anyone tagged them. Identity and
classes come from :mod:`facialflow.knowledge` (one home for ingredient names);
this module names the classes the rules use and unions them per product.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from functools import lru_cache

from facialflow import knowledge
from facialflow.model import Product

__all__ = [
    "IngredientClass",
    "classes_of",
    "product_classes",
    "unknown_ingredients",
    "unknown_warning",
]


class IngredientClass(enum.StrEnum):
    """Knowledge-base classes the rules refer to (values are the knowledge base's class names)."""

    RETINOID = "retinoid"
    TRETINOIN = "tretinoin"
    HYDROQUINONE = "hydroquinone"
    SALICYLATE = "salicylate"
    BHA = "bha"
    AHA = "aha"
    PHA = "pha"
    PEEL_ACID = "peel_acid"
    EXFOLIANT = "exfoliant"
    ENZYME = "enzyme"
    BENZOYL_PEROXIDE = "benzoyl_peroxide"
    VITAMIN_C = "vitamin_c"
    L_ASCORBIC_ACID = "l_ascorbic_acid"
    AZELAIC_ACID = "azelaic_acid"
    SULFUR = "sulfur"
    MENTHOL = "menthol"
    COOLING_AGENT = "cooling_agent"
    ESSENTIAL_OIL = "essential_oil"
    FRAGRANCE = "fragrance"
    CLAY = "clay"
    UV_FILTER = "uv_filter"
    MINERAL_FILTER = "mineral_filter"
    SOOTHING = "soothing"
    STRONG_ACTIVE = "strong_active"


def classes_of(ingredient: str) -> frozenset[str]:
    """Every knowledge-base class of the named ingredient (any spelling); empty if unknown."""
    return knowledge.classes_of(ingredient)


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
    """The classes of every ingredient and tag of ``product``."""
    out: set[str] = set()
    for name in product.ingredients:
        out |= classes_of(name)
    for tag in product.tags:
        out |= _tag_classes(tag)
    return frozenset(out)


@lru_cache(maxsize=8192)
def unknown_ingredients(product: Product) -> tuple[str, ...]:
    """Ingredients of ``product`` the knowledge base does not know: rules cannot see their classes."""
    return tuple(n for n in product.ingredients if knowledge.lookup_ingredient(n) is None)


def unknown_warning(product: Product, unknown: Sequence[str]) -> str:
    """The warning for a product whose ingredients the knowledge base does not all know."""
    names = ", ".join(repr(n) for n in unknown)
    return (
        f"{product.name!r}: ingredient(s) {names} unknown to the knowledge base; "
        "no rule can see their classes"
    )
