"""Generated clients' JSON from cached pieces is exactly the one client writer's."""

from __future__ import annotations

import datetime as dt

import pytest

from facialflow.io.client_file import client_to_dict
from facialflow.qa.draws import client_id, iter_raw, raw_to_client
from facialflow.qa.population import Population
from facialflow.simulation.client_json import ClientJson
from facialflow.simulation.writer import dumps

DATE = dt.date(2026, 11, 25)


def _expected(raw, ident: str) -> str:  # type: ignore[no-untyped-def]
    return dumps(client_to_dict(raw_to_client(raw, ident, DATE)))


@pytest.mark.parametrize(
    "population",
    [
        None,
        # every optional key written: isotretinoin dates, allergies, conditions given as dates
        Population(isotretinoin_rate=0.5, allergy_rate=0.6, prescription_rate=0.5),
    ],
)
def test_pieces_make_exactly_the_client_writers_json(population: Population | None) -> None:
    pieces = ClientJson(DATE, dumps)
    for i, raw in enumerate(iter_raw(51, 0, 4000, population)):
        ident = client_id(51, i)
        assert '{"id":' + dumps(ident) + pieces.tail(raw, ident) == _expected(raw, ident)
    # pieces are shared: far fewer made than clients written
    assert pieces.made < 2000


def test_a_piece_never_depends_on_the_client_id() -> None:
    pieces = ClientJson(DATE, dumps)
    raw = next(iter_raw(52, 0, 1))
    assert pieces.tail(raw, "a") == pieces.tail(raw, "someone-else")
    assert pieces.made == 1


def test_a_wrong_piece_is_caught_by_the_sampled_check() -> None:
    pieces = ClientJson(DATE, dumps)
    raws = list(iter_raw(53, 0, 2))
    pieces.tail(raws[0], "x")
    # corrupt every cached piece: the next (checked) text no longer matches the writer's
    for _, memo in pieces._groups:
        for key in list(memo.young):
            memo.young[key] = ',"bogus":1'
    with pytest.raises(AssertionError, match="differs"):
        pieces.tail(raws[0], "x")
