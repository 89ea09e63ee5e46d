"""Dehydration: humectant serums with emollients; cream masks for dry skin, gel for oily.

Humectants for water, emollients and occlusives for lipids (docs/clinical-rules.md).
Clay is never used here: it dehydrates.
"""

from __future__ import annotations

from facialflow import Concern, Offer, OfferPlugin, Product, ProductKind, SkinType

S = SkinType
DEHY = (Concern.DEHYDRATION,)

plugin = OfferPlugin(
    "dehydration",
    "Dehydration: hyaluronic acid, ceramides, squalane, urea; cream and hydrating gel masks",
    [
        Offer(
            Product(
                name="Hyaluronic Acid Serum",
                kind=ProductKind.SERUM,
                ingredients=["sodium hyaluronate", "hyaluronic acid", "glycerin"],
            ),
            concerns=DEHY,
            rank=10,
        ),
        Offer(
            Product(
                name="Ceramide Squalane Serum",
                kind=ProductKind.SERUM,
                ingredients=["ceramide np", "squalane", "cholesterol"],
            ),
            concerns=DEHY,
            rank=15,
            skin_rank={S.DRY: -8},
        ),
        Offer(
            Product(
                name="Urea 5% Hydrating Serum",
                kind=ProductKind.SERUM,
                ingredients=["urea", "sodium pca", "glycerin"],
                strengths={"urea": 5.0},
            ),
            concerns=DEHY,
            rank=20,
        ),
        Offer(
            Product(
                name="Ceramide Cream Mask",
                kind=ProductKind.MASK,
                ingredients=["shea butter", "ceramide np", "squalane"],
            ),
            concerns=DEHY,
            rank=15,
            skin_rank={S.DRY: -10, S.OILY: 20, S.COMBINATION: 10},
        ),
        Offer(
            Product(
                name="Hydrating Gel Mask",
                kind=ProductKind.MASK,
                ingredients=["hyaluronic acid", "aloe vera", "glycerin"],
            ),
            concerns=DEHY,
            rank=15,
            skin_rank={S.OILY: -5},
        ),
    ],
)
