"""The product safety filter that runs after every plugin and that no plugin can bypass.

:func:`product_problems` says why one product must not be applied to this
client in this session (allergy R6, pregnancy R8, prescription R26, laser-day
acids, after-procedure actives R28, recent procedure R16, sensitive skin and
rosacea R24, clay R25, SPF with a known UV filter R27); :func:`step_problems` adds
what a step asks beyond that (the safe exit's bland, fragrance-free products, R30);
:func:`conflicts` says why two products must not share a session (R23). All are
pure, and all read ingredients by identity and class (:mod:`facialflow.knowledge`),
never by spelling.
"""

from __future__ import annotations

import math
from functools import lru_cache

from attrs import frozen

from facialflow.clinic.policy import Policy, ProductPolicy
from facialflow.knowledge import AllergyMatch, allergy_matches, resolve_allergy
from facialflow.model import Client, Concern, Condition, Exfoliation, Product, ProductKind, SkinType
from facialflow.products.catalog import steps_for_kind
from facialflow.products.hookspecs import STEPS, SelectionContext
from facialflow.products.ingredients import IngredientClass as C
from facialflow.products.ingredients import (
    classes_of,
    product_classes,
    tag_classes,
    tagged_classes,
)

__all__ = [
    "SAFE_EXIT_STEPS",
    "ProfileKey",
    "conflicts",
    "is_strong_acid",
    "may_conflict",
    "product_problems",
    "profile_key",
    "profile_of",
    "safe_exit_problems",
    "step_problems",
]


def is_strong_acid(product: Product, policy: Policy) -> bool:
    """A peel-strength acid: an AHA or BHA above the policy's strength (unknown strength counts
    as strong), or a peel agent such as TCA, pyruvic acid or Jessner's at any strength."""
    return _strong(product, policy.products.aha_strong_pct, policy.products.bha_strong_pct)


@lru_cache(maxsize=8192)
def _named(product: Product) -> tuple[tuple[str, frozenset[str]], ...]:
    """Each ingredient and tag with the classes it restricts by.

    A tag has no strength, so a tag naming an acid or vitamin C counts as strong.
    """
    named = [(n, classes_of(n)) for n in product.ingredients]
    named += [(t, tag_classes(t)) for t in sorted(product.tags)]
    return tuple(named)


@lru_cache(maxsize=8192)
def _strong(product: Product, aha_pct: float, bha_pct: float) -> bool:
    for name, cls in _named(product):
        aha, bha = C.AHA in cls, C.BHA in cls
        if C.PEEL_ACID in cls and aha == bha:
            # TCA, pyruvic acid, resorcinol, phenol (no hydroxy-acid class), Jessner's (both)
            return True
        limit = aha_pct if aha else bha_pct if bha else None
        if limit is None:
            continue
        pct = product.strengths.get(name)
        if pct is None or pct > limit:
            return True
    return False


@frozen(cache_hash=True)
class SafetyProfile:
    """What the filter reads of a client: equal profiles get equal verdicts."""

    allergies: tuple[AllergyMatch, ...]
    pregnant: bool
    breastfeeding: bool
    prescription: bool
    skin_type: SkinType
    rosacea: bool = False
    dehydrated: bool = False


#: a :class:`SafetyProfile` as plain values: the allergies in the client's words, then its
#: other fields in order (cheap to make and hash, so profiles can be kept by it)
ProfileKey = tuple[tuple[str, ...], bool, bool, bool, SkinType, bool, bool]


def profile_key(client: Client, allergies: tuple[str, ...] | None = None) -> ProfileKey:
    """What the filter reads of ``client``; ``allergies``: only these of the client's (a caller
    that knows which products can be offered leaves out those that meet none of them)."""
    return (
        client.allergies if allergies is None else allergies,
        client.pregnant,
        client.breastfeeding,
        client.assessment.prescription_reference is not None,
        client.skin_type,
        client.has(Condition.ROSACEA),
        Concern.DEHYDRATION in client.concerns,
    )


def profile_of(key: ProfileKey) -> SafetyProfile:
    allergies, pregnant, breastfeeding, prescription, skin_type, rosacea, dehydrated = key
    return SafetyProfile(
        tuple(resolve_allergy(a) for a in allergies),
        pregnant,
        breastfeeding,
        prescription,
        skin_type,
        rosacea,
        dehydrated,
    )


