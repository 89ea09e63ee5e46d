"""The first-match decision: which candidate transition a trigger takes, and why.

Candidates for one ``(state, trigger)`` are tried in definition order; a
candidate's guards are evaluated in order and short-circuit; the first
candidate whose guards all hold wins. This module is the only place that rule
is written: the engine's dispatch, a session's ``why``/``can``/``next_state``,
coverage traces and path enumeration all call :func:`decide` (or the compiled
:class:`DecisionTable` behind it).

Everything here is pure and holds no mutable state after compilation, so any
number of threads may decide at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from attrs import frozen

from facialflow.errors import GuardTypeError
from facialflow.protocol.guards import GUARDS, Facts
from facialflow.protocol.spec import FacialProtocol

__all__ = ["Candidate", "Decision", "DecisionTable", "checked", "decide", "decision_table"]


@frozen
class Decision:
    """One first-match evaluation: the winning transition and the guard outcomes seen."""

    #: index of the winner in ``protocol.transitions``; None when no candidate passed
    transition: int | None
    #: (guard, outcome) in evaluation order; a failing guard ends its candidate (short circuit)
    guards: tuple[tuple[str, bool], ...]


class Candidate(NamedTuple):
    """A compiled candidate: its position in the protocol, where it goes, its guards."""

    position: int
    dest: str
    guards: tuple[tuple[str, Callable[[Facts], bool]], ...]


def checked(name: str, result: object) -> bool:
    """``result`` if it is a real bool; a guard returning anything else is a bug."""
    if result is True or result is False:
        return result
    raise GuardTypeError(f"guard {name!r} returned {result!r}, not a bool")


class DecisionTable:
    """A protocol's candidates compiled per ``(state, trigger)``, guards resolved once."""

    __slots__ = ("candidates", "protocol")

    def __init__(self, protocol: FacialProtocol) -> None:
        self.protocol = protocol
        self.candidates: Mapping[tuple[str, str], tuple[Candidate, ...]] = {
            (state, trigger): tuple(
                Candidate(index, t.dest, tuple((g, GUARDS[g]) for g in t.guards))
                for t in specs
                for index in (_position(protocol, t),)
            )
            for state, by_trigger in protocol.outgoing.items()
            for trigger, specs in by_trigger.items()
        }

    def winner(self, state: str, trigger: str, facts: Any) -> Candidate | None:
        """The candidate ``trigger`` takes from ``state``, or None (no candidate holds)."""
        for cand in self.candidates.get((state, trigger), ()):
            for name, guard in cand.guards:
                if not checked(name, guard(facts)):
                    break
            else:
                return cand
        return None

    def decide(self, state: str, trigger: str, facts: Any) -> Decision:
        """:meth:`winner` with every guard outcome it saw, in evaluation order."""
        seen: list[tuple[str, bool]] = []
        for cand in self.candidates.get((state, trigger), ()):
            for name, guard in cand.guards:
                outcome = checked(name, guard(facts))
                seen.append((name, outcome))
                if not outcome:
                    break
            else:
                return Decision(cand.position, tuple(seen))
        return Decision(None, tuple(seen))


def _position(protocol: FacialProtocol, spec: object) -> int:
    # specs are values and two could compare equal; position is the identity
    for i, t in enumerate(protocol.transitions):
        if t is spec:
            return i
    raise ValueError("transition is not part of the protocol")


_TABLES: dict[int, tuple[FacialProtocol, DecisionTable]] = {}


def decision_table(protocol: FacialProtocol) -> DecisionTable:
    """The compiled table of ``protocol``, built on first use (a benign race: tables are equal)."""
    hit = _TABLES.get(id(protocol))
    if hit is None or hit[0] is not protocol:
        hit = (protocol, DecisionTable(protocol))
        _TABLES[id(protocol)] = hit
    return hit[1]


def decide(protocol: FacialProtocol, state: str, trigger: str, facts: Any) -> Decision:
    """Evaluate ``trigger`` from ``state``: candidates in order, first match wins."""
    return decision_table(protocol).decide(state, trigger, facts)
