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

from array import array
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from functools import partial
from itertools import chain, count
from typing import Any

from facialflow.clinic.screening import READ_AS
from facialflow.model import Client, Condition, Selection
from facialflow.products.selection import CONDITIONS_READ
from facialflow.qa.draws import (
    RAW_VOCABULARIES,
    RawClient,
    adverse_stream,
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
from facialflow.simulation.planner import Intake, Memo, Plan, Planner
from facialflow.simulation.writer import (
    ChunkResult,
    Fragments,
    RunSpec,
    TallyKey,
    dumps,
    trace_key,
)

__all__ = ["FastRunner", "Foreign", "Shipment", "shipment"]

#: sessions one runner drew for another, column by column (a fraction of the cost of
#: pickling a tuple a session): raw draws as plain tuples, the clients' indices, and
#: their adverse uniforms, three a client
Shipment = tuple[list[tuple[Any, ...]], "array[int]", "array[float]"]
#: where a runner ships the sessions of skin types other runners own: a shipment by skin type
Foreign = Mapping[int, Shipment]


def shipment() -> Shipment:
    return [], array("q"), array("d")


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
        #: (intake, id(selection), route) -> (selection, the pieces of the session JSON after
        #: the client)
        self.fragments = Memo(1 << 15)
        #: (spart, intake.serial) -> (settled intake, settled selection)
        self.finals = Memo(1 << 17)
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
        # the screening part: the raw key with each field screening reads only in part
        # (READ_AS) taken as that part, code by code; only for a field whose raw source
        # makes nothing else screening reads
        fields = raw_fields([r for r in SCREENING_READS if r != "allergies"])
        others = {f for r in SCREENING_READS if r not in READ_AS for f in raw_fields([r])}
        parts: list[tuple[int, tuple[Hashable, ...]]] = []
        for name, part in READ_AS.items():
            sources = raw_fields([name])
            if len(sources) == 1 and sources[0] not in others:
                (source,) = sources
                table = tuple(part(v) for v in RAW_VOCABULARIES[source])
                parts.append((fields.index(source), table))
        self._parts = tuple(parts)

    @property
    def acyclic(self) -> bool:
        """Whether a chunk leaves no reference cycles behind: with plain offer plugins no
        third-party code runs, and the chunks were measured to make none (a test runs
        chunks with the collector off to hold them to that)."""
        return self.universe is not None

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

    def screening_part(self, raw: RawClient) -> Hashable:
        """A key equal for draws whose clients' ``screening_part`` is equal (see Planner.intake)."""
        base = list(self.screening_raw(raw))
        for i, table in self._parts:
            base[i] = table[base[i]]
        key = tuple(base)
        unknown = screened_allergies(raw.allergies) if raw.allergies else ()
        return (key, unknown) if unknown else key

    def client(self, raw: RawClient, index: int) -> Client:
        return raw_to_client(raw, client_id(self.spec.seed, index), self.spec.date)

    def chunk(self, chunk: int) -> ChunkResult:
        """Run every session of chunk ``chunk``."""
        return self._run(self._drawn(chunk), None)

    def chunks(self, chunks: Sequence[int], foreign: Foreign) -> ChunkResult:
        """Run the sessions of ``chunks``, except those of a skin type in ``foreign``.

        Those are shipped instead, each to its skin type's :class:`Shipment`, for
        the runner that owns the skin type (:meth:`shipped`): each chunk is drawn
        by one runner only. Selection keys hold the skin type, so runners given
        disjoint skin types never compute the same selection (only the coarser
        screening that skin types other than sensitive share may be computed twice).
        """
        return self._run(chain.from_iterable(map(self._drawn, chunks)), foreign)

    def shipped(self, shipment: Shipment) -> ChunkResult:
        """Run the sessions another runner drew and shipped here (see :meth:`chunks`)."""
        raws, indices, uniforms = shipment
        adverse = iter(uniforms)
        raw_client = partial(tuple.__new__, RawClient)
        # strict: a shipment with columns of unequal lengths fails instead of running short
        sessions = zip(map(raw_client, raws), indices, adverse, adverse, adverse, strict=True)
        return self._run(sessions, None)

    def _drawn(self, chunk: int) -> Iterator[tuple[RawClient, int, float, float, float]]:
        """A chunk's clients in order, each with its index and three adverse uniforms."""
        spec = self.spec
        start, end = spec.chunk_bounds(chunk)
        # three adverse uniforms a client, run or not: the two streams stay aligned
        adverse = iter(adverse_stream(spec.seed, chunk), None)
        drawn = iter_raw(spec.seed, start, end - start, spec.population)
        return zip(drawn, count(start), adverse, adverse, adverse)

    def _run(
        self,
        sessions: Iterable[tuple[RawClient, int, float, float, float]],
        foreign: Foreign | None,
    ) -> ChunkResult:
        spec = self.spec
        seed = spec.seed
        rate = spec.adverse_rate
        planner = self.planner
        universe = self.universe
        # sessions without a reaction counted by their settled intake (an identity hash), the
        # others by intake and reaction; both turned into tally keys once per chunk
        natural: dict[Intake, int] = {}
        reacted: dict[tuple[Intake, Variant], int] = {}
        lines: list[str] | None = [] if spec.sessions else None
        newline = ""  # between lines: none before the first
        fragments = self.fragments
        intakes = planner.intakes
        finals = self.finals
        raw_keys = self.raw_keys
        client_pieces = self.clients.extend
        ran = 0
        for raw, index, hit, kind, where in sessions:
            if foreign is not None and raw.skin_type in foreign:
                # a plain tuple (a named tuple costs ten times as much to pickle)
                raws, indices, uniforms = foreign[raw.skin_type]
                raws.append(tuple(raw))
                indices.append(index)
                uniforms.extend((hit, kind, where))
                continue
            ran += 1
            if universe is None:
                plan = planner.plan(self.client(raw, index))
                intake, selection = plan.intake, plan.selection
            else:
                skey, spart = raw_keys(raw)
                # the planner's young generation first: most sessions hit it
                make: _Once | None = None
                found: Intake | None = intakes.young.get(skey)
                if found is None:
                    make = _Once(self.client, raw, index)
                    found = planner.intake(skey, make, partial(self.screening_part, raw))
                # the settled intake and products follow from the screening and spart alone;
                # an intake's serial is never reused, so no identity check is needed
                fkey = (spart, found.serial)
                both: tuple[Intake, Selection] | None = finals.young.get(fkey) or finals.get(fkey)
                if both is None:
                    make = make or _Once(self.client, raw, index)
                    both = planner.settle(skey, spart, found, planner.selection(spart, found, make))
                    finals.put(fkey, both)
                intake, selection = both
            variant: Variant | None = (
                pick_adverse((hit, kind, where), rate, intake.active) if hit < rate else None
            )
            if variant is None:
                natural[intake] = natural.get(intake, 0) + 1
            else:
                rkey = (intake, variant)
                reacted[rkey] = reacted.get(rkey, 0) + 1
            if lines is not None:
                route = intake.natural if variant is None else intake.route(variant)
                # identity keys hash fast; the selection kept in the entry pins its id
                key = (intake, id(selection), route)
                cached = fragments.young.get(key) or fragments.get(key)
                if cached is not None and cached[0] is selection:
                    fragment: tuple[str, ...] = cached[1]
                else:
                    fragment = self.writer.fragment(Plan(intake, selection), variant)
                    fragments.put(key, (selection, fragment))
                ident = client_id(seed, index)
                # generated ids need no JSON escaping: "sim-<seed>-<index>"; the pieces are
                # joined once per chunk, each copied once
                lines += (newline, '{"client":{"id":"', ident, '"')
                client_pieces(lines, raw, ident)
                lines += fragment
                newline = "\n"
        text = "".join(lines) if lines is not None else None
        return ran, text, _tally(natural, reacted)


def _tally(
    natural: dict[Intake, int], reacted: dict[tuple[Intake, Variant], int]
) -> tuple[tuple[TallyKey, int], ...]:
    """A chunk's tally: sessions by trace, rules fired and reaction kind."""
    counts: dict[TallyKey, int] = {}
    for intake, c in natural.items():
        key: TallyKey = (trace_key(intake.natural.trace), intake.rules, None)
        counts[key] = counts.get(key, 0) + c
    for (intake, variant), c in reacted.items():
        key = (trace_key(intake.route(variant).trace), intake.rules, str(variant[0]))
        counts[key] = counts.get(key, 0) + c
    return tuple(counts.items())


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