def safety_profile(client: Client) -> SafetyProfile:
    return profile_of(profile_key(client))


def product_problems(
    product: Product,
    client: Client,
    context: SelectionContext,
    policy: Policy,
    step: str | None = None,
) -> list[str]:
    """Every reason this product must not be applied in this session (at ``step``; empty: safe)."""
    found = profile_problems(product, safety_profile(client), context, policy.products)
    return [*found, *step_problems(product, step, policy.products)]


def allergy_hits(product: Product, allergies: tuple[AllergyMatch, ...]) -> list[str]:
    """``"<the client's words>: <ingredient>"`` for every ingredient or tag an allergy covers."""
    return [hit for allergy in allergies if (hit := _allergy_hit(product, allergy)) is not None]


@lru_cache(maxsize=65536)
def _allergy_hit(product: Product, allergy: AllergyMatch) -> str | None:
    # clients share allergies from a small vocabulary: each pair is matched once
    names = [
        n for n in (*product.ingredients, *sorted(product.tags)) if allergy_matches(allergy, n)
    ]
    if not names:
        names = sorted(allergy.classes & tagged_classes(product))
    if names:
        return f"{allergy.given}: {', '.join(dict.fromkeys(names))}"
    return None


#: classes that may not follow a procedure in the same session, nor be used after a recent one
#: (R28, R16: the mask and serums after a procedure come from a calming set)
POST_PROCEDURE_EXCLUDED = (
    (C.EXFOLIANT, "acid or enzyme"),
    (C.RETINOID, "retinoid"),
    (C.AZELAIC_ACID, "azelaic acid"),
    (C.SULFUR, "sulfur"),
    # menthol is a cooling agent: one entry names both
    (C.COOLING_AGENT, "menthol or another cooling agent"),
    (C.BENZOYL_PEROXIDE, "benzoyl peroxide"),
    (C.HYDROQUINONE, "hydroquinone"),
)

#: the steps that follow extraction and laser in a session, the safe exit's included: whatever
#: is applied there, sunscreen too, touches skin a procedure has just opened (R28)
AFTER_PROCEDURE_STEPS = frozenset(STEPS[STEPS.index("serums") :])
#: kinds applied at one of those steps
_AFTER_KINDS = frozenset(
    k for k in ProductKind if AFTER_PROCEDURE_STEPS.intersection(steps_for_kind(k))
)
#: the safe exit's product steps: irritated skin gets bland, fragrance-free products only (R30)
SAFE_EXIT_STEPS = frozenset(s for s in STEPS if s.startswith("safe_exit"))


def _strong_vitamin_c(product: Product, limit: float) -> bool:
    return any(
        product.strengths.get(n, math.inf) > limit
        for n, cls in _named(product)
        if C.VITAMIN_C in cls
    )


def step_problems(product: Product, step: str | None, pp: ProductPolicy) -> tuple[str, ...]:
    """What ``step`` asks of a product beyond :func:`profile_problems` (empty: nothing more)."""
    # a soothing product is only ever applied on the safe exit: its kind already said so
    if step in SAFE_EXIT_STEPS and product.kind is not ProductKind.SOOTHING:
        return safe_exit_problems(product, pp)
    return ()


@lru_cache(maxsize=16384)
def safe_exit_problems(product: Product, pp: ProductPolicy) -> tuple[str, ...]:
    """Why ``product`` may not go on skin the safe exit is calming (R30: bland, fragrance-free).

    Whatever the session did before, the reaction is the procedure: the
    post-procedure exclusions always apply, and fragrance and essential oils too.
    """
    classes = product_classes(product)
    found = [what for cls, what in POST_PROCEDURE_EXCLUDED if cls in classes]
    if _strong_vitamin_c(product, pp.vitamin_c_calm_max_pct):
        found.append(f"vitamin C above {pp.vitamin_c_calm_max_pct:g}%")
    if classes & {C.FRAGRANCE, C.ESSENTIAL_OIL}:
        found.append("fragrance")
    if not found:
        return ()
    return (f"{', '.join(dict.fromkeys(found))}: on skin the safe exit is calming (R30)",)


