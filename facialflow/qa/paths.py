"""Every distinct path through a protocol, with the conditions that lead to it.

The protocol is finite, so enumeration is exhaustive and exact rather than
sampled. It walks the definition depth-first with an explicit stack (no
recursion, so a large protocol cannot overflow the call stack, the failure
XState users hit in ``getSimplePaths``) and stops with
:class:`~facialflow.errors.PathExplosion` past ``max_paths`` or ``max_depth``.

Guards are resolved against the session's :class:`~facialflow.protocol.guards.Facts`.
For *any client* no fact is known up front: a guard that reads an unknown fact
splits the walk into a branch where that fact is true and one where it is
false, and the fact then stays fixed for the rest of that branch, exactly as a
real session's facts stay fixed after intake. Only facts some guard actually
reads are branched on, so the walk stays small. For *one client* every fact is
known from its screening and only the adverse reaction branches.

An adverse reaction may happen at every state that accepts the ``adverse``
trigger, at most once per session. Its kind decides facts read later (whether
the skin tolerates product), so the walk branches once per group of kinds with
the same effect and names the kinds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import attrs
from attrs import field, frozen

from facialflow.clinic.policy import Policy
from facialflow.clinic.screening import Screening
from facialflow.errors import InvalidValueError, PathExplosion, ProtocolError
from facialflow.model import AdverseKind, Client, Effect, Outcome
from facialflow.protocol.decide import decide
from facialflow.protocol.facial import FACIAL
from facialflow.protocol.guards import Facts
from facialflow.protocol.names import Trigger
from facialflow.protocol.spec import FacialProtocol, TransitionSpec

__all__ = [
    "ADVANCE",
    "ADVERSE",
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_PATHS",
    "AdverseAt",
    "ProtocolPath",
    "adverse_effects",
    "adverse_states",
    "reaction_steps",
    "all_paths",
    "client_paths",
    "enumerate_paths",
    "paths_to_dicts",
    "route",
]

ADVANCE = Trigger.ADVANCE
ADVERSE = Trigger.ADVERSE
EMERGENCY = Trigger.EMERGENCY
DEFAULT_MAX_PATHS = 10_000
DEFAULT_MAX_DEPTH = 200

_OUTCOME_ORDER = {
    str(o): i
    for i, o in enumerate((Outcome.COMPLETE, Outcome.DECLINED, Outcome.STOPPED, Outcome.EMERGENCY))
}


@frozen
class AdverseAt:
    """Where the adverse reaction of a path happened and which reaction kinds lead there."""

    state: str
    kinds: tuple[AdverseKind, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "kinds": [str(k) for k in self.kinds]}


@frozen
class ProtocolPath:
    """One distinct path: the states in order, how it ends and why it is taken."""

    path: tuple[str, ...]
    outcome: str
    #: human-readable conditions, in the order the session meets them
    conditions: tuple[str, ...]
    #: every guard decision the path depends on (guard name -> result), in order
    guards: Mapping[str, bool] = field(factory=dict)
    adverse: AdverseAt | None = None
    #: other condition lists that lead to the very same path (empty for the facial)
    also_when: tuple[tuple[str, ...], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": list(self.path),
            "outcome": self.outcome,
            "conditions": list(self.conditions),
            "guards": dict(self.guards),
            "adverse": self.adverse.to_dict() if self.adverse else None,
        }
        if self.also_when:
            out["also_when"] = [list(c) for c in self.also_when]
        return out


def paths_to_dicts(paths: Iterable[ProtocolPath]) -> list[dict[str, Any]]:
    """The contract's paths JSON: a list of objects with ``path``, ``outcome``, ``conditions``."""
    return [p.to_dict() for p in paths]


# -- guard resolution ---------------------------------------------------------------------------


class _Unknown(Exception):
    """A guard read a fact that is not decided yet on this branch."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class _FactsView:
    """Stands in for :class:`Facts`: answers decided facts, raises :class:`_Unknown` otherwise."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, bool]) -> None:
        self._values = values

    def __getattr__(self, name: str) -> bool:
        try:
            return self._values[name]
        except KeyError:
            raise _Unknown(name) from None


