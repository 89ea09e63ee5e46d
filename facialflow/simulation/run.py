"""Seeded simulation of many generated sessions: outcomes, paths and coverage.

:func:`simulate` runs ``n`` clients of a :class:`~facialflow.qa.population.Population`
through the protocol and yields :class:`Batch` es in client order; a
:class:`Tally` adds them up and :func:`summarize` turns the tally into a
:class:`Summary` (outcome, path, step and branch frequencies, adverse
reactions and :mod:`~facialflow.qa.coverage`).

Determinism: the work is cut into the population's chunks of
:data:`~facialflow.qa.population.CHUNK` clients; a chunk's clients and adverse
reactions come from random streams seeded by ``(seed, chunk)`` alone, so the
output is byte-identical for any number of worker processes. Workers split
session output by chunks; a summary (on the fast path) by skin type, so that
no two workers compute the same screening or selection.

Adverse reactions: with probability ``adverse_rate`` a session that passed
intake meets a reaction, its kind uniform over
:data:`~facialflow.simulation.memo_keys.ADVERSE_KINDS` and its step uniform over the
active steps of that session's route; it then takes the safe exit.

Two engines give identical output: ``fast`` (the default;
:class:`~facialflow.simulation.fast_runner.FastRunner`) and ``transitions``, which starts and steps a
:class:`~facialflow.session.live.Session` for every client, exactly as an
application would.
"""

from __future__ import annotations

import datetime as dt
import gc
import itertools
import signal
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from typing import Any, Literal

from attrs import field, frozen

from facialflow.clinic.policy import Policy
from facialflow.clinic.screening import possible_rules
from facialflow.protocol.facial import FACIAL
from facialflow.qa.coverage import (
    Coverage,
    CoverageReport,
    Trace,
    transition_name,
    unsimulated_transitions,
)
from facialflow.qa.draws import ADVERSE_KINDS, CHUNK, SKIN_TYPES
from facialflow.qa.population import DEFAULT_POPULATION, Population
from facialflow.simulation.collector import collector_paused
from facialflow.simulation.fast_runner import FastRunner
from facialflow.simulation.reference import TransitionsRunner
from facialflow.simulation.writer import TallyKey

__all__ = [
    "Batch",
    "PathCount",
    "SimulationSpec",
    "Summary",
    "Tally",
    "rule_universe",
    "run_summary",
    "simulate",
    "summarize",
    "summary_lines",
]

EngineName = Literal["fast", "transitions"]


def rule_universe(policy: Policy) -> tuple[str, ...]:
    """Every rule id a session's findings can carry under ``policy``, in rule order."""
    return tuple(sorted(possible_rules(policy), key=lambda r: (len(r), r)))


def _positive(_: Any, attribute: Any, value: int) -> None:
    if value < 1:
        raise ValueError(f"{attribute.name} must be at least 1, got {value}")


def _not_negative(_: Any, attribute: Any, value: int) -> None:
    if value < 0:
        raise ValueError(f"{attribute.name} must not be negative, got {value}")


def _probability(_: Any, attribute: Any, value: float) -> None:
    # "not (a <= x <= b)" also rejects NaN
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{attribute.name} must be from 0 to 1, got {value}")


def _strings(values: Iterable[Any]) -> tuple[str, ...]:
    return tuple(str(v) for v in values)


