"""The client classes verify enumerates: predicate abstraction over what the rules read.

Every rule and every invariant compares a client fact against finitely many
constants: a phototype against the policy's cutoffs, the last isotretinoin
dose against the session date shifted by each washout, a condition or flag
for membership, an allergy set by which catalog products it removes. Cutting
each fact at those constants partitions all clients into finitely many
*classes*; within a class every predicate the code evaluates has the same
value, so one representative decides the whole class (predicate abstraction,
equivalence-class partitioning). Boundaries are kept as singleton classes
(the day before and the day a washout ends, the phototype each side of a
cutoff), so a rule that is off by one at a boundary lands in a different
class from the invariant and shows.

The product of all facts explodes, so classes are enumerated per
*component*: a group of rules with the facts they read (laser screening,
extraction, exfoliation, product selection, the safety filter, allergies,
declines). Facts outside a component stay at a neutral value. Because the
engine's decisions are conjunctions of per-component findings, a property
shown over each component's facts holds for their combination
(compositional, assume-guarantee reasoning; docs/verification.md states the
assumption and the tests that check it).

:data:`FIELDS` says, for every :class:`~facialflow.model.Client` and
:class:`~facialflow.model.Assessment` field, which dimension splits it or why
it is ignored; :data:`POLICY_THRESHOLDS` does the same for every policy value.
A field, condition or policy value that is in neither makes the drift test
fail, so the classes cannot silently fall behind the code.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any

import attrs
from attrs import field, frozen

from facialflow.clinic.policy import Policy
from facialflow.clinic.screening import add_months
from facialflow.knowledge import medication_base, resolve_medications
from facialflow.model import (
    Assessment,
    Client,
    Comedones,
    Concern,
    Condition,
    Product,
    SkinType,
)
from facialflow.qa import invariants as inv
from facialflow.qa.declarations import (
    COMPONENTS,
    FIELDS,
    IGNORED_FIELDS,
    NEUTRAL,
    POLICY_THRESHOLDS,
)

__all__ = [
    "COMPONENTS",
    "FIELDS",
    "IGNORED_FIELDS",
    "POLICY_THRESHOLDS",
    "ClassSpace",
    "Dimension",
    "Value",
    "class_space",
    "client_from_facts",
    "fitzpatrick_cuts",
    "washout_boundaries",
]


@frozen
class Value:
    """One class of a dimension: a JSON-able label and the client values of its representative."""

    label: Hashable
    #: client-field updates of the representative (``conditions`` is added to, not replaced)
    updates: Mapping[str, Any]


@frozen
class Dimension:
    """A fact the rules read, split into classes; ``classify`` says which class a client is in."""

    name: str
    values: tuple[Value, ...]
    classify: Callable[[Client], Hashable]


# -- cut points ---------------------------------------------------------------------------------


def fitzpatrick_cuts(policy: Policy) -> tuple[int, ...]:
    """Phototypes ``c`` where some rule or invariant's ``fitzpatrick >= c`` changes value."""
    sp = policy.screening
    cuts = {
        sp.short_wavelength_max_fitzpatrick + 1,
        sp.test_spot_min_fitzpatrick,
        sp.strong_exfoliation_max_fitzpatrick + 1,
        # the invariants' own floors cut too: a policy looser than the floor must show
        inv.FLOOR_SHORT_WAVELENGTH_MAX_FITZPATRICK + 1,
        inv.FLOOR_TEST_SPOT_MIN_FITZPATRICK,
    }
    return tuple(sorted(c for c in cuts if 2 <= c <= 6))


def _bands(low: int, high: int, cuts: Sequence[int]) -> list[tuple[int, int]]:
    """[low, high] cut at ``cuts``, each value next to a cut its own band (boundary classes)."""
    edges = set()
    for c in cuts:
        edges.update({c - 1, c})
    points = sorted(e for e in edges if low <= e <= high)
    bands: list[tuple[int, int]] = []
    start = low
    for p in points:
        if start <= p - 1:
            bands.append((start, p - 1))
        bands.append((p, p))
        start = p + 1
    if start <= high:
        bands.append((start, high))
    return bands


