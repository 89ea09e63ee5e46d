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

import datetime as dt
import hashlib
import math
import random
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping
from itertools import accumulate
from typing import Any

from attrs import field, frozen

from facialflow.model import Assessment, Client, Comedones, Concern, Condition, SkinType
from facialflow.screening import add_months

__all__ = [
    "CHUNK",
    "COMEDONES",
    "CONCERNS",
    "CONDITIONS",
    "DEFAULT_POPULATION",
    "MEDICATION_FOR",
    "Population",
    "PRESCRIPTION_REFERENCE",
    "SKIN_TYPES",
    "RawClient",
    "chunk_rng",
    "client_id",
    "iter_clients",
    "iter_raw",
    "raw_to_client",
    "raw_to_dict",
]

#: clients per random stream; part of what a seed means, so never change it silently
CHUNK = 1024

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
            raise ValueError(f"{attribute.name} must not be empty")
        for key, weight in value.items():
            if not keys(key):
                raise ValueError(f"{attribute.name}: {key!r} is not {what}")
            if not isinstance(weight, int | float) or isinstance(weight, bool):
                raise TypeError(f"{attribute.name}: weight of {key!r} must be a number")
            if not math.isfinite(weight) or weight < 0:
                raise ValueError(f"{attribute.name}: weight of {key!r} must be finite and >= 0")
        if not any(w > 0 for w in value.values()):
            raise ValueError(f"{attribute.name}: at least one weight must be positive")

    return check


def _rate(_: Any, attribute: Any, value: float) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise TypeError(f"{attribute.name} must be a number from 0 to 1")
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{attribute.name} must be from 0 to 1, got {value!r}")


def _condition_rates(_: Any, attribute: Any, value: Mapping[Condition, float]) -> None:
    for key, rate in value.items():
        if not isinstance(key, Condition):
            raise ValueError(f"{attribute.name}: {key!r} is not a Condition")
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
            raise ValueError(
                f"max_allergies must be an integer from 1 to the number of allergens "
                f"({len(self.allergens)}), got {value!r}"
            )


DEFAULT_POPULATION = Population()

#: the prescription reference generated clients carry (a constant: its text is never read)
PRESCRIPTION_REFERENCE = "rx on file"

# raw draws hold vocabulary positions, not enum members: hashing a tuple of ints is
# several times faster than hashing enums, and the simulator keys caches on draws
SKIN_TYPES: tuple[SkinType, ...] = tuple(SkinType)
CONCERNS: tuple[Concern, ...] = tuple(Concern)
CONDITIONS: tuple[Condition, ...] = tuple(Condition)
COMEDONES: tuple[Comedones, ...] = tuple(Comedones)

#: one generated client without its id; enum values as positions in the tuples above
RawClient = tuple[
    int,  # skin type
    tuple[int, ...],  # concerns, in drawn order
    int,  # fitzpatrick
    bool,  # pregnant
    bool,  # breastfeeding
    int | None,  # isotretinoin: months before the session date
    tuple[str, ...],  # allergies, in drawn order
    tuple[int, ...],  # conditions, in vocabulary order
    int,  # comedones
    bool,  # laser requested
    bool,  # antiviral prophylaxis
    bool,  # clinician approved laser
    bool,  # prescription on file
]


def _codes(vocabulary: tuple[Any, ...], weights: Mapping[Any, float]) -> dict[int, float]:
    return {vocabulary.index(k): w for k, w in weights.items()}


