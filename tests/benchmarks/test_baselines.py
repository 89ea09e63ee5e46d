"""The benchmarks' baselines are fair: each steps exactly the states the engine steps."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import attrs

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import baselines

from facialflow.protocol.guards import Facts
from facialflow.qa.routes import route_for

#: every set of guard facts there is (each fact is a bool)
EVERY_FACTS = [
    Facts(*flags) for flags in itertools.product((False, True), repeat=len(attrs.fields(Facts)))
]


def test_every_baseline_steps_the_engines_route_for_every_set_of_facts() -> None:
    expected = [route_for(f, None).path for f in EVERY_FACTS]
    got = baselines.routes(EVERY_FACTS)
    assert {"flat", "hsm", "loop"} <= got.keys()
    for name, paths in got.items():
        assert paths == expected, name


def test_the_routes_differ_between_facts_so_the_comparison_can_fail() -> None:
    # a baseline that ignored its facts would step one route for all: the engine does not
    assert len({route_for(f, None).path for f in EVERY_FACTS}) > 3


def test_the_flat_baseline_names_compound_steps_with_dots() -> None:
    machine, _ = baselines.flat_machine()
    names = baselines.internal_names()
    dotted = [n for n in names.values() if "." in n]
    assert dotted, "the protocol has compound steps"
    # flat: one state per protocol state, the compound steps' children among them by their
    # dotted names
    assert sorted(machine.states) == sorted(names.values())