def washout_boundaries(policy: Policy, date: dt.date) -> tuple[dt.date, ...]:
    """For each washout of ``m > 0`` months, the earliest last dose still inside it on ``date``."""
    out = set()
    for months in policy.screening.isotretinoin_washout_months.values():
        if months <= 0:
            continue
        # add_months is monotone in the dose date, so "inside" is a ray: find its first day
        last = add_months(date, -months) - dt.timedelta(days=3)
        while add_months(last, months) <= date:
            last += dt.timedelta(days=1)
        out.add(last)
    return tuple(sorted(out))


# -- the dimensions -----------------------------------------------------------------------------


def _bool(name: str, key: str, read: Callable[[Client], bool]) -> Dimension:
    return Dimension(
        name,
        (Value(False, {key: False}), Value(True, {key: True})),
        lambda c: bool(read(c)),
    )


def _condition(condition: Condition) -> Dimension:
    return Dimension(
        condition.value,
        (Value(False, {}), Value(True, {"conditions": frozenset({condition})})),
        lambda c: condition in c.conditions,
    )


def _fitzpatrick(policy: Policy) -> Dimension:
    bands = _bands(1, 6, fitzpatrick_cuts(policy))

    def classify(c: Client) -> Hashable:
        return next(f"{a}-{b}" if a != b else str(a) for a, b in bands if a <= c.fitzpatrick <= b)

    # the value next to a cut represents its band: that is where an off-by-one shows
    values = tuple(
        Value(f"{a}-{b}" if a != b else str(a), {"fitzpatrick": b if i == 0 else a})
        for i, (a, b) in enumerate(bands)
    )
    return Dimension("fitzpatrick", values, classify)


def _date_bands(
    name: str,
    key: str,
    points: Iterable[dt.date],
    read: Callable[[Client], dt.date | None],
    today: dt.date,
) -> Dimension:
    """A date split into "none", each cut day on its own, and the runs between them."""
    one = dt.timedelta(days=1)
    values: list[Value] = [Value("none", {key: None})]
    labels: list[tuple[dt.date | None, dt.date | None, str]] = []
    start: dt.date | None = None
    for p in sorted(set(points)):
        if start is None or start <= p - one:
            rep = p - dt.timedelta(days=30) if start is None else start
            label = f"before {p.isoformat()}" if start is None else f"{start}..{p - one}"
            labels.append((start, p - one, label))
            values.append(Value(label, {key: rep}))
        labels.append((p, p, p.isoformat()))
        values.append(Value(p.isoformat(), {key: p}))
        start = p + one
    label = "any date" if start is None else f"from {start.isoformat()}"
    labels.append((start, None, label))
    values.append(Value(label, {key: start if start is not None else today}))

    def classify(c: Client) -> Hashable:
        last = read(c)
        if last is None:
            return "none"
        for low, high, band in labels:
            if (low is None or low <= last) and (high is None or last <= high):
                return band
        raise AssertionError("the bands cover every date")  # pragma: no cover

    return Dimension(name, tuple(values), classify)


def _isotretinoin(policy: Policy, date: dt.date) -> Dimension:
    one = dt.timedelta(days=1)
    points = {d for b in washout_boundaries(policy, date) for d in (b - one, b)}
    return _date_bands(
        "isotretinoin_last_dose",
        "isotretinoin_last_dose",
        points,
        lambda c: c.isotretinoin_last_dose,
        date,
    )


def _dated(key: str, windows: Iterable[int], date: dt.date) -> Dimension:
    """A dated fact split at each washout: the last day inside it and the first outside."""
    # a date after the session date is read as recent: the day after is a cut too
    points = {date + dt.timedelta(days=1)}
    for days in windows:
        if days > 0:
            points |= {date - dt.timedelta(days=days - 1), date - dt.timedelta(days=days)}
    return _date_bands(key, key, points, lambda c: getattr(c, key), date)


def _drug_classes(lines: Iterable[str]) -> tuple[str, ...]:
    return tuple(
        sorted({k for line in lines for m in resolve_medications(line) for k in m.drug_classes})
    )


def _medications() -> Dimension:
    """Medications split by the drug classes they name (the knowledge base's, R7/R13/R15/R18).

    Each reachable set of classes is one value, represented by the fewest medicines
    that name exactly that set; a medicine the base does not know names none.
    """
    reach: dict[tuple[str, ...], tuple[str, ...]] = {(): ()}
    for med in medication_base().medications.values():
        classes = tuple(sorted(med.classes))
        for have, names in list(reach.items()):
            union = tuple(sorted(set(have) | set(classes)))
            if union not in reach or len(reach[union]) > len(names) + 1:
                reach[union] = (*names, med.name)
    values = tuple(
        Value(key, {"medications": names})
        for key, names in sorted(reach.items(), key=lambda kv: (len(kv[0]), kv[0]))
    )
    return Dimension("medications", values, lambda c: _drug_classes(c.medications))


