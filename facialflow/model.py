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

from facialflow import validation as v
from facialflow.errors import InvalidValueError
from facialflow.knowledge import canonical_ingredient, is_prescription_reference
from facialflow.knowledge.text import candidate_keys

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


def _sorted_dict(value: Any, field: str) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise v.type_error("a table of ingredient percentages", value, field)
    for key in value:
        if not isinstance(key, str):
            raise v.type_error("ingredient names as keys", key, field)
    out: dict[str, float] = {}
    for key, pct in value.items():
        name = canonical_ingredient(key)
        if name in out:
            # "vitamin e" and "tocopherol" are one ingredient: which strength would be meant?
            raise InvalidValueError(
                f"{key!r} names the same ingredient ({name}) as another strength given",
                field=field,
            )
        out[name] = pct
    return dict(sorted(out.items()))


# Converters are named, typed functions: the form attrs' mypy plugin reads __init__'s types from.
# Each passes its field's name, so an error names the field whichever way the value came in.


def _ingredients(value: Any, field: str) -> tuple[str, ...]:
    return v.to_strings(value, field, canonical_ingredient)


def _comedones(value: Comedones | str) -> Comedones:
    return v.to_enum(value, Comedones, "comedones")


def _prescription(value: str | None) -> str | None:
    # blank, "none", "n/a", "-" and the like are no prescription (R26)
    text = v.to_optional_str(value, "prescription_reference")
    return text.strip() if text is not None and is_prescription_reference(text) else None


def _skin_type(value: SkinType | str) -> SkinType:
    return v.to_enum(value, SkinType, "skin_type")


def _concerns(value: Iterable[Concern | str]) -> tuple[Concern, ...]:
    return v.to_enum_tuple(value, Concern, "concerns")


def _conditions(value: Iterable[Condition | str]) -> frozenset[Condition]:
    return v.to_enum_set(value, Condition, "conditions")


def _dose_date(value: dt.date | str | None) -> dt.date | None:
    return v.to_optional_date(value, "isotretinoin_last_dose")


def _birth_date(value: dt.date | str | None) -> dt.date | None:
    return v.to_optional_date(value, "birth_date")


def _allergies(value: Iterable[str]) -> tuple[str, ...]:
    if type(value) is tuple and not value:
        return ()
    # the client's own words are kept for the record; matching resolves them (R6)
    out = v.to_strings(value, "allergies", lambda s: " ".join(s.split()))
    if "" in out:
        raise InvalidValueError("allergies must not contain an empty name", field="allergies")
    for name in out:
        # "-" or a zero-width space is not blank, but names nothing an allergy could match
        if not candidate_keys(name):
            raise InvalidValueError(
                f"allergy {name!r} names nothing: only punctuation or invisible characters",
                field="allergies",
            )
    return out


def _last_sun_exposure(value: dt.date | str | None) -> dt.date | None:
    return v.to_optional_date(value, "last_sun_exposure")


def _last_topical_retinoid(value: dt.date | str | None) -> dt.date | None:
    return v.to_optional_date(value, "last_topical_retinoid")


def _last_peel(value: dt.date | str | None) -> dt.date | None:
    return v.to_optional_date(value, "last_peel")


def _last_injectable(value: dt.date | str | None) -> dt.date | None:
    return v.to_optional_date(value, "last_injectable")


def _medications(value: Iterable[str]) -> tuple[str, ...]:
    if type(value) is tuple and not value:
        return ()
    return v.to_strings(value, "medications")


def _kind(value: ProductKind | str) -> ProductKind:
    return v.to_enum(value, ProductKind, "kind")


def _product_ingredients(value: Iterable[str]) -> tuple[str, ...]:
    return _ingredients(value, "ingredients")


def _strengths(value: Mapping[str, float]) -> dict[str, float]:
    return _sorted_dict(value, "strengths")


def _tags(value: Iterable[str]) -> frozenset[str]:
    return frozenset(_ingredients(value, "tags"))


@frozen
class Assessment:
    """The skin assessment made at intake (the client file's ``assessment`` table)."""

    comedones: Comedones = field(default=Comedones.NONE, converter=_comedones)
    laser_requested: bool = field(default=False, validator=v.strict_bool)
    #: R11: antiviral prophylaxis confirmed for a client with HSV history
    antiviral_prophylaxis: bool = field(default=False, validator=v.strict_bool)
    #: R13/R14: a clinician reviewed and approved laser for this client
    clinician_approved_laser: bool = field(default=False, validator=v.strict_bool)
    #: R26: a prescription reference that allows hydroquinone and prescription-only products
    prescription_reference: str | None = field(default=None, converter=_prescription)
    #: R18: the practitioner acknowledged the bruising and bleeding risk of extraction
    anticoagulant_acknowledged: bool = field(default=False, validator=v.strict_bool)


