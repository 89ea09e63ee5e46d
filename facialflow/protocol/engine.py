"""The engine: the one module that imports transitions.

A protocol compiles once into a shared ``HierarchicalMachine``; sessions are
small slotted records that the machine steps as models without ever being
added to it (``add_model`` binds dozens of methods per instance, the cost
transitions users report in #434 and #146). ``auto_transitions`` is off, so no
``to_*`` edge can bypass a guard, and every guard is checked to return a real
bool. Invalid requests are refused before transitions sees them, so
``MachineError`` never reaches a caller.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from transitions.extensions.nesting import HierarchicalMachine, NestedState

from facialflow.errors import GuardTypeError, InvalidStep
from facialflow.protocol.facial import FACIAL
from facialflow.protocol.guards import GUARDS, Facts, Guard
from facialflow.protocol.spec import FacialProtocol, validate_protocol

__all__ = ["Engine", "Steppable", "engine_for"]


class _State(NestedState):
    # "safe_exit" holds an underscore, transitions' default separator
    separator = "."


class _Machine(HierarchicalMachine):
    state_cls = _State


class Steppable(Protocol):
    """What the engine needs of a session: its internal state, facts and a step hook."""

    state: str
    facts: Facts

    def _entered(self, public_state: str, trigger: str, source: str) -> None: ...


def _checked(name: str, guard: Guard) -> Callable[[Any], bool]:
    def condition(event_data: Any) -> bool:
        result = guard(event_data.model.facts)
        if result is True or result is False:
            return result
        raise GuardTypeError(f"guard {name!r} returned {result!r}, not a bool")

    condition.__name__ = name
    return condition


class Engine:
    """A compiled protocol. Build one per protocol (see :func:`engine_for`) and share it."""

    def __init__(self, protocol: FacialProtocol) -> None:
        validate_protocol(protocol)
        self.protocol = protocol
        self.to_internal: Mapping[str, str] = {
            s.name: (f"{s.parent}.{s.name[len(s.parent) + 1 :]}" if s.parent else s.name)
            for s in protocol.states
        }
        self.to_public: Mapping[str, str] = {v: k for k, v in self.to_internal.items()}
        self.initial = self.to_internal[protocol.initial]
        self.machine = _Machine(
            model=None,
            states=self._state_tree(),
            transitions=self._transition_table(),
            initial=self.initial,
            auto_transitions=False,
            send_event=True,
            after_state_change=[self._after],
        )

    def _state_tree(self) -> list[Any]:
        tree: list[Any] = []
        seen: set[str] = set()
        for s in self.protocol.states:
            if s.parent is None:
                tree.append(s.name)
            elif s.parent not in seen:
                seen.add(s.parent)
                children = [c[len(s.parent) + 1 :] for c in self.protocol.children(s.parent)]
                tree.append({"name": s.parent, "children": children, "initial": children[0]})
        return tree

    def _transition_table(self) -> list[dict[str, Any]]:
        return [
            {
                "trigger": t.trigger,
                "source": self.to_internal[t.source],
                "dest": self.to_internal[t.dest],
                "conditions": [_checked(g, GUARDS[g]) for g in t.guards],
            }
            for t in self.protocol.transitions
        ]

    def _after(self, event_data: Any) -> None:
        model = event_data.model
        source = self.to_public[event_data.transition.source]
        model._entered(self.to_public[model.state], event_data.event.name, source)

    def allowed(self, public_state: str) -> tuple[str, ...]:
        return tuple(self.protocol.outgoing[public_state])

    def fire(self, session: Steppable, trigger: str) -> None:
        """Take ``trigger`` from the session's state; the first candidate whose guards hold wins."""
        public = self.to_public[session.state]
        if trigger not in self.protocol.outgoing[public]:
            raise InvalidStep(trigger, public, self.allowed(public))
        self.machine.trigger_event(session, trigger)


_ENGINES: dict[FacialProtocol, Engine] = {}


def engine_for(protocol: FacialProtocol = FACIAL) -> Engine:
    """The shared engine of ``protocol``: compiled on first use, then reused by every session."""
    engine = _ENGINES.get(protocol)
    if engine is None:
        engine = _ENGINES[protocol] = Engine(protocol)
    return engine
