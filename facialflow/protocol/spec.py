"""The medical facial as data, defined once.

States, ordered transitions and guard names live here; the engine compiles
them into a transitions machine, and paths, diagrams, the walkthrough page and
the docs all read the same definition. :func:`validate_protocol` proves the
structure sound: every state reachable, every non-final state with a way out,
every path ending in a final state, every guard known.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from functools import cached_property

from attrs import field, frozen

from facialflow.errors import ProtocolError
from facialflow.protocol.guards import GUARDS

__all__ = [
    "FacialProtocol",
    "GuardSpec",
    "StateSpec",
    "TransitionSpec",
    "validate_protocol",
]


def _str_mapping(value: Mapping[object, object]) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()}


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)


@frozen
class StateSpec:
    """One state. ``parent`` names the compound state a sub-state belongs to.

    Names pass through ``str`` so a :class:`~facialflow.protocol.names.Step` member
    is stored as the plain name transitions and the JSON contract expect.
    """

    name: str = field(converter=str)
    label: str
    does: str
    why: str = ""
    final: bool = False
    parent: str | None = field(default=None, converter=_optional_str)
    #: for conditional steps: when the step is skipped
    skipped_when: str = ""
    #: the main route, the decline exit, or the safe-exit branch
    lane: str = "main"


@frozen
class TransitionSpec:
    """An edge. Candidates for one (source, trigger) are tried in definition order."""

    trigger: str = field(converter=str)
    source: str = field(converter=str)
    dest: str = field(converter=str)
    guards: tuple[str, ...] = ()
    label: str = ""


@frozen
class GuardSpec:
    name: str
    #: plain language for the guard holding
    label: str


@frozen(eq=False)
class FacialProtocol:
    """A protocol definition. Compared and hashed by identity: engines are cached per protocol."""

    name: str
    version: str
    initial: str = field(converter=str)
    states: tuple[StateSpec, ...]
    transitions: tuple[TransitionSpec, ...]
    guards: tuple[GuardSpec, ...]
    compounds: Mapping[str, str] = field(factory=dict, converter=_str_mapping)

    @cached_property
    def state_map(self) -> Mapping[str, StateSpec]:
        return {s.name: s for s in self.states}

    @cached_property
    def state_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.states)

    @cached_property
    def final_states(self) -> frozenset[str]:
        return frozenset(s.name for s in self.states if s.final)

    @cached_property
    def outgoing(self) -> Mapping[str, Mapping[str, tuple[TransitionSpec, ...]]]:
        """``outgoing[state][trigger]``: candidates in evaluation order."""
        table: dict[str, dict[str, list[TransitionSpec]]] = {s: {} for s in self.state_names}
        for t in self.transitions:
            table[t.source].setdefault(t.trigger, []).append(t)
        return {s: {k: tuple(v) for k, v in by.items()} for s, by in table.items()}

    @cached_property
    def guard_map(self) -> Mapping[str, GuardSpec]:
        return {g.name: g for g in self.guards}

    @cached_property
    def digest(self) -> str:
        """A short hash of the definition; snapshots carry it to refuse a changed protocol."""
        payload = json.dumps(
            {
                "states": [(s.name, s.final, s.parent) for s in self.states],
                "transitions": [(t.trigger, t.source, t.dest, t.guards) for t in self.transitions],
            },
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def children(self, compound: str) -> tuple[str, ...]:
        return tuple(s.name for s in self.states if s.parent == compound)

    def step_of(self, state: str) -> str:
        """The contract step a state belongs to (``laser_cooling`` -> ``laser``)."""
        parent = self.state_map[state].parent
        return parent if parent is not None else state

    def edge_label(self, t: TransitionSpec) -> str:
        if t.label:
            return t.label
        return " and ".join(self.guard_map[g].label for g in t.guards)


def _reachable(protocol: FacialProtocol, start: str, reverse: bool = False) -> set[str]:
    edges: dict[str, set[str]] = {}
    for t in protocol.transitions:
        a, b = (t.dest, t.source) if reverse else (t.source, t.dest)
        edges.setdefault(a, set()).add(b)
    seen = {start}
    stack = [start]
    while stack:
        for nxt in edges.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def validate_protocol(protocol: FacialProtocol) -> None:
    """Raise :class:`ProtocolError` unless the definition is structurally sound.

    Checks: unique state names; every edge between known states with known
    guards; sub-states named after their compound; every state reachable from
    the initial state; finals have no way out and non-finals have one; every
    state can reach a final state; for each (state, trigger) exactly the last
    candidate is unguarded, so the first-match order is an explicit if/else.
    """
    names = protocol.state_names
    problems: list[str] = []
    if len(set(names)) != len(names):
        problems.append("duplicate state names")
    known = set(names)
    if protocol.initial not in known:
        problems.append(f"initial state {protocol.initial!r} is not a state")
    for s in protocol.states:
        if s.parent is not None:
            if s.parent not in protocol.compounds:
                problems.append(f"{s.name}: unknown compound {s.parent!r}")
            elif not s.name.startswith(s.parent + "_"):
                problems.append(f"{s.name}: sub-state names must start with {s.parent}_")
    for t in protocol.transitions:
        for end in (t.source, t.dest):
            if end not in known:
                problems.append(f"edge {t.source}->{t.dest}: unknown state {end!r}")
        for g in t.guards:
            if g not in GUARDS or g not in protocol.guard_map:
                problems.append(f"edge {t.source}->{t.dest}: unknown guard {g!r}")
    if problems:
        raise ProtocolError("; ".join(problems))
    reachable = _reachable(protocol, protocol.initial)
    for name in names:
        if name not in reachable:
            problems.append(f"{name} is unreachable from {protocol.initial}")
    finals = protocol.final_states
    can_finish: set[str] = set()
    for f in finals:
        can_finish |= _reachable(protocol, f, reverse=True)
    for name in names:
        out = protocol.outgoing[name]
        if name in finals and out:
            problems.append(f"final state {name} has outgoing transitions")
        if name not in finals and not out:
            problems.append(f"{name} is a trap: not final and no way out")
        if name not in can_finish:
            problems.append(f"{name} cannot reach a final state")
        for trigger, candidates in out.items():
            unguarded = [i for i, t in enumerate(candidates) if not t.guards]
            if unguarded and unguarded != [len(candidates) - 1]:
                problems.append(f"{name}/{trigger}: an unguarded edge must be the last candidate")
            if trigger == "advance" and not unguarded:
                problems.append(f"{name}/advance: no else-branch, a session could get stuck")
    if problems:
        raise ProtocolError("; ".join(problems))
    cycle = _cycle(protocol)
    if cycle:
        # a loop would let a session (and path enumeration) run forever
        raise ProtocolError("the protocol has a cycle: " + " -> ".join(cycle))


def _cycle(protocol: FacialProtocol) -> list[str]:
    """One cycle of the transition graph as a list of states, or [] when it is acyclic."""
    edges: dict[str, list[str]] = {}
    for t in protocol.transitions:
        edges.setdefault(t.source, []).append(t.dest)
    done: set[str] = set()
    for root in protocol.state_names:
        if root in done:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        on_path: list[str] = []
        while stack:
            node, i = stack.pop()
            if i == 0:
                on_path.append(node)
            nexts = edges.get(node, [])
            if i < len(nexts):
                stack.append((node, i + 1))
                nxt = nexts[i]
                if nxt in on_path:
                    return [*on_path[on_path.index(nxt) :], nxt]
                if nxt not in done:
                    stack.append((nxt, 0))
            else:
                done.add(on_path.pop())
    return []
