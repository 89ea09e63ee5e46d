"""Session JSON from cached pieces, checked against the session's own serialisation."""

from __future__ import annotations

import datetime as dt
import json
from typing import Protocol

from facialflow.clinic.policy import Policy
from facialflow.io.documents import session_to_dict
from facialflow.model import Client, Concern, Product, SessionResult
from facialflow.protocol.facial import FACIAL
from facialflow.qa.coverage import Trace
from facialflow.qa.population import Population

__all__ = [
    "ChunkResult",
    "Fragments",
    "NO_ALLERGIES",
    "RunSpec",
    "TallyKey",
    "TraceKey",
    "dumps",
    "fragment_of",
    "session_line",
    "trace_key",
]


from facialflow.session.outcome import (
    applied_steps,
    intake_warnings,
    reaction_warnings,
    selection_warnings,
    shown_parts,
    skipped_steps,
    sunscreen_applied,
)
from facialflow.simulation.memo_keys import Variant
from facialflow.simulation.planner import Memo, Plan, StepRoute

# -- serialising and running many sessions ------------------------------------------------------

# one encoder: json.dumps with options builds a new one per call
dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

#: what a batch counts: (trace, rules fired, adverse kind or None) -> sessions
#: a trace as plain tuples (path, transitions, guards): they cross processes and hash in C
TraceKey = tuple[tuple[str, ...], tuple[int, ...], tuple[tuple[str, bool], ...]]
TallyKey = tuple[TraceKey, frozenset[str], str | None]
#: what running one chunk gives: sessions, their JSON lines joined (or None), the tally
ChunkResult = tuple[int, str | None, tuple[tuple[TallyKey, int], ...]]


class RunSpec(Protocol):
    """What :class:`FastRunner` reads of a simulation spec."""

    @property
    def seed(self) -> int: ...
    @property
    def date(self) -> dt.date: ...
    @property
    def policy(self) -> Policy: ...
    @property
    def adverse_rate(self) -> float: ...
    @property
    def population(self) -> Population: ...
    @property
    def catalogs(self) -> tuple[str, ...]: ...
    @property
    def sessions(self) -> bool: ...
    def chunk_bounds(self, chunk: int) -> tuple[int, int]: ...


def session_line(result: SessionResult) -> str:
    """A session's JSON on one line: the contract's session JSON, compact."""
    return dumps(session_to_dict(result))


def trace_key(trace: Trace) -> TraceKey:
    return (trace.path, trace.transitions, trace.guards)


def fragment_of(result: SessionResult) -> str:
    """The session JSON after the client: ``,"outcome":...}``."""
    d = session_to_dict(result)
    del d["client"]
    return "," + dumps(d)[1:]


NO_ALLERGIES: frozenset[str] = frozenset()
#: stands in for the client where a result's client is left out
_PLACEHOLDER = Client(
    id="placeholder", skin_type="normal", concerns=(Concern.PREVENTATIVE,), fitzpatrick=1
)


#: the key under which an intake's pieces keep the JSON items of its screening's warnings
#: (its findings are under ``None``, each route's skipped steps under the route: a string
#: equals neither)
_WARNINGS = "warnings"


def _items(texts: tuple[str, ...]) -> str:
    """The JSON list of ``texts`` without its brackets: lists join by commas."""
    return ",".join(map(dumps, texts))


class Fragments:
    """The session JSON after the client, from pieces cached at the level they vary.

    ``session_to_dict`` and one ``json.dumps`` per session cost more than the
    rest of a simulated session; most of it (products, findings, path) repeats
    across sessions. The pieces come from the session's own methods, and a
    sample of fragments (the first ones of every process, then one in
    :attr:`CHECK_EVERY`) is compared with ``json.dumps(session_to_dict(...))``:
    a mismatch is a bug and raises.
    """

    CHECK_EVERY = 997

    def __init__(self, spec: RunSpec) -> None:
        self.tail = (
            ',"date":' + dumps(spec.date.isoformat()) + ',"policy":' + dumps(spec.policy.name)
        )
        self.routes: dict[StepRoute, tuple[str, str]] = {}
        #: (id(selection), product steps) -> (selection, its products' JSON list, the JSON
        #: items of its warnings)
        self.products = Memo(1 << 15)
        #: (step, product) -> its JSON: products are few (the catalogs')
        self.listed: dict[tuple[str, Product], str] = {}
        self.made = 0

    def fragment(self, plan: Plan, variant: Variant | None) -> tuple[str, ...]:
        """The session's JSON after its client, as pieces to join in order."""
        intake = plan.intake
        route = intake.route(variant)
        screening = intake.screening
        head = self.routes.get(route)
        if head is None:
            adverse = route.adverse.to_dict() if route.adverse is not None else None
            head = (
                ',"outcome":' + dumps(route.path[-1]) + ',"path":' + dumps(list(route.path)),
                ',"adverse":' + dumps(adverse) + "}",
            )
            self.routes[route] = head
        # products depend on the selection and the product steps the route went through;
        # the selection kept in the entry so its id cannot be reused meanwhile. The entry
        # also carries the selection's warnings, which depend on the selection alone: its
        # one lookup serves both
        selection = plan.selection
        key = (id(selection), route.product_steps)
        hit = self.products.young.get(key) or self.products.get(key)
        products: str
        chosen: str
        if hit is not None and hit[0] is selection:
            _, products, chosen = hit
        else:
            # a list of objects is its items' JSON joined: each product written once per step
            listed = self.listed
            texts = []
            for pair in applied_steps(route.product_steps, selection):
                text = listed.get(pair)
                if text is None:
                    text = listed[pair] = dumps(pair[1].to_dict(pair[0]))
                texts.append(text)
            products = "[" + ",".join(texts) + "]"
            chosen = _items(selection_warnings(selection))
            self.products.put(key, (selection, products, chosen))
        # findings depend on the screening alone, skipped on the screening and the route
        pieces = intake.pieces
        findings = pieces.get(None)
        if findings is None:
            findings = pieces[None] = dumps([f.to_dict() for f in screening.findings])
        shown = pieces.get(_WARNINGS)
        if shown is None:
            shown = pieces[_WARNINGS] = _items(intake_warnings(screening))
        skipped = pieces.get(route)
        if skipped is None:
            skipped = pieces[route] = dumps(
                skipped_steps(route.path, screening, route.adverse, FACIAL)
            )
        # session_warnings, from the text of each of its parts, kept where the part's
        # source is: the screening's with the intake, the selection's with its products
        reaction = route.adverse
        reacted = ""
        if reaction is not None:
            tolerated = route.facts_after.tolerates_product
            protected = sunscreen_applied(route.product_steps, selection)
            reacted = _items(reaction_warnings(reaction, tolerated, protected))
        said = shown_parts(screening.declined, shown, chosen, reacted)
        warnings = "[" + ",".join(filter(None, said)) + "]"
        # the pieces, not their concatenation: each is shared with other sessions, so a
        # kept fragment costs a tuple (a joined one cost 1.8 KB: 60 MB of a 100k run),
        # and the chunk's one join copies each piece once
        parts = (
            head[0],
            ',"products":',
            products,
            ',"skipped":',
            skipped,
            ',"warnings":',
            warnings,
            self.tail,
            ',"findings":',
            findings,
            head[1],
        )
        self.made += 1
        if self.made <= 64 or self.made % self.CHECK_EVERY == 0:
            text = "".join(parts)
            expected = fragment_of(plan.session_at_end(_PLACEHOLDER, variant).result())
            if text != expected:
                raise AssertionError(f"fast session JSON differs from session_to_dict: {text!r}")
        return parts
