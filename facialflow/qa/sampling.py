"""Weighted draws from one uniform stream: the building blocks of the seeded client draws.

What each draw consumes from the stream is part of what a seed means
(:mod:`facialflow.qa.draws`): never change the number or the order of the
uniforms a draw takes.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Mapping
from itertools import accumulate
from typing import Any

__all__ = ["Bernoullis", "Table", "codes"]


def codes(vocabulary: tuple[Any, ...], weights: Mapping[Any, float]) -> dict[int, float]:
    """``weights`` keyed by each value's position in ``vocabulary``."""
    return {vocabulary.index(k): w for k, w in weights.items()}


class Table:
    """Weighted choice by one uniform draw: cumulative weights and bisection."""

    __slots__ = ("bounds", "total", "values", "weights")

    def __init__(self, weights: Mapping[Any, float]) -> None:
        items = [(k, float(w)) for k, w in weights.items() if w > 0]
        self.values = tuple(k for k, _ in items)
        self.weights = tuple(w for _, w in items)
        cumulative = tuple(accumulate(self.weights))
        self.total = cumulative[-1]
        # the last bound is infinite: u * total can round up to total itself
        self.bounds = (*cumulative[:-1], math.inf)

    def pick(self, u: float) -> Any:
        return self.values[bisect_right(self.bounds, u * self.total)]

    def sample(self, draw: Callable[[], float], k: int) -> tuple[Any, ...]:
        """``k`` distinct values without replacement, in drawn order.

        Rejection: drawing from all values and redrawing a value already taken
        samples exactly from the remaining weights, and is cheap while few are
        taken. After 32 rejections in a row (a value with most of the weight),
        the remaining weights are renormalised explicitly.
        """
        k = min(k, len(self.values))
        out: list[Any] = []
        rejected = 0
        values, bounds, total = self.values, self.bounds, self.total
        while len(out) < k:
            value = values[bisect_right(bounds, draw() * total)]
            if value not in out:
                out.append(value)
                rejected = 0
                continue
            rejected += 1
            if rejected == 32:
                out.extend(self._sample_exact(draw, out, k - len(out)))
        return tuple(out)

    def _sample_exact(self, draw: Callable[[], float], taken: list[Any], k: int) -> list[Any]:
        remaining = [
            (v, w) for v, w in zip(self.values, self.weights, strict=True) if v not in taken
        ]
        out: list[Any] = []
        for _ in range(k):
            cumulative = list(accumulate(w for _, w in remaining))
            i = min(bisect_right(cumulative, draw() * cumulative[-1]), len(remaining) - 1)
            out.append(remaining.pop(i)[0])
        return out


class Bernoullis:
    """Independent events, each with its own rate, drawn with one uniform when none happens.

    Most clients have no condition: one draw decides that (it happens with
    probability ``prod(1 - rate)``). Otherwise the events are drawn in order
    conditioned on at least one happening among those left: event ``i``
    happens with ``rate_i / (1 - prod(1 - rate_j), j >= i)`` until the first
    one does, then each later one with its own rate. This is exactly the
    joint distribution of independent draws.
    """

    __slots__ = ("events", "none")

    def __init__(self, events: list[tuple[int, float]]) -> None:
        tails: list[float] = []
        product = 1.0
        for _, rate in reversed(events):
            product *= 1.0 - rate
            tails.append(1.0 - product)
        tails.reverse()
        #: (code, rate, chance that event or a later one happens)
        self.events = tuple((c, rate, tail) for (c, rate), tail in zip(events, tails, strict=True))
        #: the chance that no event happens: a first uniform below it means none
        self.none = product

    def draw(self, r: Callable[[], float]) -> tuple[int, ...]:
        if not self.events or r() < self.none:
            return ()
        return self.some(r)

    def some(self, r: Callable[[], float]) -> tuple[int, ...]:
        """The events, given that the first uniform said at least one happens."""
        events = iter(self.events)
        for code, rate, some in events:
            if some <= 0.0 or r() * some < rate:
                # the first that happens; each later one takes one uniform, in order
                out = [code]
                for later, later_rate, _ in events:
                    if r() < later_rate:
                        out.append(later)
                return tuple(out)
        return ()
