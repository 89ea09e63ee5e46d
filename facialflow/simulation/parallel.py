"""A simulation shared between worker processes, with output identical to one process's.

Two ways to share it out:

* **By chunks**, when each session's JSON is wanted (or on the ``transitions``
  engine): each worker runs whole chunks, and the batches come back in chunk order.
* **By skin type**, for a summary on the fast path. Selection keys hold the skin
  type, so a worker that runs only its own skin types never computes a selection
  another worker computes (split by chunks, each worker would compute most of them
  again); nor a screening, but for the coarser screening the skin types other than
  sensitive share (R24 reads only "sensitive or not"): two workers made 26% more
  of those than one, at 100k sessions. Each chunk is still drawn once:
  the worker that draws it runs its own clients and ships the others, as plain
  tuples pickled once into a file in memory (``/dev/shm`` where there is one),
  to the workers that own them; this process passes on only the file's name.
  A worker is given chunks to draw only when no shipped sessions wait for it,
  so the workers with the lighter skin types draw more and the workers finish
  close together (in a 100k run each spends 98-99% of its span in tasks, and
  they end 0.015-0.045 s apart: ``benchmarks/split_timeline.py``). Drawing runs at
  most a few groups ahead of the output, which bounds the files waiting and the
  reports held here.

Where workers are forked (wherever ``fork`` is available), they start from the
runner this process built for the run (plugins loaded, products and knowledge
read): built once, not once per worker; elsewhere each worker builds its own. The
processes are :class:`~facialflow.io.workers.Workers`: a worker killed from outside
fails the run instead of leaving it waiting.
"""

from __future__ import annotations

import gc
import os
import pickle
import shutil
import tempfile
from collections.abc import Generator, Iterable, Iterator
from contextlib import ExitStack
from typing import Any

from facialflow.io.workers import Workers, leave_the_terminal_to_the_parent, worker_context
from facialflow.qa.draws import SKIN_TYPES
from facialflow.simulation.chunks import Batch, SimulationSpec, groups, make_runner, run_group
from facialflow.simulation.collector import collector_paused
from facialflow.simulation.fast_runner import shipment
from facialflow.simulation.writer import TallyKey

__all__ = ["Merger", "parallel", "skin_parts", "sweep_orphans"]

#: tasks a worker holds at once: one running, one queued, so it never waits for this process
_WINDOW = 2
#: draw tasks per worker a run is cut into (up to 8 chunks each, one at the least): enough
#: for drawing to even the workers out, few enough that each task's overhead stays small
_DRAW_TASKS = 16
#: groups drawn and not yet output, per worker, at most
_AHEAD = 4

# -- in a worker --------------------------------------------------------------------------------

_RUNNER: Any = None
#: the skin types of every worker, when workers split a summary by skin type
_PARTS: tuple[frozenset[int], ...] = ()
#: this worker's place in ``_PARTS``
_ME = 0
#: where workers leave the sessions they ship to each other
_FOLDER = ""


def _init_worker(
    spec: SimulationSpec, parts: tuple[frozenset[int], ...] = (), me: int = 0, folder: str = ""
) -> None:
    global _RUNNER, _PARTS, _ME, _FOLDER
    _PARTS, _ME, _FOLDER = parts, me, folder
    leave_the_terminal_to_the_parent()
    # a forked worker holds the parent's objects; the collector need never look at
    # them again (and looking would copy their memory pages into the worker)
    gc.freeze()
    # a forked worker starts from the runner its parent made for this very spec
    if _RUNNER is None or _RUNNER.spec is not spec:
        _RUNNER = make_runner(spec)


def _run_group_in_worker(group: tuple[int, ...]) -> list[Batch]:
    return run_group(_RUNNER, group, freeze=True)


#: what a worker reports of a group of chunks: the group (its chunks), how many of its
#: own skin types' sessions it ran, and their tally as (key number, count) pairs, with the
#: keys it numbered for this report. Each key crosses once: a tally key is a nest of tuples
#: that costs this process far more to unpickle, hash and compare than its number
Report = tuple[tuple[int, ...], int, tuple[tuple[int, int], ...], tuple[tuple[int, TallyKey], ...]]

#: this worker's numbers for the tally keys it has reported
_KEY_NUMBERS: dict[TallyKey, int] = {}


