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
from functools import lru_cache
from typing import Any

import attrs
from attrs import frozen

from facialflow.clientfile import client_from_dict, client_to_dict
from facialflow.engine import Engine, engine_for
from facialflow.errors import InvalidReaction, InvalidStep, SnapshotError
from facialflow.guards import GUARDS, Facts
from facialflow.hookspecs import STEPS
from facialflow.model import (
    AdverseKind,
    AppliedProduct,
    Client,
    Outcome,
    Product,
    ProductKind,
    Selection,
    SessionResult,
)
from facialflow.policy import Policy, load_policy, policy_from_dict, policy_to_dict
from facialflow.protocol import FACIAL, FacialProtocol, TransitionSpec
from facialflow.screening import CONDITIONAL_STEPS, Screening, decline, screen

__all__ = [
    "SNAPSHOT_FORMAT",
    "AdverseRecord",
    "CandidateCheck",
    "Listener",
    "Session",
    "StepEvent",
    "product_from_dict",
    "reaction_response",
    "product_to_full_dict",
    "session_to_dict",
    "settle_intake",
]

SNAPSHOT_FORMAT = "facialflow.session/1"


# R30/R31: what each reaction escalates to, and whether the skin may take product afterwards
_ESCALATION: Mapping[AdverseKind, tuple[str, bool]] = {
    AdverseKind.IRRITATION: ("follow up within 24-48 h", True),
    AdverseKind.VASOVAGAL: (
        "recline supine with legs raised, cool compresses, sit up gradually before standing",
        True,
    ),
    AdverseKind.URTICARIA: ("consider an antihistamine through a clinician", False),
    AdverseKind.BLISTERING: ("physician or dermatologist the same day", False),
    AdverseKind.ANAPHYLAXIS: ("emergency protocol", False),
}


def reaction_response(kind: AdverseKind | str) -> tuple[str, bool]:
    """What a reaction escalates to, and whether the skin may still take product (R30, R31)."""
    return _ESCALATION[AdverseKind(kind)]


@frozen
class AdverseRecord:
    kind: AdverseKind
    step: str
    escalation: str
    note: str = ""

    def to_dict(self) -> dict[str, str]:
        return {
            "kind": str(self.kind),
            "step": self.step,
            "escalation": self.escalation,
            "note": self.note,
        }


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


def product_to_full_dict(p: Product) -> dict[str, Any]:
    return {
        "name": p.name,
        "kind": str(p.kind),
        "ingredients": list(p.ingredients),
        "strengths": dict(p.strengths),
        "spf": p.spf,
        "rx_only": p.rx_only,
        "tags": sorted(p.tags),
    }


def product_from_dict(d: Mapping[str, Any]) -> Product:
    return _product(
        d["name"],
        d["kind"],
        tuple(d["ingredients"]),
        tuple(sorted(d.get("strengths", {}).items())),
        d.get("spf"),
        d.get("rx_only", False),
        tuple(d.get("tags", ())),
    )


@lru_cache(maxsize=4096)
def _product(
    name: str,
    kind: str,
    ingredients: tuple[str, ...],
    strengths: tuple[tuple[str, float], ...],
    spf: int | None,
    rx_only: bool,
    tags: tuple[str, ...],
) -> Product:
    # restoring many sessions rebuilds the same few catalog products: build each once
    return Product(
        name=name,
        kind=kind,
        ingredients=ingredients,
        strengths=dict(strengths),
        spf=spf,
        rx_only=rx_only,
        tags=tags,
    )


def _policy_ref(policy: Policy) -> dict[str, Any]:
    """A preset by name and digest; any other policy with all its values."""
    ref: dict[str, Any] = {"name": policy.name, "digest": policy.digest}
    if not policy.is_preset:
        ref["values"] = policy_to_dict(policy)
    return ref


