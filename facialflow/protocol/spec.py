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
    "FACIAL",
    "FacialProtocol",
    "GuardSpec",
    "StateSpec",
    "TransitionSpec",
    "validate_protocol",
]


@frozen
class StateSpec:
    """One state. ``parent`` names the compound state a sub-state belongs to."""

    name: str
    label: str
    does: str
    why: str = ""
    final: bool = False
    parent: str | None = None
    #: for conditional steps: when the step is skipped
    skipped_when: str = ""
    #: the main route, the decline exit, or the safe-exit branch
    lane: str = "main"


@frozen
class TransitionSpec:
    """An edge. Candidates for one (source, trigger) are tried in definition order."""

    trigger: str
    source: str
    dest: str
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
    initial: str
    states: tuple[StateSpec, ...]
    transitions: tuple[TransitionSpec, ...]
    guards: tuple[GuardSpec, ...]
    compounds: Mapping[str, str] = field(factory=dict)

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


def _s(name: str, label: str, does: str, **kw: object) -> StateSpec:
    return StateSpec(name=name, label=label, does=does, **kw)  # type: ignore[arg-type]


_STATES = (
    _s(
        "intake",
        "Intake",
        "Consultation, contraindication screening, consent and skin assessment; the plan is chosen.",
        why="Blocking conditions must be found before anything touches the skin.",
    ),
    _s(
        "cleansing",
        "Cleansing",
        "Remove makeup, oil and dirt with a cleanser suited to the skin type.",
        why="Every later step needs clean skin.",
    ),
    _s(
        "exfoliation",
        "Exfoliation",
        "Gentle exfoliation; its strength is limited by skin type and policy.",
        why="Lifts dead cells and softens comedones for extraction.",
    ),
    _s(
        "extraction",
        "Extraction",
        "Manual extraction of non-inflamed comedones with sterile tools.",
        why="Clears open and closed comedones; inflamed lesions get worse if squeezed.",
        skipped_when="no comedones, inflamed acne, rosacea, fragile skin, or the policy says so",
    ),
    _s(
        "laser_test_spot",
        "Test spot",
        "Fire a test spot and check the response before treating the face.",
        why="Darker phototypes and keloid history need proof the settings are tolerated.",
        parent="laser",
        skipped_when="no test spot is required for this client",
    ),
    _s(
        "laser_treatment",
        "Laser treatment",
        "Non-ablative 1064 nm treatment on clean, dry, product-free skin.",
        why="Stimulates collagen and treats redness and tone.",
        parent="laser",
        skipped_when="laser not requested, or contraindicated for this client",
    ),
    _s(
        "laser_cooling",
        "Cooling",
        "Cool compresses after the laser pass.",
        why="Limits heat injury and redness.",
        parent="laser",
    ),
    _s(
        "serums",
        "Serums",
        "Concern-specific serums chosen by the plugins and filtered for safety.",
        why="Delivers the actives for the client's concerns.",
    ),
    _s(
        "mask",
        "Mask",
        "One customised mask chosen for skin type and concerns.",
        why="Calms, hydrates or purifies according to the skin.",
    ),
    _s(
        "hydration",
        "Hydration",
        "Moisturiser plus a broad-spectrum sunscreen of SPF 30 or more.",
        why="Every completed session ends protected from the sun (R27).",
    ),
    _s("complete", "Complete", "The session was completed.", final=True),
    _s(
        "declined",
        "Declined",
        "A blocking contraindication was found at intake; nothing was applied.",
        final=True,
        lane="decline",
    ),
    _s(
        "safe_exit_stop",
        "Stop",
        "Stop the current step; start no further active step.",
        why="An adverse reaction ends the treatment at once (R30).",
        parent="safe_exit",
        lane="safe_exit",
    ),
    _s(
        "safe_exit_remove",
        "Remove product",
        "Rinse or wipe off product; neutralise or flush acids.",
        parent="safe_exit",
        lane="safe_exit",
    ),
    _s(
        "safe_exit_cool",
        "Cool",
        "Cold compresses or a gel pack; never ice directly on the skin.",
        parent="safe_exit",
        lane="safe_exit",
    ),
    _s(
        "safe_exit_soothe",
        "Soothe",
        "A bland, fragrance-free calming product, if the skin tolerates it.",
        parent="safe_exit",
        lane="safe_exit",
        skipped_when="the skin cannot tolerate product",
    ),
    _s(
        "safe_exit_protect",
        "Protect",
        "Mineral broad-spectrum SPF if tolerated; otherwise sun-avoidance advice.",
        parent="safe_exit",
        lane="safe_exit",
        skipped_when="the skin cannot tolerate product",
    ),
    _s(
        "safe_exit_document",
        "Document",
        "Record status=stopped, the complication, products in use and actions; plan follow-up in 24-48 h.",
        parent="safe_exit",
        lane="safe_exit",
    ),
    _s(
        "stopped",
        "Stopped",
        "The session was stopped after an adverse reaction.",
        final=True,
        lane="safe_exit",
    ),
)

