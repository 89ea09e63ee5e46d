"""The compiled client draw takes exactly the uniforms the plain table draws take."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from facialflow.model import Concern, Condition
from facialflow.qa.draws import (
    COMEDONES,
    CONCERNS,
    CONDITIONS,
    SKIN_TYPES,
    RawClient,
    _sampler,
)
from facialflow.qa.population import DEFAULT_POPULATION, Population
from facialflow.qa.sampling import Bernoullis, Table, codes

_HSV = CONDITIONS.index(Condition.HSV_HISTORY)
_REVIEW = {
    CONDITIONS.index(Condition.MELASMA),
    CONDITIONS.index(Condition.PHOTOSENSITIZING_MEDICATION),
}


def plain_draw(p: Population, r: Callable[[], float]) -> RawClient:
    """One client drawn step by step with the tables' own methods, in the seed's order."""
    skin = Table(codes(SKIN_TYPES, p.skin_types)).pick(r())
    count = Table(p.concern_counts).pick(r())
    concerns = Table(codes(CONCERNS, p.concerns)).sample(r, count)
    fitzpatrick = Table(p.fitzpatrick).pick(r())
    pregnant = r() < p.pregnancy_rate
    breastfeeding = r() < p.breastfeeding_rate
    months = Table(p.isotretinoin_months_ago).pick(r()) if r() < p.isotretinoin_rate else None
    allergies: tuple[str, ...] = ()
    if r() < p.allergy_rate:
        allergens = Table(p.allergens)
        most = min(p.max_allergies, len(allergens.values))
        allergies = allergens.sample(r, 1 + int(r() * most))
    events = [(i, p.conditions[c]) for i, c in enumerate(CONDITIONS) if p.conditions.get(c, 0) > 0]
    conditions = Bernoullis(events).draw(r)
    comedones = Table(codes(COMEDONES, p.comedones)).pick(r())
    laser = r() < p.laser_request_rate
    antiviral = _HSV in conditions and r() < p.antiviral_prophylaxis_rate
    review = bool(_REVIEW & set(conditions))
    approved = laser and review and r() < p.clinician_approval_rate
    prescription = r() < p.prescription_rate
    return RawClient(
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
    )


POPULATIONS = {
    "default": DEFAULT_POPULATION,
    # several concerns, one of them heavy: the rejection path and the exact fallback
    "many concerns": Population(
        concern_counts={1: 1.0, 3: 2.0, 6: 1.0},
        concerns={Concern.ACNE: 50.0, Concern.DEHYDRATION: 1.0, Concern.PREVENTATIVE: 1.0},
    ),
    "no conditions": Population(conditions={}),
    "all conditions": Population(conditions=dict.fromkeys(Condition, 0.9), laser_request_rate=0.9),
}


@pytest.mark.parametrize("name", POPULATIONS)
def test_compiled_draws_equal_plain_draws_and_leave_the_stream_where_they_do(name: str) -> None:
    population = POPULATIONS[name]
    draw = _sampler(population).draw
    fast, plain = random.Random(11), random.Random(11)
    for _ in range(3000):
        assert draw(fast.random) == plain_draw(population, plain.random)
        assert fast.getstate() == plain.getstate()
