"""Preventative care: an antioxidant and gentle hydration; a hydrating sheet mask (docs/clinical-rules.md)."""

from __future__ import annotations

from facialflow import Concern, Offer, OfferPlugin, Product, ProductKind

PREV = (Concern.PREVENTATIVE,)

plugin = OfferPlugin(
    "preventative",
    "Preventative care: antioxidant vitamin C, niacinamide and hyaluronic acid; hydrating sheet mask",
    [
        Offer(
            Product(
                name="Antioxidant C E Ferulic Serum",
                kind=ProductKind.SERUM,
                ingredients=["l-ascorbic acid", "tocopherol", "ferulic acid"],
                strengths={"l-ascorbic acid": 10.0},
            ),
            concerns=PREV,
            rank=10,
        ),
        Offer(
            Product(
                name="Niacinamide Barrier Serum 5%",
                kind=ProductKind.SERUM,
                ingredients=["niacinamide", "panthenol", "glycerin"],
                strengths={"niacinamide": 5.0},
            ),
            concerns=PREV,
            rank=15,
        ),
        Offer(
            Product(
                name="Daily Hydration Serum",
                kind=ProductKind.SERUM,
                ingredients=["hyaluronic acid", "glycerin"],
            ),
            concerns=PREV,
            rank=20,
        ),
        Offer(
            Product(
                name="Hydrating Sheet Mask",
                kind=ProductKind.MASK,
                ingredients=["glycerin", "hyaluronic acid", "panthenol"],
            ),
            concerns=PREV,
            rank=20,
        ),
    ],
)
