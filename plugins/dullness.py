"""Dullness: AHA and vitamin C serums; an enzyme mask for skin that tolerates it.

Enzyme masks and strong acids are kept off sensitive skin and laser days by
the safety filter (R24, docs/clinical-rules.md); the gel mask is the fallback.
"""

from __future__ import annotations

from facialflow import Concern, Offer, OfferPlugin, Product, ProductKind

DULL = (Concern.DULLNESS,)

plugin = OfferPlugin(
    "dullness",
    "Dullness: glycolic and lactic acid, vitamin C derivative; enzyme and radiance gel masks",
    [
        Offer(
            Product(
                name="Glycolic Glow Serum 8%",
                kind=ProductKind.SERUM,
                ingredients=["glycolic acid", "aloe vera", "glycerin"],
                strengths={"glycolic acid": 8.0},
            ),
            concerns=DULL,
            rank=10,
        ),
        Offer(
            Product(
                name="Lactic Acid Serum 5%",
                kind=ProductKind.SERUM,
                ingredients=["lactic acid", "sodium hyaluronate"],
                strengths={"lactic acid": 5.0},
            ),
            concerns=DULL,
            rank=15,
        ),
        Offer(
            Product(
                name="Ascorbyl Radiance Serum",
                kind=ProductKind.SERUM,
                ingredients=["sodium ascorbyl phosphate", "niacinamide"],
                strengths={"sodium ascorbyl phosphate": 5.0},
            ),
            concerns=DULL,
            rank=20,
        ),
        Offer(
            Product(
                name="Papaya Enzyme Mask",
                kind=ProductKind.MASK,
                ingredients=["papain", "bromelain", "kaolin"],
            ),
            concerns=DULL,
            rank=10,
        ),
        Offer(
            Product(
                name="Radiance Gel Mask",
                kind=ProductKind.MASK,
                ingredients=["niacinamide", "aloe vera", "glycerin"],
            ),
            concerns=DULL,
            rank=25,
        ),
    ],
)
