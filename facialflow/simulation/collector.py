"""The cyclic garbage collector kept out of the way of a simulation's chunks."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


@contextmanager
def collector_paused(freeze: bool = False, acyclic: bool = False) -> Iterator[None]:
    """No cyclic garbage collection while a group of chunks runs.

    A chunk allocates hundreds of thousands of small objects, none of them in
    reference cycles, while the caches hold tens of thousands of long-lived
    ones: the collector's passes over those cost a fifth of the run. It runs
    again between groups, so anything cyclic is still collected.

    With ``freeze`` (a process that runs nothing but the simulation: the
    facialflow program, a worker) what the group leaves behind, the caches it
    filled, is moved out of the collector's reach instead (:func:`gc.freeze`):
    every later pass would otherwise walk them again, a twentieth of a long run.
    The cycles the group dropped are collected first; a cycle frozen alive and
    dropped later stays until the process ends (the caches hold none).

    ``acyclic``: the caller vouches that the group made no reference cycles (the
    fast path with plain offer plugins: measured to make none, transitions' route
    stepping included, and a test runs chunks with the collector off to hold it to
    that), so that first pass, a walk over everything the group kept, is skipped.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            # the group's own garbage cycles first (a pass over what it allocated only):
            # frozen, they would never be freed
            if not acyclic:
                gc.collect(0)
            gc.freeze()
        if enabled:
            gc.enable()
