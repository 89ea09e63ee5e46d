"""Seeded draws: generated clients as compact raw tuples, and the clients they stand for.

Client ``i`` of a run depends only on the seed and ``i``: each chunk of
:data:`CHUNK` clients has its own random stream, so workers can draw chunks in
any order and still give byte-identical output.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from bisect import bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from facialflow.clinic.screening import add_months
from facialflow.errors import InvalidValueError
from facialflow.io.client_file import client_fields_to_dict
from facialflow.model import (
    AdverseKind,
    Assessment,
    Client,
    Comedones,
    Concern,
    Condition,
    SkinType,
)
from facialflow.qa.population import DEFAULT_POPULATION, MEDICATION_FOR, Population
from facialflow.qa.sampling import Bernoullis, Table, codes

__all__ = [
    "ADVERSE_KINDS",
    "CHUNK",
    "COMEDONES",
    "CONCERNS",
    "CONDITIONS",
    "PRESCRIPTION_REFERENCE",
    "RAW_SOURCES",
    "RAW_VOCABULARIES",
    "SKIN_TYPES",
    "AdverseDraw",
    "RawClient",
    "adverse_draws",
    "adverse_stream",
    "chunk_rng",
    "client_id",
    "iter_clients",
    "iter_raw",
    "pick_adverse",
    "raw_fields",
    "raw_to_client",
    "raw_to_dict",
]

#: clients per random stream; part of what a seed means, so never change it silently
CHUNK = 1024

#: the prescription reference generated clients carry (a constant: its text is never read)
PRESCRIPTION_REFERENCE = "rx on file"

# raw draws hold vocabulary positions, not enum members: hashing a tuple of ints is
# several times faster than hashing enums, and the simulator keys caches on draws
SKIN_TYPES: tuple[SkinType, ...] = tuple(SkinType)
CONCERNS: tuple[Concern, ...] = tuple(Concern)
CONDITIONS: tuple[Condition, ...] = tuple(Condition)
COMEDONES: tuple[Comedones, ...] = tuple(Comedones)
#: the values a raw field's code stands for, for the raw fields that hold one code
RAW_VOCABULARIES: Mapping[str, tuple[Any, ...]] = {
    "skin_type": SKIN_TYPES,
    "comedones": COMEDONES,
}


class RawClient(NamedTuple):
    """One generated client without its id; enum values as positions in the tuples above."""

    skin_type: int
    #: in drawn order
    concerns: tuple[int, ...]
    fitzpatrick: int
    pregnant: bool
    breastfeeding: bool
    #: months before the session date, or None
    isotretinoin_months: int | None
    #: in drawn order
    allergies: tuple[str, ...]
    #: in vocabulary order
    conditions: tuple[int, ...]
    comedones: int
    laser_requested: bool
    antiviral_prophylaxis: bool
    clinician_approved_laser: bool
    prescription: bool


#: the raw fields each Client field (or declared sub-field) is made from by
#: :func:`raw_to_client`; each mapping is one-to-one for a fixed date, so keys that
#: project raw draws on these stand exactly for keys on the Client fields
RAW_SOURCES: Mapping[str, tuple[str, ...]] = {
    "id": (),
    "skin_type": ("skin_type",),
    "concerns": ("concerns",),
    "fitzpatrick": ("fitzpatrick",),
    "pregnant": ("pregnant",),
    "breastfeeding": ("breastfeeding",),
    "isotretinoin_last_dose": ("isotretinoin_months",),
    "allergies": ("allergies",),
    # half the washout facts are written as dates instead of flags, by phototype parity
    "medications": ("conditions", "fitzpatrick"),
    "conditions": ("conditions", "fitzpatrick"),
    "assessment": (
        "comedones",
        "laser_requested",
        "antiviral_prophylaxis",
        "clinician_approved_laser",
        "prescription",
    ),
    "assessment.comedones": ("comedones",),
    "assessment.laser_requested": ("laser_requested",),
    "assessment.antiviral_prophylaxis": ("antiviral_prophylaxis",),
    "assessment.clinician_approved_laser": ("clinician_approved_laser",),
    # never drawn: every generated client has it unset
    "assessment.anticoagulant_acknowledged": (),
    "assessment.prescription_reference": ("prescription",),
    "birth_date": (),
    "last_sun_exposure": ("conditions", "fitzpatrick"),
    "last_topical_retinoid": ("conditions", "fitzpatrick"),
    "last_peel": ("conditions", "fitzpatrick"),
    "last_injectable": ("conditions", "fitzpatrick"),
}


def raw_fields(reads: Sequence[str]) -> tuple[str, ...]:
    """The raw fields that make the Client fields ``reads`` (in order, each once)."""
    return tuple(dict.fromkeys(f for r in reads for f in RAW_SOURCES[r]))


#: the reactions a run injects, in a fixed order (a draw picks by index)
#: ``worsening`` is not a first reaction, only what a reaction does during the safe exit
ADVERSE_KINDS: tuple[AdverseKind, ...] = tuple(
    k for k in AdverseKind if k is not AdverseKind.WORSENING
)

#: one client's adverse draws: (hit, kind, step), each uniform in [0, 1)
AdverseDraw = tuple[float, float, float]


def adverse_draws(seed: int, chunk: int) -> Callable[[], AdverseDraw]:
    """The adverse draws of chunk ``chunk`` of ``seed``: call once per client, in client order.

    Three numbers per client, whether or not it meets a reaction, from the
    chunk's "adverse" stream: ``simulate`` (both engines) and ``check`` draw
    here, so a failure ``check`` reports is the session ``simulate`` runs.
    """
    r = adverse_stream(seed, chunk)
    return lambda: (r(), r(), r())


def adverse_stream(seed: int, chunk: int) -> Callable[[], float]:
    """The uniforms behind :func:`adverse_draws`: three a client, taken in client order."""
    return chunk_rng(seed, chunk, "adverse").random


def pick_adverse(
    draw: AdverseDraw, rate: float, steps: Sequence[str]
) -> tuple[AdverseKind, str] | None:
    """The reaction a draw gives: with probability ``rate``, a kind at one of ``steps``."""
    hit, kind, where = draw
    if hit < rate and steps:
        return ADVERSE_KINDS[int(kind * len(ADVERSE_KINDS))], steps[int(where * len(steps))]
    return None


_HSV = CONDITIONS.index(Condition.HSV_HISTORY)
_MELASMA = CONDITIONS.index(Condition.MELASMA)
_PHOTOSENSITIZER = CONDITIONS.index(Condition.PHOTOSENSITIZING_MEDICATION)
_MEDICATIONS = {CONDITIONS.index(c): m for c, m in MEDICATION_FOR.items()}

#: conditions a client file may give as a date instead of a flag (R9, R15-R17): the field and
#: how many days before the session it lies (inside the default washout)
_DATED = {
    CONDITIONS.index(Condition.RECENT_TAN): ("last_sun_exposure", 7),
    CONDITIONS.index(Condition.TOPICAL_RETINOID): ("last_topical_retinoid", 3),
    CONDITIONS.index(Condition.RECENT_PEEL_OR_LASER): ("last_peel", 6),
    CONDITIONS.index(Condition.RECENT_INJECTABLES): ("last_injectable", 9),
}


def _dated(
    conditions: tuple[int, ...], fitzpatrick: int
) -> tuple[tuple[int, ...], list[tuple[str, int]]]:
    """Half the clients (even phototypes) give these facts as dates rather than flags.

    Derived from the draw itself, with no extra random number, so a seed's clients and
    the simulator's cache keys stay exactly what the draw says.
    """
    if fitzpatrick % 2 or not any(c in _DATED for c in conditions):
        return conditions, []
    kept = tuple(c for c in conditions if c not in _DATED)
    return kept, [_DATED[c] for c in conditions if c in _DATED]


class _Sampler:
    """A population compiled for fast drawing; private to one process."""

    def __init__(self, population: Population) -> None:
        p = population
        self.skin = Table(codes(SKIN_TYPES, p.skin_types))
        self.counts = Table(p.concern_counts)
        self.concerns = Table(codes(CONCERNS, p.concerns))
        self.fitzpatrick = Table(p.fitzpatrick)
        # vocabulary order, so the tuple is canonical and the stream does not depend on dict order
        self.conditions = Bernoullis(
            [(i, p.conditions[c]) for i, c in enumerate(CONDITIONS) if p.conditions.get(c, 0) > 0]
        )
        self.pregnancy = p.pregnancy_rate
        self.breastfeeding = p.breastfeeding_rate
        self.isotretinoin = p.isotretinoin_rate
        self.months = Table(p.isotretinoin_months_ago)
        self.allergy = p.allergy_rate
        self.max_allergies = min(p.max_allergies, len(Table(p.allergens).values))
        self.allergens = Table(p.allergens)
        self.comedones = Table(codes(COMEDONES, p.comedones))
        self.laser = p.laser_request_rate
        self.antiviral = p.antiviral_prophylaxis_rate
        self.approval = p.clinician_approval_rate
        self.prescription = p.prescription_rate

        self.draw = self._compiled()

    def _compiled(self) -> Callable[[Callable[[], float]], RawClient]:
        """``draw(r)``: one client's features from the uniform stream ``r``.

        The order of the draws is part of what a seed means: never reorder them.
        Everything a draw reads is bound here once (closure cells load faster than
        attributes), and a pick or a one-value sample takes its single uniform inline:
        this runs once per simulated session.
        """
        skin_v, skin_b, skin_t = self.skin.values, self.skin.bounds, self.skin.total
        count_v, count_b, count_t = self.counts.values, self.counts.bounds, self.counts.total
        concerns = self.concerns
        con_v, con_b, con_t = concerns.values, concerns.bounds, concerns.total
        con_sample, con_n = concerns.sample, len(con_v)
        fitz_v, fitz_b, fitz_t = (
            self.fitzpatrick.values,
            self.fitzpatrick.bounds,
            self.fitzpatrick.total,
        )
        pregnancy, breastfeeding_rate = self.pregnancy, self.breastfeeding
        isotretinoin, months_pick = self.isotretinoin, self.months.pick
        allergy, max_allergies, allergen_sample = (
            self.allergy,
            self.max_allergies,
            self.allergens.sample,
        )
        any_condition = bool(self.conditions.events)
        no_condition, some_conditions = self.conditions.none, self.conditions.some
        com_v, com_b, com_t = self.comedones.values, self.comedones.bounds, self.comedones.total
        laser_rate, antiviral_rate = self.laser, self.antiviral
        approval, prescription_rate = self.approval, self.prescription
        bisect = bisect_right
        make = tuple.__new__

        def draw(r: Callable[[], float]) -> RawClient:
            skin_type = skin_v[bisect(skin_b, r() * skin_t)]
            count = count_v[bisect(count_b, r() * count_t)]
            # one value: its first uniform is never rejected (what Table.sample takes)
            if count == 1 and con_n:
                concerns: tuple[int, ...] = (con_v[bisect(con_b, r() * con_t)],)
            else:
                concerns = con_sample(r, count)
            fitzpatrick = fitz_v[bisect(fitz_b, r() * fitz_t)]
            pregnant = r() < pregnancy
            breastfeeding = r() < breastfeeding_rate
            months = months_pick(r()) if r() < isotretinoin else None
            allergies: tuple[str, ...] = ()
            if r() < allergy:
                allergies = allergen_sample(r, 1 + int(r() * max_allergies))
            # what Bernoullis.draw takes: one uniform, more only when some condition happens
            conditions: tuple[int, ...] = ()
            if any_condition and r() >= no_condition:
                conditions = some_conditions(r)
            comedones = com_v[bisect(com_b, r() * com_t)]
            laser = r() < laser_rate
            antiviral = _HSV in conditions and r() < antiviral_rate
            needs_review = _MELASMA in conditions or _PHOTOSENSITIZER in conditions
            approved = laser and needs_review and r() < approval
            prescription = r() < prescription_rate
            return make(
                RawClient,
                (
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
                ),
            )

        return draw


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
        raise InvalidValueError("start and n must not be negative")
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


#: assessments by their raw fields: few distinct, frozen, so clients can share them
_ASSESSMENTS: dict[tuple[int, bool, bool, bool, bool], Assessment] = {}


def _assessment(
    comedones: int, laser: bool, antiviral: bool, approved: bool, prescription: bool
) -> Assessment:
    key = (comedones, laser, antiviral, approved, prescription)
    made = _ASSESSMENTS.get(key)
    if made is None:
        if len(_ASSESSMENTS) >= 4096:
            _ASSESSMENTS.clear()
        made = _ASSESSMENTS[key] = Assessment(
            comedones=COMEDONES[comedones],
            laser_requested=laser,
            antiviral_prophylaxis=antiviral,
            clinician_approved_laser=approved,
            prescription_reference=PRESCRIPTION_REFERENCE if prescription else None,
        )
    return made


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
    conditions, dated = _dated(conditions, fitzpatrick)
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
        "assessment": _assessment(comedones, laser, antiviral, approved, prescription),
    }
    for name, days in dated:
        fields[name] = date - dt.timedelta(days=days)
    return Client(**fields)


_SKIN_NAMES = tuple(str(v) for v in SKIN_TYPES)
_CONCERN_NAMES = tuple(str(v) for v in CONCERNS)
_CONDITION_NAMES = tuple(str(v) for v in CONDITIONS)
_COMEDONE_NAMES = tuple(str(v) for v in COMEDONES)


def raw_to_dict(raw: RawClient, client_id: str, date: dt.date) -> dict[str, Any]:
    """``client_to_dict(raw_to_client(raw, client_id, date))`` without building the client.

    The simulator writes millions of clients: this feeds the one client writer
    (:func:`~facialflow.io.client_file.client_fields_to_dict`) the draw's values
    without the validation a draw does not need.
    """
    months = raw.isotretinoin_months
    conditions, dated = _dated(raw.conditions, raw.fitzpatrick)
    return client_fields_to_dict(
        id=client_id,
        skin_type=_SKIN_NAMES[raw.skin_type],
        concerns=[_CONCERN_NAMES[c] for c in raw.concerns],
        fitzpatrick=raw.fitzpatrick,
        pregnant=raw.pregnant,
        breastfeeding=raw.breastfeeding,
        isotretinoin_last_dose=add_months(date, -months) if months is not None else None,
        allergies=raw.allergies,
        medications=[_MEDICATIONS[c] for c in conditions if c in _MEDICATIONS],
        # drawn in vocabulary order, the order client files are written in
        conditions=[_CONDITION_NAMES[c] for c in conditions],
        comedones=_COMEDONE_NAMES[raw.comedones],
        laser_requested=raw.laser_requested,
        antiviral_prophylaxis=raw.antiviral_prophylaxis,
        clinician_approved_laser=raw.clinician_approved_laser,
        prescription_reference=PRESCRIPTION_REFERENCE if raw.prescription else None,
        birth_date=None,
        # written in the client file's order of the dated fields
        dated={
            name: date - dt.timedelta(days=days)
            for name in (
                "last_sun_exposure",
                "last_topical_retinoid",
                "last_peel",
                "last_injectable",
            )
            for field_name, days in dated
            if field_name == name
        },
    )


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
