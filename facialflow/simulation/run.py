"""Seeded simulation of many generated sessions: outcomes, paths and coverage.

:func:`simulate` runs ``n`` clients of a :class:`~facialflow.qa.population.Population`
through the protocol and yields :class:`Batch` es in client order; a
:class:`Tally` adds them up and :func:`summarize` turns the tally into a
:class:`Summary` (outcome, path, step and branch frequencies, adverse
reactions and :mod:`~facialflow.qa.coverage`).

Determinism: the work is cut into the population's chunks of
:data:`~facialflow.qa.draws.CHUNK` clients; a chunk's clients and adverse
reactions come from random streams seeded by ``(seed, chunk)`` alone, so the
output is byte-identical for any number of worker processes
(:mod:`~facialflow.simulation.parallel` says how they share the work out).

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

from collections import Counter
from collections.abc import Callable, Generator, Iterable, Mapping
from typing import Any

from attrs import frozen

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
from facialflow.qa.draws import ADVERSE_KINDS
from facialflow.simulation.chunks import Batch, SimulationSpec, groups, make_runner, run_group
from facialflow.simulation.parallel import parallel
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


def rule_universe(policy: Policy) -> tuple[str, ...]:
    """Every rule id a session's findings can carry under ``policy``, in rule order."""
    return tuple(sorted(possible_rules(policy), key=lambda r: (len(r), r)))


def simulate(spec: SimulationSpec, *, freeze_caches: bool = False) -> Generator[Batch, None, None]:
    """Run the simulation, yielding batches in client order (streamed: memory stays flat).

    ``freeze_caches``: the caller's process runs nothing else that needs the
    cyclic garbage collector to see its objects (see :func:`~facialflow.simulation.collector.collector_paused`);
    the CLI's does. Worker processes always do.
    """
    if spec.workers == 1 or len(spec.chunks) <= 1:
        runner = make_runner(spec)
        for group in groups(spec):
            yield from run_group(runner, group, freeze_caches)
        return
    yield from parallel(spec)


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
