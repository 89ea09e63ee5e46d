"""Aging and photoaging: vitamin C (Grade A), peptides, bakuchiol; cream and gel masks.

Lau et al. 2024 (docs/clinical-rules.md). Retinoids are Grade A too, but docs/clinical-rules.md
keeps them for home care: in the clinic they would follow a same-day peel
(2i) and are never for pregnancy. Bakuchiol is the retinol-like option here.
"""

from __future__ import annotations

from facialflow import Concern, Offer, OfferPlugin, Product, ProductKind, SkinType

S = SkinType
AGING = (Concern.AGING,)

plugin = OfferPlugin(
    "aging",
    "Aging: vitamin C, peptides and bakuchiol; cream and hydrating gel masks",
    [
        Offer(
            Product(
                name="Vitamin C 15% Serum",
                kind=ProductKind.SERUM,
                ingredients=["l-ascorbic acid", "tocopherol", "ferulic acid"],
                strengths={"l-ascorbic acid": 15.0},
            ),
            concerns=AGING,
            rank=10,
        ),
        Offer(
            Product(
                name="Peptide Firming Serum",
                kind=ProductKind.SERUM,
                ingredients=[
                    "palmitoyl tripeptide-1",
                    "palmitoyl tetrapeptide-7",
                    "hyaluronic acid",
                ],
            ),
            concerns=AGING,
            rank=18,
        ),
        Offer(
            Product(
                name="Bakuchiol Renewal Serum",
                kind=ProductKind.SERUM,
                ingredients=["bakuchiol", "squalane"],
                strengths={"bakuchiol": 1.0},
            ),
            concerns=AGING,
            rank=20,
        ),
        Offer(
            Product(
                name="Peptide Cream Mask",
                kind=ProductKind.MASK,
                ingredients=["shea butter", "palmitoyl tripeptide-1", "glycerin"],
            ),
            concerns=AGING,
            rank=15,
            skin_rank={S.DRY: -5, S.OILY: 15},
        ),
        Offer(
            Product(
                name="Hyaluronic Firming Gel Mask",
                kind=ProductKind.MASK,
                ingredients=["hyaluronic acid", "aloe vera", "glycerin"],
            ),
            concerns=AGING,
            rank=20,
        ),
    ],
)