_GUARDS = (
    GuardSpec("session_blocked", "blocking contraindication"),
    GuardSpec("extraction_indicated", "non-inflamed comedones, no rosacea or fragile skin"),
    GuardSpec("laser_indicated", "laser requested and safe for this client"),
    GuardSpec("test_spot_required", "test spot required (phototype IV-VI or keloid history)"),
    GuardSpec("tolerates_product", "skin tolerates product"),
)

_ACTIVE_STEPS = (
    "cleansing",
    "exfoliation",
    "extraction",
    "laser_test_spot",
    "laser_treatment",
    "laser_cooling",
    "serums",
    "mask",
    "hydration",
)


def _t(
    source: str, dest: str, *guards: str, label: str = "", trigger: str = "advance"
) -> TransitionSpec:
    return TransitionSpec(trigger=trigger, source=source, dest=dest, guards=guards, label=label)


def _laser_entry(source: str, otherwise: str) -> tuple[TransitionSpec, ...]:
    return (
        _t(source, "laser_test_spot", "laser_indicated", "test_spot_required"),
        _t(source, "laser_treatment", "laser_indicated"),
        _t(source, "serums", label=otherwise),
    )


_TRANSITIONS = (
    _t("intake", "declined", "session_blocked"),
    _t("intake", "cleansing", label="screening passed"),
    _t("cleansing", "exfoliation"),
    _t("exfoliation", "extraction", "extraction_indicated"),
    *_laser_entry("exfoliation", "no extraction, no laser"),
    *_laser_entry("extraction", "no laser"),
    _t("laser_test_spot", "laser_treatment", label="test spot tolerated"),
    _t("laser_treatment", "laser_cooling"),
    _t("laser_cooling", "serums"),
    _t("serums", "mask"),
    _t("mask", "hydration"),
    _t("hydration", "complete", label="SPF 30+ applied"),
    *(_t(s, "safe_exit_stop", trigger="adverse", label="adverse reaction") for s in _ACTIVE_STEPS),
    _t("safe_exit_stop", "safe_exit_remove"),
    _t("safe_exit_remove", "safe_exit_cool"),
    _t("safe_exit_cool", "safe_exit_soothe", "tolerates_product"),
    _t("safe_exit_cool", "safe_exit_document", label="skin cannot tolerate product"),
    _t("safe_exit_soothe", "safe_exit_protect"),
    _t("safe_exit_protect", "safe_exit_document"),
    _t("safe_exit_document", "stopped", label="documented; follow-up in 24-48 h"),
)

FACIAL = FacialProtocol(
    name="medical-facial",
    version="1.0",
    initial="intake",
    states=_STATES,
    transitions=_TRANSITIONS,
    guards=_GUARDS,
    compounds={"laser": "Laser", "safe_exit": "Safe exit"},
)


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
