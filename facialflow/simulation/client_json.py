"""A generated client's JSON from pieces cached per group of raw fields.

Most generated clients are new (60% of 100k draws are distinct), but each
group of their fields takes few values: the skin type and concerns, the
phototype and pregnancy flags, the allergies, the conditions with the
medications they imply, the assessment, the dated facts.
The client's JSON after its id is the concatenation of one piece per group,
each made once from :func:`~facialflow.qa.draws.raw_to_dict` (the one client
writer) and reused by every client with the same values of that group's raw
fields. A group's piece depends on nothing else: its keys are made from those
raw fields alone (:data:`~facialflow.qa.draws.RAW_SOURCES`), and the writer
puts its keys next to each other, in group order; both are checked each time a
piece is made, and the whole text is compared with ``client_to_dict`` for a
sample of clients.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable
from typing import Any

from facialflow.io.client_file import client_to_dict
from facialflow.qa.draws import RawClient, raw_fields, raw_to_client, raw_to_dict
from facialflow.session.memo import Memo
from facialflow.simulation.memo_keys import raw_getter

__all__ = ["GROUPS", "ClientJson"]

#: the client file's keys after ``id``, in the writer's order, grouped; a group's keys are
#: next to each other in every client file (optional ones may be absent). Each group is
#: one lookup per client, and each new value of a group one client written in full: groups
#: are as large as keeps their values few (measured on 100k draws of the default
#: population, seed 7: 780, 140, 254, 1,872, 45 and 1,872 distinct values). The assessment
#: has a group of its own: in one group with the conditions and the dated facts, its few
#: values multiplied theirs (6,274 together), and those clients, written in full (7,147
#: instead of 2,898), cost more than a lookup each saves. The writer puts the assessment
#: between the conditions and the dated facts, so these two are groups apart, though
#: both are made from the same raw fields
GROUPS: tuple[tuple[str, ...], ...] = (
    ("skin_type", "concerns"),
    ("fitzpatrick", "pregnant", "breastfeeding", "isotretinoin_last_dose"),
    # allergies vary most with the population's allergy rate: a group of their own
    ("allergies",),
    # the conditions decide the medications and the dated facts
    ("medications", "conditions"),
    ("assessment",),
    # a generated client has no birth date: it costs its neighbours no values
    ("birth_date", "last_sun_exposure", "last_topical_retinoid", "last_peel", "last_injectable"),
)


class ClientJson:
    """The JSON of generated clients for one date, as ``dumps(client_to_dict(client))``."""

    #: one in this many texts is compared in full with ``client_to_dict`` (and the first ones)
    CHECK_EVERY = 997

    def __init__(self, date: dt.date, dumps: Callable[[Any], str]) -> None:
        self.date = date
        self.dumps = dumps
        self._group_of = {key: i for i, keys in enumerate(GROUPS) for key in keys}
        sources = [raw_fields(keys) for keys in GROUPS]
        # bounded: a group's values are few, but a population is the user's to choose
        self._groups: list[tuple[Callable[[RawClient], Hashable], Memo]] = [
            (raw_getter(fields) if fields else _constant, Memo(1 << 14)) for fields in sources
        ]
        self._indexed = [(i, project, memo) for i, (project, memo) in enumerate(self._groups)]
        self.made = 0
        self.texts = 0

    def tail(self, raw: RawClient, client_id: str) -> str:
        """The client's JSON after ``{"id":"<client_id>"``, closing brace included.

        ``client_id`` is only for the JSON checked against ``client_to_dict``
        (the pieces never hold it).
        """
        parts: list[str] = []
        self.extend(parts, raw, client_id)
        return "".join(parts)

    def extend(self, out: list[str], raw: RawClient, client_id: str) -> None:
        """Append the pieces of :meth:`tail` to ``out`` (the simulator joins a chunk's once)."""
        start = len(out)
        made: dict[str, Any] | None = None
        for i, project, memo in self._indexed:
            key = project(raw)
            piece = memo.young.get(key)
            if piece is None:
                piece = memo.get(key)
            if piece is None:
                if made is None:
                    made = self._made(raw, client_id)
                dumps = self.dumps
                piece = "".join(
                    "," + dumps(k) + ":" + dumps(made[k]) for k in GROUPS[i] if k in made
                )
                memo.put(key, piece)
            out.append(piece)
        out.append("}")
        self.texts += 1
        if self.texts <= 64 or self.texts % self.CHECK_EVERY == 0:
            text = '{"id":' + self.dumps(client_id) + "".join(out[start:])
            expected = self.dumps(client_to_dict(raw_to_client(raw, client_id, self.date)))
            if text != expected:
                raise AssertionError(f"client JSON from pieces differs: {text!r} != {expected!r}")

    def _made(self, raw: RawClient, client_id: str) -> dict[str, Any]:
        self.made += 1
        data = raw_to_dict(raw, client_id, self.date)
        # every key after the id in a group, the groups in order: else a piece would misplace it
        order = [self._group_of.get(k, -1) for k in list(data)[1:]]
        if -1 in order or order != sorted(order):
            raise AssertionError(f"client keys out of their groups: {list(data)}")
        return data


def _constant(raw: RawClient) -> Hashable:
    return ()
