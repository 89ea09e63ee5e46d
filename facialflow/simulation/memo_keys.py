"""Cache keys of the fast path: the session's own keys (:mod:`facialflow.session.memo`).

They are built from what screening and selection declare they read; the fast
runner projects its raw draws onto the same declarations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable
from operator import itemgetter
from typing import Any

from facialflow.clinic.screening import READ_AS
from facialflow.model import Client, Condition
from facialflow.qa.draws import ADVERSE_KINDS, RawClient, raw_fields, raw_to_client
from facialflow.qa.routes import Variant
from facialflow.session.memo import (
    SCREENING_READS,
    context_key,
    offer_universe,
    screening_key,
    selection_part,
)

__all__ = [
    "ADVERSE_KINDS",
    "Variant",
    "context_key",
    "offer_universe",
    "raw_conditions_among",
    "raw_getter",
    "screening_key",
    "screening_part",
    "selection_part",
]


def screening_part(client: Client) -> Hashable:
    """:func:`screening_key` with each field screening reads only in part taken as that part
    (:data:`~facialflow.clinic.screening.READ_AS`): coarser, for the simulator's planner.

    Sessions, ``check`` and ``verify`` key on the whole fields: a rule that reads more of
    a field than it declares (a planted bug) must still show there.
    """
    listed = list(screening_key(client))
    for i, part in _READ_AS:
        listed[i] = part(listed[i])
    return tuple(listed)


_READ_AS = tuple((SCREENING_READS.index(name), part) for name, part in READ_AS.items())


def raw_getter(fields: tuple[str, ...]) -> Callable[[RawClient], Any]:
    """A projection of a raw draw on ``fields``, as a tuple (even for one field)."""
    positions = [RawClient._fields.index(f) for f in fields]
    if len(positions) == 1:
        (only,) = positions
        return lambda raw: (raw[only],)
    return itemgetter(*positions)


def raw_conditions_among(
    conditions: frozenset[Condition], date: dt.date
) -> Callable[[RawClient], frozenset[Condition]]:
    """``raw_to_client(raw, ...).conditions & conditions``, memoised on the raw fields it is made from.

    Conditions the draw gives as dates are not the client's conditions: the
    client is made once per distinct source, so the projection is exactly the
    client's, whatever the draw's rules for dates.
    """
    sources = raw_getter(raw_fields(["conditions"]))
    seen: dict[Hashable, frozenset[Condition]] = {}

    def project(raw: RawClient) -> frozenset[Condition]:
        key = sources(raw)
        hit = seen.get(key)
        if hit is None:
            hit = seen[key] = raw_to_client(raw, "conditions", date).conditions & conditions
        return hit

    return project
