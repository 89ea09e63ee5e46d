"""Generated clients for simulation and safety checks: a documented, seeded population.

A :class:`Population` says how often each client feature occurs. The defaults
are an illustrative clinic mix, not epidemiology: rare conditions and
allergies to product ingredients are common enough that 20,000 sessions with
adverse reactions on exercise every state, transition, guard outcome and rule.
:func:`iter_clients` turns a seed into clients deterministically:

- clients come in chunks of :data:`CHUNK` consecutive indices; each chunk draws
  from its own random stream seeded by ``(seed, chunk index)``, so client ``i``
  is the same whatever ``n`` is, whichever index a run starts at and however
  many worker processes share the run;
- only ``random.Random.random`` is used (never ``choice``/``randrange``, whose
  algorithms changed between Python versions), so a seed means the same
  clients on every supported Python;
- dates (the last isotretinoin dose) are whole months before the session date,
  so "isotretinoin 5 months ago" is the same client on any session date.

Client ids are ``sim-<seed>-<index>``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from attrs import field, frozen

from facialflow.errors import InvalidTypeError, InvalidValueError
from facialflow.model import Comedones, Concern, Condition, SkinType

__all__ = ["DEFAULT_POPULATION", "MEDICATION_FOR", "Population"]

#: medications recorded for a condition (informational only: no rule reads them)
MEDICATION_FOR: Mapping[Condition, str] = {
    Condition.ANTICOAGULANTS: "warfarin",
    Condition.PHOTOSENSITIZING_MEDICATION: "doxycycline",
    Condition.TOPICAL_RETINOID: "tretinoin 0.05% cream",
}


def _weights(
    keys: Callable[[Any], bool], what: str
) -> Callable[[Any, Any, Mapping[Any, float]], None]:
    def check(_: Any, attribute: Any, value: Mapping[Any, float]) -> None:
        if not value:
            raise InvalidValueError(f"{attribute.name} must not be empty")
        for key, weight in value.items():
            if not keys(key):
                raise InvalidValueError(f"{attribute.name}: {key!r} is not {what}")
            if not isinstance(weight, int | float) or isinstance(weight, bool):
                raise InvalidTypeError(f"{attribute.name}: weight of {key!r} must be a number")
            if not math.isfinite(weight) or weight < 0:
                raise InvalidValueError(
                    f"{attribute.name}: weight of {key!r} must be finite and >= 0"
                )
        if not any(w > 0 for w in value.values()):
            raise InvalidValueError(f"{attribute.name}: at least one weight must be positive")

    return check


def _rate(_: Any, attribute: Any, value: float) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise InvalidTypeError(f"{attribute.name} must be a number from 0 to 1")
    if not 0.0 <= value <= 1.0:
        raise InvalidValueError(f"{attribute.name} must be from 0 to 1, got {value!r}")


def _condition_rates(_: Any, attribute: Any, value: Mapping[Condition, float]) -> None:
    for key, rate in value.items():
        if not isinstance(key, Condition):
            raise InvalidValueError(f"{attribute.name}: {key!r} is not a Condition")
        _rate(None, _Named(f"{attribute.name}[{key}]"), rate)


class _Named:
    """Stands in for an attrs attribute in a nested validator message."""

    def __init__(self, name: str) -> None:
        self.name = name


def _is(enum_type: type) -> Callable[[Any], bool]:
    return lambda key: isinstance(key, enum_type)


def _in_range(low: int, high: int) -> Callable[[Any], bool]:
    return lambda key: type(key) is int and low <= key <= high


def _allergen(key: Any) -> bool:
    return isinstance(key, str) and bool(key.strip()) and key == key.strip().lower()


def _enum_keys(enum_type: type[Any], value: Mapping[Any, float]) -> dict[Any, float]:
    # "oily" and SkinType.OILY mean the same; anything else fails the validator by name
    out: dict[Any, float] = {}
    for key, weight in dict(value).items():
        try:
            out[enum_type(key)] = weight
        except ValueError:
            out[key] = weight
    return out


def _copy(value: Mapping[Any, float]) -> dict[Any, float]:
    return dict(value)


def _skin_keys(value: Mapping[Any, float]) -> dict[Any, float]:
    return _enum_keys(SkinType, value)


def _concern_keys(value: Mapping[Any, float]) -> dict[Any, float]:
    return _enum_keys(Concern, value)


def _condition_keys(value: Mapping[Any, float]) -> dict[Any, float]:
    return _enum_keys(Condition, value)


def _comedone_keys(value: Mapping[Any, float]) -> dict[Any, float]:
    return _enum_keys(Comedones, value)


@frozen(kw_only=True)
class Population:
    """How often each client feature occurs among generated clients.

    Weights (``*`` mappings of value to weight) need not sum to 1; rates are
    probabilities from 0 to 1 drawn independently for each client.
    """

    #: skin type weights
    skin_types: Mapping[SkinType, float] = field(
        factory=lambda: {
            SkinType.NORMAL: 0.25,
            SkinType.DRY: 0.2,
            SkinType.OILY: 0.2,
            SkinType.COMBINATION: 0.25,
            SkinType.SENSITIVE: 0.1,
        },
        converter=_skin_keys,
        validator=_weights(_is(SkinType), "a skin type"),
    )
    #: weights of how many concerns a client lists (1 to 6)
    concern_counts: Mapping[int, float] = field(
        factory=lambda: {1: 0.5, 2: 0.35, 3: 0.15},
        converter=_copy,
        validator=_weights(_in_range(1, len(Concern)), f"a concern count from 1 to {len(Concern)}"),
    )
    #: concern weights; a client's concerns are drawn without replacement, in drawn order
    concerns: Mapping[Concern, float] = field(
        factory=lambda: {
            Concern.ACNE: 0.22,
            Concern.AGING: 0.22,
            Concern.HYPERPIGMENTATION: 0.15,
            Concern.DULLNESS: 0.12,
            Concern.DEHYDRATION: 0.14,
            Concern.PREVENTATIVE: 0.15,
        },
        converter=_concern_keys,
        validator=_weights(_is(Concern), "a concern"),
    )
    #: Fitzpatrick phototype weights (1 to 6)
    fitzpatrick: Mapping[int, float] = field(
        factory=lambda: {1: 0.08, 2: 0.25, 3: 0.27, 4: 0.2, 5: 0.12, 6: 0.08},
        converter=_copy,
        validator=_weights(_in_range(1, 6), "a Fitzpatrick type from 1 to 6"),
    )
    #: chance of each condition, drawn independently (the blocking ones decline the session)
    conditions: Mapping[Condition, float] = field(
        factory=lambda: {
            Condition.ACTIVE_COLD_SORE: 0.01,
            Condition.ACTIVE_INFECTION: 0.005,
            Condition.OPEN_WOUND: 0.005,
            Condition.SUNBURN: 0.01,
            Condition.FEVER: 0.005,
            Condition.UNDIAGNOSED_LESION: 0.005,
            Condition.ROSACEA: 0.05,
            Condition.MELASMA: 0.05,
            Condition.HSV_HISTORY: 0.06,
            Condition.KELOID_HISTORY: 0.02,
            Condition.RECENT_TAN: 0.05,
            Condition.ANTICOAGULANTS: 0.03,
            Condition.PHOTOSENSITIZING_MEDICATION: 0.03,
            Condition.TOPICAL_RETINOID: 0.06,
            Condition.FRAGILE_SKIN: 0.02,
            Condition.INFLAMED_ACNE: 0.06,
            Condition.RECENT_PEEL_OR_LASER: 0.02,
            Condition.RECENT_INJECTABLES: 0.03,
        },
        converter=_condition_keys,
        validator=_condition_rates,
    )
    pregnancy_rate: float = field(default=0.03, validator=_rate)
    breastfeeding_rate: float = field(default=0.03, validator=_rate)
    #: chance of an oral isotretinoin history
    isotretinoin_rate: float = field(default=0.04, validator=_rate)
    #: weights of how many whole months before the session date the last dose was
    isotretinoin_months_ago: Mapping[int, float] = field(
        # around the 6-month washout, 6 itself included as the boundary case
        factory=lambda: {1: 1.0, 3: 1.0, 5: 1.0, 6: 1.0, 7: 1.0, 12: 1.0, 24: 1.0},
        converter=_copy,
        validator=_weights(_in_range(0, 1200), "a number of months from 0 to 1200"),
    )
    #: chance of having allergies at all
    allergy_rate: float = field(default=0.12, validator=_rate)
    #: allergen weights: ingredient names, lower case, as product ingredients are written
    allergens: Mapping[str, float] = field(
        factory=lambda: {
            "fragrance": 3.0,
            "nickel": 2.0,
            "lanolin": 1.0,
            "latex": 1.0,
            "salicylic acid": 1.0,
            "benzoyl peroxide": 1.0,
            "propylene glycol": 0.5,
            "tea tree oil": 0.5,
            "niacinamide": 0.5,
            "lactic acid": 0.5,
            "glycolic acid": 0.5,
            "octocrylene": 0.5,
            "kaolin": 0.3,
            "avobenzone": 0.3,
            "zinc oxide": 0.2,
            "titanium dioxide": 0.2,
        },
        converter=_copy,
        validator=_weights(_allergen, "a lower-case ingredient name"),
    )
    #: an allergic client has 1 to this many allergies, each count equally likely
    max_allergies: int = field(default=2)
    comedones: Mapping[Comedones, float] = field(
        factory=lambda: {
            Comedones.NONE: 0.4,
            Comedones.MILD: 0.3,
            Comedones.MODERATE: 0.2,
            Comedones.SEVERE: 0.1,
        },
        converter=_comedone_keys,
        validator=_weights(_is(Comedones), "a comedone grade"),
    )
    #: chance the client asks for the laser step
    laser_request_rate: float = field(default=0.3, validator=_rate)
    #: chance that a client with HSV history has confirmed antiviral prophylaxis (R11)
    antiviral_prophylaxis_rate: float = field(default=0.6, validator=_rate)
    #: chance that a laser request with melasma or photosensitising medication is approved (R13, R14)
    clinician_approval_rate: float = field(default=0.5, validator=_rate)
    #: chance of a prescription on file, which allows hydroquinone (R26)
    prescription_rate: float = field(default=0.02, validator=_rate)

    @max_allergies.validator
    def _check_max_allergies(self, attribute: Any, value: int) -> None:
        if type(value) is not int or not 1 <= value <= len(self.allergens):
            raise InvalidValueError(
                f"max_allergies must be an integer from 1 to the number of allergens "
                f"({len(self.allergens)}), got {value!r}"
            )


DEFAULT_POPULATION = Population()