def _policy_from_ref(ref: Mapping[str, Any]) -> Policy:
    if "values" in ref:
        policy = policy_from_dict(ref["values"], source="snapshot policy")
    else:
        policy = load_policy(ref["name"])
    if policy.digest != ref["digest"]:
        raise SnapshotError(
            f"policy {ref['name']!r} has changed since the snapshot was taken "
            f"({ref['digest']} then, {policy.digest} now)"
        )
    return policy


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

        ``plugins`` is a :class:`facialflow.plugins.PluginSet` (default: the
        built-in plugins); pass ``selection`` to reuse products already chosen.
        """
        day = date if date is not None else dt.date.today()
        pol = policy if isinstance(policy, Policy) else load_policy(policy)
        screening = screen(client, day, pol)
        if selection is None:
            from facialflow.selection import choose_products

            selection = choose_products(client, screening, pol, plugins=plugins)
        screening, selection = settle_intake(screening, selection, pol)
        return cls(
            client, day, pol, screening, selection, engine=engine_for(protocol), listeners=listeners
        )

    # -- reading ----------------------------------------------------------------------------

    @property
    def current(self) -> str:
        """The current state's public name (``laser_cooling``, not transitions' ``laser.cooling``)."""
        return self._engine.to_public[self.state]

    @property
    def finished(self) -> bool:
        return self.current in self._engine.protocol.final_states

    @property
    def outcome(self) -> Outcome | None:
        return Outcome(self.current) if self.finished else None

    def allowed(self) -> tuple[str, ...]:
        """Triggers the current state accepts (``advance``, ``adverse``)."""
        return self._engine.allowed(self.current)

    def why(self, trigger: str = "advance") -> tuple[CandidateCheck, ...]:
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

    def can(self, trigger: str = "advance") -> bool:
        """Whether ``trigger`` would move the session now. Pure, like :meth:`why`."""
        return any(c.chosen for c in self.why(trigger))

    def next_state(self) -> str | None:
        """Where ``advance`` would go, or None in a final state. Pure, like :meth:`why`."""
        facts = self.facts
        for t in self._engine.protocol.outgoing[self.current].get("advance", ()):
            if all(GUARDS[g](facts) for g in t.guards):
                return t.dest
        return None

    # -- stepping ---------------------------------------------------------------------------

    def advance(self) -> str:
        """Finish the current step and enter the next one; returns the new state."""
        self._engine.fire(self, "advance")
        return self.current

    def report_adverse(self, kind: AdverseKind | str, note: str = "") -> str:
        """An adverse reaction during the current step: take the safe exit (R30)."""
        try:
            reaction = AdverseKind(kind)
        except ValueError:
            allowed = ", ".join(k.value for k in AdverseKind)
            raise InvalidReaction(f"unknown adverse reaction {kind!r}; known: {allowed}") from None
        here = self.current
        if "adverse" not in self.allowed():
            raise InvalidStep("adverse", here, self.allowed())
        escalation, tolerates = _ESCALATION[reaction]
        self.adverse = AdverseRecord(reaction, here, escalation, note)
        self.facts = attrs.evolve(self.facts, tolerates_product=tolerates)
        self._engine.fire(self, "adverse")
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
        protocol = self._engine.protocol
        return {
            "format": SNAPSHOT_FORMAT,
            "protocol": {
                "name": protocol.name,
                "version": protocol.version,
                "digest": protocol.digest,
            },
            "client": client_to_dict(self.client),
            "date": self.date.isoformat(),
            "policy": _policy_ref(self.policy),
            "state": self.current,
            "path": list(self.path),
            "selection": {
                "steps": {
                    k: [product_to_full_dict(p) for p in v] for k, v in self.selection.steps.items()
                },
                "warnings": list(self.selection.warnings),
                "missing": dict(self.selection.missing),
                "sources": dict(self.selection.sources),
            },
            "adverse": self.adverse.to_dict() if self.adverse else None,
        }

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
        if not isinstance(data, Mapping) or data.get("format") != SNAPSHOT_FORMAT:
            raise SnapshotError(
                f"not a facialflow session snapshot (expected format {SNAPSHOT_FORMAT})"
            )
        engine = engine_for(protocol)
        try:
            meta = data["protocol"]
            if not isinstance(meta, Mapping):
                raise TypeError("protocol must be an object")
            if meta.get("digest") != protocol.digest:
                raise SnapshotError(
                    f"snapshot was taken with protocol {meta.get('name')} {meta.get('version')} "
                    f"({meta.get('digest')}); this is {protocol.name} {protocol.version} "
                    f"({protocol.digest})"
                )
            client = client_from_dict(data["client"], source="snapshot client")
            day = dt.date.fromisoformat(data["date"])
            policy = _policy_from_ref(data["policy"])
            sel = data["selection"]
            selection = Selection(
                steps={k: tuple(product_from_dict(p) for p in v) for k, v in sel["steps"].items()},
                warnings=tuple(sel.get("warnings", ())),
                missing=dict(sel.get("missing", {})),
                sources=dict(sel.get("sources", {})),
            )
            state = str(data["state"])
            path = [str(s) for s in data["path"]]
            raw = data.get("adverse")
            adverse = (
                None
                if raw is None
                else AdverseRecord(
                    AdverseKind(raw["kind"]),
                    str(raw["step"]),
                    str(raw["escalation"]),
                    str(raw.get("note", "")),
                )
            )
        except SnapshotError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise SnapshotError(f"malformed snapshot: {exc!r}") from None
        unknown = [s for s in [state, *path] if s not in protocol.state_map]
        if unknown:
            raise SnapshotError(f"snapshot names unknown state(s): {', '.join(unknown)}")
        if not path or path[-1] != state:
            raise SnapshotError("snapshot path does not end in its state")
        screening, selection = settle_intake(screen(client, day, policy), selection, policy)
        session = cls(client, day, policy, screening, selection, engine=engine, listeners=listeners)
        session._replay(path, adverse)
        return session

    def _replay(self, path: Sequence[str], adverse: AdverseRecord | None) -> None:
        """Walk ``path`` through the protocol with this session's facts, firing nothing."""
        initial = self._engine.protocol.initial
        if path[0] != initial:
            raise SnapshotError(f"snapshot path must start at {initial}")
        for nxt in path[1:]:
            here = self.current
            if (
                adverse is not None
                and self.adverse is None
                and here == adverse.step
                and nxt == self._adverse_target()
            ):
                self.adverse = adverse
                tolerates = reaction_response(adverse.kind)[1]
                self.facts = attrs.evolve(self.facts, tolerates_product=tolerates)
            elif nxt != self.next_state():
                raise SnapshotError(
                    f"snapshot path {here} -> {nxt} is not what the protocol does for this "
                    f"client (it would go to {self.next_state()})"
                )
            self.path.append(nxt)
            self.state = self._engine.to_internal[nxt]
        if adverse is not None and self.adverse is None:
            raise SnapshotError(f"snapshot records a reaction at {adverse.step}, not on its path")

    def _adverse_target(self) -> str | None:
        for t in self._engine.protocol.outgoing[self.current].get("adverse", ()):
            return t.dest
        return None


