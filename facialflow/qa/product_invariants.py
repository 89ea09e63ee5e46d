"""Product invariants: what was applied must be safe for this client, by ingredient identity.

These checks read the knowledge base (:mod:`facialflow.knowledge`) for what an
ingredient *is*, as the safety filter does, but they are written again here
from the rules and never call :mod:`facialflow.products`: a bug in the filter's
code, or a product a caller or a stored snapshot smuggled past it, shows up as
a violation. Thresholds are the clinical floor, or the policy where it is stricter.

What restricts is read widely: tags, and the known names inside an unknown
ingredient (``glycolic acid 30% peel`` holds glycolic acid). What permits (a UV
filter at hydration) is read from known ingredients only (:func:`_permits`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from types import MappingProxyType

from attrs import frozen

from facialflow import knowledge
from facialflow.clinic.policy import Policy
from facialflow.model import (
    AppliedProduct,
    Client,
    Concern,
    Condition,
    Outcome,
    Product,
    ProductKind,
    SessionResult,
    SkinType,
)

__all__ = [
    "FloorFacts",
    "after_procedure_calm",
    "clay_never_on_dry_skin",
    "floor_facts",
    "no_allergen_applied",
    "no_incompatible_actives",
    "no_laser_day_exfoliants",
    "pregnancy_safe_ingredients",
    "prescription_recorded",
    "safe_exit_bland",
    "sunscreen_at_hydration",
]

_FLOOR_MIN_SPF = 30
_FLOOR_SA_PREGNANCY_MAX_PCT = 2.0
_FLOOR_AHA_PEEL_PCT = 10.0
_FLOOR_BHA_PEEL_PCT = 2.0
_WASH_OFF = frozenset({ProductKind.CLEANSER, ProductKind.EXFOLIANT, ProductKind.MASK})


@lru_cache(maxsize=16384)
def _classes(product: Product) -> Mapping[str, frozenset[str]]:
    """Each ingredient and tag of ``product`` with every class it may be restricted by."""
    # cached per product: verify checks the same few hundred products in every session
    out: dict[str, frozenset[str]] = {}
    classes = knowledge.class_names()
    for name in (*product.ingredients, *sorted(product.tags)):
        found = set(knowledge.classes_of(name))
        if knowledge.lookup_ingredient(name) is None:
            for inside in knowledge.contained_ingredients(name):
                found |= inside.classes
        if name in classes:
            found.add(name)
        out[name] = frozenset(found)
    return MappingProxyType(out)


@lru_cache(maxsize=16384)
def _permits(product: Product, cls: str) -> bool:
    """Whether a known ingredient of ``product`` (never a tag, never a guess) is in ``cls``."""
    return any(cls in knowledge.classes_of(n) for n in product.ingredients)


@lru_cache(maxsize=65536)
def _has(product: Product, cls: str) -> tuple[str, ...]:
    return tuple(n for n, c in _classes(product).items() if cls in c)


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
        rx = _has(a.product, "prescription_only")
        if rx:
            yield (
                f"{a.product.name!r} at {a.step} contains {', '.join(rx)} (prescription-only), "
                "no prescription recorded"
            )
        elif a.product.rx_only:
            yield f"{a.product.name!r} at {a.step} is prescription-only, no prescription recorded"


def sunscreen_at_hydration(result: SessionResult, policy: Policy) -> Iterable[str]:
    if result.outcome is not Outcome.COMPLETE:
        return
    floor = max(_FLOOR_MIN_SPF, policy.products.min_spf)
    protected = [
        a.product
        for a in result.products
        if a.step == "hydration"
        and (a.product.spf or 0) >= floor
        and _permits(a.product, "uv_filter")
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
_NOT_AFTER = (
    "exfoliant",
    "retinoid",
    "azelaic_acid",
    "sulfur",
    "cooling_agent",
    "menthol",
    "benzoyl_peroxide",
    "hydroquinone",
)
#: every step after extraction and laser, the sunscreen's and the safe exit's included
_AFTER_STEPS = frozenset({"serums", "mask", "hydration", "safe_exit_soothe", "safe_exit_protect"})
#: the safe exit's product steps: irritated skin gets bland, fragrance-free products only
_SAFE_EXIT_STEPS = frozenset({"safe_exit_soothe", "safe_exit_protect"})


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
    recent = floor_facts(result.client, result.date, policy).has(Condition.RECENT_PEEL_OR_LASER)
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


def safe_exit_bland(result: SessionResult, policy: Policy) -> Iterable[str]:
    for a in result.products:
        if a.step not in _SAFE_EXIT_STEPS:
            continue
        found = _calm_problems(a, policy)
        found += [n for cls in ("fragrance", "essential_oil") for n in _has(a.product, cls)]
        if found:
            yield (
                f"{a.product.name!r} at {a.step} applies {', '.join(dict.fromkeys(found))} "
                "to skin the safe exit is calming"
            )


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


# -- the client's facts, read again -----------------------------------------------------------

_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


@frozen
class FloorFacts:
    """A client's conditions, with medications and dated facts folded in, read independently."""

    conditions: frozenset[Condition]
    isotretinoin_last_dose: dt.date | None
    #: days since the last topical retinoid when only a date says so
    retinoid_days: int | None

    def has(self, condition: Condition) -> bool:
        return condition in self.conditions

    def retinoid_within(self, days: int) -> bool:
        if Condition.TOPICAL_RETINOID not in self.conditions:
            return False
        return self.retinoid_days is None or self.retinoid_days < days


def _line_date(line: str) -> dt.date | None:
    found = _ISO_DATE.search(line)
    if found is None:
        return None
    try:
        return dt.date(*(int(g) for g in found.groups()))
    except ValueError:
        return None


def floor_facts(client: Client, day: dt.date, policy: Policy) -> FloorFacts:
    """What the invariants hold a client to, from the file, its medications and its dates.

    Written apart from :mod:`facialflow.clinic.client_facts` on purpose: a medication or a
    dated fact that screening failed to read must still show up as a violation.
    """
    sp = policy.screening
    found = set(client.conditions)
    iso = client.isotretinoin_last_dose
    for line in client.medications:
        for match in knowledge.resolve_medications(line):
            found.update(Condition(c) for c in match.conditions)
            if "isotretinoin_last_dose" in match.client_fields:
                dose = _line_date(line) or day
                iso = dose if iso is None or dose > iso else iso

    def recent(last: dt.date | None, days: int) -> bool:
        # a date after the session day counts as recent: it cannot be ruled out
        return last is not None and days > 0 and (day - last).days < days

    retinoid_days = None
    if recent(client.last_sun_exposure, sp.sun_washout_days):
        found.add(Condition.RECENT_TAN)
    if recent(client.last_peel, sp.recent_procedure_days):
        found.add(Condition.RECENT_PEEL_OR_LASER)
    if recent(client.last_injectable, sp.injectable_washout_days):
        found.add(Condition.RECENT_INJECTABLES)
    last = client.last_topical_retinoid
    longest = max(sp.retinoid_washout_days, sp.retinoid_laser_washout_days)
    if Condition.TOPICAL_RETINOID not in found and last is not None and recent(last, longest):
        found.add(Condition.TOPICAL_RETINOID)
        retinoid_days = (day - last).days
    return FloorFacts(frozenset(found), iso, retinoid_days)
