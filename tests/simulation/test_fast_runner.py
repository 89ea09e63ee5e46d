"""The fast runner's summary-only tally and its caches, against sessions stepped by transitions."""

from __future__ import annotations

import datetime as dt
import gc
from typing import Any

import pytest

from facialflow.clinic.policy import load_policy
from facialflow.qa.draws import client_id, iter_raw, raw_to_client
from facialflow.qa.population import Population
from facialflow.session.memo import Memo
from facialflow.simulation.fast_runner import FastRunner
from facialflow.simulation.memo_keys import screening_part
from facialflow.simulation.run import Batch, SimulationSpec, Tally, run_summary, summarize

DATE = dt.date(2026, 11, 25)


def spec(**kw: Any) -> SimulationSpec:
    base: dict[str, Any] = {"n": 2000, "seed": 5, "date": DATE, "policy": load_policy()}
    return SimulationSpec(**(base | kw))


@pytest.mark.parametrize("rate", [0.0, 0.3, 1.0])
def test_a_summary_only_run_equals_the_summary_of_sessions_stepped_by_transitions(
    rate: float,
) -> None:
    fast = run_summary(spec(adverse_rate=rate)).to_dict()
    reference = run_summary(spec(adverse_rate=rate, engine="transitions")).to_dict()

    assert fast == reference
    assert fast["sessions"] == 2000


@pytest.mark.parametrize("sessions", [False, True])
def test_caches_evicting_at_every_entry_change_nothing(sessions: bool) -> None:
    """Intakes, selections and settled pairs dropped and made again: serials keep keys apart."""
    s = spec(n=1500, adverse_rate=0.2, sessions=sessions)
    roomy, tiny = FastRunner(s), FastRunner(s)
    tiny.finals = Memo(1)
    tiny.planner.intakes = Memo(1)
    tiny.planner.selections = Memo(1)
    tiny.planner._same = Memo(1)
    tiny.planner._screened = Memo(1)
    tiny.planner._planned = Memo(1)
    results = []
    for runner in (roomy, tiny):
        tally = Tally()
        texts = []
        for chunk in s.chunks:
            batch = Batch(chunk, *runner.chunk(chunk))
            tally.add(batch)
            texts.append(batch.text)
        results.append((texts, summarize(tally, s).to_dict()))

    assert results[0] == results[1]
    assert tiny.planner.stats["screenings"] > roomy.planner.stats["screenings"]


@pytest.mark.parametrize("population", [None, Population(allergy_rate=0.6, isotretinoin_rate=0.4)])
def test_a_draws_screening_part_never_joins_clients_screening_tells_apart(
    population: Population | None,
) -> None:
    # the planner shares a screening between draws with one screening part: each part must
    # stand for one client screening_part, and it must be coarser than the raw key
    s = spec(n=3000) if population is None else spec(n=3000, population=population)
    runner = FastRunner(s)
    seen: dict[Any, set[Any]] = {}
    skeys = set()
    for i, raw in enumerate(iter_raw(s.seed, 0, s.n, s.population)):
        client = raw_to_client(raw, client_id(s.seed, i), s.date)
        seen.setdefault(runner.screening_part(raw), set()).add(screening_part(client))
        skeys.add(runner.raw_keys(raw)[0])
    assert all(len(parts) == 1 for parts in seen.values())
    assert len(seen) < len(skeys)


@pytest.mark.parametrize("sessions", [False, True])
def test_a_fast_chunk_leaves_no_reference_cycles_behind(sessions: bool) -> None:
    # the program freezes what each group keeps without looking for cycles first
    # (FastRunner.acyclic): a chunk that left cyclic garbage would leak it for good
    s = spec(n=4 * 1024, adverse_rate=0.3, sessions=sessions)
    runner = FastRunner(s)
    assert runner.acyclic
    was = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        for chunk in s.chunks:
            runner.chunk(chunk)
        assert gc.collect() == 0
    finally:
        if was:
            gc.enable()