def _report(group: tuple[int, ...], count: int, tally: Iterable[tuple[TallyKey, int]]) -> Report:
    numbers = _KEY_NUMBERS
    coded: list[tuple[int, int]] = []
    new: list[tuple[int, TallyKey]] = []
    for key, n in tally:
        number = numbers.get(key)
        if number is None:
            number = numbers[key] = len(numbers)
            new.append((number, key))
        coded.append((number, n))
    return group, count, tuple(coded), tuple(new)


def _exchange(
    draw: tuple[int, ...], incoming: tuple[str, ...]
) -> tuple[list[Report], tuple[str | None, ...]]:
    """Run the sessions other workers shipped here, then draw the chunks of ``draw``.

    Returns a report per group of chunks run and, for every other worker, the
    file holding the sessions of its skin types in ``draw`` (one even when
    empty, so that every group gets a report from every worker).
    """
    runner, parts, me = _RUNNER, _PARTS, _ME
    reports: list[Report] = []
    with collector_paused(freeze=True, acyclic=runner.acyclic):
        for name in incoming:
            with open(name, "rb") as file:
                group, sessions = pickle.load(file)
            os.unlink(name)
            count, _, tally = runner.shipped(sessions)
            reports.append(_report(group, count, tally))
        if not draw:
            return reports, (None,) * len(parts)
        # a shipment per worker, not per skin type: one file per worker to write and read
        outgoing = [shipment() if i != me else None for i in range(len(parts))]
        foreign = {
            skin: out
            for part, out in zip(parts, outgoing, strict=True)
            if out is not None
            for skin in part
        }
        count, _, tally = runner.chunks(draw, foreign)
        reports.append(_report(draw, count, tally))
    names: list[str | None] = [None] * len(parts)
    for i, out in enumerate(outgoing):
        if out is not None:
            names[i] = name = os.path.join(_FOLDER, f"{draw[0]}-{i}")
            with open(name, "xb") as file:
                pickle.dump((draw, out), file, pickle.HIGHEST_PROTOCOL)
    return reports, tuple(names)


# -- in the parent ------------------------------------------------------------------------------


#: a run's folder of shipped sessions is named for the process that made it
_PREFIX = "facialflow-"


