"""Ingredient classes: what the safety filter knows about an ingredient name.

A product's safety follows from its ingredients, not from labels a catalog
author may forget: a clinic product listing ``tretinoin`` is a retinoid
whether or not anyone tagged it so.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from functools import lru_cache

from facialflow.ingredient_names import canonical_ingredient
from facialflow.model import Product

__all__ = ["IngredientClass", "classes_of", "product_classes"]


class IngredientClass(enum.StrEnum):
    RETINOID = "retinoid"
    TRETINOIN = "tretinoin"
    HYDROQUINONE = "hydroquinone"
    BHA = "bha"
    AHA = "aha"
    ENZYME = "enzyme"
    BENZOYL_PEROXIDE = "benzoyl_peroxide"
    L_ASCORBIC_ACID = "l_ascorbic_acid"
    AZELAIC_ACID = "azelaic_acid"
    ESSENTIAL_OIL = "essential_oil"
    FRAGRANCE = "fragrance"
    CLAY = "clay"
    SULFUR = "sulfur"
    MINERAL_FILTER = "mineral_filter"
    SOOTHING = "soothing"


C = IngredientClass

_TABLE: Mapping[str, frozenset[IngredientClass]] = {
    **{
        n: frozenset({C.RETINOID})
        for n in (
            "retinol",
            "retinal",
            "retinaldehyde",
            "retinyl palmitate",
            "retinyl retinoate",
            "retinyl acetate",
            "retinyl propionate",
            "retinyl linoleate",
            "isotretinoin",
            "hydroxypinacolone retinoate",
            "adapalene",
            "tazarotene",
            "trifarotene",
        )
    },
    "tretinoin": frozenset({C.RETINOID, C.TRETINOIN}),
    "hydroquinone": frozenset({C.HYDROQUINONE}),
    "salicylic acid": frozenset({C.BHA}),
    "betaine salicylate": frozenset({C.BHA}),
    "sodium salicylate": frozenset({C.BHA}),
    "willow bark extract": frozenset({C.BHA}),
    **{
        n: frozenset({C.AHA})
        for n in ("glycolic acid", "lactic acid", "mandelic acid", "malic acid")
    },
    **{n: frozenset({C.ENZYME}) for n in ("papain", "bromelain", "pumpkin enzyme", "subtilisin")},
    "benzoyl peroxide": frozenset({C.BENZOYL_PEROXIDE}),
    "azelaic acid": frozenset({C.AZELAIC_ACID}),
    "l-ascorbic acid": frozenset({C.L_ASCORBIC_ACID}),
    "ascorbic acid": frozenset({C.L_ASCORBIC_ACID}),
    **{
        n: frozenset({C.ESSENTIAL_OIL})
        for n in (
            "lavender oil",
            "tea tree oil",
            "peppermint oil",
            "lemon oil",
            "orange oil",
            "bergamot oil",
            "eucalyptus oil",
            "rosemary oil",
        )
    },
    **{n: frozenset({C.FRAGRANCE}) for n in ("fragrance", "parfum", "limonene", "linalool")},
    **{
        n: frozenset({C.CLAY})
        for n in ("kaolin", "bentonite", "french green clay", "rhassoul clay")
    },
    "sulfur": frozenset({C.SULFUR}),
    **{n: frozenset({C.MINERAL_FILTER}) for n in ("zinc oxide", "titanium dioxide")},
    **{
        n: frozenset({C.SOOTHING})
        for n in (
            "panthenol",
            "centella asiatica",
            "colloidal oatmeal",
            "allantoin",
            "madecassoside",
            "bisabolol",
            "aloe vera",
        )
    },
}


def classes_of(ingredient: str) -> frozenset[IngredientClass]:
    return _TABLE.get(canonical_ingredient(ingredient), frozenset())


@lru_cache(maxsize=8192)
def product_classes(product: Product) -> frozenset[IngredientClass]:
    out: set[IngredientClass] = set()
    for name in product.ingredients:
        out |= classes_of(name)
    for tag in product.tags:
        out |= classes_of(tag)
        if tag in IngredientClass.__members__.values():
            out.add(IngredientClass(tag))
    return frozenset(out)
