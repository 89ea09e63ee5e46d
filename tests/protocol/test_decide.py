"""The one first-match decision, as the engine, sessions, coverage and paths use it."""

from __future__ import annotations

import itertools

import attrs
import pytest

from facialflow.errors import GuardTypeError
from facialflow.protocol.decide import decide, decision_table
from facialflow.protocol.engine import engine_for
from facialflow.protocol.facial import FACIAL
from facialflow.protocol.guards import Facts

NAMES = [a.name for a in attrs.fields(Facts)]
ALL_FACTS = [
    Facts(**dict(zip(NAMES, v, strict=True)))
    for v in itertools.product((False, True), repeat=len(NAMES))
]


@pytest.mark.parametrize("facts", ALL_FACTS)
def test_the_engine_steps_where_the_decision_says(facts: Facts) -> None:
    engine = engine_for()

    class Record:
        def __init__(self) -> None:
            self.state = engine.initial
            self.facts = facts
            self.entered: list[str] = []

        def _entered(self, state: str, trigger: str, source: str) -> None:
            self.entered.append(state)

    record = Record()
    here = FACIAL.initial
    while here not in FACIAL.final_states:
        d = decide(FACIAL, here, "advance", facts)
        assert d.transition is not None
        engine.fire(record, "advance")
        here = record.entered[-1]
        assert here == FACIAL.transitions[d.transition].dest
    assert (FACIAL.initial, *record.entered) == engine.route(facts)


def test_a_decision_lists_guards_in_order_and_stops_at_the_first_false() -> None:
    d = decide(FACIAL, "exfoliation", "advance", Facts(laser_indicated=True))
    assert d.guards == (
        ("extraction_indicated", False),
        ("laser_indicated", True),
        ("test_spot_required", False),
        ("laser_indicated", True),
    )
    assert FACIAL.transitions[d.transition].dest == "laser_treatment"  # type: ignore[index]


def test_a_guard_that_returns_a_non_bool_is_refused_by_the_decision() -> None:
    table = decision_table(FACIAL)

    class Sloppy:
        session_blocked = 1

    with pytest.raises(GuardTypeError, match="session_blocked"):
        table.winner("intake", "advance", Sloppy())
