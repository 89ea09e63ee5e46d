"""Work shared between worker processes gives exactly one process's output.

A summary split by skin type draws each chunk once and ships the sessions of
other skin types to the worker that owns them; these tests hold the pieces of
that exchange (shipments, reports, the merge) to the one-process run.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import pickle
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from facialflow.clinic.policy import load_policy
from facialflow.model import SkinType
from facialflow.qa.population import Population
from facialflow.simulation import parallel
from facialflow.simulation.chunks import SimulationSpec, make_runner
from facialflow.simulation.fast_runner import FastRunner, shipment
from facialflow.simulation.parallel import Merger, skin_parts, sweep_orphans
from facialflow.simulation.run import Tally, run_summary, simulate, summarize, summary_lines
from facialflow.simulation.writer import TallyKey

pytestmark = pytest.mark.usefixtures("no_hang")

DATE = dt.date(2026, 11, 25)


def _spec(**kw: object) -> SimulationSpec:
    return SimulationSpec(date=DATE, policy=load_policy(), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("workers", [2, 3])
def test_a_summary_split_by_skin_type_equals_one_workers(workers: int) -> None:
    common = {"n": 5000, "seed": 21, "adverse_rate": 0.2}
    one = run_summary(_spec(**common))
    split = run_summary(_spec(**common, workers=workers))
    assert skin_parts(_spec(**common, workers=workers), workers) is not None
    assert split.to_dict() == one.to_dict()
    assert list(summary_lines(split)) == list(summary_lines(one))


def test_split_batches_cover_the_chunks_in_order_with_whole_counts() -> None:
    spec = _spec(n=20000, seed=22, workers=2)
    batches = list(simulate(spec))
    covered = [c for b in batches for c in range(b.chunk, b.chunk + b.chunks)]
    assert covered == list(spec.chunks)
    for b in batches:
        bounds = [spec.chunk_bounds(c) for c in range(b.chunk, b.chunk + b.chunks)]
        assert b.count == sum(end - start for start, end in bounds)


def _left_behind() -> list[str]:
    """This process's folders of shipped sessions that still exist."""
    shm = Path("/dev/shm")
    folder = shm if os.access(shm, os.W_OK) else Path(tempfile.gettempdir())
    return [p.name for p in folder.glob(f"facialflow-{os.getpid()}-*")]


def test_the_folder_of_shipped_sessions_is_gone_after_a_run_and_after_one_left_early() -> None:
    spec = _spec(n=20000, seed=23, workers=2)
    list(simulate(spec))
    assert _left_behind() == []
    batches = simulate(spec)
    next(batches)
    assert _left_behind() != []  # the run ships through it
    batches.close()  # what a consumer that stops early does
    assert _left_behind() == []


FORKED = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(),
    reason="workers see this process's patches only when forked",
)


@FORKED
def test_a_worker_that_fails_fails_the_run_and_leaves_no_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def planted(self: FastRunner, shipment: object) -> object:
        raise RuntimeError("planted failure")

    monkeypatch.setattr(FastRunner, "shipped", planted)
    with pytest.raises(RuntimeError, match="planted failure"):
        run_summary(_spec(n=20000, seed=26, workers=2))
    assert _left_behind() == []


@FORKED
def test_each_chunk_is_drawn_once_in_groups_of_several_and_the_summary_is_one_workers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    log = tmp_path / "drawn"
    drawn = FastRunner._drawn

    def logged(self: FastRunner, chunk: int) -> object:
        # one short append per chunk: whole lines even from two processes at once
        with log.open("a") as file:
            file.write(f"{chunk}\n")
        return drawn(self, chunk)

    common = {"n": 20000, "seed": 27, "adverse_rate": 0.1}
    one = run_summary(_spec(**common))
    # few draw tasks: groups of several chunks (8, 8 and 4 of the 20)
    monkeypatch.setattr(parallel, "_DRAW_TASKS", 1)
    monkeypatch.setattr(FastRunner, "_drawn", logged)
    spec = _spec(**common, workers=2)
    batches = list(simulate(spec))
    assert [b.chunks for b in batches] == [8, 8, 4]
    assert sorted(map(int, log.read_text().split())) == list(spec.chunks)
    tally = Tally()
    for batch in batches:
        tally.add(batch)
    assert summarize(tally, spec).to_dict() == one.to_dict()


def test_the_skin_types_are_split_evenly_and_disjointly() -> None:
    parts = skin_parts(_spec(n=10, workers=2), 2)
    assert parts is not None
    assert not parts[0] & parts[1]
    assert len(parts[0] | parts[1]) == len(SkinType)


def test_sessions_and_lopsided_populations_split_by_chunks() -> None:
    assert skin_parts(_spec(n=10, workers=2, sessions=True), 2) is None
    assert skin_parts(_spec(n=10, workers=2, engine="transitions"), 2) is None
    oily = Population(skin_types={SkinType.OILY: 0.9, SkinType.DRY: 0.1})
    assert skin_parts(_spec(n=10, workers=2, population=oily), 2) is None


