"""The product safety filter that runs after every plugin and that no plugin can bypass.

:func:`product_problems` says why one product must not be applied to this
client in this session (allergy R6, pregnancy R8, hydroquinone R26, laser-day
acids, sensitive and dry skin R24/R25, SPF floor R27); :func:`conflicts` says
why two products must not share a session (R23). Both are pure.
"""

from __future__ import annotations

import math
from functools import lru_cache

from attrs import frozen

from facialflow.clinic.policy import Policy, ProductPolicy
from facialflow.model import Client, Product, ProductKind, SkinType
from facialflow.products.hookspecs import SelectionContext
from facialflow.products.ingredients import IngredientClass as C
from facialflow.products.ingredients import classes_of, product_classes

__all__ = ["conflicts", "is_strong_acid", "product_problems"]


def is_strong_acid(product: Product, policy: Policy) -> bool:
    """An AHA or BHA above the policy's strength; an acid of unknown strength counts as strong."""
    return _strong(product, policy.products.aha_strong_pct, policy.products.bha_strong_pct)


@lru_cache(maxsize=8192)
def _strong(product: Product, aha_pct: float, bha_pct: float) -> bool:
    for name in product.ingredients:
        cls = classes_of(name)
        limit = aha_pct if C.AHA in cls else bha_pct if C.BHA in cls else None
        if limit is None:
            continue
        pct = product.strengths.get(name)
        if pct is None or pct > limit:
            return True
    return False


@frozen
class SafetyProfile:
    """What the filter reads of a client: equal profiles get equal verdicts."""

    allergies: frozenset[str]
    pregnant: bool
    breastfeeding: bool
    prescription: bool
    skin_type: SkinType


def safety_profile(client: Client) -> SafetyProfile:
    return SafetyProfile(
        allergies=frozenset(client.allergies),
        pregnant=client.pregnant,
        breastfeeding=client.breastfeeding,
        prescription=client.assessment.prescription_reference is not None,
        skin_type=client.skin_type,
    )


def product_problems(
    product: Product, client: Client, context: SelectionContext, policy: Policy
) -> list[str]:
    """Every reason this product must not be applied in this session (empty: safe)."""
    return list(profile_problems(product, safety_profile(client), context, policy.products))


@lru_cache(maxsize=65536)
def profile_problems(
    product: Product, who_: SafetyProfile, context: SelectionContext, pp: ProductPolicy
) -> tuple[str, ...]:
    """:func:`product_problems` for a client's :class:`SafetyProfile`; cached across sessions."""
    problems: list[str] = []
    classes = product_classes(product)
    if who_.allergies:
        hit = sorted((product.ingredient_set | product.tags) & who_.allergies)
        if hit:
            problems.append(f"allergy to {', '.join(hit)} (R6)")
    carer = who_.pregnant or who_.breastfeeding
    who = "pregnancy" if who_.pregnant else "breastfeeding"
    if carer and C.RETINOID in classes:
        problems.append(f"retinoid in {who} (R8)")
    if carer and C.HYDROQUINONE in classes:
        problems.append(f"hydroquinone in {who} (R8)")
    if carer and C.BHA in classes:
        limit = pp.sa_pregnancy_max_pct
        if product.kind not in WASH_OFF:
            problems.append(f"leave-on salicylic acid in {who} (R8: {limit:g}% wash-off only)")
        # every BHA must be known to be weak: one of unknown strength is treated as strong
        elif any(
            product.strengths.get(n, math.inf) > limit
            for n in product.ingredients
            if C.BHA in classes_of(n)
        ):
            problems.append(f"salicylic acid above {limit:g}% in {who} (R8)")
    if C.HYDROQUINONE in classes and not who_.prescription:
        problems.append("hydroquinone without a recorded prescription (R26)")
    elif product.rx_only and not who_.prescription:
        problems.append("prescription-only product without a recorded prescription (R26)")
    strong = _strong(product, pp.aha_strong_pct, pp.bha_strong_pct)
    if context.laser_today and classes & {C.AHA, C.BHA, C.ENZYME, C.RETINOID}:
        problems.append("acid, enzyme or retinoid on a laser day")
    if context.exfoliation == "gentle" and (strong or C.ENZYME in classes):
        problems.append("peel-strength acid or enzyme: this client gets gentle exfoliation only")
    if who_.skin_type is SkinType.SENSITIVE:
        irritants = classes & {C.FRAGRANCE, C.ESSENTIAL_OIL, C.ENZYME}
        if irritants:
            problems.append(f"{', '.join(sorted(irritants))} on sensitive skin (R24)")
        if strong:
            problems.append("strong acid on sensitive skin (R24)")
    dry_or_sensitive = who_.skin_type in (SkinType.DRY, SkinType.SENSITIVE)
    if C.CLAY in classes and product.kind is ProductKind.MASK and dry_or_sensitive:
        problems.append(f"clay mask on {who_.skin_type} skin (R25)")
    if product.kind is ProductKind.SUNSCREEN and (product.spf or 0) < pp.min_spf:
        problems.append(f"SPF below {pp.min_spf} (R27)")
    return tuple(problems)


#: products rinsed off within minutes: the only kinds that may carry salicylic acid in pregnancy
WASH_OFF = frozenset({ProductKind.CLEANSER, ProductKind.EXFOLIANT, ProductKind.MASK})

_CONFLICTS = (
    (C.BENZOYL_PEROXIDE, C.TRETINOIN, "benzoyl peroxide with tretinoin"),
    (C.BENZOYL_PEROXIDE, C.L_ASCORBIC_ACID, "benzoyl peroxide with L-ascorbic acid"),
    (C.BENZOYL_PEROXIDE, C.HYDROQUINONE, "benzoyl peroxide with hydroquinone"),
)


@lru_cache(maxsize=16384)
def conflicts(a: Product, b: Product) -> str | None:
    """Why ``a`` and ``b`` must not be used in the same session (R23), or None."""
    ca, cb = product_classes(a), product_classes(b)
    for x, y, why in _CONFLICTS:
        if (x in ca and y in cb) or (y in ca and x in cb):
            return f"{why} in one session (R23)"
    return None


#: classes that make a serum an irritant active; sensitive skin gets at most one (R24)
IRRITANT_ACTIVES = frozenset(
    {C.RETINOID, C.AHA, C.BHA, C.BENZOYL_PEROXIDE, C.L_ASCORBIC_ACID, C.AZELAIC_ACID}
)
