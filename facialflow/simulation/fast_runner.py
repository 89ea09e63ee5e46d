"""Many sessions at the cost of a lookup each, with exactly the engine's results.

Three facts make a simulation of millions of sessions cheap without a second
implementation of the protocol:

1. Screening is a pure function of a few client features (and of the date
   and the policy): equivalent clients share one :class:`Screening`, keyed by
   :func:`screening_key`.
2. Product selection is a pure function of a few other features when every
   loaded plugin is a plain :class:`~facialflow.products.catalog.OfferPlugin` (their
   offers read only the skin type and the concerns): equivalent clients share
   one :class:`Selection`, keyed by :func:`selection_part` and
   :func:`context_key`. With any other plugin (code from an entry point can
   read anything) selection runs for every client.
3. A session's route is a pure function of its guard facts and of the
   adverse reaction (kind and step): it is computed once per such variant by
   stepping a real :class:`~facialflow.session.live.Session` through the shared
   transitions engine, and reused.

A :class:`Plan` puts a :class:`~facialflow.session.live.Session` where the engine
left it and lets ``Session.result`` (and its other methods) build the result,
so results are the session's own. Keys are deliberately conservative: a
feature is left out of a key only when the code the key stands for never
reads it (see each key's docstring; the tests check that changing a left-out
feature never changes the result, and that whole simulations are identical to
sessions started and stepped one by one).

:class:`FastRunner` runs the simulator's chunks of generated clients this
way. It writes each session's JSON from pieces (products, findings, skipped
steps, path) cached where they repeat, produced by the session's own methods,
and each client's from pieces per group of drawn fields
(:mod:`~facialflow.simulation.client_json`); samples of what it writes are
compared with ``session_to_dict`` and ``client_to_dict`` as it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from facialflow.model import AdverseKind, Client, Condition, Selection
from facialflow.products.selection import CONDITIONS_READ
from facialflow.qa.draws import (
    RawClient,
    adverse_draws,
    client_id,
    iter_raw,
    pick_adverse,
    raw_fields,
    raw_to_client,
)
from facialflow.session.memo import (
    SCREENING_READS,
    SELECTION_READS,
    relevant_allergies,
    screened_allergies,
)
from facialflow.simulation.client_json import ClientJson
from facialflow.simulation.memo_keys import Variant, raw_conditions_among, raw_getter
from facialflow.simulation.planner import Intake, Memo, Plan, Planner, StepRoute
from facialflow.simulation.writer import (
    ChunkResult,
    Fragments,
    RunSpec,
    dumps,
    trace_key,
)

__all__ = ["FastRunner"]


class FastRunner:
    """Per-process state of a fast run: the planner and bounded caches of serialised JSON.

    The planner is keyed on projections of the raw draws, which stand for the
    clients' keys exactly: ``raw_to_client`` maps each drawn feature to one
    client field and back (the run's date is fixed), so equal projections
    mean equal :func:`~facialflow.simulation.memo_keys.screening_key` and
    :func:`~facialflow.simulation.memo_keys.selection_part`.
    """

    def __init__(self, spec: RunSpec) -> None:
        from facialflow.products.loading import load_plugins

        self.spec = spec
        self.planner = Planner(spec.date, spec.policy, load_plugins(catalogs=spec.catalogs))
        self.universe = self.planner.universe
        # sized to the class counts measured at 1M sessions (seed 7, default population):
        # 382k distinct draws, 70k screening keys, 43k selection parts; a generation
        # holds the working set of a run, so growth stays linear in the distinct classes
        self.clients = ClientJson(spec.date, dumps)
        #: (intake, id(selection), route) -> (selection, the session JSON after the client)
        self.fragments = Memo(1 << 15)
        #: (id(intake), id(selection)) -> (intake, selection, settled intake, settled selection)
        self.settled = Memo(1 << 17)
        self.writer = Fragments(spec)
        # the keys project the draws on the fields screening and selection declare they read;
        # allergies and conditions narrowed as session.memo narrows them
        narrowed = ("allergies", "conditions")
        self.screening_raw = raw_getter(
            raw_fields([r for r in SCREENING_READS if r != "allergies"])
        )
        self.selection_raw = raw_getter(
            raw_fields([r for r in SELECTION_READS if r not in narrowed])
        )
        self.selection_conditions = raw_conditions_among(CONDITIONS_READ, spec.date)

    def raw_keys(self, raw: RawClient) -> tuple[Hashable, Hashable]:
        """The planner's ``skey`` and ``spart`` for a draw (only with a known offer universe).

        Equal keys mean equal :func:`~facialflow.session.memo.screening_key` and
        :func:`~facialflow.session.memo.selection_part` of the clients drawn.
        """
        skey: Hashable = self.screening_raw(raw)
        allergies = raw.allergies
        if allergies:
            unknown = screened_allergies(allergies)
            if unknown:
                # a pair never equals the plain fields' longer tuple: no key is shared by mistake
                skey = (skey, unknown)
        universe = self.universe
        assert universe is not None
        spart = (
            self.selection_raw(raw),
            relevant_allergies(allergies, universe) if allergies else (),
            self.selection_conditions(raw) if raw.conditions else _NONE,
        )
        return skey, spart

    def client(self, raw: RawClient, index: int) -> Client:
        return raw_to_client(raw, client_id(self.spec.seed, index), self.spec.date)

    def chunk(self, chunk: int, part: frozenset[int] | None = None) -> ChunkResult:
        """Run chunk ``chunk``, or only its sessions whose drawn skin type is in ``part``.

        Screening and selection keys both hold the skin type: runners given
        disjoint parts never compute the same screening or selection.
        """
        spec = self.spec
        seed = spec.seed
        start, end = spec.chunk_bounds(chunk)
        draw = adverse_draws(seed, chunk)
        rate = spec.adverse_rate
        planner = self.planner
        universe = self.universe
        counts: dict[tuple[StepRoute, frozenset[str], AdverseKind | None], int] = {}
        lines: list[str] | None = [] if spec.sessions else None
        fragments = self.fragments
        intakes = planner.intakes
        selections = planner.selections
        raw_keys = self.raw_keys
        settled = self.settled
        tail = self.clients.tail
        index = start
        ran = 0
        for raw in iter_raw(seed, start, end - start, spec.population):
            # every client's adverse draw is taken, run or not: the streams stay aligned
            drawn = draw()
            if part is not None and raw.skin_type not in part:
                index += 1
                continue
            ran += 1
            if universe is None:
                plan = planner.plan(self.client(raw, index))
                intake, selection = plan.intake, plan.selection
            else:
                skey, spart = raw_keys(raw)
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
                # settling reads only the screening and the products: once per pair, by identity,
                # the pair kept in the entry so neither id can be reused meanwhile
                pair = (id(found), id(chosen))
                both = settled.young.get(pair) or settled.get(pair)
                if both is None or both[0] is not found or both[1] is not chosen:
                    both = (found, chosen, *planner.settle(skey, spart, found, chosen))
                    settled.put(pair, both)
                intake, selection = both[2], both[3]
            variant: Variant | None = pick_adverse(drawn, rate, intake.active)
            kind: AdverseKind | None = None
            route = intake.natural
            if variant is not None:
                kind = variant[0]
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
                ident = client_id(seed, index)
                # generated ids need no JSON escaping: "sim-<seed>-<index>"
                lines.append('{"client":{"id":"' + ident + '"' + tail(raw, ident) + fragment)
            index += 1
        tally = tuple(
            ((trace_key(route.trace), rules, str(kind) if kind else None), c)
            for (route, rules, kind), c in counts.items()
        )
        return ran, "\n".join(lines) if lines is not None else None, tally


#: no conditions: what ``selection_conditions`` gives a draw without any
_NONE: frozenset[Condition] = frozenset()


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
