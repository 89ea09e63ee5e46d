"""What a simulation run is made of: its spec, its chunks of clients, and the batches they give.

A run is cut into the population's chunks of :data:`~facialflow.qa.draws.CHUNK`
clients; a chunk's clients and adverse reactions come from random streams
seeded by ``(seed, chunk)`` alone, so any process can run any chunk and the
output does not depend on how the chunks were shared out.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator
from typing import Any, Literal

from attrs import field, frozen

from facialflow.clinic.policy import Policy
from facialflow.qa.draws import CHUNK
from facialflow.qa.population import DEFAULT_POPULATION, Population
from facialflow.simulation.collector import collector_paused
from facialflow.simulation.fast_runner import FastRunner
from facialflow.simulation.reference import TransitionsRunner
from facialflow.simulation.writer import TallyKey

__all__ = ["Batch", "EngineName", "SimulationSpec", "groups", "make_runner", "run_group"]

EngineName = Literal["fast", "transitions"]


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
    """Consecutive sessions: their JSON (if asked for) and what they exercised.

    A batch holds one chunk, or, in a summary that workers split by skin type,
    ``chunks`` consecutive chunks from ``chunk`` on: the workers report a tally
    per group of chunks they were given, since a tally per chunk would cost this
    process more to receive and add up than the rest of its work.
    """

    chunk: int
    count: int
    #: the sessions' JSON, one compact document per line, in client order, no final newline;
    #: one string, not a tuple of lines: it crosses process boundaries several times faster
    text: str | None
    tally: tuple[tuple[TallyKey, int], ...]
    chunks: int = field(default=1, kw_only=True)

    @property
    def lines(self) -> list[str] | None:
        if self.text is None:
            return None
        return self.text.split("\n") if self.count else []


def make_runner(spec: SimulationSpec) -> Any:
    return FastRunner(spec) if spec.engine == "fast" else TransitionsRunner(spec)


def run_group(runner: Any, group: tuple[int, ...], freeze: bool = False) -> list[Batch]:
    """A group of chunks run in this process, one batch each."""
    # one collector pause per group, not per chunk: collector passes between
    # chunks over the caches' long-lived objects are what the pause saves
    with collector_paused(freeze, acyclic=runner.acyclic):
        return [Batch(chunk, *runner.chunk(chunk)) for chunk in group]


def groups(spec: SimulationSpec, size: int | None = None) -> Iterator[tuple[int, ...]]:
    """Consecutive chunks run as one unit; fewer when each holds session JSON (memory)."""
    if size is None:
        size = 4 if spec.sessions else 8
    chunks = iter(spec.chunks)
    while group := tuple(itertools.islice(chunks, size)):
        yield group