_FACT_NAMES = frozenset(a.name for a in attrs.fields(Facts))


def _facts_dict(facts: Facts) -> dict[str, bool]:
    return {name: bool(getattr(facts, name)) for name in sorted(_FACT_NAMES)}


class _Choice(NamedTuple):
    transition: TransitionSpec
    facts: Mapping[str, bool]
    #: (guard, result) for every guard evaluated, in evaluation order
    evaluated: tuple[tuple[str, bool], ...]


def _resolve(
    protocol: FacialProtocol, state: str, trigger: str, facts: Mapping[str, bool]
) -> list[_Choice]:
    """Every way the first-match decision can go, splitting on facts not decided yet.

    The decision is the engine's own (:func:`~facialflow.protocol.decide.decide`);
    its guards short-circuit, so a fact a losing guard never reaches is never
    branched on.
    """
    specs = protocol.transitions
    out: list[_Choice] = []
    pending: list[Mapping[str, bool]] = [facts]
    while pending:
        current = pending.pop()
        try:
            decision = decide(protocol, state, trigger, _FactsView(current))
        except _Unknown as unknown:
            if unknown.name not in _FACT_NAMES:
                raise ProtocolError(
                    f"a guard reads {unknown.name!r}, which is not a fact"
                ) from None
            # pushed false first so the true branch is explored (and listed) first
            pending.append({**current, unknown.name: False})
            pending.append({**current, unknown.name: True})
            continue
        if decision.transition is not None:
            out.append(_Choice(specs[decision.transition], current, decision.guards))
    return out


def _conditions_of(
    protocol: FacialProtocol,
    candidates: Sequence[TransitionSpec],
    choice: _Choice,
    reasons: Mapping[tuple[str, bool], str],
) -> list[str]:
    """Plain-language conditions of one decision; nothing when there was no choice to make."""
    t = choice.transition
    if len(candidates) == 1 and not t.guards:
        return []
    if not t.guards and t.label:
        # a labelled else-branch already says why every earlier candidate lost
        out = [t.label]
    else:
        out = [f"not: {protocol.guard_map[g].label}" for g, value in choice.evaluated if not value]
        label = protocol.edge_label(t)
        if label:
            out.append(label)
    out.extend(reasons[e] for e in choice.evaluated if e in reasons)
    return out


# -- adverse reactions --------------------------------------------------------------------------


def adverse_effects() -> dict[AdverseKind, dict[str, bool]]:
    """The facts each adverse reaction kind sets (the session's R30 escalation table)."""
    # Session.report_adverse is the authority; asking it keeps the two from drifting
    from facialflow.clinic.reactions import response_to

    return {
        kind: {"tolerates_product": response_to(kind).tolerates_product}
        for kind in AdverseKind
        if not response_to(kind).emergency
    }


def emergency_kinds() -> tuple[AdverseKind, ...]:
    """First reactions that go straight to the emergency protocol (R30)."""
    from facialflow.clinic.reactions import FIRST_REACTIONS, response_to

    return tuple(k for k in FIRST_REACTIONS if response_to(k).emergency)


def _effect_groups() -> list[tuple[tuple[AdverseKind, ...], dict[str, bool]]]:
    groups: dict[tuple[tuple[str, bool], ...], list[AdverseKind]] = {}
    effects = adverse_effects()
    for kind in effects:
        key = tuple(sorted(effects[kind].items()))
        groups.setdefault(key, []).append(kind)
    # tolerated reactions first: the gentler branch reads first in listings
    ordered = sorted(groups.items(), key=lambda kv: [not v for _, v in kv[0]])
    return [(tuple(kinds), dict(key)) for key, kinds in ordered]


def _kinds_text(kinds: Sequence[AdverseKind]) -> str:
    names = [str(k) for k in kinds]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def adverse_states(protocol: FacialProtocol = FACIAL) -> tuple[str, ...]:
    """States at which an adverse reaction can be reported, in definition order."""
    return tuple(s for s in protocol.state_names if ADVERSE in protocol.outgoing[s])


def reaction_steps(protocol: FacialProtocol = FACIAL) -> tuple[str, ...]:
    """The states after intake where simulation and check inject a reaction ("after intake")."""
    return tuple(s for s in adverse_states(protocol) if s != protocol.initial)


