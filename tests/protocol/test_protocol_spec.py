"""The protocol definition is structurally sound, and the validator catches broken ones."""

from __future__ import annotations

import attrs
import pytest

from facialflow.errors import ProtocolError
from facialflow.protocol.facial import FACIAL
from facialflow.protocol.spec import StateSpec, TransitionSpec, validate_protocol

CONTRACT_STATES = {
    "intake",
    "cleansing",
    "exfoliation",
    "extraction",
    "serums",
    "mask",
    "hydration",
    "complete",
    "declined",
    "stopped",
}


def test_the_facial_protocol_is_valid() -> None:
    validate_protocol(FACIAL)


def test_protocol_has_every_contract_state_and_compound_substates() -> None:
    names = set(FACIAL.state_names)
    assert names >= CONTRACT_STATES
    assert all(n.startswith("laser") for n in FACIAL.children("laser"))
    assert all(n.startswith("safe_exit") for n in FACIAL.children("safe_exit"))
    assert FACIAL.final_states == {"complete", "declined", "stopped", "emergency"}


def test_states_are_in_treatment_order() -> None:
    order = [s for s in FACIAL.state_names if s in CONTRACT_STATES or s.startswith("laser")]
    main = ["intake", "cleansing", "exfoliation", "extraction"]
    assert order[:4] == main
    assert order.index("laser_treatment") < order.index("serums") < order.index("mask")
    assert order.index("mask") < order.index("hydration") < order.index("complete")


def test_emergency_is_reached_from_every_step_after_intake_and_from_the_safe_exit() -> None:
    into = {t.source for t in FACIAL.transitions if t.dest == "emergency"}
    assert {"cleansing", "serums", "hydration", "laser_treatment"} <= into
    assert set(FACIAL.children("safe_exit")) <= into
    severe = {t.source for t in FACIAL.transitions if t.trigger == "emergency"}
    assert set(FACIAL.children("safe_exit")) <= severe and "intake" not in severe


def test_stopped_is_reached_only_through_safe_exit() -> None:
    into_stopped = [t.source for t in FACIAL.transitions if t.dest == "stopped"]
    assert into_stopped and all(s.startswith("safe_exit") for s in into_stopped)


def test_adverse_is_possible_from_intake_and_every_active_step() -> None:
    sources = {t.source for t in FACIAL.transitions if t.trigger == "adverse"}
    assert "intake" in sources
    assert {"cleansing", "exfoliation", "extraction", "serums", "mask", "hydration"} <= sources
    assert set(FACIAL.children("laser")) <= sources


def test_every_guarded_edge_has_a_plain_language_label() -> None:
    for t in FACIAL.transitions:
        label = FACIAL.edge_label(t)
        if t.guards:
            assert label and "_" not in label, t


def test_digest_changes_when_the_definition_changes() -> None:
    changed = attrs.evolve(FACIAL, transitions=FACIAL.transitions[:-1])
    assert changed.digest != FACIAL.digest
    assert attrs.evolve(FACIAL).digest == FACIAL.digest


def _broken(**kw: object) -> None:
    validate_protocol(attrs.evolve(FACIAL, **kw))  # type: ignore[arg-type]


def test_validator_rejects_an_unreachable_state() -> None:
    states = (*FACIAL.states, StateSpec("orphan", "Orphan", "nothing", final=True))
    with pytest.raises(ProtocolError, match="orphan is unreachable"):
        _broken(states=states)


def test_validator_rejects_a_trap_state() -> None:
    states = (*FACIAL.states, StateSpec("trap", "Trap", "stuck"))
    transitions = (*FACIAL.transitions, TransitionSpec("adverse", "intake", "trap"))
    with pytest.raises(ProtocolError, match="trap is a trap"):
        _broken(states=states, transitions=transitions)


def test_validator_rejects_an_unknown_guard() -> None:
    transitions = (
        TransitionSpec("advance", "intake", "declined", ("moon_is_full",)),
        *FACIAL.transitions,
    )
    with pytest.raises(ProtocolError, match="unknown guard 'moon_is_full'"):
        _broken(transitions=transitions)


def test_validator_rejects_an_unguarded_edge_before_a_guarded_one() -> None:
    transitions = (TransitionSpec("advance", "intake", "cleansing"), *FACIAL.transitions)
    with pytest.raises(ProtocolError, match="unguarded edge must be the last"):
        _broken(transitions=transitions)


def test_validator_rejects_an_edge_out_of_a_final_state() -> None:
    transitions = (*FACIAL.transitions, TransitionSpec("advance", "complete", "intake"))
    with pytest.raises(ProtocolError, match="final state complete has outgoing"):
        _broken(transitions=transitions)


def test_validator_rejects_a_badly_named_substate() -> None:
    states = tuple(
        attrs.evolve(s, name="cooling") if s.name == "laser_cooling" else s for s in FACIAL.states
    )
    with pytest.raises(ProtocolError):
        _broken(states=states)


def test_validator_rejects_a_cycle() -> None:
    transitions = (
        *FACIAL.transitions[:-1],
        TransitionSpec("adverse", "safe_exit_document", "safe_exit_stop", label="again"),
        FACIAL.transitions[-1],
    )
    with pytest.raises(ProtocolError, match=r"cycle: safe_exit_stop -> .* -> safe_exit_stop"):
        _broken(transitions=transitions)


def test_step_names_are_exactly_the_protocol_states_and_compounds() -> None:
    from facialflow.protocol.names import Step

    assert set(Step) == set(FACIAL.state_names) | set(FACIAL.compounds)


def test_trigger_names_are_exactly_the_protocol_triggers() -> None:
    from facialflow.protocol.names import Trigger

    assert set(Trigger) == {t.trigger for t in FACIAL.transitions}
