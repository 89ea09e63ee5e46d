"""Live sessions: the typed API a clinic application embeds.

A :class:`Session` is a small slotted record stepped by the shared engine.
Start one for a client on a date under a policy, :meth:`~Session.advance` it
(the engine picks the branch), :meth:`~Session.report_adverse` at any step
after intake, ask :meth:`~Session.can` / :meth:`~Session.why` without side
effects, and :meth:`~Session.snapshot` / :meth:`Session.restore` it as a
JSON-compatible dict. Listeners see every step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
from attrs import frozen

from facialflow.clinic.policy import Policy, load_policy
from facialflow.clinic.reactions import AdverseRecord, emergency_grade, escalate, response_to
from facialflow.clinic.screening import CONDITIONAL_STEPS, Screening
from facialflow.errors import InvalidReaction, InvalidStep, SnapshotError
from facialflow.model import (
    AdverseKind,
    AppliedProduct,
    Client,
    Outcome,
    Product,
    Selection,
    SessionResult,
)
from facialflow.products.hookspecs import STEPS
from facialflow.protocol.engine import Engine, engine_for
from facialflow.protocol.facial import FACIAL
from facialflow.protocol.guards import GUARDS, Facts
from facialflow.protocol.names import Step, Trigger
from facialflow.protocol.spec import FacialProtocol, TransitionSpec
from facialflow.session.intake import decide_intake
from facialflow.session.snapshot import SnapshotParts, decode_snapshot, encode_snapshot

__all__ = ["CandidateCheck", "Listener", "Session", "StepEvent"]

SNAPSHOT_FORMAT = "facialflow.session/1"


@frozen
class StepEvent:
    """What a listener sees after each step."""

    client_id: str
    trigger: str
    source: str
    state: str
    products: tuple[Product, ...]


Listener = Callable[[StepEvent], None]


@frozen
class CandidateCheck:
    """One candidate transition as :meth:`Session.why` evaluated it."""

    dest: str
    guards: Mapping[str, bool]
    chosen: bool


class Session:
    """One client's facial in progress. Create with :meth:`start` or :meth:`restore`."""

    __slots__ = (
        "_engine",
        "adverse",
        "client",
        "date",
        "facts",
        "listeners",
        "path",
        "policy",
        "screening",
        "selection",
        "state",
    )

    def __init__(
        self,
        client: Client,
        date: dt.date,
        policy: Policy,
        screening: Screening,
        selection: Selection,
        *,
        engine: Engine,
        listeners: Sequence[Listener] = (),
    ) -> None:
        self.client = client
        self.date = date
        self.policy = policy
        self.screening = screening
        self.selection = selection
        self.facts: Facts = screening.facts
        self._engine = engine
        self.state: str = engine.initial
        self.path: list[str] = [engine.protocol.initial]
        self.adverse: AdverseRecord | None = None
        self.listeners: tuple[Listener, ...] = tuple(listeners)

    # -- creation ---------------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        client: Client,
        *,
        date: dt.date | None = None,
        policy: Policy | str | None = None,
        selection: Selection | None = None,
        plugins: Any = None,
        listeners: Sequence[Listener] = (),
        protocol: FacialProtocol = FACIAL,
    ) -> Session:
        """Screen ``client`` and open a session at ``intake``.

        ``plugins`` is a :class:`facialflow.products.loading.PluginSet` (default: the
        built-in plugins); pass ``selection`` to reuse products already chosen.
        """
        day = date if date is not None else dt.date.today()
        pol = policy if isinstance(policy, Policy) else load_policy(policy)
        screening, selection = decide_intake(client, day, pol, selection=selection, plugins=plugins)
        return cls(
            client, day, pol, screening, selection, engine=engine_for(protocol), listeners=listeners
        )

    # -- reading ----------------------------------------------------------------------------

    @property
    def current(self) -> str:
        """The current state's public name (``laser_cooling``, not transitions' ``laser.cooling``)."""
        return self._engine.to_public[self.state]

    @property
    def protocol(self) -> FacialProtocol:
        return self._engine.protocol

    @property
    def finished(self) -> bool:
        return self.current in self._engine.protocol.final_states

    @property
    def outcome(self) -> Outcome | None:
        return Outcome(self.current) if self.finished else None

    def allowed(self) -> tuple[str, ...]:
        """Triggers the current state accepts (``advance``, ``adverse``)."""
        return self._engine.allowed(self.current)

    def why(self, trigger: str = Trigger.ADVANCE) -> tuple[CandidateCheck, ...]:
        """Each candidate of ``trigger`` in evaluation order, its guard results and the winner.

        Pure: evaluates guards on the frozen facts, calls no transitions callback.
        """
        candidates: tuple[TransitionSpec, ...] = self._engine.protocol.outgoing[self.current].get(
            trigger, ()
        )
        out: list[CandidateCheck] = []
        chosen = False
        for t in candidates:
            results = {g: GUARDS[g](self.facts) for g in t.guards}
            wins = not chosen and all(results.values())
            chosen = chosen or wins
            out.append(CandidateCheck(dest=t.dest, guards=results, chosen=wins))
        return tuple(out)

    def can(self, trigger: str = Trigger.ADVANCE) -> bool:
        """Whether ``trigger`` would move the session now. Pure, like :meth:`why`."""
        return any(c.chosen for c in self.why(trigger))

    def next_state(self) -> str | None:
        """Where ``advance`` would go, or None in a final state. Pure, like :meth:`why`."""
        facts = self.facts
        for t in self._engine.protocol.outgoing[self.current].get(Trigger.ADVANCE, ()):
            if all(GUARDS[g](facts) for g in t.guards):
                return t.dest
        return None

    # -- stepping ---------------------------------------------------------------------------

    def advance(self) -> str:
        """Finish the current step and enter the next one; returns the new state."""
        self._engine.fire(self, Trigger.ADVANCE)
        return self.current

    def report_adverse(self, kind: AdverseKind | str, note: str = "") -> str:
        """An adverse reaction during the current step (intake included).

        The safe exit (R30, R31), or the emergency protocol for an emergency-grade
        reaction; during the safe exit, a reaction that gets worse (any report, typically
        ``worsening`` or ``syncope``) escalates to the emergency protocol.
        """
        try:
            reaction = AdverseKind(kind)
        except ValueError:
            allowed = ", ".join(k.value for k in AdverseKind)
            raise InvalidReaction(f"unknown adverse reaction {kind!r}; known: {allowed}") from None
        here = self.current
        allowed_now = self.allowed()
        if self.adverse is not None and Trigger.EMERGENCY in allowed_now:
            # during the safe exit: the reaction got worse
            self.adverse = escalate(self.adverse, reaction, here)
            self.facts = attrs.evolve(self.facts, tolerates_product=False)
            self._engine.fire(self, Trigger.EMERGENCY)
            return self.current
        response = response_to(reaction)
        severe = response.emergency and Trigger.EMERGENCY in allowed_now
        if not severe and Trigger.ADVERSE not in allowed_now:
            raise InvalidStep(Trigger.ADVERSE, here, allowed_now)
        self.adverse = AdverseRecord(reaction, here, response.escalation, note)
        self.facts = attrs.evolve(self.facts, tolerates_product=response.tolerates_product)
        if severe:
            self._engine.fire(self, Trigger.EMERGENCY)
            return self.current
        self._engine.fire(self, Trigger.ADVERSE)
        if response.emergency:
            # at intake nothing is on the skin: the safe exit stops, then the emergency protocol
            self._engine.fire(self, Trigger.EMERGENCY)
        return self.current

    def run(self) -> SessionResult:
        """Advance to a final state and return the result."""
        while not self.finished:
            self.advance()
        return self.result()

    def _entered(self, state: str, trigger: str, source: str) -> None:
        self.path.append(state)
        if self.listeners:
            event = StepEvent(
                self.client.id, trigger, source, state, self.selection.for_step(state)
            )
            for listener in self.listeners:
                listener(event)

    # -- results ----------------------------------------------------------------------------

    def applied(self) -> tuple[AppliedProduct, ...]:
        seen = set(self.path)
        return tuple(
            AppliedProduct(step, product)
            for step in STEPS
            if step in seen
            for product in self.selection.for_step(step)
        )

    def skipped(self) -> dict[str, str]:
        protocol = self._engine.protocol
        done = {protocol.step_of(s) for s in self.path}
        out: dict[str, str] = {}
        for step in CONDITIONAL_STEPS:
            if step in done:
                continue
            if step in self.screening.skipped:
                out[step] = self.screening.skipped[step]
            elif self.adverse is not None:
                out[step] = f"session stopped: {self.adverse.kind} at {self.adverse.step}"
        return out

    def warnings(self) -> tuple[str, ...]:
        out: list[str] = []
        if not self.screening.declined:
            out.extend(self.screening.warnings)
            out.extend(self.selection.warnings)
            out.extend(f"{step}: {why}" for step, why in self.selection.missing.items())
        if self.adverse is not None:
            out.append(
                f"adverse reaction ({self.adverse.kind}) at {self.adverse.step}: {self.adverse.escalation}"
            )
            if not self.facts.tolerates_product:
                out.append(
                    "skin could not tolerate product: sun-avoidance advice given instead of SPF"
                )
            elif not any(a.step == "safe_exit_protect" for a in self.applied()):
                # R27: no sunscreen could be applied (none tolerated, or none safe for the client)
                out.append(
                    "no sunscreen could be applied: sun-avoidance advice given instead of SPF"
                )
        return tuple(out)

    def result(self) -> SessionResult:
        return SessionResult(
            client=self.client,
            outcome=self.outcome,
            path=tuple(self.path),
            products=self.applied(),
            skipped=self.skipped(),
            warnings=self.warnings(),
            policy=self.policy.name,
            date=self.date,
            findings=self.screening.findings,
            adverse=self.adverse.to_dict() if self.adverse else None,
        )

    # -- persistence ------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """A JSON-compatible dict that :meth:`restore` turns back into this session."""
        parts = SnapshotParts(
            self.client,
            self.date,
            self.policy,
            self.selection,
            self.current,
            tuple(self.path),
            self.adverse,
        )
        return encode_snapshot(parts, self.protocol)

    @classmethod
    def restore(
        cls,
        data: Mapping[str, Any],
        *,
        listeners: Sequence[Listener] = (),
        protocol: FacialProtocol = FACIAL,
    ) -> Session:
        """Rebuild a session from :meth:`snapshot` without firing any callback or listener.

        The recorded path is replayed against the protocol and the client's
        screening, so a snapshot that was edited into an impossible session is refused.
        """
        parts = decode_snapshot(data, protocol)
        session = cls.start(
            parts.client,
            date=parts.date,
            policy=parts.policy,
            selection=parts.selection,
            listeners=listeners,
            protocol=protocol,
        )
        session.replay(parts.path, parts.adverse)
        return session

    def replay(self, path: Sequence[str], adverse: AdverseRecord | None) -> None:
        """Walk ``path`` from a fresh session through the protocol, firing nothing (restore)."""
        initial = self._engine.protocol.initial
        if path[0] != initial:
            raise SnapshotError(f"snapshot path must start at {initial}")
        for nxt in path[1:]:
            here = self.current
            if (
                adverse is not None
                and self.adverse is None
                and here == adverse.step
                and nxt == self._adverse_target(adverse.kind)
            ):
                self.adverse = adverse
                response = response_to(adverse.kind)
                self.facts = attrs.evolve(self.facts, tolerates_product=response.tolerates_product)
            elif (
                adverse is not None
                and self.adverse is not None
                and nxt == Step.EMERGENCY
                and Trigger.EMERGENCY in self.allowed()
                and (
                    adverse.worsened_at == here
                    or (adverse.step == initial and emergency_grade(adverse.kind))
                )
            ):
                self.facts = attrs.evolve(self.facts, tolerates_product=False)
            elif nxt != self.next_state():
                raise SnapshotError(
                    f"snapshot path {here} -> {nxt} is not what the protocol does for this "
                    f"client (it would go to {self.next_state()})"
                )
            self.path.append(nxt)
            self.state = self._engine.to_internal[nxt]
        if adverse is not None and self.adverse is None:
            raise SnapshotError(f"snapshot records a reaction at {adverse.step}, not on its path")

    def _adverse_target(self, kind: AdverseKind) -> str | None:
        outgoing = self._engine.protocol.outgoing[self.current]
        response = response_to(kind)
        facts = attrs.evolve(self.facts, tolerates_product=response.tolerates_product)
        triggers = (Trigger.EMERGENCY, Trigger.ADVERSE) if response.emergency else ()
        for trigger in (*triggers, Trigger.ADVERSE):
            for t in outgoing.get(trigger, ()):
                if all(GUARDS[g](facts) for g in t.guards):
                    return t.dest
        return None
