"""The collector pause: off while a group of chunks runs, and what the group kept frozen on request."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from facialflow.simulation.collector import collector_paused


@pytest.fixture
def collector() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        gc.unfreeze()
        if not was:
            gc.disable()


def test_the_collector_is_off_inside_and_back_on_after(collector: None) -> None:
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_the_caller_turned_off_stays_off(collector: None) -> None:
    gc.disable()
    with collector_paused(freeze=True):
        pass
    assert not gc.isenabled()


def test_freezing_moves_what_the_group_kept_out_of_the_collectors_reach(collector: None) -> None:
    gc.unfreeze()
    with collector_paused(freeze=True):
        kept = [[i] for i in range(10)]
        # still where every collector pass looks while the group runs
        assert any(o is kept[0] for o in gc.get_objects())
    # frozen objects are in no generation the collector walks
    assert not any(o is kept[0] for o in gc.get_objects())
    assert gc.isenabled()


def test_a_cycle_the_group_dropped_is_freed_not_frozen(collector: None) -> None:
    class Node:
        me: object = None

    with collector_paused(freeze=True):
        node = Node()
        node.me = node
        alive = weakref.ref(node)
        del node
    gc.collect()
    assert alive() is None


def test_without_freezing_nothing_is_frozen(collector: None) -> None:
    gc.unfreeze()
    with collector_paused():
        kept = [[i] for i in range(1000)]
    assert kept and gc.get_freeze_count() == 0


def test_the_collector_comes_back_when_the_group_raises(collector: None) -> None:
    with pytest.raises(KeyError), collector_paused(freeze=True):
        raise KeyError("boom")
    assert gc.isenabled()


def test_a_group_vouched_acyclic_is_frozen_without_a_pass(collector: None) -> None:
    # the caller's word replaces the pass: what the group kept is frozen as it is
    gc.unfreeze()
    with collector_paused(freeze=True, acyclic=True):
        kept = [[i] for i in range(10)]
        before = gc.get_stats()[0]["collections"]
    assert gc.get_stats()[0]["collections"] == before
    assert not any(o is kept[0] for o in gc.get_objects())
    assert gc.isenabled()