class _Table:
    """Weighted choice by one uniform draw: cumulative weights and bisection."""

    __slots__ = ("bounds", "total", "values", "weights")

    def __init__(self, weights: Mapping[Any, float]) -> None:
        items = [(k, float(w)) for k, w in weights.items() if w > 0]
        self.values = tuple(k for k, _ in items)
        self.weights = tuple(w for _, w in items)
        cumulative = tuple(accumulate(self.weights))
        self.total = cumulative[-1]
        # the last bound is infinite: u * total can round up to total itself
        self.bounds = (*cumulative[:-1], math.inf)

    def pick(self, u: float) -> Any:
        return self.values[bisect_right(self.bounds, u * self.total)]

    def sample(self, draw: Callable[[], float], k: int) -> tuple[Any, ...]:
        """``k`` distinct values without replacement, in drawn order.

        Rejection: drawing from all values and redrawing a value already taken
        samples exactly from the remaining weights, and is cheap while few are
        taken. After 32 rejections in a row (a value with most of the weight),
        the remaining weights are renormalised explicitly.
        """
        k = min(k, len(self.values))
        out: list[Any] = []
        rejected = 0
        values, bounds, total = self.values, self.bounds, self.total
        while len(out) < k:
            value = values[bisect_right(bounds, draw() * total)]
            if value not in out:
                out.append(value)
                rejected = 0
                continue
            rejected += 1
            if rejected == 32:
                out.extend(self._sample_exact(draw, out, k - len(out)))
        return tuple(out)

    def _sample_exact(self, draw: Callable[[], float], taken: list[Any], k: int) -> list[Any]:
        remaining = [
            (v, w) for v, w in zip(self.values, self.weights, strict=True) if v not in taken
        ]
        out: list[Any] = []
        for _ in range(k):
            cumulative = list(accumulate(w for _, w in remaining))
            i = min(bisect_right(cumulative, draw() * cumulative[-1]), len(remaining) - 1)
            out.append(remaining.pop(i)[0])
        return out


class _Bernoullis:
    """Independent events, each with its own rate, drawn with one uniform when none happens.

    Most clients have no condition: one draw decides that (it happens with
    probability ``prod(1 - rate)``). Otherwise the events are drawn in order
    conditioned on at least one happening among those left: event ``i``
    happens with ``rate_i / (1 - prod(1 - rate_j), j >= i)`` until the first
    one does, then each later one with its own rate. This is exactly the
    joint distribution of independent draws.
    """

    __slots__ = ("events", "none")

    def __init__(self, events: list[tuple[int, float]]) -> None:
        tails: list[float] = []
        product = 1.0
        for _, rate in reversed(events):
            product *= 1.0 - rate
            tails.append(1.0 - product)
        tails.reverse()
        #: (code, rate, chance that event or a later one happens)
        self.events = tuple((c, rate, tail) for (c, rate), tail in zip(events, tails, strict=True))
        self.none = product

    def draw(self, r: Callable[[], float]) -> tuple[int, ...]:
        if not self.events or r() < self.none:
            return ()
        out: list[int] = []
        for code, rate, some in self.events:
            if out:
                if r() < rate:
                    out.append(code)
            elif some <= 0.0 or r() * some < rate:
                out.append(code)
        return tuple(out)


_HSV = CONDITIONS.index(Condition.HSV_HISTORY)
_MELASMA = CONDITIONS.index(Condition.MELASMA)
_PHOTOSENSITIZER = CONDITIONS.index(Condition.PHOTOSENSITIZING_MEDICATION)
_MEDICATIONS = {CONDITIONS.index(c): m for c, m in MEDICATION_FOR.items()}


