"""Acne: salicylic acid, azelaic acid and niacinamide serums; clay and sulfur masks.

AAD 2024 guideline actives (docs/clinical-rules.md). Benzoyl peroxide and retinoids
are home care (docs/clinical-rules.md), not in-clinic serums. Clay masks suit oily and
congested skin; the safety filter keeps them off dry and sensitive skin (R25).
"""

from __future__ import annotations

from facialflow import Concern, Offer, OfferPlugin, Product, ProductKind, SkinType

S = SkinType
ACNE = (Concern.ACNE,)

plugin = OfferPlugin(
    "acne",
    "Acne: BHA, azelaic acid and niacinamide serums; clay and sulfur masks",
    [
        Offer(
            Product(
                name="Salicylic Clarifying Serum 2%",
                kind=ProductKind.SERUM,
                ingredients=["salicylic acid", "niacinamide", "glycerin"],
                strengths={"salicylic acid": 2.0, "niacinamide": 4.0},
            ),
            concerns=ACNE,
            rank=10,
            skin_rank={S.DRY: 10},
        ),
        Offer(
            Product(
                name="Azelaic Acid Serum 10%",
                kind=ProductKind.SERUM,
                ingredients=["azelaic acid", "glycerin"],
                strengths={"azelaic acid": 10.0},
            ),
            concerns=ACNE,
            rank=15,
            skin_rank={S.DRY: -5},
        ),
        Offer(
            Product(
                name="Niacinamide Zinc Serum 10%",
                kind=ProductKind.SERUM,
                ingredients=["niacinamide", "zinc pca", "glycerin"],
                strengths={"niacinamide": 10.0},
            ),
            concerns=ACNE,
            rank=20,
        ),
        Offer(
            Product(
                name="Kaolin Sulfur Clarifying Mask",
                kind=ProductKind.MASK,
                ingredients=["kaolin", "sulfur", "zinc oxide"],
                strengths={"sulfur": 3.0},
            ),
            concerns=ACNE,
            rank=10,
        ),
        Offer(
            Product(
                name="Charcoal Bentonite Mask",
                kind=ProductKind.MASK,
                ingredients=["bentonite", "charcoal powder", "glycerin"],
            ),
            concerns=ACNE,
            rank=15,
        ),
    ],
)
