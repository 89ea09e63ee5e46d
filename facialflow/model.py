"""Frozen domain values: clients, products, findings and session results.

Everything here is an immutable attrs class with validators; behaviour lives in
the services. Vocabularies are string enums whose values are the spellings of
the client-file contract.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import Any

import attrs
from attrs import field, frozen

from facialflow.knowledge import canonical_ingredient, is_prescription_reference

__all__ = [
    "AdverseKind",
    "AppliedProduct",
    "Assessment",
    "Client",
    "Comedones",
    "Concern",
    "Condition",
    "Effect",
    "Exfoliation",
    "Finding",
    "Outcome",
    "Product",
    "ProductKind",
    "Selection",
    "SessionResult",
    "SkinType",
]


class SkinType(enum.StrEnum):
    NORMAL = "normal"
    DRY = "dry"
    OILY = "oily"
    COMBINATION = "combination"
    SENSITIVE = "sensitive"


class Concern(enum.StrEnum):
    ACNE = "acne"
    AGING = "aging"
    HYPERPIGMENTATION = "hyperpigmentation"
    DULLNESS = "dullness"
    DEHYDRATION = "dehydration"
    PREVENTATIVE = "preventative"


class Condition(enum.StrEnum):
    """The documented condition vocabulary of the client file.

    The first six decline the session at intake under the default policies; the
    rest modify it. What each one does is policy data (see :mod:`facialflow.clinic.policy`).
    """

    ACTIVE_COLD_SORE = "active_cold_sore"
    ACTIVE_INFECTION = "active_infection"
    OPEN_WOUND = "open_wound"
    SUNBURN = "sunburn"
    FEVER = "fever"
    UNDIAGNOSED_LESION = "undiagnosed_lesion"
    ROSACEA = "rosacea"
    MELASMA = "melasma"
    HSV_HISTORY = "hsv_history"
    KELOID_HISTORY = "keloid_history"
    RECENT_TAN = "recent_tan"
    ANTICOAGULANTS = "anticoagulants"
    PHOTOSENSITIZING_MEDICATION = "photosensitizing_medication"
    TOPICAL_RETINOID = "topical_retinoid"
    FRAGILE_SKIN = "fragile_skin"
    INFLAMED_ACNE = "inflamed_acne"
    RECENT_PEEL_OR_LASER = "recent_peel_or_laser"
    RECENT_INJECTABLES = "recent_injectables"


class Comedones(enum.StrEnum):
    NONE = "none"
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


class Outcome(enum.StrEnum):
    COMPLETE = "complete"
    DECLINED = "declined"
    STOPPED = "stopped"
    EMERGENCY = "emergency"


class Exfoliation(enum.StrEnum):
    """How strong the session's exfoliation may be (screening decides)."""

    GENTLE = "gentle"
    #: peel-strength acids allowed
    STRONG = "strong"


class Effect(enum.StrEnum):
    """What a screening finding does to the session."""

    DECLINE = "decline"
    SKIP = "skip"
    RESTRICT = "restrict"
    REQUIRE = "require"
    WARN = "warn"
    #: a decision recorded for the treatment record (the laser device chosen, and why)
    RECORD = "record"


class AdverseKind(enum.StrEnum):
    """Adverse reactions: the safe exit (R30, R31), or the emergency protocol for the severe ones.

    ``worsening`` is reported during the safe exit when the reaction gets worse;
    ``syncope`` is a faint that does not resolve (a vasovagal episode that does is
    ``vasovagal``).
    """

    IRRITATION = "irritation"
    URTICARIA = "urticaria"
    VASOVAGAL = "vasovagal"
    BLISTERING = "blistering"
    ANAPHYLAXIS = "anaphylaxis"
    DYSPNOEA = "dyspnoea"
    AIRWAY_SWELLING = "airway_swelling"
    LIP_SWELLING = "lip_swelling"
    SYNCOPE = "syncope"
    WORSENING = "worsening"