class _Sampler:
    """A population compiled for fast drawing; private to one process."""

    def __init__(self, population: Population) -> None:
        p = population
        self.skin = _Table(_codes(SKIN_TYPES, p.skin_types))
        self.counts = _Table(p.concern_counts)
        self.concerns = _Table(_codes(CONCERNS, p.concerns))
        self.fitzpatrick = _Table(p.fitzpatrick)
        # vocabulary order, so the tuple is canonical and the stream does not depend on dict order
        self.conditions = _Bernoullis(
            [(i, p.conditions[c]) for i, c in enumerate(CONDITIONS) if p.conditions.get(c, 0) > 0]
        )
        self.pregnancy = p.pregnancy_rate
        self.breastfeeding = p.breastfeeding_rate
        self.isotretinoin = p.isotretinoin_rate
        self.months = _Table(p.isotretinoin_months_ago)
        self.allergy = p.allergy_rate
        self.max_allergies = min(p.max_allergies, len(_Table(p.allergens).values))
        self.allergens = _Table(p.allergens)
        self.comedones = _Table(_codes(COMEDONES, p.comedones))
        self.laser = p.laser_request_rate
        self.antiviral = p.antiviral_prophylaxis_rate
        self.approval = p.clinician_approval_rate
        self.prescription = p.prescription_rate

    def draw(self, r: Callable[[], float]) -> RawClient:
        """One client's features from the uniform stream ``r``.

        The order of the draws is part of what a seed means: never reorder them.
        """
        # the one-draw picks inlined: this runs once per simulated session
        skin = self.skin
        counts = self.counts
        fitz = self.fitzpatrick
        skin_type = skin.values[bisect_right(skin.bounds, r() * skin.total)]
        count = counts.values[bisect_right(counts.bounds, r() * counts.total)]
        concerns = self.concerns.sample(r, count)
        fitzpatrick = fitz.values[bisect_right(fitz.bounds, r() * fitz.total)]
        pregnant = r() < self.pregnancy
        breastfeeding = r() < self.breastfeeding
        months = self.months.pick(r()) if r() < self.isotretinoin else None
        allergies: tuple[str, ...] = ()
        if r() < self.allergy:
            allergies = self.allergens.sample(r, 1 + int(r() * self.max_allergies))
        conditions = self.conditions.draw(r)
        com = self.comedones
        comedones = com.values[bisect_right(com.bounds, r() * com.total)]
        laser = r() < self.laser
        antiviral = _HSV in conditions and r() < self.antiviral
        needs_review = _MELASMA in conditions or _PHOTOSENSITIZER in conditions
        approved = laser and needs_review and r() < self.approval
        prescription = r() < self.prescription
        return (
            skin_type,
            concerns,
            fitzpatrick,
            pregnant,
            breastfeeding,
            months,
            allergies,
            conditions,
            comedones,
            laser,
            antiviral,
            approved,
            prescription,
        )


_SAMPLERS: dict[int, tuple[Population, _Sampler]] = {}


def _sampler(population: Population) -> _Sampler:
    # keyed by identity and kept alive with the population, so an id is never reused
    hit = _SAMPLERS.get(id(population))
    if hit is not None and hit[0] is population:
        return hit[1]
    if len(_SAMPLERS) > 64:
        _SAMPLERS.clear()
    sampler = _Sampler(population)
    _SAMPLERS[id(population)] = (population, sampler)
    return sampler


def chunk_rng(seed: int, chunk: int, stream: str) -> random.Random:
    """The random stream ``stream`` of chunk ``chunk`` of ``seed``: stable across Pythons."""
    digest = hashlib.sha256(f"facialflow:{stream}:{seed}:{chunk}".encode()).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


def client_id(seed: int, index: int) -> str:
    return f"sim-{seed}-{index}"


def iter_raw(
    seed: int, start: int, n: int, population: Population | None = None
) -> Iterator[RawClient]:
    """The features of clients ``start`` .. ``start + n - 1`` of ``seed``, in index order."""
    if n < 0 or start < 0:
        raise ValueError("start and n must not be negative")
    sampler = _sampler(population if population is not None else DEFAULT_POPULATION)
    draw = sampler.draw
    index, end = start, start + n
    while index < end:
        chunk, offset = divmod(index, CHUNK)
        r = chunk_rng(seed, chunk, "clients").random
        # a chunk's stream is consumed from its beginning, whatever index a run starts at
        for _ in range(offset):
            draw(r)
        stop = min(end, (chunk + 1) * CHUNK)
        for _ in range(index, stop):
            yield draw(r)
        index = stop


