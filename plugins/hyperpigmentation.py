"""Hyperpigmentation: tranexamic acid, kojic acid, arbutin, azelaic acid, vitamin C; brightening masks.

Desai 2019 TXA + kojic + niacinamide (docs/clinical-rules.md). Hydroquinone is
prescription-only and never a default product: a clinic that prescribes it
adds it through a catalog, and the filter still demands the prescription (R26).
"""

from __future__ import annotations

from facialflow import Concern, Offer, OfferPlugin, Product, ProductKind

HYPER = (Concern.HYPERPIGMENTATION,)

plugin = OfferPlugin(
    "hyperpigmentation",
    "Hyperpigmentation: tranexamic acid, kojic acid, arbutin, azelaic acid; brightening masks",
    [
        Offer(
            Product(
                name="Tranexamic Brightening Serum",
                kind=ProductKind.SERUM,
                ingredients=["tranexamic acid", "kojic acid", "niacinamide"],
                strengths={"tranexamic acid": 3.0, "kojic acid": 1.0, "niacinamide": 5.0},
            ),
            concerns=HYPER,
            rank=10,
        ),
        Offer(
            Product(
                name="Alpha Arbutin Serum 2%",
                kind=ProductKind.SERUM,
                ingredients=["alpha arbutin", "niacinamide", "glycerin"],
                strengths={"alpha arbutin": 2.0},
            ),
            concerns=HYPER,
            rank=15,
        ),
        Offer(
            Product(
                name="Azelaic Brightening Serum 15%",
                kind=ProductKind.SERUM,
                ingredients=["azelaic acid", "licorice root extract"],
                strengths={"azelaic acid": 15.0},
            ),
            concerns=HYPER,
            rank=20,
        ),
        Offer(
            Product(
                name="Vitamin C 10% Brightening Serum",
                kind=ProductKind.SERUM,
                ingredients=["l-ascorbic acid", "tocopherol"],
                strengths={"l-ascorbic acid": 10.0},
            ),
            concerns=HYPER,
            rank=25,
        ),
        Offer(
            Product(
                name="Brightening Sheet Mask",
                kind=ProductKind.MASK,
                ingredients=["niacinamide", "tranexamic acid", "glycerin"],
            ),
            concerns=HYPER,
            rank=15,
        ),
        Offer(
            Product(
                name="Licorice Brightening Gel Mask",
                kind=ProductKind.MASK,
                ingredients=["licorice root extract", "aloe vera", "glycerin"],
            ),
            concerns=HYPER,
            rank=20,
        ),
    ],
)
