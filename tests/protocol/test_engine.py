"""The engine: one shared transitions machine, no hidden edges, strict guards, clean refusals."""

from __future__ import annotations

import attrs
import pytest

from facialflow.errors import GuardTypeError, InvalidStep
from facialflow.protocol import guards as guard_module
from facialflow.protocol.engine import Engine, engine_for
from facialflow.protocol.facial import FACIAL
from facialflow.protocol.guards import Facts


class Record:
    __slots__ = ("entered", "facts", "state")

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.state = engine_for().initial
        self.entered: list[str] = []

    def _entered(self, public_state: str, trigger: str, source: str) -> None:
        self.entered.append(public_state)


def test_engine_is_compiled_once_per_protocol() -> None:
    assert engine_for() is engine_for(FACIAL)


def test_machine_has_no_auto_transitions() -> None:
    machine = engine_for().machine
    assert machine.auto_transitions is False
    assert not [e for e in machine.events if e.startswith("to_")]
    assert set(machine.events) == {"advance", "adverse", "emergency"}


def test_sessions_are_not_bound_as_models() -> None:
    # binding a model adds dozens of methods per instance (transitions #434)
    record = Record(Facts())
    engine_for().fire(record, "advance")
    assert record.state == "cleansing"
    assert record not in engine_for().machine.models


def test_first_matching_candidate_wins_in_definition_order() -> None:
    record = Record(Facts(extraction_indicated=True, laser_indicated=True, test_spot_required=True))
    e = engine_for()
    while e.to_public[record.state] not in FACIAL.final_states:
        e.fire(record, "advance")
    assert record.entered[:5] == [
        "cleansing",
        "exfoliation",
        "extraction",
        "laser_test_spot",
        "laser_treatment",
    ]


def test_compound_states_use_public_underscore_names() -> None:
    e = engine_for()
    assert e.to_internal["laser_cooling"] == "laser.cooling"
    assert e.to_internal["safe_exit_document"] == "safe_exit.document"
    assert e.to_public["safe_exit.stop"] == "safe_exit_stop"


def test_invalid_trigger_raises_facialflow_error_naming_state_and_allowed_steps() -> None:
    record = Record(Facts())
    with pytest.raises(InvalidStep) as info:
        engine_for().fire(record, "emergency")
    assert info.value.state == "intake"
    assert info.value.allowed == ("advance", "adverse")
    assert "'intake'" in str(info.value) and "advance" in str(info.value)


def test_trigger_from_a_final_state_says_the_session_has_ended() -> None:
    record = Record(Facts(session_blocked=True))
    engine_for().fire(record, "advance")
    with pytest.raises(InvalidStep, match="session has ended"):
        engine_for().fire(record, "advance")


def test_guard_returning_a_non_bool_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def sloppy(facts: Facts) -> bool:
        return None  # type: ignore[return-value]

    monkeypatch.setitem(guard_module.GUARDS, "session_blocked", sloppy)
    fresh = Engine(attrs.evolve(FACIAL))
    record = Record(Facts())
    record.state = fresh.initial
    with pytest.raises(GuardTypeError, match="session_blocked"):
        fresh.fire(record, "advance")