def raw_to_client(raw: RawClient, client_id: str, date: dt.date) -> Client:
    """The :class:`Client` a raw draw describes, for a session on ``date``."""
    (
        skin,
        concerns,
        fitzpatrick,
        pregnant,
        breastfeeding,
        months,
        allergies,
        conditions,
        comedones,
        laser,
        antiviral,
        approved,
        prescription,
    ) = raw
    fields: dict[str, Any] = {
        "id": client_id,
        "skin_type": SKIN_TYPES[skin],
        "concerns": tuple(CONCERNS[c] for c in concerns),
        "fitzpatrick": fitzpatrick,
        "pregnant": pregnant,
        "breastfeeding": breastfeeding,
        "isotretinoin_last_dose": add_months(date, -months) if months is not None else None,
        "allergies": allergies,
        "medications": tuple(_MEDICATIONS[c] for c in conditions if c in _MEDICATIONS),
        "conditions": frozenset(CONDITIONS[c] for c in conditions),
        "assessment": Assessment(
            comedones=COMEDONES[comedones],
            laser_requested=laser,
            antiviral_prophylaxis=antiviral,
            clinician_approved_laser=approved,
            prescription_reference=PRESCRIPTION_REFERENCE if prescription else None,
        ),
    }
    return Client(**fields)


_SKIN_NAMES = tuple(str(v) for v in SKIN_TYPES)
_CONCERN_NAMES = tuple(str(v) for v in CONCERNS)
_CONDITION_NAMES = tuple(str(v) for v in CONDITIONS)
_COMEDONE_NAMES = tuple(str(v) for v in COMEDONES)


def raw_to_dict(raw: RawClient, client_id: str, date: dt.date) -> dict[str, Any]:
    """``client_to_dict(raw_to_client(raw, client_id, date))`` without building the client.

    The simulator writes millions of clients; this skips the validation a
    draw does not need (the tests and the simulator's spot checks compare the
    two for equality).
    """
    (
        skin,
        concerns,
        fitzpatrick,
        pregnant,
        breastfeeding,
        months,
        allergies,
        conditions,
        comedones,
        laser,
        antiviral,
        approved,
        prescription,
    ) = raw
    out: dict[str, Any] = {
        "id": client_id,
        "skin_type": _SKIN_NAMES[skin],
        "concerns": [_CONCERN_NAMES[c] for c in concerns],
        "fitzpatrick": fitzpatrick,
        "pregnant": pregnant,
        "breastfeeding": breastfeeding,
    }
    if months is not None:
        out["isotretinoin_last_dose"] = add_months(date, -months).isoformat()
    out["allergies"] = list(allergies)
    out["medications"] = [_MEDICATIONS[c] for c in conditions if c in _MEDICATIONS]
    # conditions are drawn in vocabulary order, the order client files are written in
    out["conditions"] = [_CONDITION_NAMES[c] for c in conditions]
    assessment: dict[str, Any] = {
        "comedones": _COMEDONE_NAMES[comedones],
        "laser_requested": laser,
    }
    if antiviral:
        assessment["antiviral_prophylaxis"] = True
    if approved:
        assessment["clinician_approved_laser"] = True
    if prescription:
        assessment["prescription_reference"] = PRESCRIPTION_REFERENCE
    out["assessment"] = assessment
    return out


def iter_clients(
    seed: int,
    n: int,
    *,
    date: dt.date,
    population: Population | None = None,
    start: int = 0,
) -> Iterator[Client]:
    """Clients ``start`` .. ``start + n - 1`` generated from ``seed`` for sessions on ``date``.

    Client ``i`` depends only on ``seed``, ``i``, ``date`` and the population:
    never on ``n``, ``start`` or how a run is split between processes.
    """
    for index, raw in enumerate(iter_raw(seed, start, n, population), start):
        yield raw_to_client(raw, client_id(seed, index), date)