def settle_intake(
    screening: Screening, selection: Selection, policy: Policy
) -> tuple[Screening, Selection]:
    """The intake decision once products are chosen: what :meth:`Session.start` and restore take.

    R27: a session that cannot end under SPF 30+ must not start, whoever chose
    its products. Services that compute screening and selection themselves (the
    simulator reuses them for equivalent clients) call this so their sessions
    start exactly as ``start`` would.
    """
    from facialflow.selection import SUNSCREEN_MISSING

    if screening.declined:
        return screening, Selection(steps={}, missing=selection.missing)
    protected = any(
        p.kind is ProductKind.SUNSCREEN and (p.spf or 0) >= policy.products.min_spf
        for p in selection.for_step("hydration")
    )
    if protected:
        return screening, selection
    why = selection.missing.get(SUNSCREEN_MISSING, "the plan has none")
    declined = decline(
        screening, "R27", f"no tolerated SPF {policy.products.min_spf}+ sunscreen: {why}"
    )
    return declined, Selection(steps={}, missing={SUNSCREEN_MISSING: why})


def session_to_dict(result: SessionResult) -> dict[str, Any]:
    """The contract's session JSON (plus ``date``, ``policy``, ``findings`` and ``adverse``)."""
    return {
        "client": client_to_dict(result.client),
        "outcome": str(result.outcome) if result.outcome else None,
        "path": list(result.path),
        "products": [a.product.to_dict(a.step) for a in result.products],
        "skipped": dict(result.skipped),
        "warnings": list(result.warnings),
        "date": result.date.isoformat(),
        "policy": result.policy,
        "findings": [f.to_dict() for f in result.findings],
        "adverse": dict(result.adverse) if result.adverse else None,
    }
