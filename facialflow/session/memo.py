"""Memoised intake: screenings and selections shared by clients that cannot tell them apart.

Screening and product selection are pure functions of the client fields they
declare (``CLIENT_READS`` next to :func:`~facialflow.clinic.screening.screen`
and :func:`~facialflow.products.selection.choose_products`), of the date, the
policy and, for selection, the screening and the plugins. The keys here are
built from those declarations and nothing else, so a rule that starts reading
a new field changes its key by changing its declaration; a test fails when a
Client field is neither declared by a consumer nor listed in :data:`IGNORED`.

Sessions, restore, ``check`` and the simulator's planner key on the same
functions. The caches are bounded (:class:`Memo`) and safe to share between
threads: a race can lose an entry, never return a wrong one.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import threading
import weakref
from collections.abc import Hashable
from operator import attrgetter
from typing import Any

from facialflow.clinic.client_facts import unknown_allergies
from facialflow.clinic.policy import Policy
from facialflow.clinic.screening import CLIENT_READS as SCREENING_READS
from facialflow.clinic.screening import Screening, screen
from facialflow.model import Client, Selection
from facialflow.products.ingredients import relevant_allergies
from facialflow.products.loading import offer_universe
from facialflow.products.selection import CLIENT_READS as SELECTION_READS
from facialflow.products.selection import CONDITIONS_READ, choose_products, selection_context

__all__ = [
    "IGNORED",
    "SCREENING_READS",
    "SELECTION_READS",
    "Memo",
    "context_key",
    "memo_choose",
    "memo_screen",
    "offer_universe",
    "plugin_token",
    "relevant_allergies",
    "screened_allergies",
    "screening_key",
    "selection_part",
]

#: Client fields neither screening nor selection reads, and why
IGNORED: dict[str, str] = {
    "id": "names the client; never decides anything",
    "birth_date": "read by the visit planner only",
}


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


_screening_fields = attrgetter(*SCREENING_READS)
_selection_fields = attrgetter(*SELECTION_READS)
_SCREENED_ALLERGIES = SCREENING_READS.index("allergies")
_ALLERGIES = SELECTION_READS.index("allergies")
_CONDITIONS = SELECTION_READS.index("conditions")


def screening_key(client: Client) -> tuple[Any, ...]:
    """What :func:`~facialflow.clinic.screening.screen` reads of a client (for a date and policy).

    Allergies count only as the ones the knowledge base does not know
    (:func:`~facialflow.clinic.client_facts.unknown_allergies`): screening reads no other.
    """
    values = _screening_fields(client)
    if not values[_SCREENED_ALLERGIES]:
        return values
    listed = list(values)
    listed[_SCREENED_ALLERGIES] = screened_allergies(listed[_SCREENED_ALLERGIES])
    return tuple(listed)


@functools.lru_cache(maxsize=16384)
def screened_allergies(allergies: tuple[str, ...]) -> tuple[str, ...]:
    """The allergies screening reads: those the knowledge base does not know, in order."""
    return unknown_allergies(allergies)


def selection_part(client: Client, universe: frozenset[str]) -> Hashable:
    """What product selection reads of a client itself, when every plugin is a plain OfferPlugin.

    Allergies count only as their intersection with the ingredients and tags
    of the offered products (``universe``): no other allergy can match.
    Conditions count only among those selection reads (``CONDITIONS_READ``).
    """
    values = list(_selection_fields(client))
    values[_ALLERGIES] = relevant_allergies(values[_ALLERGIES], universe)
    values[_CONDITIONS] = values[_CONDITIONS] & CONDITIONS_READ
    return tuple(values)


def context_key(screening: Screening) -> Hashable:
    """What product selection reads of a screening: whether it declined, and its selection context."""
    return (screening.declined, selection_context(screening))


# a plugin set gets a token that is never reused (ids are), plus its universe
_TOKENS: weakref.WeakKeyDictionary[Any, tuple[int, frozenset[str] | None]] = (
    weakref.WeakKeyDictionary()
)
_COUNTER = itertools.count()
_LOCK = threading.Lock()


def plugin_token(plugins: Any) -> tuple[int, frozenset[str] | None]:
    """A never-reused number standing for ``plugins``, and its offer universe."""
    try:
        hit = _TOKENS.get(plugins)
    except TypeError:  # not weakly referenceable: no sharing
        return -1, None
    if hit is None:
        with _LOCK:
            hit = _TOKENS.get(plugins)
            if hit is None:
                hit = _TOKENS[plugins] = (next(_COUNTER), offer_universe(plugins))
    return hit


_SCREENINGS = Memo(1 << 14)
_SELECTIONS = Memo(1 << 14)


def memo_screen(client: Client, date: dt.date, policy: Policy) -> Screening:
    """``screen(client, date, policy)``, shared by clients with the same :func:`screening_key`."""
    key = (screening_key(client), date, policy.name, policy.digest)
    found: Screening | None = _SCREENINGS.get(key)
    if found is None:
        found = screen(client, date, policy)
        _SCREENINGS.put(key, found)
    return found


def memo_choose(client: Client, screening: Screening, policy: Policy, plugins: Any) -> Selection:
    """``choose_products``, shared by equivalent clients when every plugin is a plain OfferPlugin."""
    if plugins is None:
        from facialflow.products.loading import load_plugins

        plugins = load_plugins()
    token, universe = plugin_token(plugins)
    if universe is None:
        return choose_products(client, screening, policy, plugins=plugins)
    key = (
        selection_part(client, universe),
        context_key(screening),
        policy.name,
        policy.digest,
        token,
    )
    found: Selection | None = _SELECTIONS.get(key)
    if found is None:
        found = choose_products(client, screening, policy, plugins=plugins)
        _SELECTIONS.put(key, found)
    return found