@frozen
class Client:
    """A client as the client file describes them."""

    id: str = field(validator=v.non_empty_str)
    skin_type: SkinType = field(converter=_skin_type)
    concerns: tuple[Concern, ...] = field(converter=_concerns)
    fitzpatrick: int = field(validator=v.int_in(1, 6))
    pregnant: bool = field(default=False, validator=v.strict_bool)
    breastfeeding: bool = field(default=False, validator=v.strict_bool)
    isotretinoin_last_dose: dt.date | None = field(default=None, converter=_dose_date)
    allergies: tuple[str, ...] = field(default=(), converter=_allergies)
    medications: tuple[str, ...] = field(default=(), converter=_medications)
    conditions: frozenset[Condition] = field(default=frozenset(), converter=_conditions)
    assessment: Assessment = field(
        factory=Assessment, validator=v.instance(Assessment, "an assessment table")
    )
    #: optional; lets the visit planner lengthen intervals with age
    birth_date: dt.date | None = field(default=None, converter=_birth_date)
    #: R9: the last intentional tan or significant sun exposure
    last_sun_exposure: dt.date | None = field(default=None, converter=_last_sun_exposure)
    #: R15: the last use of a topical retinoid
    last_topical_retinoid: dt.date | None = field(default=None, converter=_last_topical_retinoid)
    #: R16: the last chemical peel, laser or microdermabrasion
    last_peel: dt.date | None = field(default=None, converter=_last_peel)
    #: R17: the last botulinum toxin or filler injection
    last_injectable: dt.date | None = field(default=None, converter=_last_injectable)

    @concerns.validator
    def _check_concerns(self, attribute: attrs.Attribute[Any], value: tuple[Concern, ...]) -> None:
        if not value:
            raise InvalidValueError("must list at least one concern", field=attribute.name)

    def date_problems(self, on: dt.date) -> list[tuple[str, str]]:
        """``(field, message)`` for each date of the client that cannot be true on session date ``on``."""
        out = []
        for name in (
            "isotretinoin_last_dose",
            "birth_date",
            "last_sun_exposure",
            "last_topical_retinoid",
            "last_peel",
            "last_injectable",
        ):
            value = getattr(self, name)
            if value is not None and value > on:
                out.append(
                    (name, f"{value.isoformat()} is after the session date {on.isoformat()}")
                )
        return out

    def has(self, condition: Condition) -> bool:
        return condition in self.conditions


@frozen(cache_hash=True)
class Product:
    """A product a step can apply. Ingredient names are lower-case common names."""

    name: str = field(validator=v.non_empty_str)
    kind: ProductKind = field(converter=_kind)
    ingredients: tuple[str, ...] = field(converter=_product_ingredients)
    #: percentage strength by ingredient, where it matters (acids, retinoids, actives)
    strengths: Mapping[str, float] = field(factory=dict, converter=_strengths, hash=False)
    spf: int | None = field(default=None, validator=attrs.validators.optional(v.int_in(1, 100)))
    rx_only: bool = field(default=False, validator=v.strict_bool)
    #: free-form tags a catalog may add (for example ``fragrance``); matched like ingredients
    tags: frozenset[str] = field(default=frozenset(), converter=_tags)
    #: the catalog's lot or batch number, for the treatment record (R29); not part of identity
    lot: str | None = field(default=None, eq=False, hash=False)

    @ingredients.validator
    def _check_ingredients(self, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
        if not value:
            raise InvalidValueError(
                f"product {self.name!r} has no ingredients", field=attribute.name
            )
        if "" in value:
            raise InvalidValueError(
                f"product {self.name!r} has an empty ingredient name", field=attribute.name
            )

    @strengths.validator
    def _check_strengths(self, attribute: attrs.Attribute[Any], value: Mapping[str, float]) -> None:
        for name, pct in value.items():
            if name not in self.ingredients:
                raise InvalidValueError(
                    f"product {self.name!r}: strength for {name!r}, not an ingredient",
                    field=attribute.name,
                )
            # NaN compares false with every limit and would pass every strength rule
            if not (type(pct) in (int, float) and math.isfinite(pct) and 0 < pct <= 100):
                raise InvalidValueError(
                    f"product {self.name!r}: strength of {name!r} must be 0-100 % (above 0), "
                    f"got {v.describe(pct)}",
                    field=attribute.name,
                )

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