def profile_problems(
    product: Product, who_: SafetyProfile, context: SelectionContext, pp: ProductPolicy
) -> tuple[str, ...]:
    """:func:`product_problems` for a client's :class:`SafetyProfile`.

    Every reason reads only a part of the profile and the session, so each part is
    cached on what it reads (far fewer distinct keys than whole profiles), and the
    reasons keep one order: allergy, pregnancy, prescription, the session's, a soothing
    product's, the skin's, the bottle's.
    """
    carer = "pregnancy" if who_.pregnant else "breastfeeding" if who_.breastfeeding else None
    return (
        *(_allergy_problems(product, who_.allergies) if who_.allergies else ()),
        *(_carer_problems(product, carer, pp) if carer else ()),
        *_prescription_problems(product, who_.prescription),
        *_session_problems(product, context, pp),
        *_skin_problems(product, who_.skin_type, who_.rosacea, who_.dehydrated, pp),
        *_bottle_problems(product, pp),
    )


@lru_cache(maxsize=65536)
def _allergy_problems(product: Product, allergies: tuple[AllergyMatch, ...]) -> tuple[str, ...]:
    hit = allergy_hits(product, allergies)
    return (f"allergy to {'; '.join(hit)} (R6)",) if hit else ()


@lru_cache(maxsize=16384)
def _carer_problems(product: Product, who: str, pp: ProductPolicy) -> tuple[str, ...]:
    """R8, for a client who is pregnant or breastfeeding (``who`` names which)."""
    problems: list[str] = []
    classes = product_classes(product)
    if C.RETINOID in classes:
        problems.append(f"retinoid in {who} (R8)")
    if C.HYDROQUINONE in classes:
        problems.append(f"hydroquinone in {who} (R8)")
    if C.BHA in classes:
        limit = pp.sa_pregnancy_max_pct
        if product.kind not in WASH_OFF:
            problems.append(f"leave-on salicylic acid in {who} (R8: {limit:g}% wash-off only)")
        # every BHA must be known to be weak: one of unknown strength is treated as strong
        elif any(
            product.strengths.get(n, math.inf) > limit for n, cls in _named(product) if C.BHA in cls
        ):
            problems.append(f"salicylic acid above {limit:g}% in {who} (R8)")
    if _strong(product, pp.aha_strong_pct, pp.bha_strong_pct) and C.PEEL_ACID in classes:
        problems.append(f"chemical peel in {who} (R8)")
    return tuple(problems)


@lru_cache(maxsize=16384)
def _prescription_problems(product: Product, prescription: bool) -> tuple[str, ...]:
    """R26: hydroquinone, prescription retinoids and rx-only products need a prescription."""
    if prescription:
        return ()
    if C.PRESCRIPTION_ONLY in product_classes(product):
        rx = sorted(n for n in product.ingredients if C.PRESCRIPTION_ONLY in classes_of(n))
        what = ", ".join(rx) if rx else "a prescription-only ingredient"
        return (f"{what} (prescription-only) without a recorded prescription (R26)",)
    if product.rx_only:
        return ("prescription-only product without a recorded prescription (R26)",)
    return ()


@lru_cache(maxsize=16384)
def _session_problems(
    product: Product, context: SelectionContext, pp: ProductPolicy
) -> tuple[str, ...]:
    """The session's reasons (a laser day, gentle exfoliation, after a procedure), then a
    soothing product's safe-exit reasons, which are reported next."""
    problems: list[str] = []
    classes = product_classes(product)
    strong = _strong(product, pp.aha_strong_pct, pp.bha_strong_pct)
    if context.laser_today and classes & {C.EXFOLIANT, C.RETINOID}:
        problems.append("acid, enzyme or retinoid on a laser day")
    if context.exfoliation == Exfoliation.GENTLE and (strong or C.ENZYME in classes):
        problems.append("peel-strength acid or enzyme: this client gets gentle exfoliation only")
    after = context.after_procedure and product.kind in _AFTER_KINDS
    if after or context.calming_only:
        when = (
            "calming facial only after a recent peel, laser or microdermabrasion (R16)"
            if context.calming_only
            else "after a procedure today (R28)"
        )
        found = [what for cls, what in POST_PROCEDURE_EXCLUDED if cls in classes]
        if _strong_vitamin_c(product, pp.vitamin_c_calm_max_pct):
            found.append(f"vitamin C above {pp.vitamin_c_calm_max_pct:g}%")
        if found:
            problems.append(f"{', '.join(dict.fromkeys(found))}: {when}")
    if product.kind is ProductKind.SOOTHING:
        # a soothing product is only ever applied on the safe exit (R30); reported here,
        # between the session's reasons and the skin's
        problems.extend(safe_exit_problems(product, pp))
    return tuple(problems)


