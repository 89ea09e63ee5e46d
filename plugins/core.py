"""Core products every session needs: cleansers, exfoliants, moisturisers, sunscreens, safe-exit care.

Exfoliants come in two strengths; the safety filter keeps the strong one away
from clients the screening limited to gentle exfoliation. Sunscreens are
broad-spectrum SPF 30+ (R27); the mineral one doubles as the safe-exit
protection step.
"""

from __future__ import annotations

from facialflow import Offer, OfferPlugin, Product, ProductKind, SkinType

S = SkinType

GENTLE_CLEANSER = Product(
    name="Gentle Cream Cleanser",
    kind=ProductKind.CLEANSER,
    ingredients=["glycerin", "ceramide np", "cetearyl alcohol"],
)
FOAMING_CLEANSER = Product(
    name="Balancing Gel Cleanser",
    kind=ProductKind.CLEANSER,
    ingredients=["sodium cocoyl glycinate", "glycerin", "zinc pca"],
)
OAT_CLEANSER = Product(
    name="Colloidal Oat Milk Cleanser",
    kind=ProductKind.CLEANSER,
    ingredients=["colloidal oatmeal", "glycerin", "squalane"],
)
LACTIC_PEEL = Product(
    name="Lactic Acid Peel 30%",
    kind=ProductKind.EXFOLIANT,
    ingredients=["lactic acid", "glycerin"],
    strengths={"lactic acid": 30.0},
)
GLYCOLIC_PEEL = Product(
    name="Glycolic Acid Peel 20%",
    kind=ProductKind.EXFOLIANT,
    ingredients=["glycolic acid", "sodium hydroxide"],
    strengths={"glycolic acid": 20.0},
)
MANDELIC_GENTLE = Product(
    name="Mandelic Polish 5%",
    kind=ProductKind.EXFOLIANT,
    ingredients=["mandelic acid", "glycerin"],
    strengths={"mandelic acid": 5.0},
)
JOJOBA_POLISH = Product(
    name="Jojoba Bead Polish",
    kind=ProductKind.EXFOLIANT,
    ingredients=["jojoba esters", "glycerin", "cellulose gum"],
)
GEL_MOISTURIZER = Product(
    name="Oil-free Hydrating Gel",
    kind=ProductKind.MOISTURIZER,
    ingredients=["glycerin", "hyaluronic acid", "niacinamide"],
)
LOTION_MOISTURIZER = Product(
    name="Daily Barrier Lotion",
    kind=ProductKind.MOISTURIZER,
    ingredients=["glycerin", "ceramide np", "squalane"],
)
RICH_MOISTURIZER = Product(
    name="Rich Repair Cream",
    kind=ProductKind.MOISTURIZER,
    ingredients=["glycerin", "ceramide np", "cholesterol", "petrolatum"],
)
MINERAL_SPF = Product(
    name="Mineral Sunscreen SPF 50",
    kind=ProductKind.SUNSCREEN,
    ingredients=["zinc oxide", "titanium dioxide"],
    spf=50,
)
LIGHT_SPF = Product(
    name="Fluid Sunscreen SPF 30",
    kind=ProductKind.SUNSCREEN,
    ingredients=["avobenzone", "octocrylene", "homosalate"],
    spf=30,
)
SOOTHING_BALM = Product(
    name="Panthenol Recovery Balm",
    kind=ProductKind.SOOTHING,
    ingredients=["panthenol", "centella asiatica", "glycerin"],
)
OAT_SOOTHER = Product(
    name="Colloidal Oat Calming Cream",
    kind=ProductKind.SOOTHING,
    ingredients=["colloidal oatmeal", "allantoin"],
)

plugin = OfferPlugin(
    "core",
    "Cleansers, exfoliants, moisturisers, SPF 30+ sunscreens and safe-exit care for every client",
    [
        Offer(GENTLE_CLEANSER, rank=20, skin_rank={S.DRY: -10, S.NORMAL: -5}),
        Offer(FOAMING_CLEANSER, rank=20, skin_rank={S.OILY: -10, S.COMBINATION: -5}),
        Offer(OAT_CLEANSER, rank=30, skin_rank={S.SENSITIVE: -25}),
        Offer(GLYCOLIC_PEEL, rank=20, skin_rank={S.OILY: -5, S.NORMAL: -5}),
        Offer(LACTIC_PEEL, rank=20, skin_rank={S.DRY: -5, S.COMBINATION: -5}),
        Offer(MANDELIC_GENTLE, rank=30),
        Offer(JOJOBA_POLISH, rank=40),
        Offer(GEL_MOISTURIZER, rank=20, skin_rank={S.OILY: -10, S.COMBINATION: -5}),
        Offer(LOTION_MOISTURIZER, rank=20, skin_rank={S.NORMAL: -5, S.SENSITIVE: -5}),
        Offer(RICH_MOISTURIZER, rank=25, skin_rank={S.DRY: -15}),
        Offer(MINERAL_SPF, rank=10, skin_rank={S.SENSITIVE: -5}),
        Offer(LIGHT_SPF, rank=15),
        Offer(SOOTHING_BALM, rank=10),
        Offer(OAT_SOOTHER, rank=20),
    ],
)