def _allergy_names(products: Iterable[Product]) -> list[str]:
    return sorted({n for p in products for n in (*p.ingredients, *p.tags)})


def _allergies(products: Sequence[Product], max_allergens: int) -> Dimension:
    by_name: dict[str, set[str]] = {}
    for p in products:
        for n in p.ingredient_set | p.tags:
            by_name.setdefault(n, set()).add(p.name)

    def signature(allergies: Iterable[str]) -> tuple[str, ...]:
        # the filter removes a product when its ingredients or tags meet the allergies (R6)
        removed: set[str] = set()
        for name in allergies:
            removed |= by_name.get(name, set())
        return tuple(sorted(removed))

    first: dict[tuple[str, ...], tuple[str, ...]] = {(): ()}
    singles = [(n,) for n in _allergy_names(products)]
    for size in range(1, max_allergens + 1):
        for combo in itertools.combinations(singles, size):
            allergens = tuple(n for (n,) in combo)
            first.setdefault(signature(allergens), allergens)
    values = tuple(Value(sig, {"allergies": allergens}) for sig, allergens in sorted(first.items()))
    return Dimension("allergies", values, lambda c: signature(c.allergies))


def _concerns() -> Dimension:
    orders = [
        order
        for k in range(1, len(Concern) + 1)
        for order in itertools.permutations(list(Concern), k)
    ]
    values = tuple(Value(tuple(str(c) for c in o), {"concerns": o}) for o in orders)
    return Dimension("concerns", values, lambda c: tuple(str(x) for x in c.concerns))


def _declining(blocking: frozenset[Condition]) -> Dimension:
    ordered = sorted(blocking)
    values = tuple(
        Value(tuple(str(c) for c in subset), {"conditions": frozenset(subset)})
        for k in range(len(ordered) + 1)
        for subset in itertools.combinations(ordered, k)
    )
    return Dimension(
        "declining", values, lambda c: tuple(str(x) for x in sorted(c.conditions & blocking))
    )


_ASSESSMENT_FIELDS = frozenset(f.name for f in attrs.fields(Assessment))


def client_from_facts(
    facts: Mapping[str, Any], conditions: frozenset[Condition], *, client_id: str
) -> Client:
    """The client with ``facts`` (every key of :data:`NEUTRAL` but ``conditions``).

    The assessment's facts go to its ``Assessment``; the split follows the model's own
    fields, so a field added there needs no change here.
    """
    assessment = {k: v for k, v in facts.items() if k in _ASSESSMENT_FIELDS}
    own = {k: v for k, v in facts.items() if k not in _ASSESSMENT_FIELDS and k != "conditions"}
    return Client(id=client_id, conditions=conditions, assessment=Assessment(**assessment), **own)


# -- the space ----------------------------------------------------------------------------------


@frozen
class ClassSpace:
    """Every class of clients under one policy, date and catalog, by component."""

    policy: Policy
    date: dt.date
    dimensions: Mapping[str, Dimension]
    components: Mapping[str, tuple[str, ...]]
    max_allergens: int
    _index: dict[str, set[tuple[Hashable, ...]]] = field(factory=dict, eq=False, repr=False)

    def classify(self, client: Client) -> dict[str, tuple[Hashable, ...]]:
        """The class of ``client`` in every component (the key verify enumerates)."""
        return {
            name: tuple(self.dimensions[d].classify(client) for d in dims)
            for name, dims in self.components.items()
        }

    def keys(self, component: str) -> set[tuple[Hashable, ...]]:
        if component not in self._index:
            dims = [self.dimensions[d] for d in self.components[component]]
            self._index[component] = {
                tuple(v.label for v in combo)
                for combo in itertools.product(*(d.values for d in dims))
            }
        return self._index[component]

    def covered(self, client: Client) -> list[str]:
        """The components whose classes miss ``client`` (empty: verify covered it)."""
        return [name for name, key in self.classify(client).items() if key not in self.keys(name)]

    def representatives(self) -> list[tuple[str, tuple[Hashable, ...], Client]]:
        """One client per class, component by component, in a fixed order."""
        out: list[tuple[str, tuple[Hashable, ...], Client]] = []
        for name, dims in self.components.items():
            for combo in itertools.product(*(self.dimensions[d].values for d in dims)):
                out.append((name, tuple(v.label for v in combo), self._build(combo)))
        return out

    def _build(self, combo: Sequence[Value]) -> Client:
        data = dict(NEUTRAL)
        conditions: set[Condition] = set()
        for v in combo:
            for key, value in v.updates.items():
                if key == "conditions":
                    conditions |= value
                else:
                    data[key] = value
        return client_from_facts(data, frozenset(conditions), client_id="verify")


