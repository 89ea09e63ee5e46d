"""The memoising planner: screenings, selections and routes shared by equivalent clients."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Hashable
from typing import Any

from facialflow.clinic.policy import Policy
from facialflow.clinic.screening import Screening, screen
from facialflow.model import Client, Selection, SessionResult
from facialflow.protocol.facial import FACIAL
from facialflow.protocol.names import Trigger
from facialflow.qa.routes import StepRoute, Variant, route_for
from facialflow.session.intake import settle_intake, sunscreen_planned
from facialflow.session.live import Session

__all__ = ["Intake", "Memo", "Plan", "Planner", "StepRoute", "route_for"]


from facialflow.session.memo import Memo
from facialflow.simulation.memo_keys import (
    context_key,
    offer_universe,
    screening_key,
    screening_part,
    selection_part,
)


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
        "serial",
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
        #: a number the planner that made the intake gives no other intake (ids can be reused)
        self.serial = -1
        self.rules = frozenset(f.rule for f in screening.findings)
        self.natural = route_for(screening.facts, None)
        outgoing = FACIAL.outgoing
        #: the steps after intake during which the simulator injects a reaction, in session order
        self.active = tuple(s for s in self.natural.path[1:] if Trigger.ADVERSE in outgoing[s])

    def route(self, variant: Variant | None) -> StepRoute:
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

    def route(self, variant: Variant | None) -> StepRoute:
        return self.intake.route(variant)

    def session_at_end(self, client: Client, variant: Variant | None) -> Session:
        """A session for ``client`` (one this plan was made for), where the engine ends it."""
        intake = self.intake
        return intake.route(variant).place(
            client, intake.date, intake.policy, intake.screening, self.selection
        )

    def result(self, client: Client, variant: Variant | None) -> SessionResult:
        """What ``Session.result`` gives for ``client``, a client this plan was made for."""
        return self.session_at_end(client, variant).result()


class Planner:
    """Plans for clients on one date under one policy and plugin set, reused across equivalent clients.

    :meth:`plan` is the whole story for one client. The steps are public so a
    caller that knows its clients better (the simulator's generated draws) can
    key them more cheaply, on one condition: equal keys must mean equal
    :func:`screening_key` (for ``skey``) and :func:`selection_part` (for
    ``spart``). One planner must be used with one kind of key.
    """

    def __init__(
        self, date: dt.date, policy: Policy, plugins: Any, *, cache_size: int = 1 << 16
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
        self._planned = Memo(cache_size)
        self._contexts: dict[Hashable, int] = {}
        self._serials = itertools.count()
        self._same = Memo(cache_size)
        #: intakes by the coarser key :meth:`intake` is given (see there)
        self._screened = Memo(cache_size)
        #: how often each expensive step ran (cache misses)
        self.stats: dict[str, int] = {"screenings": 0, "selections": 0}

    @property
    def shares_selections(self) -> bool:
        """Whether equivalent clients share a selection (every plugin a plain OfferPlugin)."""
        return self.universe is not None

    def plan(self, client: Client) -> Plan:
        """The plan ``Session.start(client, date=..., policy=..., plugins=...)`` would make."""
        if self.universe is None:
            intake = self._intake(lambda: client, screening_part(client))
            selection = self._choose(client, intake.screening)
            settled, chosen = settle_intake(intake.screening, selection, self.policy)
            if settled is not intake.screening:
                intake = self._numbered(Intake(self.date, self.policy, settled))
            return Plan(intake, chosen)
        skey = screening_key(client)
        spart = selection_part(client, self.universe)
        intake = self.intake(skey, lambda: client, lambda: screening_part(client))
        intake, chosen = self.settle(
            skey, spart, intake, self.selection(spart, intake, lambda: client)
        )
        return Plan(intake, chosen)

    def intake(
        self, skey: Hashable, client: Callable[[], Client], part: Callable[[], Hashable]
    ) -> Intake:
        """The screening of clients with key ``skey``; ``client()`` is called on a miss only.

        ``part()``, asked on a miss, is a coarser key: equal for clients whose
        :func:`screening_part` is equal (it may tell more apart, never fewer), so
        clients that differ only in what screening does not read share one screening.
        """
        intake: Intake | None = self.intakes.young.get(skey) or self.intakes.get(skey)
        if intake is None:
            intake = self._intake(client, part())
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
        # what settling reads of a selection, kept per selection (the entry holds it, so
        # its id is no other's): most intakes keep their screening and products as they are
        planned = self._planned.get(id(selection))
        if planned is None or planned[0] is not selection:
            planned = (selection, sunscreen_planned(selection, self.policy))
            self._planned.put(id(selection), planned)
        if planned[1] and not intake.screening.declined:
            return intake, selection
        settled, chosen = settle_intake(intake.screening, selection, self.policy)
        if settled is intake.screening:
            return intake, chosen
        key = (skey, spart)
        declined: Intake | None = self._declined.get(key)
        if declined is None:
            declined = self._numbered(Intake(self.date, self.policy, settled))
            self._declined.put(key, declined)
        return declined, chosen

    def _intake(self, client: Callable[[], Client], key: Hashable) -> Intake:
        screened: Intake | None = self._screened.get(key)
        if screened is not None:
            return screened
        self.stats["screenings"] += 1
        screening = screen(client(), self.date, self.policy)
        # equal screenings share one Intake: its routes and serialised pieces are reused
        # by every client screened the same way, whatever the keys that led there
        value = (
            screening.policy,
            screening.facts,
            screening.findings,
            tuple(screening.skipped.items()),
            screening.exfoliation,
            screening.warnings,
        )
        intake: Intake | None = self._same.get(value)
        if intake is None:
            intake = self._numbered(Intake(self.date, self.policy, screening))
            self._same.put(value, intake)
        self._screened.put(key, intake)
        return intake

    def _numbered(self, intake: Intake) -> Intake:
        intake.context_id = self._contexts.setdefault(intake.context, len(self._contexts))
        intake.serial = next(self._serials)
        return intake

    def _choose(self, client: Client, screening: Screening) -> Selection:
        from facialflow.products.selection import choose_products

        self.stats["selections"] += 1
        return choose_products(client, screening, self.policy, plugins=self.plugins)