class ProductKind(enum.StrEnum):
    CLEANSER = "cleanser"
    EXFOLIANT = "exfoliant"
    SERUM = "serum"
    MASK = "mask"
    MOISTURIZER = "moisturizer"
    SUNSCREEN = "sunscreen"
    SOOTHING = "soothing"


def _non_empty(_: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if not value.strip():
        raise ValueError(f"{attribute.name} must not be empty")


def _lower_tuple(value: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(canonical_ingredient(v) for v in value))


def _allergies(value: Iterable[str]) -> tuple[str, ...]:
    # the client's own words are kept for the record; matching resolves them (R6)
    return tuple(dict.fromkeys(" ".join(str(v).split()) for v in value))


def _str_tuple(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _conditions(value: Iterable[Condition | str]) -> frozenset[Condition]:
    return frozenset(Condition(v) for v in value)


def _concerns(value: Iterable[Concern | str]) -> tuple[Concern, ...]:
    return tuple(dict.fromkeys(Concern(v) for v in value))


def _tags(value: Iterable[str]) -> frozenset[str]:
    return frozenset(canonical_ingredient(v) for v in value)


def _reference(value: str | None) -> str | None:
    # blank, "none", "n/a", "-" and the like are no prescription (R26)
    if value is None or not is_prescription_reference(value):
        return None
    return value.strip()


def _sorted_dict(value: Mapping[str, float]) -> dict[str, float]:
    return dict(sorted((canonical_ingredient(k), v) for k, v in value.items()))


@frozen
class Assessment:
    """The skin assessment made at intake (the client file's ``assessment`` table)."""

    comedones: Comedones = field(default=Comedones.NONE, converter=Comedones)
    laser_requested: bool = field(default=False, validator=attrs.validators.instance_of(bool))
    #: R11: antiviral prophylaxis confirmed for a client with HSV history
    antiviral_prophylaxis: bool = field(default=False, validator=attrs.validators.instance_of(bool))
    #: R13/R14: a clinician reviewed and approved laser for this client
    clinician_approved_laser: bool = field(
        default=False, validator=attrs.validators.instance_of(bool)
    )
    #: R26: a prescription reference that allows hydroquinone and prescription-only products
    prescription_reference: str | None = field(default=None, converter=_reference)
    #: R18: the practitioner acknowledged the bruising and bleeding risk of extraction
    anticoagulant_acknowledged: bool = field(
        default=False, validator=attrs.validators.instance_of(bool)
    )


@frozen
class Client:
    """A client as the client file describes them."""

    id: str = field(validator=_non_empty)
    skin_type: SkinType = field(converter=SkinType)
    concerns: tuple[Concern, ...] = field(converter=_concerns)
    fitzpatrick: int = field()
    pregnant: bool = False
    breastfeeding: bool = False
    isotretinoin_last_dose: dt.date | None = None
    allergies: tuple[str, ...] = field(default=(), converter=_allergies)
    #: screened: known drug classes have the effect of the matching fact
    medications: tuple[str, ...] = field(default=(), converter=_str_tuple)
    conditions: frozenset[Condition] = field(default=frozenset(), converter=_conditions)
    assessment: Assessment = field(factory=Assessment)
    #: optional; lets the visit planner lengthen intervals with age
    birth_date: dt.date | None = None
    #: R9: the last intentional tan or significant sun exposure
    last_sun_exposure: dt.date | None = None
    #: R15: the last use of a topical retinoid
    last_topical_retinoid: dt.date | None = None
    #: R16: the last chemical peel, laser or microdermabrasion
    last_peel: dt.date | None = None
    #: R17: the last botulinum toxin or filler injection
    last_injectable: dt.date | None = None

    @allergies.validator
    def _check_allergies(self, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
        if "" in value:
            raise ValueError("allergies must not contain an empty name")

    @concerns.validator
    def _check_concerns(self, attribute: attrs.Attribute[Any], value: tuple[Concern, ...]) -> None:
        if not value:
            raise ValueError("concerns must list at least one concern")

    @fitzpatrick.validator
    def _check_fitzpatrick(self, attribute: attrs.Attribute[Any], value: int) -> None:
        if type(value) is not int or not 1 <= value <= 6:
            raise ValueError(f"fitzpatrick must be an integer from 1 to 6, got {value!r}")

    def has(self, condition: Condition) -> bool:
        return condition in self.conditions


@frozen(cache_hash=True)
class Product:
    """A product a step can apply. Ingredient names are lower-case common names."""

    name: str = field(validator=_non_empty)
    kind: ProductKind = field(converter=ProductKind)
    ingredients: tuple[str, ...] = field(converter=_lower_tuple)
    #: percentage strength by ingredient, where it matters (acids, retinoids, actives)
    strengths: Mapping[str, float] = field(factory=dict, converter=_sorted_dict, hash=False)
    spf: int | None = field(default=None)
    rx_only: bool = False
    #: free-form tags a catalog may add (for example ``fragrance``); matched like ingredients
    tags: frozenset[str] = field(default=frozenset(), converter=_tags)
    #: the catalog's lot or batch number, for the treatment record (R29); not part of identity
    lot: str | None = field(default=None, eq=False, hash=False)

    @ingredients.validator
    def _check_ingredients(self, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
        if not value:
            raise ValueError(f"product {self.name!r} has no ingredients")
        if "" in value:
            raise ValueError(f"product {self.name!r} has an empty ingredient name")

    @strengths.validator
    def _check_strengths(self, attribute: attrs.Attribute[Any], value: Mapping[str, float]) -> None:
        for name, pct in value.items():
            if name not in self.ingredients:
                raise ValueError(f"product {self.name!r}: strength for {name!r}, not an ingredient")
            # NaN compares false with every limit and would pass every strength rule
            if not (isinstance(pct, int | float) and math.isfinite(pct) and 0 < pct <= 100):
                raise ValueError(f"product {self.name!r}: strength of {name!r} must be 0-100 %")

    @spf.validator
    def _check_spf(self, attribute: attrs.Attribute[Any], value: int | None) -> None:
        if value is not None and not 1 <= value <= 100:
            raise ValueError(f"product {self.name!r}: spf must be 1..100")

    @cached_property
    def ingredient_set(self) -> frozenset[str]:
        return frozenset(self.ingredients)

    def to_dict(self, step: str) -> dict[str, Any]:
        return {
            "step": step,
            "name": self.name,
            "ingredients": list(self.ingredients),
            "spf": self.spf,
        }


@frozen
class AppliedProduct:
    step: str
    product: Product


@frozen
class Finding:
    """One screening decision: which rule, under which policy, did what and why."""

    rule: str
    step: str
    effect: Effect
    reason: str
    policy: str

    def to_dict(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "step": self.step,
            "effect": str(self.effect),
            "reason": self.reason,
            "policy": self.policy,
        }


@frozen
class SessionResult:
    """A finished (or paused) session, in the shape of the contract's session JSON."""

    client: Client
    outcome: Outcome | None
    path: tuple[str, ...]
    products: tuple[AppliedProduct, ...]
    skipped: Mapping[str, str]
    warnings: tuple[str, ...]
    policy: str
    date: dt.date
    findings: tuple[Finding, ...] = ()
    adverse: Mapping[str, str] | None = None


@frozen
class Selection:
    """The products chosen for one session, by step, after every safety filter."""

    steps: Mapping[str, tuple[Product, ...]]
    #: what a filter replaced or removed, and why
    warnings: tuple[str, ...] = ()
    #: steps for which nothing safe remained, with the reason
    missing: Mapping[str, str] = field(factory=dict)
    #: which plugin proposed each chosen product (by product name)
    sources: Mapping[str, str] = field(factory=dict)

    def for_step(self, step: str) -> tuple[Product, ...]:
        return self.steps.get(step, ())
