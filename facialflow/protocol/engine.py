"""The engine: the one module that imports transitions.

A protocol compiles once into a shared, *flat* transitions ``Machine``: every
state of the protocol is one machine state, sub-states of a compound step
carry dotted names (``laser.cooling``), and the public names and the diagrams
keep the hierarchy (``laser_cooling`` belongs to ``laser``). A flat machine
was chosen on measurement: a ``HierarchicalMachine`` keeps a scope stack on
the machine that every step pushes and pops, which costs about half of a
session and is shared mutable state, so threads stepping different sessions
corrupt each other. The flat machine's stepping keeps everything in the call's
``EventData``; with the machine built once and never changed afterwards, any
number of threads may step sessions at once, without a lock.

Sessions are small slotted records that the machine steps as models without
ever being added to it (``add_model`` binds dozens of methods per instance,
the cost transitions users report in #434 and #146). ``auto_transitions`` is
off, so no ``to_*`` edge can bypass a guard. Which candidate a trigger takes
is decided once, by :mod:`facialflow.protocol.decide` (the same first-match
decision ``why``, coverage and paths use); each machine transition carries a
condition that holds for exactly the decided candidate, so transitions performs
the step and runs its callbacks. Invalid requests are refused before
transitions sees them, so ``MachineError`` never reaches a caller.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import attrs
from transitions import Machine

from facialflow.errors import InvalidStep
from facialflow.protocol.decide import decision_table
from facialflow.protocol.facial import FACIAL
from facialflow.protocol.guards import Facts
from facialflow.protocol.names import Trigger
from facialflow.protocol.spec import FacialProtocol, validate_protocol

__all__ = ["Engine", "Steppable", "engine_for"]


class Steppable(Protocol):
    """What the engine needs of a session: its internal state, facts and a step hook."""

    state: str
    facts: Facts

    def _entered(self, public_state: str, trigger: str, source: str) -> None: ...


def _is_winner(index: int) -> Callable[[Any], bool]:
    def condition(event_data: Any) -> bool:
        return bool(event_data.kwargs["winner"] == index)

    condition.__name__ = f"decided_{index}"
    return condition


class Engine:
    """A compiled protocol. Build one per protocol (see :func:`engine_for`) and share it.

    Immutable once built: nothing here changes while sessions step, which is
    what makes sharing it between threads safe.
    """

    def __init__(self, protocol: FacialProtocol) -> None:
        validate_protocol(protocol)
        self.protocol = protocol
        self.table = decision_table(protocol)
        self.to_internal: Mapping[str, str] = {
            s.name: (f"{s.parent}.{s.name[len(s.parent) + 1 :]}" if s.parent else s.name)
            for s in protocol.states
        }
        self.to_public: Mapping[str, str] = {v: k for k, v in self.to_internal.items()}
        self.initial = self.to_internal[protocol.initial]
        self.finals = frozenset(self.to_internal[s] for s in protocol.final_states)
        self.machine = Machine(
            model=None,
            states=list(self.to_internal.values()),
            transitions=[
                {
                    "trigger": t.trigger,
                    "source": self.to_internal[t.source],
                    "dest": self.to_internal[t.dest],
                    "conditions": [_is_winner(i)],
                }
                for i, t in enumerate(protocol.transitions)
            ],
            initial=self.initial,
            auto_transitions=False,
            send_event=True,
            after_state_change=[self._after],
        )
        self._events = {name: self.machine.events[name] for name in self.machine.events}
        self._routes: dict[tuple[Facts, str | None, bool], tuple[str, ...]] = {}

    def _after(self, event_data: Any) -> None:
        model = event_data.model
        source = self.to_public[event_data.transition.source]
        model._entered(self.to_public[model.state], event_data.event.name, source)

    def allowed(self, public_state: str) -> tuple[str, ...]:
        return tuple(self.protocol.outgoing[public_state])

    def fire(self, session: Steppable, trigger: str) -> None:
        """Take ``trigger`` from the session's state; the first candidate whose guards hold wins."""
        public = self.to_public[session.state]
        winner = self.table.winner(public, trigger, session.facts)
        if winner is None:
            raise InvalidStep(trigger, public, self.allowed(public))
        self._events[trigger].trigger(session, winner=winner.position)

    def route(
        self, facts: Facts, adverse_at: str | None = None, tolerates: bool = True
    ) -> tuple[str, ...]:
        """The public path a session with ``facts`` takes to its end, decided without stepping.

        With ``adverse_at`` a reaction happens when the session is at that
        state (the skin then tolerates product or not); a state not on the
        route means no reaction. Memoised: routes are few (one per facts and
        reaction), and a dict shared by threads only ever gains equal values.
        """
        key = (facts, adverse_at, tolerates)
        path = self._routes.get(key)
        if path is None:
            path = self._routes[key] = self._walk(facts, adverse_at, tolerates)
        return path

    def _walk(self, facts: Facts, adverse_at: str | None, tolerates: bool) -> tuple[str, ...]:
        table = self.table
        state = self.protocol.initial
        path = [state]
        finals = self.protocol.final_states
        while state not in finals:
            trigger = Trigger.ADVANCE
            if state == adverse_at:
                facts = attrs.evolve(facts, tolerates_product=tolerates)
                trigger = Trigger.ADVERSE
                adverse_at = None
            winner = table.winner(state, trigger, facts)
            if winner is None:
                raise InvalidStep(trigger, state, self.allowed(state))
            state = winner.dest
            path.append(state)
        return tuple(path)


_ENGINES: dict[FacialProtocol, Engine] = {}
_COMPILING = threading.Lock()


def engine_for(protocol: FacialProtocol = FACIAL) -> Engine:
    """The shared engine of ``protocol``: compiled on first use, then reused by every session."""
    engine = _ENGINES.get(protocol)
    if engine is None:
        with _COMPILING:
            engine = _ENGINES.get(protocol)
            if engine is None:
                engine = _ENGINES[protocol] = Engine(protocol)
    return engine
