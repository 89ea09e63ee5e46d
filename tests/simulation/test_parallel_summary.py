"""Summaries split between workers by skin type equal the one-worker summary."""

from __future__ import annotations

import datetime as dt

import pytest

from facialflow.clinic.policy import load_policy
from facialflow.model import SkinType
from facialflow.qa.population import Population
from facialflow.simulation.run import (
    SimulationSpec,
    _skin_parts,
    run_summary,
    simulate,
    summary_lines,
)

DATE = dt.date(2026, 11, 25)


def _spec(**kw: object) -> SimulationSpec:
    return SimulationSpec(date=DATE, policy=load_policy(), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("workers", [2, 3])
def test_a_summary_split_by_skin_type_equals_one_workers(workers: int) -> None:
    common = {"n": 5000, "seed": 21, "adverse_rate": 0.2}
    one = run_summary(_spec(**common))
    split = run_summary(_spec(**common, workers=workers))
    assert _skin_parts(_spec(**common, workers=workers), workers) is not None
    assert split.to_dict() == one.to_dict()
    assert list(summary_lines(split)) == list(summary_lines(one))


def test_split_batches_come_in_chunk_order_with_whole_chunk_counts() -> None:
    spec = _spec(n=5000, seed=22, workers=2)
    batches = list(simulate(spec))
    assert [b.chunk for b in batches] == list(spec.chunks)
    assert [b.count for b in batches] == [b - a for a, b in map(spec.chunk_bounds, spec.chunks)]


def test_the_skin_types_are_split_evenly_and_disjointly() -> None:
    parts = _skin_parts(_spec(n=10, workers=2), 2)
    assert parts is not None
    assert not parts[0] & parts[1]
    assert len(parts[0] | parts[1]) == len(SkinType)


def test_sessions_and_lopsided_populations_split_by_chunks() -> None:
    assert _skin_parts(_spec(n=10, workers=2, sessions=True), 2) is None
    assert _skin_parts(_spec(n=10, workers=2, engine="transitions"), 2) is None
    oily = Population(skin_types={SkinType.OILY: 0.9, SkinType.DRY: 0.1})
    assert _skin_parts(_spec(n=10, workers=2, population=oily), 2) is None


def test_merging_parts_adds_a_trace_named_twice_in_one_part() -> None:
    from facialflow.simulation.run import Batch, _merged

    key_a = ((("intake", "declined"), (0,), ()), frozenset({"R7"}), None)
    key_b = ((("intake", "cleansing"), (1,), ()), frozenset(), None)
    # two routes with one trace: a part's tally may hold the same key twice
    first = [Batch(0, 3, None, ((key_a, 1), (key_a, 2)))]
    second = [Batch(0, 4, None, ((key_b, 3), (key_a, 1)))]
    (merged,) = _merged([first, second])
    assert merged.chunk == 0 and merged.count == 7
    assert dict(merged.tally) == {key_a: 4, key_b: 3}