def sweep_orphans(where: str) -> None:
    """Remove the folders of shipped sessions whose run ended without removing them.

    A run removes its own folder however its code is left (an error, Ctrl-C, a
    consumer that stops early; SIGTERM and SIGHUP too, when the program runs as
    ``facialflow``); a process killed by a signal it does not catch (SIGKILL) leaves
    one behind. Its files are in
    memory when ``where`` is ``/dev/shm``, so the next run clears them. A folder
    whose process still exists is kept, whatever that process is now.
    """
    try:
        names = os.listdir(where)
    except OSError:
        return
    for name in names:
        pid = name[len(_PREFIX) :].split("-", 1)[0]
        if not name.startswith(_PREFIX) or not pid.isdigit() or _alive(int(pid)):
            continue
        shutil.rmtree(os.path.join(where, name), ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by another user
    return True


def skin_parts(spec: SimulationSpec, workers: int) -> tuple[frozenset[int], ...] | None:
    """Skin types split between ``workers`` by population weight, or None to split by chunks.

    Only a summary on the fast path splits by skin type (sessions' JSON must come
    out in client order, and the ``transitions`` engine keeps no shared caches).
    """
    if spec.sessions or spec.engine != "fast":
        return None
    weights = {SKIN_TYPES.index(k): w for k, w in spec.population.skin_types.items() if w > 0}
    if len(weights) < workers:
        return None
    parts: list[set[int]] = [set() for _ in range(workers)]
    loads = [0.0] * workers
    for code, weight in sorted(weights.items(), key=lambda cw: (-cw[1], cw[0])):
        lightest = loads.index(min(loads))
        parts[lightest].add(code)
        loads[lightest] += weight
    if workers == 2:
        # two parts: the best of every split (few skin types), not just the greedy one
        codes = sorted(weights)
        total = sum(weights.values())
        best = min(
            (
                frozenset(c for i, c in enumerate(codes) if mask >> i & 1)
                for mask in range(1, 1 << len(codes) - 1)
            ),
            key=lambda p: (abs(total - 2 * sum(weights[c] for c in p)), sorted(p)),
        )
        parts = [set(best), set(codes) - best]
        loads = [sum(weights[c] for c in p) for p in parts]
    # a skin type far heavier than the rest would leave one worker waiting
    if max(loads) > 1.25 * sum(loads) / workers:
        return None
    return tuple(frozenset(p) for p in parts)


class Merger:
    """Adds up the workers' reports of each group of chunks into one batch.

    Keys are numbered once for the whole run, so adding up compares numbers, not
    nests of tuples.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        #: for each worker: its key numbers -> the run's
        self.numbers: list[dict[int, int]] = [{} for _ in range(workers)]
        self.run_numbers: dict[TallyKey, int] = {}
        self.keys: list[TallyKey] = []
        #: first chunk of a group -> (counts by key number, [reports, sessions, chunks])
        self.groups: dict[int, tuple[dict[int, int], list[int]]] = {}

    def add(self, worker: int, report: Report) -> None:
        group, count, coded, new = report
        numbers = self.numbers[worker]
        for number, key in new:
            run_number = self.run_numbers.setdefault(key, len(self.keys))
            if run_number == len(self.keys):
                self.keys.append(key)
            numbers[number] = run_number
        counts, totals = self.groups.setdefault(group[0], ({}, [0, 0, len(group)]))
        # a report may name one key twice (two routes, one trace): add, never replace
        for number, n in coded:
            run_number = numbers[number]
            counts[run_number] = counts.get(run_number, 0) + n
        totals[0] += 1
        totals[1] += count

    def pop(self, first: int) -> Batch | None:
        """The batch of the group starting at chunk ``first``, once every worker reported it."""
        entry = self.groups.get(first)
        if entry is None or entry[1][0] < self.workers:
            return None
        del self.groups[first]
        counts, (_, sessions, chunks) = entry
        keys = self.keys
        tally = tuple((keys[number], n) for number, n in counts.items())
        return Batch(first, sessions, None, tally, chunks=chunks)


def parallel(spec: SimulationSpec) -> Generator[Batch, None, None]:
    """Run ``spec`` in ``spec.workers`` processes, yielding batches in chunk order."""
    context = worker_context()
    count = min(spec.workers, len(spec.chunks))
    parts = skin_parts(spec, count)
    global _RUNNER
    # leaving the block for any reason (Ctrl-C, the consumer closing us, a worker lost)
    # terminates the workers started, then removes the folder of shipped sessions
    with ExitStack() as stack:
        folder = ""
        if parts is not None:
            shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else tempfile.gettempdir()
            sweep_orphans(shm)
            folder = stack.enter_context(
                tempfile.TemporaryDirectory(prefix=f"{_PREFIX}{os.getpid()}-", dir=shm)
            )
        try:
            if context.get_start_method() == "fork":
                _RUNNER = make_runner(spec)
            args: list[tuple[Any, ...]]
            if parts is None:
                args = [(spec,)] * count
            else:
                args = [(spec, parts, i, folder) for i in range(count)]
            workers = stack.enter_context(Workers(context, _init_worker, args))
        finally:
            # the workers hold their copies; this process keeps nothing of the run
            _RUNNER = None
        if parts is None:
            yield from _by_chunks(spec, workers)
        else:
            yield from _by_skin_type(spec, workers)


def _by_chunks(spec: SimulationSpec, workers: Workers) -> Iterator[Batch]:
    # in chunk order, a bounded window of groups not yet output
    for batches in workers.map(_run_group_in_worker, groups(spec), _WINDOW):
        yield from batches


def _by_skin_type(spec: SimulationSpec, workers: Workers) -> Iterator[Batch]:
    count = len(workers)
    size = max(1, min(8, len(spec.chunks) // (_DRAW_TASKS * count)))
    todo = groups(spec, size)
    drawn = output = 0  # groups
    inbox: list[list[str]] = [[] for _ in range(count)]

    def give(w: int) -> bool:
        nonlocal drawn
        # sessions already drawn first: a worker is given chunks to draw only when it has
        # none waiting, so the worker with the heavier skin types draws less
        incoming = tuple(inbox[w])
        draw: tuple[int, ...] = ()
        if not incoming and drawn - output < _AHEAD * count:
            draw = next(todo, ())
            drawn += bool(draw)
        if not draw and not incoming:
            return False
        inbox[w].clear()
        workers.send(w, _exchange, draw, incoming)
        return True

    merger = Merger(count)
    following = 0
    last = len(spec.chunks)
    while following < last:
        for w in range(count):
            while workers.owed[w] < _WINDOW and give(w):
                pass
        if not any(workers.owed):
            raise RuntimeError(f"chunk {following} is missing a report: nothing left to run")
        w, (reports, names) = workers.receive()
        for to, name in enumerate(names):
            if name is not None:
                inbox[to].append(name)
        for report in reports:
            merger.add(w, report)
        while (batch := merger.pop(following)) is not None:
            yield batch
            following += batch.chunks
            output += 1
