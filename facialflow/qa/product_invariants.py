"""Product invariants: what was applied must be safe for this client, by ingredient identity.

These checks read the knowledge base (:mod:`facialflow.knowledge`) for what an
ingredient *is*, as the safety filter does, but they are written again here
from the rules and never call :mod:`facialflow.products`: a bug in the filter's
code, or a product a caller or a stored snapshot smuggled past it, shows up as
a violation. Thresholds are the clinical floor, or the policy where it is stricter.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from facialflow import knowledge
from facialflow.clinic.policy import Policy
from facialflow.model import (
    AppliedProduct,
    Concern,
    Condition,
    Outcome,
    Product,
    ProductKind,
    SessionResult,
    SkinType,
)

__all__ = [
    "after_procedure_calm",
    "clay_never_on_dry_skin",
    "no_allergen_applied",
    "no_incompatible_actives",
    "no_laser_day_exfoliants",
    "pregnancy_safe_ingredients",
    "prescription_recorded",
    "sunscreen_at_hydration",
]

_FLOOR_MIN_SPF = 30
_FLOOR_SA_PREGNANCY_MAX_PCT = 2.0
_FLOOR_AHA_PEEL_PCT = 10.0
_FLOOR_BHA_PEEL_PCT = 2.0
_WASH_OFF = frozenset({ProductKind.CLEANSER, ProductKind.EXFOLIANT, ProductKind.MASK})


def _classes(product: Product) -> dict[str, frozenset[str]]:
    """Each ingredient and tag of ``product`` with its knowledge-base classes."""
    out: dict[str, frozenset[str]] = {}
    for name in (*product.ingredients, *sorted(product.tags)):
        found = set(knowledge.classes_of(name))
        if name in knowledge.class_names():
            found.add(name)
        out[name] = frozenset(found)
    return out


def _has(product: Product, cls: str) -> list[str]:
    return [n for n, c in _classes(product).items() if cls in c]


def _pct(product: Product, name: str) -> float:
    return product.strengths.get(name, math.inf)


def _is_peel(product: Product, policy: Policy) -> bool:
    aha = min(policy.products.aha_strong_pct, _FLOOR_AHA_PEEL_PCT)
    bha = min(policy.products.bha_strong_pct, _FLOOR_BHA_PEEL_PCT)
    for name, cls in _classes(product).items():
        if "peel_acid" in cls and ("aha" in cls) == ("bha" in cls):
            return True
        if "aha" in cls and _pct(product, name) > aha:
            return True
        if "bha" in cls and _pct(product, name) > bha:
            return True
    return False


def no_allergen_applied(result: SessionResult, policy: Policy) -> Iterable[str]:
    allergies = [knowledge.resolve_allergy(a) for a in result.client.allergies]
    for a in result.products:
        for allergy in allergies:
            named = _classes(a.product)
            hit = [n for n in named if knowledge.allergy_matches(allergy, n)]
            hit += [n for n, c in named.items() if allergy.classes & c and n not in hit]
            if hit:
                yield (
                    f"{a.product.name!r} at {a.step} contains {', '.join(hit)}, covered by the "
                    f"listed allergy {allergy.given!r}"
                )


def pregnancy_safe_ingredients(result: SessionResult, policy: Policy) -> Iterable[str]:
    client = result.client
    who = "pregnant" if client.pregnant else "breastfeeding" if client.breastfeeding else None
    if who is None:
        return
    sa_max = min(policy.products.sa_pregnancy_max_pct, _FLOOR_SA_PREGNANCY_MAX_PCT)
    for a in result.products:
        p = a.product
        for name in _has(p, "retinoid"):
            yield f"{p.name!r} at {a.step} contains the retinoid {name} while {who}"
        for name in _has(p, "hydroquinone"):
            yield f"{p.name!r} at {a.step} contains hydroquinone ({name}) while {who}"
        for name in _has(p, "bha"):
            if p.kind not in _WASH_OFF or _pct(p, name) > sa_max:
                yield f"{p.name!r} at {a.step} has {name} while {who} (max {sa_max:g}% wash-off)"
        if _has(p, "peel_acid") and _is_peel(p, policy):
            yield f"{p.name!r} at {a.step} is a chemical peel while {who}"


def prescription_recorded(result: SessionResult, policy: Policy) -> Iterable[str]:
    if knowledge.is_prescription_reference(result.client.assessment.prescription_reference):
        return
    for a in result.products:
        if _has(a.product, "hydroquinone"):
            yield f"{a.product.name!r} at {a.step} contains hydroquinone, no prescription recorded"
        elif a.product.rx_only:
            yield f"{a.product.name!r} at {a.step} is prescription-only, no prescription recorded"


def sunscreen_at_hydration(result: SessionResult, policy: Policy) -> Iterable[str]:
    if result.outcome is not Outcome.COMPLETE:
        return
    floor = max(_FLOOR_MIN_SPF, policy.products.min_spf)
    protected = [
        a.product
        for a in result.products
        if a.step == "hydration" and (a.product.spf or 0) >= floor and _has(a.product, "uv_filter")
    ]
    if not protected:
        best = max(
            (a.product.spf or 0 for a in result.products if a.step == "hydration"), default=0
        )
        got = (
            f"SPF {best} with no known UV filter"
            if best >= floor
            else (f"SPF {best}" if best else "no sunscreen")
        )
        yield f"completed with {got} at hydration (needs SPF {floor}+ with a UV filter)"


_PAIRS = (
    ("tretinoin", "tretinoin"),
    ("l_ascorbic_acid", "L-ascorbic acid"),
    ("hydroquinone", "hydroquinone"),
)


def no_incompatible_actives(result: SessionResult, policy: Policy) -> Iterable[str]:
    bpo = [a for a in result.products if _has(a.product, "benzoyl_peroxide")]
    if not bpo:
        return
    for cls, what in _PAIRS:
        partners = [a for a in result.products if _has(a.product, cls)]
        if partners:
            yield (
                f"benzoyl peroxide ({bpo[0].product.name!r}) and {what} "
                f"({partners[0].product.name!r}) in one session"
            )


def no_laser_day_exfoliants(result: SessionResult, policy: Policy) -> Iterable[str]:
    if not any(s.startswith("laser") for s in result.path):
        return
    for a in result.products:
        found = _has(a.product, "exfoliant") + _has(a.product, "retinoid")
        if found:
            yield f"{a.product.name!r} at {a.step} puts {', '.join(found)} on skin treated by laser"


#: what may not follow a procedure (R28) nor be used after a recent one (R16)
_NOT_AFTER = ("exfoliant", "retinoid", "azelaic_acid", "sulfur", "cooling_agent", "menthol")
_AFTER_STEPS = frozenset({"serums", "mask"})


def _calm_problems(a: AppliedProduct, policy: Policy) -> list[str]:
    found = [n for cls in _NOT_AFTER for n in _has(a.product, cls)]
    limit = policy.products.vitamin_c_calm_max_pct
    found += [
        f"{n} above {limit:g}%" for n in _has(a.product, "vitamin_c") if _pct(a.product, n) > limit
    ]
    return list(dict.fromkeys(found))


def after_procedure_calm(result: SessionResult, policy: Policy) -> Iterable[str]:
    steps = set(result.path)
    post = policy.products.post_procedure_steps
    done = ("extraction" in post and "extraction" in steps) or (
        "laser" in post and any(s.startswith("laser") for s in steps)
    )
    client = result.client
    recent = client.has(Condition.RECENT_PEEL_OR_LASER) or (
        client.last_peel is not None
        and 0 <= (result.date - client.last_peel).days < policy.screening.recent_procedure_days
    )
    for a in result.products:
        if (done and a.step in _AFTER_STEPS) or (
            recent and policy.screening.recent_procedure_blocks
        ):
            found = _calm_problems(a, policy)
            if found:
                why = (
                    "after a procedure"
                    if done and a.step in _AFTER_STEPS
                    else "after a recent peel"
                )
                yield f"{a.product.name!r} at {a.step} applies {', '.join(found)} {why}"


def clay_never_on_dry_skin(result: SessionResult, policy: Policy) -> Iterable[str]:
    client = result.client
    why = [
        w
        for w, hit in (
            ("dry skin", client.skin_type is SkinType.DRY),
            ("sensitive skin", client.skin_type is SkinType.SENSITIVE),
            ("dehydrated skin", Concern.DEHYDRATION in client.concerns),
            ("rosacea", client.has(Condition.ROSACEA)),
        )
        if hit
    ]
    if not why:
        return
    for a in result.products:
        clay = _has(a.product, "clay")
        if clay:
            yield f"{a.product.name!r} at {a.step} puts {', '.join(clay)} on {' and '.join(why)}"