def class_space(
    policy: Policy,
    date: dt.date,
    products: Sequence[Product],
    *,
    max_allergens: int = 2,
    components: Mapping[str, tuple[str, ...]] | None = None,
) -> ClassSpace:
    """The classes of every component under ``policy`` on ``date`` with catalog ``products``."""
    blocking = inv.FLOOR_DECLINING | frozenset(policy.screening.declining_conditions)
    sp = policy.screening

    dims: dict[str, Dimension] = {
        "skin_type": Dimension(
            "skin_type",
            tuple(Value(str(s), {"skin_type": s}) for s in SkinType),
            lambda c: str(c.skin_type),
        ),
        "concerns": _concerns(),
        "fitzpatrick": _fitzpatrick(policy),
        "pregnant": _bool("pregnant", "pregnant", lambda c: c.pregnant),
        "breastfeeding": _bool("breastfeeding", "breastfeeding", lambda c: c.breastfeeding),
        "isotretinoin_last_dose": _isotretinoin(policy, date),
        "medications": _medications(),
        # the safety filter's "dehydrated" is the dehydration concern (no clay, R24)
        "dehydrated": Dimension(
            "dehydrated",
            (Value(False, {}), Value(True, {"concerns": (Concern.DEHYDRATION,)})),
            lambda c: Concern.DEHYDRATION in c.concerns,
        ),
        "last_sun_exposure": _dated("last_sun_exposure", (sp.sun_washout_days,), date),
        "last_topical_retinoid": _dated(
            "last_topical_retinoid",
            (sp.retinoid_washout_days, sp.retinoid_laser_washout_days),
            date,
        ),
        "last_peel": _dated("last_peel", (sp.recent_procedure_days,), date),
        "last_injectable": _dated("last_injectable", (sp.injectable_washout_days,), date),
        "anticoagulant_acknowledged": _bool(
            "anticoagulant_acknowledged",
            "anticoagulant_acknowledged",
            lambda c: c.assessment.anticoagulant_acknowledged,
        ),
        "allergies": _allergies(products, max_allergens),
        "declining": _declining(blocking),
        "comedones": Dimension(
            "comedones",
            tuple(Value(str(x), {"comedones": x}) for x in Comedones),
            lambda c: str(c.assessment.comedones),
        ),
        "laser_requested": _bool(
            "laser_requested", "laser_requested", lambda c: c.assessment.laser_requested
        ),
        "antiviral_prophylaxis": _bool(
            "antiviral_prophylaxis",
            "antiviral_prophylaxis",
            lambda c: c.assessment.antiviral_prophylaxis,
        ),
        "clinician_approved_laser": _bool(
            "clinician_approved_laser",
            "clinician_approved_laser",
            lambda c: c.assessment.clinician_approved_laser,
        ),
        "prescription": Dimension(
            "prescription",
            (
                Value(False, {"prescription_reference": None}),
                Value(True, {"prescription_reference": "RX-VERIFY"}),
            ),
            lambda c: c.assessment.prescription_reference is not None,
        ),
    }
    for condition in Condition:
        if condition not in blocking:
            dims[condition.value] = _condition(condition)
    chosen = components or COMPONENTS
    # a condition this policy declines on is split in "declining", not on its own
    comps = {name: tuple(d for d in ds if d in dims) for name, ds in chosen.items()}
    return ClassSpace(policy, date, dims, comps, max_allergens)


def catalog_products(plugins: Any) -> list[Product]:
    """Every product the loaded plugins can propose (what allergies are split by)."""
    seen: dict[Product, None] = {}
    for plugin in plugins.plugins:
        for product in plugin.info.products:
            seen.setdefault(product, None)
    return list(seen)
