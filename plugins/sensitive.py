"""Sensitive skin and post-procedure care: soothing serums and calming gel masks.

Panthenol, centella, niacinamide and colloidal oat, fragrance-free (docs/clinical-rules.md
2f, R24). For sensitive skin these outrank every concern's own products; for
everyone, the calming mask is preferred after extraction or laser (R25).
"""

from __future__ import annotations

from facialflow import Concern, Offer, OfferPlugin, Product, ProductKind, SkinType

ALL = tuple(Concern)
SENSITIVE = (SkinType.SENSITIVE,)

CALMING_MASK = Product(
    name="Calming Centella Gel Mask",
    kind=ProductKind.MASK,
    ingredients=["centella asiatica", "panthenol", "aloe vera"],
)

plugin = OfferPlugin(
    "sensitive",
    "Sensitive skin: panthenol, centella, niacinamide and oat; calming gel masks (also after procedures)",
    [
        Offer(
            Product(
                name="Centella Panthenol Serum",
                kind=ProductKind.SERUM,
                ingredients=["centella asiatica", "panthenol", "madecassoside"],
            ),
            concerns=ALL,
            skin_types=SENSITIVE,
            rank=5,
        ),
        Offer(
            Product(
                name="Niacinamide Calming Serum 4%",
                kind=ProductKind.SERUM,
                ingredients=["niacinamide", "colloidal oatmeal", "allantoin"],
                strengths={"niacinamide": 4.0},
            ),
            concerns=ALL,
            skin_types=SENSITIVE,
            rank=8,
        ),
        Offer(CALMING_MASK, skin_types=SENSITIVE, rank=0),
        Offer(CALMING_MASK, rank=32, after_procedure=True),
    ],
)
