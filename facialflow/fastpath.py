"""Many sessions at the cost of a lookup each, with exactly the engine's results.

Three facts make a simulation of millions of sessions cheap without a second
implementation of the protocol:

1. Screening is a pure function of a few client features (and of the date
   and the policy): equivalent clients share one :class:`Screening`, keyed by
   :func:`screening_key`.
2. Product selection is a pure function of a few other features when every
   loaded plugin is a plain :class:`~facialflow.catalog.OfferPlugin` (their
   offers read only the skin type and the concerns): equivalent clients share
   one :class:`Selection`, keyed by :func:`selection_part` and
   :func:`context_key`. With any other plugin (code from an entry point can
   read anything) selection runs for every client.
3. A session's route is a pure function of its guard facts and of the
   adverse reaction (kind and step): it is computed once per such variant by
   stepping a real :class:`~facialflow.session.Session` through the shared
   transitions engine, and reused.

A :class:`Plan` puts a :class:`~facialflow.session.Session` where the engine
left it and lets ``Session.result`` (and its other methods) build the result,
so results are the session's own. Keys are deliberately conservative: a
feature is left out of a key only when the code the key stands for never
reads it (see each key's docstring; the tests check that changing a left-out
feature never changes the result, and that whole simulations are identical to
sessions started and stepped one by one).

:class:`FastRunner` runs the simulator's chunks of generated clients this
way. It writes each session's JSON from pieces (products, findings, skipped
steps, path) cached where they repeat, produced by the session's own methods;
samples of what it writes are compared with ``session_to_dict`` as it runs.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Hashable
from typing import Any, Protocol

from facialflow.clientfile import client_to_dict
from facialflow.coverage import Trace, trace_path
from facialflow.engine import engine_for
from facialflow.guards import Facts
from facialflow.model import AdverseKind, Client, Concern, Selection, SessionResult
from facialflow.policy import Policy
from facialflow.population import (
    Population,
    RawClient,
    chunk_rng,
    client_id,
    iter_raw,
    raw_to_client,
    raw_to_dict,
)
from facialflow.protocol import FACIAL
from facialflow.screening import Screening, screen
from facialflow.selection import selection_context
from facialflow.session import AdverseRecord, Session, session_to_dict, settle_intake

__all__ = [
    "ADVERSE_KINDS",
    "ChunkResult",
    "FastRunner",
    "RunSpec",
    "TallyKey",
    "TraceKey",
    "fragment_of",
    "session_line",
    "trace_key",
    "Intake",
    "Memo",
    "Plan",
    "Planner",
    "Route",
    "Variant",
    "context_key",
    "offer_universe",
    "screening_key",
    "selection_part",
]

#: the reactions the simulator injects, in a fixed order (a seed picks by index)
ADVERSE_KINDS: tuple[AdverseKind, ...] = tuple(AdverseKind)

#: an adverse reaction: its kind and the step (state) during which it happens
Variant = tuple[AdverseKind, str]


def screening_key(client: Client) -> Hashable:
    """What :func:`~facialflow.screening.screen` reads of a client (for a given date and policy).

    Left out, because screening never reads them: ``id``, ``concerns``,
    ``allergies``, ``medications`` and ``birth_date``. The whole assessment is
    kept, including the prescription reference that screening does not read.
    """
    return (
        client.skin_type,
        client.fitzpatrick,
        client.pregnant,
        client.breastfeeding,
        client.isotretinoin_last_dose,
        client.conditions,
        client.assessment,
    )


def selection_part(client: Client, universe: frozenset[str]) -> Hashable:
    """What product selection reads of a client itself, when every plugin is a plain OfferPlugin.

    Offers read the skin type and the concerns (in order: the first concern's
    serum is picked first); the safety filter reads allergies only as their
    intersection with the ingredients and tags of the offered products
    (``universe``), pregnancy, breastfeeding, whether a prescription is on
    file and the skin type. Left out: ``id``, ``fitzpatrick``,
    ``isotretinoin_last_dose``, ``conditions``, ``medications``,
    ``birth_date`` and the rest of the assessment, which reach selection only
    through the screening (see :func:`context_key`).
    """
    return (
        client.skin_type,
        client.concerns,
        client.pregnant,
        client.breastfeeding,
        frozenset(client.allergies) & universe,
        client.assessment.prescription_reference is not None,
    )


def context_key(screening: Screening) -> Hashable:
    """What product selection reads of a screening: whether it declined, and its selection context."""
    return (screening.declined, selection_context(screening))


def offer_universe(plugins: Any) -> frozenset[str] | None:
    """Every ingredient and tag of every offered product, when every plugin is a plain OfferPlugin.

    None when any plugin is something else (or when the plugin set cannot be
    inspected): selection must then run per client.
    """
    from facialflow.catalog import Offer, OfferPlugin

    loaded = getattr(plugins, "plugins", None)
    if loaded is None or not hasattr(plugins, "plugin_object"):
        return None
    names: set[str] = set()
    for info in loaded:
        obj = plugins.plugin_object(info.name)
        # exact types: a subclass could override what its candidates depend on
        if type(obj) is not OfferPlugin or any(type(o) is not Offer for o in obj.offers):
            return None
        for offer in obj.offers:
            names.update(offer.product.ingredients)
            names.update(offer.product.tags)
    return frozenset(names)


class Route:
    """One way through the protocol, as the engine stepped it."""

    __slots__ = ("adverse", "facts_after", "path", "trace")

    def __init__(
        self, path: tuple[str, ...], adverse: AdverseRecord | None, facts_after: Facts, trace: Trace
    ) -> None:
        self.path = path
        self.adverse = adverse
        self.facts_after = facts_after
        self.trace = trace


class Intake:
    """A settled screening and what follows from it alone: the rules fired and the routes."""

    __slots__ = (
        "active",
        "context",
        "context_id",
        "date",
        "natural",
        "pieces",
        "policy",
        "rules",
        "screening",
    )

    def __init__(self, date: dt.date, policy: Policy, screening: Screening) -> None:
        #: serialised pieces of this intake's results, filled by whoever serialises
        self.pieces: dict[Any, str] = {}
        self.date = date
        self.policy = policy
        self.screening = screening
        self.context = context_key(screening)
        #: a small int standing for ``context``, set by the planner that made the intake
        self.context_id = -1
        self.rules = frozenset(f.rule for f in screening.findings)
        self.natural = route_for(screening.facts, None)
        outgoing = FACIAL.outgoing
        #: the steps during which an adverse reaction can happen, in session order
        self.active = tuple(s for s in self.natural.path if "adverse" in outgoing[s])

    def route(self, variant: Variant | None) -> Route:
        return self.natural if variant is None else route_for(self.screening.facts, variant)


class Plan:
    """What ``Session.start`` decides for a client: the settled intake and the products."""

    __slots__ = ("intake", "selection")

    def __init__(self, intake: Intake, selection: Selection) -> None:
        self.intake = intake
        self.selection = selection

    @property
    def screening(self) -> Screening:
        return self.intake.screening

    def route(self, variant: Variant | None) -> Route:
        return self.intake.route(variant)

    def session_at_end(self, client: Client, variant: Variant | None) -> Session:
        """A session for ``client`` (one this plan was made for), where the engine ends it."""
        intake = self.intake
        route = intake.route(variant)
        engine = engine_for(FACIAL)
        session = Session(
            client, intake.date, intake.policy, intake.screening, self.selection, engine=engine
        )
        # what Session.restore does: put the session where the engine took it
        session.state = engine.to_internal[route.path[-1]]
        session.path = list(route.path)
        session.adverse = route.adverse
        session.facts = route.facts_after
        return session

    def result(self, client: Client, variant: Variant | None) -> SessionResult:
        """What ``Session.result`` gives for ``client``, a client this plan was made for."""
        return self.session_at_end(client, variant).result()


_ROUTES: dict[tuple[Facts, Variant | None], Route] = {}
_NO_PRODUCTS = Selection(steps={})


def route_for(facts: Facts, variant: Variant | None) -> Route:
    """The route of a session with these facts and ``variant``: stepped by the real engine once.

    The engine's choices depend only on the guard facts and on the reaction
    (its kind decides whether the skin still tolerates product), so one route
    serves every session with the same facts and variant.
    """
    key = (facts, variant)
    route = _ROUTES.get(key)
    if route is None:
        route = _step(facts, variant)
        _ROUTES[key] = route
    return route


def _step(facts: Facts, variant: Variant | None) -> Route:
    # the engine reads nothing but the facts: any client, screening and products with them will do
    client = Client(id="route", skin_type="normal", concerns=tuple(Concern)[:1], fitzpatrick=1)
    screening = Screening("route", facts, (), {}, "gentle", ())
    day = dt.date(2000, 1, 1)
    session = Session(client, day, Policy(), screening, _NO_PRODUCTS, engine=engine_for(FACIAL))
    if variant is not None:
        kind, step = variant
        while session.current != step:
            if session.finished:
                raise ValueError(f"step {step!r} is not on the route of {facts}")
            session.advance()
        session.report_adverse(kind)
    while not session.finished:
        session.advance()
    trace = trace_path(session.path, facts, facts_after_adverse=session.facts)
    return Route(tuple(session.path), session.adverse, session.facts, trace)


class Memo:
    """A bounded cache that keeps what is used: two generations of at most ``limit`` entries each.

    Entries go into the young generation; when it is full it becomes the old
    one and the previous old one is dropped. A hit in the old generation moves
    the entry back to the young one, so frequently used entries survive and
    memory stays bounded whatever the run length.
    """

    __slots__ = ("limit", "old", "young")

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self.young: dict[Any, Any] = {}
        self.old: dict[Any, Any] = {}

    def __len__(self) -> int:
        return len(self.young) + len(self.old)

    def get(self, key: Any) -> Any:
        value = self.young.get(key)
        if value is None and self.old:
            value = self.old.pop(key, None)
            if value is not None:
                self.put(key, value)
        return value

    def put(self, key: Any, value: Any) -> None:
        if len(self.young) >= self.limit:
            self.old = self.young
            self.young = {}
        self.young[key] = value


class Planner:
    """Plans for clients on one date under one policy and plugin set, reused across equivalent clients.

    :meth:`plan` is the whole story for one client. The steps are public so a
    caller that knows its clients better (the simulator's generated draws) can
    key them more cheaply, on one condition: equal keys must mean equal
    :func:`screening_key` (for ``skey``) and :func:`selection_part` (for
    ``spart``). One planner must be used with one kind of key.
    """

    def __init__(
        self, date: dt.date, policy: Policy, plugins: Any, *, cache_size: int = 1 << 14
    ) -> None:
        self.date = date
        self.policy = policy
        self.plugins = plugins
        self.universe = offer_universe(plugins)
        #: screenings by ``skey``, products by ``(spart, intake.context_id)``; each holds at
        #: most 2 * cache_size entries (see Memo)
        self.intakes = Memo(cache_size)
        self.selections = Memo(cache_size)
        self._declined = Memo(1024)
        self._contexts: dict[Hashable, int] = {}
        #: how often each expensive step ran (cache misses)
        self.stats: dict[str, int] = {"screenings": 0, "selections": 0}

    @property
    def shares_selections(self) -> bool:
        """Whether equivalent clients share a selection (every plugin a plain OfferPlugin)."""
        return self.universe is not None

    def plan(self, client: Client) -> Plan:
        """The plan ``Session.start(client, date=..., policy=..., plugins=...)`` would make."""
        if self.universe is None:
            intake = self._intake(client)
            selection = self._choose(client, intake.screening)
            settled, chosen = settle_intake(intake.screening, selection, self.policy)
            if settled is not intake.screening:
                intake = self._numbered(Intake(self.date, self.policy, settled))
            return Plan(intake, chosen)
        skey = screening_key(client)
        spart = selection_part(client, self.universe)
        intake = self.intake(skey, lambda: client)
        intake, chosen = self.settle(
            skey, spart, intake, self.selection(spart, intake, lambda: client)
        )
        return Plan(intake, chosen)

    def intake(self, skey: Hashable, client: Callable[[], Client]) -> Intake:
        """The screening of clients with key ``skey``; ``client()`` is called on a miss only."""
        intake: Intake | None = self.intakes.young.get(skey) or self.intakes.get(skey)
        if intake is None:
            intake = self._intake(client())
            self.intakes.put(skey, intake)
        return intake

    def selection(self, spart: Hashable, intake: Intake, client: Callable[[], Client]) -> Selection:
        """The products of clients with ``spart`` and this intake, before :meth:`settle`.

        Only for planners that :attr:`shares_selections`.
        """
        # contexts are few: a small int keys the selection cheaper than the context itself
        selkey = (spart, intake.context_id)
        selection: Selection | None = self.selections.young.get(selkey) or self.selections.get(
            selkey
        )
        if selection is None:
            selection = self._choose(client(), intake.screening)
            self.selections.put(selkey, selection)
        return selection

    def settle(
        self, skey: Hashable, spart: Hashable, intake: Intake, selection: Selection
    ) -> tuple[Intake, Selection]:
        """The intake decision ``Session.start`` takes once products are chosen (R27)."""
        settled, chosen = settle_intake(intake.screening, selection, self.policy)
        if settled is intake.screening:
            return intake, chosen
        key = (skey, spart)
        declined: Intake | None = self._declined.get(key)
        if declined is None:
            declined = self._numbered(Intake(self.date, self.policy, settled))
            self._declined.put(key, declined)
        return declined, chosen

    def _intake(self, client: Client) -> Intake:
        self.stats["screenings"] += 1
        return self._numbered(
            Intake(self.date, self.policy, screen(client, self.date, self.policy))
        )

    def _numbered(self, intake: Intake) -> Intake:
        intake.context_id = self._contexts.setdefault(intake.context, len(self._contexts))
        return intake

    def _choose(self, client: Client, screening: Screening) -> Selection:
        from facialflow.selection import choose_products

        self.stats["selections"] += 1
        return choose_products(client, screening, self.policy, plugins=self.plugins)


# -- serialising and running many sessions ------------------------------------------------------

# one encoder: json.dumps with options builds a new one per call
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

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
    return _dumps(session_to_dict(result))


def trace_key(trace: Trace) -> TraceKey:
    return (trace.path, trace.transitions, trace.guards)


def fragment_of(result: SessionResult) -> str:
    """The session JSON after the client: ``,"outcome":...}``."""
    d = session_to_dict(result)
    del d["client"]
    return "," + _dumps(d)[1:]


_NO_ALLERGIES: frozenset[str] = frozenset()
#: stands in for the client where a result's client is left out
_PLACEHOLDER = Client(
    id="placeholder", skin_type="normal", concerns=(Concern.PREVENTATIVE,), fitzpatrick=1
)


class _Fragments:
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
            ',"date":' + _dumps(spec.date.isoformat()) + ',"policy":' + _dumps(spec.policy.name)
        )
        self.routes: dict[Route, tuple[str, str]] = {}
        self.products = Memo(1 << 12)
        self.made = 0

    def fragment(self, plan: Plan, variant: Variant | None) -> str:
        intake = plan.intake
        route = intake.route(variant)
        session = plan.session_at_end(_PLACEHOLDER, variant)
        head = self.routes.get(route)
        if head is None:
            adverse = route.adverse.to_dict() if route.adverse is not None else None
            head = (
                ',"outcome":' + _dumps(route.path[-1]) + ',"path":' + _dumps(list(route.path)),
                ',"adverse":' + _dumps(adverse) + "}",
            )
            self.routes[route] = head
        # products depend on the selection and the route; identity keys, the
        # selection kept in the entry so its id cannot be reused meanwhile
        selection = plan.selection
        key = (id(selection), route)
        hit = self.products.young.get(key) or self.products.get(key)
        if hit is not None and hit[0] is selection:
            products: str = hit[1]
        else:
            products = _dumps([a.product.to_dict(a.step) for a in session.applied()])
            self.products.put(key, (selection, products))
        # findings depend on the screening alone, skipped on the screening and the route
        pieces = intake.pieces
        findings = pieces.get(None)
        if findings is None:
            findings = pieces[None] = _dumps([f.to_dict() for f in intake.screening.findings])
        skipped = pieces.get(route)
        if skipped is None:
            skipped = pieces[route] = _dumps(session.skipped())
        text = (
            head[0]
            + ',"products":'
            + products
            + ',"skipped":'
            + skipped
            + ',"warnings":'
            + _dumps(list(session.warnings()))
            + self.tail
            + ',"findings":'
            + findings
            + head[1]
        )
        self.made += 1
        if self.made <= 64 or self.made % self.CHECK_EVERY == 0:
            expected = fragment_of(session.result())
            if text != expected:
                raise AssertionError(f"fast session JSON differs from session_to_dict: {text!r}")
        return text


class FastRunner:
    """Per-process state of a fast run: the planner and bounded caches of serialised JSON.

    The planner is keyed on projections of the raw draws, which stand for the
    clients' keys exactly: ``raw_to_client`` maps each drawn feature to one
    client field and back (the run's date is fixed), so equal projections
    mean equal :func:`~facialflow.fastpath.screening_key` and
    :func:`~facialflow.fastpath.selection_part`.
    """

    def __init__(self, spec: RunSpec) -> None:
        from facialflow.plugins import load_plugins

        self.spec = spec
        self.planner = Planner(spec.date, spec.policy, load_plugins(catalogs=spec.catalogs))
        self.universe = self.planner.universe
        #: raw draw -> the client's JSON after its id
        self.tails = Memo(1 << 12)
        #: (intake, id(selection), route) -> (selection, the session JSON after the client)
        self.fragments = Memo(1 << 11)
        self.writer = _Fragments(spec)
        self.tails_made = 0

    def client(self, raw: RawClient, index: int) -> Client:
        return raw_to_client(raw, client_id(self.spec.seed, index), self.spec.date)

    def client_tail(self, raw: RawClient, index: int) -> str:
        """The client's JSON after ``{"id":"...",``: equal for equal draws."""
        tail: str | None = self.tails.young.get(raw) or self.tails.get(raw)
        if tail is None:
            ident = client_id(self.spec.seed, index)
            data = raw_to_dict(raw, ident, self.spec.date)
            self.tails_made += 1
            if self.tails_made <= 64 or self.tails_made % _Fragments.CHECK_EVERY == 0:
                expected = client_to_dict(self.client(raw, index))
                if list(data.items()) != list(expected.items()):
                    raise AssertionError(f"raw_to_dict differs from client_to_dict: {data!r}")
            text = _dumps(data)
            head = '{"id":' + _dumps(ident) + ","
            tail = text[len(head) :]
            self.tails.put(raw, tail)
        return tail

    def chunk(self, chunk: int) -> ChunkResult:
        spec = self.spec
        seed = spec.seed
        start, end = spec.chunk_bounds(chunk)
        draw = chunk_rng(seed, chunk, "adverse").random
        rate = spec.adverse_rate
        kinds = ADVERSE_KINDS
        n_kinds = len(kinds)
        planner = self.planner
        universe = self.universe
        counts: dict[tuple[Route, frozenset[str], AdverseKind | None], int] = {}
        lines: list[str] | None = [] if spec.sessions else None
        fragments = self.fragments
        intakes = planner.intakes
        selections = planner.selections
        index = start
        for raw in iter_raw(seed, start, end - start, spec.population):
            u, a, b = draw(), draw(), draw()
            if universe is None:
                plan = planner.plan(self.client(raw, index))
                intake, selection = plan.intake, plan.selection
            else:
                # every feature but the concerns (1) and the allergies (6), which screening never reads
                skey = raw[:1] + raw[2:6] + raw[7:]
                allergies = raw[6]
                spart = (
                    raw[0],
                    raw[1],
                    raw[3],
                    raw[4],
                    frozenset(allergies) & universe if allergies else _NO_ALLERGIES,
                    raw[12],
                )
                # the planner's young generations first: most sessions hit them
                make: _Once | None = None
                found: Intake | None = intakes.young.get(skey)
                if found is None:
                    make = _Once(self.client, raw, index)
                    found = planner.intake(skey, make)
                chosen: Selection | None = selections.young.get((spart, found.context_id))
                if chosen is None:
                    make = make or _Once(self.client, raw, index)
                    chosen = planner.selection(spart, found, make)
                intake, selection = planner.settle(skey, spart, found, chosen)
            variant: Variant | None = None
            kind: AdverseKind | None = None
            route = intake.natural
            if u < rate and intake.active:
                kind = kinds[int(a * n_kinds)]
                variant = (kind, intake.active[int(b * len(intake.active))])
                route = intake.route(variant)
            key = (route, intake.rules, kind)
            counts[key] = counts.get(key, 0) + 1
            if lines is not None:
                # identity keys hash fast; the selection kept in the entry pins its id
                fkey = (intake, id(selection), route)
                hit = fragments.young.get(fkey) or fragments.get(fkey)
                if hit is not None and hit[0] is selection:
                    fragment: str = hit[1]
                else:
                    fragment = self.writer.fragment(Plan(intake, selection), variant)
                    fragments.put(fkey, (selection, fragment))
                lines.append(
                    '{"client":{"id":"'
                    + client_id(seed, index)
                    + '",'
                    + self.client_tail(raw, index)
                    + fragment
                )
            index += 1
        tally = tuple(
            ((trace_key(route.trace), rules, str(kind) if kind else None), c)
            for (route, rules, kind), c in counts.items()
        )
        return end - start, "\n".join(lines) if lines is not None else None, tally


class _Once:
    """A client made on first call only: a session missing two caches builds it once."""

    __slots__ = ("args", "made", "make")

    def __init__(self, make: Callable[[RawClient, int], Client], *args: Any) -> None:
        self.make = make
        self.args = args
        self.made: Client | None = None

    def __call__(self) -> Client:
        if self.made is None:
            self.made = self.make(*self.args)
        return self.made