@lru_cache(maxsize=16384)
def _skin_problems(
    product: Product, skin_type: SkinType, rosacea: bool, dehydrated: bool, pp: ProductPolicy
) -> tuple[str, ...]:
    """R24 (sensitive skin and rosacea) and R25 (clay)."""
    problems: list[str] = []
    classes = product_classes(product)
    if skin_type is SkinType.SENSITIVE or rosacea:
        skin = "sensitive skin" if skin_type is SkinType.SENSITIVE else "rosacea"
        irritants = classes & {C.FRAGRANCE, C.ESSENTIAL_OIL, C.ENZYME, C.COOLING_AGENT}
        if irritants:
            problems.append(f"{', '.join(sorted(irritants))} on {skin} (R24)")
        if _strong(product, pp.aha_strong_pct, pp.bha_strong_pct):
            problems.append(f"strong acid on {skin} (R24)")
        if _strong_vitamin_c(product, pp.vitamin_c_calm_max_pct):
            problems.append(f"vitamin C above {pp.vitamin_c_calm_max_pct:g}% on {skin} (R24)")
        if rosacea and C.RETINOID in classes:
            problems.append("retinoid on rosacea (R24)")
    if C.CLAY in classes:
        dry = [
            why
            for why, hit in (
                (f"{skin_type} skin", skin_type in (SkinType.DRY, SkinType.SENSITIVE)),
                ("dehydrated skin", dehydrated),
                ("rosacea", rosacea),
            )
            if hit
        ]
        if dry:
            problems.append(f"clay on {' and '.join(dry)} (R25)")
    return tuple(problems)


@lru_cache(maxsize=16384)
def _bottle_problems(product: Product, pp: ProductPolicy) -> tuple[str, ...]:
    """What the product is, whoever it is for: a clashing pair in one bottle (R23), SPF (R27)."""
    problems: list[str] = []
    classes = product_classes(product)
    for x, y, why in _CONFLICTS:
        if x in classes and y in classes:
            # a pair that may not share a session may not share a bottle either (R23)
            problems.append(f"{why} in one product (R23)")
    if product.kind is ProductKind.SUNSCREEN:
        if (product.spf or 0) < pp.min_spf:
            problems.append(f"SPF below {pp.min_spf} (R27)")
        if C.UV_FILTER not in classes:
            problems.append("sunscreen with no known UV filter (R27)")
    return tuple(problems)


#: products rinsed off within minutes: the only kinds that may carry salicylic acid in pregnancy
WASH_OFF = frozenset({ProductKind.CLEANSER, ProductKind.EXFOLIANT, ProductKind.MASK})

_CONFLICTS = (
    (C.BENZOYL_PEROXIDE, C.TRETINOIN, "benzoyl peroxide with tretinoin"),
    (C.BENZOYL_PEROXIDE, C.L_ASCORBIC_ACID, "benzoyl peroxide with L-ascorbic acid"),
    (C.BENZOYL_PEROXIDE, C.HYDROQUINONE, "benzoyl peroxide with hydroquinone"),
)


#: every class one of the R23 pairs names
_CONFLICT_CLASSES = frozenset(c for x, y, _ in _CONFLICTS for c in (x, y))


@lru_cache(maxsize=8192)
def may_conflict(product: Product) -> bool:
    """Whether :func:`conflicts` can find anything between ``product`` and another product.

    A clash needs a class of a pair in each product: one with none clashes with nothing.
    """
    return not _CONFLICT_CLASSES.isdisjoint(product_classes(product))


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
