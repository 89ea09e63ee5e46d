"""The benchmarks' baselines are fair: each steps exactly the states the engine steps."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import Any

import attrs

# appended, not put first: the benchmark scripts' names never shadow another module
sys.path.append(str(Path(__file__).resolve().parents[2] / "benchmarks"))

import baselines

from facialflow.protocol.guards import Facts
from facialflow.qa.routes import route_for

#: every set of guard facts there is (each fact is a bool)
EVERY_FACTS = [
    Facts(*flags) for flags in itertools.product((False, True), repeat=len(attrs.fields(Facts)))
]


def test_every_baseline_steps_the_engines_route_for_every_set_of_facts() -> None:
    expected = [route_for(f, None).path for f in EVERY_FACTS]
    built = baselines.baselines()
    # python-statemachine comes with the test extra (through the bench extra)
    assert set(built) == {"flat", "hsm", "psm", "loop"}
    for name, baseline in built.items():
        assert baseline.routes(EVERY_FACTS) == expected, name


def test_a_timed_run_steps_every_baseline_to_the_end_of_each_route() -> None:
    # run() is what the benchmarks time: it must really step, not return at once
    built = baselines.baselines()
    last = EVERY_FACTS[-1]
    end = route_for(last, None).path[-1]
    for name in ("flat", "hsm"):
        machine = built[name]
        assert isinstance(machine, baselines.TransitionsBaseline)
        machine.run(EVERY_FACTS)
        assert machine.public[machine.model.state] == end, name
    # python-statemachine starts an instance per session: each must end where its route does
    psm = built["psm"]
    assert isinstance(psm, baselines.PsmBaseline)
    started: list[Any] = []
    start = psm._start

    def recorded(facts: Facts) -> Any:
        started.append(start(facts))
        return started[-1]

    psm._start = recorded  # type: ignore[method-assign]
    psm.run(EVERY_FACTS)
    ends = [route_for(f, None).path[-1] for f in EVERY_FACTS]
    assert [sm.current_state_value for sm in started] == ends
    # the loop's run() is the one its routes() records (checked above)


def test_the_routes_differ_between_facts_so_the_comparison_can_fail() -> None:
    # a baseline that ignored its facts would step one route for all: the engine does not
    assert len({route_for(f, None).path for f in EVERY_FACTS}) > 3


def test_the_flat_machine_holds_the_hierarchical_machines_leaf_states_flattened() -> None:
    flat, _ = baselines.flat_machine()
    hsm, _ = baselines.hsm_machine()
    nested = hsm.get_nested_state_names()
    leaves = [n for n in nested if not any(m.startswith(n + ".") for m in nested)]
    # the same steps under the same dotted names; the compound steps are no states of their own
    assert sorted(flat.states) == sorted(leaves)
    assert len(leaves) < len(nested), "the protocol has compound steps"