def test_a_drawer_and_the_owner_of_what_it_ships_run_each_session_once() -> None:
    spec = _spec(n=3 * 1024, seed=24, adverse_rate=0.3)
    parts = skin_parts(spec, 2)
    assert parts is not None
    whole, drawer, owner = make_runner(spec), make_runner(spec), make_runner(spec)
    chunks = tuple(spec.chunks)
    out = shipment()
    own, _, own_tally = drawer.chunks(chunks, dict.fromkeys(parts[1], out))
    # the shipment crosses a process boundary as a pickle
    shipped, _, shipped_tally = owner.shipped(pickle.loads(pickle.dumps(out)))
    expected: Counter[object] = Counter()
    count = 0
    for chunk in chunks:
        n, _, tally = whole.chunk(chunk)
        count += n
        for key, c in tally:
            expected[key] += c
    got: Counter[object] = Counter()
    for key, c in (*own_tally, *shipped_tally):
        got[key] += c
    assert own + shipped == count == spec.n
    assert own > 0 and shipped > 0
    assert got == expected
    raws, indices, uniforms = out
    assert len(raws) == shipped and len(uniforms) == 3 * shipped
    assert {raw[0] for raw in raws} <= parts[1]
    assert sorted(indices) == list(indices)


def test_a_shipment_with_columns_of_unequal_lengths_fails_instead_of_running_short() -> None:
    spec = _spec(n=1024, seed=25)
    parts = skin_parts(spec, 2)
    assert parts is not None
    out = shipment()
    make_runner(spec).chunks((0,), dict.fromkeys(parts[1], out))
    raws, indices, uniforms = out
    del uniforms[-1]
    with pytest.raises(ValueError, match="shorter"):
        make_runner(spec).shipped((raws, indices, uniforms))


KEY_A: TallyKey = ((("intake", "declined"), (0,), ()), frozenset({"R7"}), None)
KEY_B: TallyKey = ((("intake", "cleansing"), (1,), ()), frozenset(), None)


def test_the_merger_adds_a_key_named_twice_and_keys_numbered_apart_by_two_workers() -> None:
    merger = Merger(2)
    # worker 0 numbers A as 0; worker 1 numbers B as 0 and A as 1; a report may name a key
    # twice (two routes, one trace): added, never replaced
    merger.add(0, ((0, 1), 3, ((0, 1), (0, 2)), ((0, KEY_A),)))
    assert merger.pop(0) is None  # worker 1 has not reported the group yet
    merger.add(1, ((0, 1), 4, ((0, 3), (1, 1)), ((0, KEY_B), (1, KEY_A))))
    batch = merger.pop(0)
    assert batch is not None
    assert (batch.chunk, batch.chunks, batch.count) == (0, 2, 7)
    assert dict(batch.tally) == {KEY_A: 4, KEY_B: 3}
    # numbers stay known to later reports, which name no new key
    merger.add(0, ((2,), 1, ((0, 1),), ()))
    merger.add(1, ((2,), 1, ((0, 1),), ()))
    later = merger.pop(2)
    assert later is not None and dict(later.tally) == {KEY_A: 1, KEY_B: 1}
    assert merger.pop(2) is None


@FORKED
def test_drawing_runs_at_most_a_few_groups_ahead_of_the_output(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # sessions shipped to a worker run slowly: a worker with none waiting would draw on
    # and on, the shipments piling up, if drawing were not bounded by the output
    shipped = FastRunner.shipped

    def slow(self: FastRunner, shipment: object) -> object:
        time.sleep(0.03)
        return shipped(self, shipment)  # type: ignore[arg-type]

    taken: list[tuple[int, ...]] = []
    real_groups = parallel.groups  # type: ignore[attr-defined]

    def counted(spec: SimulationSpec, size: int | None = None) -> Iterator[tuple[int, ...]]:
        for group in real_groups(spec, size):
            taken.append(group)
            yield group

    monkeypatch.setattr(FastRunner, "shipped", slow)
    monkeypatch.setattr(parallel, "groups", counted)
    monkeypatch.setattr(parallel, "_AHEAD", 1)
    spec = _spec(n=24 * 1024, seed=28, workers=2)
    ahead = []
    for output, _ in enumerate(simulate(spec)):
        ahead.append(len(taken) - output)
    assert len(taken) == 24  # groups of one chunk
    assert max(ahead) <= 1 * 2


def test_orphaned_folders_are_swept_and_a_live_runs_folder_is_kept(tmp_path: Path) -> None:
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    dead = int(ended.stdout)
    for name in (
        f"facialflow-{dead}-abc",
        f"facialflow-{os.getpid()}-xyz",
        "facialflow-x-1",
        "other",
    ):
        (tmp_path / name).mkdir()
        (tmp_path / name / "0-1").write_bytes(b"shipped")
    sweep_orphans(str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"facialflow-{os.getpid()}-xyz", "facialflow-x-1", "other"]
    )
    sweep_orphans(str(tmp_path / "missing"))  # no folder: nothing to do, no error
