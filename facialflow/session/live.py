"""Live sessions: the typed API a clinic application embeds.

A :class:`Session` is a small slotted record stepped by the shared engine.
Start one for a client on a date under a policy, :meth:`~Session.advance` it
(the engine picks the branch), :meth:`~Session.report_adverse` at any step
after intake, ask :meth:`~Session.can` / :meth:`~Session.why` without side
effects, and :meth:`~Session.snapshot` / :meth:`Session.restore` it as a
JSON-compatible dict. Listeners see every step.

Thread safety: a session belongs to one thread at a time (like a file
object); any number of threads may start, step, snapshot and restore their
own sessions at once. The engine, the compiled decisions and the memoised
intake they share are never changed by stepping (the caches only gain equal
entries), so no lock is taken on the way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
from attrs import frozen

from facialflow.clinic.policy import Policy, load_policy
from facialflow.clinic.reactions import (
    AdverseRecord,
    escalate,
    escalates,
    response_to,
)
from facialflow.clinic.screening import Screening
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
from facialflow.protocol.decide import checked
from facialflow.protocol.engine import Engine, engine_for
from facialflow.protocol.facial import FACIAL
from facialflow.protocol.guards import Facts
from facialflow.protocol.names import Trigger
from facialflow.protocol.spec import FacialProtocol
from facialflow.session.intake import decide_intake
from facialflow.session.outcome import (
    applied_products,
    session_warnings,
    skipped_steps,
    sunscreen_applied,
)
from facialflow.session.restore_checks import check_products, checked_route
from facialflow.session.snapshot import (
    SnapshotParts,
    catalog_digest,
    decode_snapshot,
    encode_snapshot,
)

__all__ = ["CandidateCheck", "Listener", "Session", "StepEvent"]


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
        "_given",
        "_plugins",
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
        plugins: Any = None,
        given: bool = False,
    ) -> None:
        self.client = client
        self.date = date
        self.policy = policy
        self.screening = screening
        self.selection = selection
        self.facts: Facts = screening.facts
        self._engine = engine
        self._plugins = plugins
        self._given = given
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
        built-in plugins); pass ``selection`` to use products chosen elsewhere: they
        pass the same safety filter as the plugins' choices.
        """
        day = date if date is not None else dt.date.today()
        pol = policy if isinstance(policy, Policy) else load_policy(policy)
        if plugins is None:
            from facialflow.products.loading import load_plugins

            plugins = load_plugins()
        screening, chosen = decide_intake(client, day, pol, selection=selection, plugins=plugins)
        given = selection is not None
        if given:
            # the products the plugins would choose anyway are recorded by reference
            derived = decide_intake(client, day, pol, plugins=plugins)
            if derived[1].steps == chosen.steps:
                screening, chosen, given = *derived, False
        return cls(
            client,
            day,
            pol,
            screening,
            chosen,
            engine=engine_for(protocol),
            listeners=listeners,
            plugins=plugins,
            given=given,
        )

    @classmethod
    def positioned(
        cls,
        client: Client,
        date: dt.date,
        policy: Policy,
        screening: Screening,
        selection: Selection,
        *,
        path: Sequence[str],
        adverse: AdverseRecord | None,
        facts: Facts,
        protocol: FacialProtocol = FACIAL,
    ) -> Session:
        """A session where a route the engine decided left it (for services that decide routes).

        Nothing is checked: use :meth:`restore` for anything stored or received.
        """
        engine = engine_for(protocol)
        session = cls(client, date, policy, screening, selection, engine=engine)
        session._place(path, adverse, facts)
        return session

    def _place(self, path: Sequence[str], adverse: AdverseRecord | None, facts: Facts) -> None:
        self.state = self._engine.to_internal[path[-1]]
        self.path = list(path)
        self.adverse = adverse
        self.facts = facts

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
        return self.state in self._engine.finals

    @property
    def outcome(self) -> Outcome | None:
        return Outcome(self.current) if self.finished else None

    def allowed(self) -> tuple[str, ...]:
        """Triggers the current state accepts (``advance``, ``adverse``)."""
        return self._engine.allowed(self.current)

    def why(self, trigger: str = Trigger.ADVANCE) -> tuple[CandidateCheck, ...]:
        """Each candidate of ``trigger`` in evaluation order, its guard results and the winner.

        Pure: evaluates guards on the frozen facts, calls no transitions callback.
        The winner is the engine's own first-match decision.
        """
        table = self._engine.table
        here = self.current
        winner = table.winner(here, trigger, self.facts)
        out: list[CandidateCheck] = []
        for cand in table.candidates.get((here, trigger), ()):
            results = {name: checked(name, guard(self.facts)) for name, guard in cand.guards}
            chosen = winner is not None and cand.position == winner.position
            out.append(CandidateCheck(dest=cand.dest, guards=results, chosen=chosen))
        return tuple(out)

    def can(self, trigger: str = Trigger.ADVANCE) -> bool:
        """Whether ``trigger`` would move the session now. Pure, like :meth:`why`."""
        return self._engine.table.winner(self.current, trigger, self.facts) is not None

    def next_state(self) -> str | None:
        """Where ``advance`` would go, or None in a final state. Pure, like :meth:`why`."""
        winner = self._engine.table.winner(self.current, Trigger.ADVANCE, self.facts)
        return None if winner is None else winner.dest

    def planned_path(self) -> tuple[str, ...]:
        """The whole path the engine decides for this session's facts, if nothing goes wrong.

        Pure and memoised per facts: nothing is stepped and no listener fires.
        """
        return self._engine.route(self.facts)

    # -- stepping ---------------------------------------------------------------------------

    def advance(self) -> str:
        """Finish the current step and enter the next one; returns the new state."""
        self._engine.fire(self, Trigger.ADVANCE)
        return self.current

    def report_adverse(self, kind: AdverseKind | str, note: str = "") -> str:
        """A reaction now (intake too): the safe exit, or the emergency protocol (R30, R31).

        During the safe exit any report (``worsening``, ``syncope``) escalates to the emergency.
        """
        try:
            reaction = AdverseKind(kind)
        except ValueError:
            allowed = ", ".join(k.value for k in AdverseKind)
            raise InvalidReaction(f"unknown adverse reaction {kind!r}; known: {allowed}") from None
        here = self.current
        allowed_now = self.allowed()
        if self.adverse is not None and Trigger.EMERGENCY in allowed_now:
            if not escalates(reaction):
                raise InvalidReaction(
                    f"{reaction} during the safe exit: the safe exit already cares for the "
                    f"{self.adverse.kind} reported at {self.adverse.step}; report 'worsening' "
                    "or a severe reaction to start the emergency protocol"
                )
            # during the safe exit: the reaction got worse
            self.adverse = escalate(self.adverse, reaction, here)
            self.facts = attrs.evolve(self.facts, tolerates_product=False)
            self._engine.fire(self, Trigger.EMERGENCY)
            return self.current
        if reaction is AdverseKind.WORSENING:
            raise InvalidReaction(
                f"'worsening' at {here}: no reaction was reported to worsen; report the "
                "reaction itself (for example anaphylaxis or dyspnoea)"
            )
        response = response_to(reaction)
        severe = response.emergency and Trigger.EMERGENCY in allowed_now
        if not severe and Trigger.ADVERSE not in allowed_now:
            raise InvalidStep(Trigger.ADVERSE, here, allowed_now)
        self.adverse = AdverseRecord(reaction, here, response.escalation, note)
        self.facts = attrs.evolve(self.facts, tolerates_product=response.tolerates_product)
        self._engine.fire(self, Trigger.EMERGENCY if severe else Trigger.ADVERSE)
        if response.emergency and not severe:
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
        return applied_products(set(self.path), self.selection)

    def skipped(self) -> dict[str, str]:
        return skipped_steps(self.path, self.screening, self.adverse, self._engine.protocol)

    def warnings(self) -> tuple[str, ...]:
        return session_warnings(
            self.screening,
            self.selection,
            self.adverse,
            self.facts.tolerates_product,
            sunscreen_applied(self.path, self.selection),
        )

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
        """A JSON-compatible dict of the session's facts that :meth:`restore` re-derives from."""
        catalog = None
        if not self._given:
            plugins = self._plugins
            if plugins is None:
                from facialflow.products.loading import load_plugins

                plugins = load_plugins()
            catalog = catalog_digest(plugins)
        parts = SnapshotParts(
            self.client,
            self.date,
            self.policy,
            self.current,
            tuple(self.path),
            self.adverse,
            catalog=catalog,
        )
        return encode_snapshot(parts, self.protocol, self.selection)

    @classmethod
    def restore(
        cls,
        data: Mapping[str, Any],
        *,
        listeners: Sequence[Listener] = (),
        protocol: FacialProtocol = FACIAL,
        plugins: Any = None,
    ) -> Session:
        """Rebuild a session from :meth:`snapshot` without firing any callback or listener.

        Nothing recorded is trusted: the screening, the products (with
        ``plugins``, default the built-in set) and the route are derived again
        from the client, the date and the policy, and a snapshot whose products
        or path disagree with them is refused with a :class:`SnapshotError`
        naming the difference.
        """
        parts = decode_snapshot(data, protocol)
        if plugins is None:
            from facialflow.products.loading import load_plugins

            plugins = load_plugins()
        if parts.catalog is not None and parts.catalog != catalog_digest(plugins):
            raise SnapshotError(
                f"snapshot products come from catalog {parts.catalog}; the plugins loaded "
                f"now are {catalog_digest(plugins)}"
            )
        given = None if parts.legacy else parts.given
        screening, selection = decide_intake(
            parts.client, parts.date, parts.policy, selection=given, plugins=plugins
        )
        check_products(parts, selection)
        session = cls(
            parts.client,
            parts.date,
            parts.policy,
            screening,
            selection,
            engine=engine_for(protocol),
            listeners=listeners,
            plugins=plugins,
            given=given is not None,
        )
        session._place(*checked_route(session._engine, session.facts, parts.path, parts.adverse))
        return session