# -- the walk -----------------------------------------------------------------------------------


class _Frame(NamedTuple):
    state: str
    path: tuple[str, ...]
    facts: Mapping[str, bool]
    guards: tuple[tuple[str, bool], ...]
    conditions: tuple[str, ...]
    adverse: AdverseAt | None


def enumerate_paths(
    protocol: FacialProtocol = FACIAL,
    facts: Facts | None = None,
    *,
    adverse: bool = True,
    reasons: Mapping[tuple[str, bool], str] | None = None,
    max_paths: int = DEFAULT_MAX_PATHS,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> tuple[ProtocolPath, ...]:
    """Every distinct path of ``protocol``.

    ``facts``: a client's screened facts; None for any client (every fact
    combination a guard can see). ``adverse``: also follow an adverse reaction
    at every state that accepts one. ``reasons``: extra text to add where a
    guard comes out a given way, keyed ``(guard, result)`` (a client's
    screening reasons). Paths come ordered by outcome (complete,
    declined, stopped), then in the order the walk meets them.

    Raises :class:`PathExplosion` when there are more than ``max_paths`` paths
    or a path grows longer than ``max_depth`` states (a cycle, or a protocol
    too large to list).
    """
    if max_paths < 1 or max_depth < 1:
        raise InvalidValueError("max_paths and max_depth must be at least 1")
    start_facts: Mapping[str, bool] = {} if facts is None else _facts_dict(facts)
    groups = _effect_groups() if adverse else []
    why: Mapping[tuple[str, bool], str] = reasons or {}
    found: dict[tuple[str, ...], ProtocolPath] = {}
    order: list[tuple[str, ...]] = []
    initial = protocol.initial
    stack = [_Frame(initial, (initial,), start_facts, (), (), None)]
    # many routes to the same few paths could still take exponential work: cap the walk too
    budget = max_paths * max_depth
    while stack:
        budget -= 1
        if budget < 0:
            raise PathExplosion(
                f"the walk took more than {max_paths * max_depth} steps; "
                "raise max_paths or max_depth if the protocol is finite"
            )
        frame = stack.pop()
        if frame.state in protocol.final_states:
            _record(found, order, frame, max_paths)
            continue
        if len(frame.path) >= max_depth:
            raise PathExplosion(
                f"a path grew past {max_depth} states ({' -> '.join(frame.path[:8])} -> ...): "
                "the protocol has a cycle or is too deep to list; raise max_depth if it is finite"
            )
        out = protocol.outgoing[frame.state]
        children: list[_Frame] = []
        # the adverse branches first, so stopped paths list from the earliest reaction on
        if ADVERSE in out and frame.adverse is None:
            candidates = out[ADVERSE]
            for kinds, effect in groups:
                at = AdverseAt(frame.state, kinds)
                for choice in _resolve(protocol, frame.state, ADVERSE, {**frame.facts, **effect}):
                    label = protocol.edge_label(choice.transition) or "adverse reaction"
                    lead = (f"{label} at {frame.state}", f"reaction: {_kinds_text(kinds)}")
                    children.append(_step(protocol, frame, candidates, choice, at, why, lead))
        if adverse and EMERGENCY in out:
            candidates = out[EMERGENCY]
            if frame.adverse is None:
                # a severe first reaction: straight to the emergency protocol
                severe = emergency_kinds()
                at = AdverseAt(frame.state, severe)
                lead = (f"severe reaction at {frame.state}", f"reaction: {_kinds_text(severe)}")
                for choice in _resolve(protocol, frame.state, EMERGENCY, frame.facts):
                    children.append(_step(protocol, frame, candidates, choice, at, why, lead))
            else:
                worse = (f"the reaction worsens at {frame.state}",)
                for choice in _resolve(protocol, frame.state, EMERGENCY, frame.facts):
                    children.append(
                        _step(protocol, frame, candidates, choice, frame.adverse, why, worse)
                    )
        for trigger, candidates in out.items():
            if trigger in (ADVERSE, EMERGENCY):
                continue
            for choice in _resolve(protocol, frame.state, trigger, frame.facts):
                children.append(_step(protocol, frame, candidates, choice, frame.adverse, why))
        # reversed so the first candidate is explored, and listed, first
        stack.extend(reversed(children))
    paths = [found[p] for p in order]
    paths.sort(key=lambda p: _OUTCOME_ORDER.get(p.outcome, len(_OUTCOME_ORDER)))
    return tuple(paths)


def _step(
    protocol: FacialProtocol,
    frame: _Frame,
    candidates: Sequence[TransitionSpec],
    choice: _Choice,
    adverse: AdverseAt | None,
    reasons: Mapping[tuple[str, bool], str],
    lead: tuple[str, ...] = (),
) -> _Frame:
    dest = choice.transition.dest
    return _Frame(
        state=dest,
        path=(*frame.path, dest),
        facts=choice.facts,
        guards=(*frame.guards, *choice.evaluated),
        conditions=(
            *frame.conditions,
            *lead,
            *_conditions_of(protocol, candidates, choice, reasons),
        ),
        adverse=adverse,
    )


def _record(
    found: dict[tuple[str, ...], ProtocolPath],
    order: list[tuple[str, ...]],
    frame: _Frame,
    max_paths: int,
) -> None:
    conditions = tuple(dict.fromkeys(frame.conditions))
    known = found.get(frame.path)
    if known is not None:
        if conditions != known.conditions and conditions not in known.also_when:
            found[frame.path] = attrs.evolve(known, also_when=(*known.also_when, conditions))
        return
    if len(found) >= max_paths:
        raise PathExplosion(
            f"more than {max_paths} distinct paths; raise max_paths or list the paths of one client"
        )
    found[frame.path] = ProtocolPath(
        path=frame.path,
        outcome=frame.state,
        conditions=conditions,
        guards=dict(frame.guards),
        adverse=frame.adverse,
    )
    order.append(frame.path)


def all_paths(
    *,
    protocol: FacialProtocol = FACIAL,
    adverse: bool = True,
    max_paths: int = DEFAULT_MAX_PATHS,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> tuple[ProtocolPath, ...]:
    """Every path any client can take: all guard outcomes, an adverse reaction at any step."""
    return enumerate_paths(
        protocol, None, adverse=adverse, max_paths=max_paths, max_depth=max_depth
    )


def client_paths(
    client: Client,
    *,
    date: dt.date | None = None,
    policy: Policy | str | None = None,
    protocol: FacialProtocol = FACIAL,
    adverse: bool = True,
    plugins: Any = None,
    max_paths: int = DEFAULT_MAX_PATHS,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> tuple[ProtocolPath, ...]:
    """Every path this client can take on ``date`` under ``policy``.

    The facts come from starting a real session, so a decline the product
    selection adds (no tolerated sunscreen, R27) counts as well as screening;
    the conditions name the client's own reasons (which contraindication).
    """
    from facialflow.session.live import Session

    session = Session.start(client, date=date, policy=policy, plugins=plugins, protocol=protocol)
    return enumerate_paths(
        protocol,
        session.facts,
        adverse=adverse,
        reasons=_screening_reasons(session.screening),
        max_paths=max_paths,
        max_depth=max_depth,
    )


def _screening_reasons(screening: Screening) -> dict[tuple[str, bool], str]:
    out: dict[tuple[str, bool], str] = {}
    if screening.declined:
        out["session_blocked", True] = "declined: " + "; ".join(screening.decline_reasons)
    for guard, step in (("extraction_indicated", "extraction"), ("laser_indicated", "laser")):
        if step in screening.skipped:
            out[guard, False] = f"{step} skipped: {screening.skipped[step]}"
    spots = [
        f.reason
        for f in screening.findings
        if f.step == "laser" and f.effect is Effect.REQUIRE and "test spot" in f.reason
    ]
    if spots:
        out["test_spot_required", True] = "; ".join(spots)
    return out


def route(facts: Facts, protocol: FacialProtocol = FACIAL) -> tuple[str, ...]:
    """The path a session with ``facts`` takes when nothing goes wrong."""
    (only,) = enumerate_paths(protocol, facts, adverse=False)
    return only.path