@frozen(kw_only=True)
class SimulationSpec:
    """What to simulate. Everything that decides the output is here (and picklable)."""

    n: int = field(validator=_not_negative)
    seed: int = 0
    date: dt.date
    policy: Policy
    adverse_rate: float = field(default=0.0, converter=float, validator=_probability)
    population: Population = DEFAULT_POPULATION
    catalogs: tuple[str, ...] = field(default=(), converter=_strings)
    workers: int = field(default=1, validator=_positive)
    engine: EngineName = field(default="fast")
    #: produce each session's JSON line (jsonl/json output); summaries need only the tally
    sessions: bool = False

    @engine.validator
    def _check_engine(self, attribute: Any, value: str) -> None:
        if value not in ("fast", "transitions"):
            raise ValueError(f"engine must be 'fast' or 'transitions', got {value!r}")

    @property
    def chunks(self) -> range:
        return range((self.n + CHUNK - 1) // CHUNK)

    def chunk_bounds(self, chunk: int) -> tuple[int, int]:
        start = chunk * CHUNK
        return start, min(self.n, start + CHUNK)


@frozen
class Batch:
    """One chunk of consecutive sessions: their JSON (if asked for) and what they exercised."""

    chunk: int
    count: int
    #: the sessions' JSON, one compact document per line, in client order, no final newline;
    #: one string, not a tuple of lines: it crosses process boundaries several times faster
    text: str | None
    tally: tuple[tuple[TallyKey, int], ...]

    @property
    def lines(self) -> list[str] | None:
        if self.text is None:
            return None
        return self.text.split("\n") if self.count else []


# -- running ------------------------------------------------------------------------------------

_RUNNER: Any = None
#: the skin types this worker runs, when workers split a summary by skin type
_PART: frozenset[int] | None = None


def _make_runner(spec: SimulationSpec) -> Any:
    return FastRunner(spec) if spec.engine == "fast" else TransitionsRunner(spec)


def _init_worker(spec: SimulationSpec, part: frozenset[int] | None = None) -> None:
    global _RUNNER, _PART
    _PART = part
    # Ctrl-C reaches the whole process group: only the parent handles it (it ends the pool),
    # so no worker prints a traceback or dies holding the pool's queue lock
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # a forked worker holds the parent's objects; the collector need never look at
    # them again (and looking would copy their memory pages into the worker)
    gc.freeze()
    # a forked worker starts from the runner its parent made for this very spec (plugins
    # loaded, products and knowledge read): made once, not once per worker
    if _RUNNER is None or _RUNNER.spec is not spec:
        _RUNNER = _make_runner(spec)


def _run_group(runner: Any, group: tuple[int, ...], freeze: bool = False) -> list[Batch]:
    # one collector pause per group, not per chunk: collector passes between
    # chunks over the caches' long-lived objects are what the pause saves
    with collector_paused(freeze, acyclic=runner.acyclic):
        return [Batch(chunk, *runner.chunk(chunk)) for chunk in group]


def _run_group_in_worker(group: tuple[int, ...]) -> list[Batch]:
    if _PART is None:
        return _run_group(_RUNNER, group, freeze=True)
    with collector_paused(freeze=True, acyclic=_RUNNER.acyclic):
        return [Batch(chunk, *_RUNNER.chunk(chunk, _PART)) for chunk in group]


def _skin_parts(spec: SimulationSpec, workers: int) -> tuple[frozenset[int], ...] | None:
    """Skin types split between ``workers`` by population weight, or None to split by chunks.

    A summary needs no session order, so on the fast path each worker runs
    every chunk's clients of its own skin types: screening and selection keys
    both hold the skin type, so no two workers compute the same one (split by
    chunks, each worker would compute most of them again).
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


def _merged(results: list[list[Batch]]) -> list[Batch]:
    """One batch per chunk from every worker's part of it, tallies added up."""
    out = []
    for parts in zip(*results, strict=True):
        counts: Counter[TallyKey] = Counter()
        for part in parts:
            # a part's tally may name one trace twice (two routes, one trace): add, never replace
            for key, count in part.tally:
                counts[key] += count
        out.append(Batch(parts[0].chunk, sum(p.count for p in parts), None, tuple(counts.items())))
    return out


def _groups(spec: SimulationSpec) -> Iterator[tuple[int, ...]]:
    """Consecutive chunks run as one unit; fewer when each holds session JSON (memory)."""
    size = 4 if spec.sessions else 8
    chunks = iter(spec.chunks)
    while group := tuple(itertools.islice(chunks, size)):
        yield group


def simulate(spec: SimulationSpec, *, freeze_caches: bool = False) -> Iterator[Batch]:
    """Run the simulation, yielding batches in client order (streamed: memory stays flat).

    ``freeze_caches``: the caller's process runs nothing else that needs the
    cyclic garbage collector to see its objects (see :func:`~facialflow.simulation.collector.collector_paused`);
    the CLI's does. Worker processes always do.
    """
    if spec.workers == 1 or len(spec.chunks) <= 1:
        runner = _make_runner(spec)
        for group in _groups(spec):
            yield from _run_group(runner, group, freeze_caches)
        return
    yield from _parallel(spec)


@contextmanager
def _sigint_deferred(seen: list[int]) -> Iterator[None]:
    """Hold Ctrl-C while the workers fork: they must not inherit the raising handler."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers; the initializer still ignores SIGINT
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: seen.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _parallel(spec: SimulationSpec) -> Iterator[Batch]:
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    workers = min(spec.workers, len(spec.chunks))
    parts = _skin_parts(spec, workers)
    interrupted: list[int] = []
    global _RUNNER
    if context.get_start_method() == "fork":
        _RUNNER = _make_runner(spec)
    try:
        with _sigint_deferred(interrupted):
            if parts is None:
                pools = [context.Pool(workers, initializer=_init_worker, initargs=(spec,))]
            else:
                pools = [
                    context.Pool(1, initializer=_init_worker, initargs=(spec, p)) for p in parts
                ]
    finally:
        # the workers hold their copies; this process keeps nothing of the run
        _RUNNER = None
    # leaving the block for any reason (Ctrl-C, the consumer closing us) terminates the workers
    with ExitStack() as stack:
        for pool in pools:
            stack.enter_context(pool)
        if interrupted:
            raise KeyboardInterrupt
        # a bounded window of groups in flight: ordered output, and no pile-up
        # of finished groups when the consumer (a pipe, a disk) is slower
        pending: deque[list[Any]] = deque()
        groups = _groups(spec)
        for group in groups:
            pending.append([p.apply_async(_run_group_in_worker, (group,)) for p in pools])
            if len(pending) >= 2 * workers:
                break
        while pending:
            results: list[list[Batch]] = [r.get() for r in pending.popleft()]
            nxt = next(groups, None)
            if nxt is not None:
                pending.append([p.apply_async(_run_group_in_worker, (nxt,)) for p in pools])
            yield from results[0] if parts is None else _merged(results)


# -- summary ------------------------------------------------------------------------------------


class Tally:
    """Adds up batches. Holds one count per distinct (trace, reaction): bounded by the protocol."""

    __slots__ = ("counts", "sessions")

    def __init__(self) -> None:
        self.counts: Counter[TallyKey] = Counter()
        self.sessions = 0

    def add(self, batch: Batch) -> None:
        self.sessions += batch.count
        for key, count in batch.tally:
            self.counts[key] += count


@frozen
class PathCount:
    path: tuple[str, ...]
    count: int

    @property
    def outcome(self) -> str:
        return self.path[-1]


@frozen
class Summary:
    """What a simulation did: frequencies and coverage."""

    spec: SimulationSpec
    sessions: int
    outcomes: Mapping[str, int]
    #: every distinct path, most frequent first (ties in path order)
    paths: tuple[PathCount, ...]
    #: sessions that entered each state, in protocol order
    steps: Mapping[str, int]
    #: for each decision with more than one way out: ``"state/trigger"`` -> dest -> sessions
    branches: Mapping[str, Mapping[str, int]]
    #: reactions by kind and by the step they happened at
    adverse_kinds: Mapping[str, int]
    adverse_steps: Mapping[str, int]
    coverage: CoverageReport

    def to_dict(self) -> dict[str, Any]:
        s = self.spec
        return {
            "sessions": self.sessions,
            "seed": s.seed,
            "date": s.date.isoformat(),
            "policy": s.policy.name,
            "adverse_rate": s.adverse_rate,
            "outcomes": dict(self.outcomes),
            "paths": [
                {"path": list(p.path), "outcome": p.outcome, "count": p.count} for p in self.paths
            ],
            "steps": dict(self.steps),
            "branches": {k: dict(v) for k, v in self.branches.items()},
            "adverse": {"kinds": dict(self.adverse_kinds), "steps": dict(self.adverse_steps)},
            "coverage": self.coverage.to_dict(),
        }


def summarize(tally: Tally, spec: SimulationSpec) -> Summary:
    protocol = FACIAL
    coverage = Coverage(
        protocol, rules=rule_universe(spec.policy), unreachable=unsimulated_transitions(protocol)
    )
    paths: Counter[tuple[str, ...]] = Counter()
    outcomes = dict.fromkeys(("complete", "declined", "stopped", "emergency"), 0)
    adverse_kinds = {str(k): 0 for k in ADVERSE_KINDS}
    adverse_steps: Counter[str] = Counter()
    for ((path, transitions_taken, guards), rules, kind), count in tally.counts.items():
        coverage.add(Trace(path, transitions_taken, guards, rules), count)
        paths[path] += count
        outcomes[path[-1]] = outcomes.get(path[-1], 0) + count
        if kind is not None:
            adverse_kinds[kind] += count
            # the step the reaction happened at: the one before the safe exit or the emergency
            first = next(i for i, s in enumerate(path) if s in ("safe_exit_stop", "emergency"))
            adverse_steps[path[first - 1]] += count
    report = coverage.report()
    steps = dict(report["states"].counts)
    transitions = report["transitions"].counts
    branches: dict[str, dict[str, int]] = {}
    for state, by_trigger in protocol.outgoing.items():
        for trigger, candidates in by_trigger.items():
            simulated = [t for t in candidates if transition_name(t) in transitions]
            if len(simulated) < 2:
                continue
            branch = branches.setdefault(f"{state}/{trigger}", {})
            for t in simulated:
                branch[t.dest] = transitions[transition_name(t)]
    ordered = sorted(paths.items(), key=lambda pc: (-pc[1], _path_order(pc[0])))
    step_order = {s: i for i, s in enumerate(protocol.state_names)}
    return Summary(
        spec=spec,
        sessions=tally.sessions,
        outcomes=outcomes,
        paths=tuple(PathCount(p, c) for p, c in ordered),
        steps=steps,
        branches=branches,
        adverse_kinds=adverse_kinds,
        adverse_steps=dict(sorted(adverse_steps.items(), key=lambda sc: step_order[sc[0]])),
        coverage=report,
    )


_ORDER = {s: i for i, s in enumerate(FACIAL.state_names)}


def _path_order(path: tuple[str, ...]) -> tuple[int, ...]:
    return tuple(_ORDER[s] for s in path)


def _pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:5.1f}%" if whole else "    -"


def summary_lines(summary: Summary, *, top_paths: int = 15) -> Iterable[str]:
    """The summary as text lines (the ``summary`` output format)."""
    s, n = summary.spec, summary.sessions
    yield (
        f"{n} sessions: seed {s.seed}, date {s.date.isoformat()}, {s.policy.name} policy, "
        f"adverse rate {s.adverse_rate:g}"
    )
    yield ""
    yield "Outcomes"
    for outcome, count in summary.outcomes.items():
        yield f"  {outcome:<10} {count:>9}  {_pct(count, n)}"
    yield ""
    shown = summary.paths[:top_paths]
    more = (
        f" ({len(shown)} most frequent of {len(summary.paths)})"
        if len(summary.paths) > len(shown)
        else ""
    )
    yield f"Paths{more}"
    for p in shown:
        yield f"  {p.count:>9}  {_pct(p.count, n)}  {' > '.join(p.path)}"
    yield ""
    yield "Steps (sessions entering each state)"
    for state, count in summary.steps.items():
        yield f"  {state:<20} {count:>9}  {_pct(count, n)}"
    yield ""
    yield "Branches"
    for decision, dests in summary.branches.items():
        yield f"  {decision}: " + ", ".join(f"{d} {c}" for d, c in dests.items())
    if any(summary.adverse_kinds.values()):
        yield ""
        yield "Adverse reactions"
        yield "  by kind: " + ", ".join(f"{k} {c}" for k, c in summary.adverse_kinds.items())
        yield "  by step: " + ", ".join(f"{k} {c}" for k, c in summary.adverse_steps.items())
    cov = summary.coverage
    yield ""
    yield f"Coverage {cov.percent:.1f}% ({cov.covered}/{cov.total} items)"
    for c in cov.criteria:
        yield f"  {c.name:<15} {c.covered:>3}/{c.total:<3} {c.percent:5.1f}%"
    missed = cov.never_exercised
    yield ""
    if missed:
        yield "Never exercised"
        for name, items in missed.items():
            yield f"  {name}: {', '.join(items)}"
    else:
        yield "Never exercised: nothing"


def run_summary(spec: SimulationSpec, on_batch: Callable[[Batch], None] | None = None) -> Summary:
    """Run ``spec`` and return only its summary."""
    tally = Tally()
    for batch in simulate(spec):
        tally.add(batch)
        if on_batch is not None:
            on_batch(batch)
    return summarize(tally, spec)
