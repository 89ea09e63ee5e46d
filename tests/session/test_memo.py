"""Memoised intake: keys built from what screening and selection declare they read."""

from __future__ import annotations

import attrs
from conftest import DATE

from facialflow.clinic.policy import load_policy
from facialflow.clinic.screening import screen
from facialflow.model import Client
from facialflow.products.loading import load_plugins
from facialflow.products.selection import choose_products
from facialflow.qa.draws import RAW_SOURCES, iter_clients
from facialflow.session.memo import (
    IGNORED,
    SCREENING_READS,
    SELECTION_READS,
    memo_choose,
    memo_screen,
)

FIELDS = {a.name for a in attrs.fields(Client)}


def _top(reads: tuple[str, ...]) -> set[str]:
    return {r.split(".")[0] for r in reads}


def test_every_client_field_is_read_by_a_declared_consumer_or_explicitly_ignored() -> None:
    read = _top(SCREENING_READS) | _top(SELECTION_READS)
    assert FIELDS - read - set(IGNORED) == set()
    assert read & set(IGNORED) == set()
    assert (read | set(IGNORED)) - FIELDS == set()


def test_the_draws_say_which_raw_fields_make_every_client_field() -> None:
    assert {r.split(".")[0] for r in RAW_SOURCES} == FIELDS
    assert set(SCREENING_READS) | set(SELECTION_READS) <= set(RAW_SOURCES)


def test_ignored_fields_never_change_screening_or_selection() -> None:
    policy = load_policy("conservative")
    plugins = load_plugins()
    for client in iter_clients(4, 150, date=DATE):
        # medications are screened now (warfarin is an anticoagulant): not an ignored field
        other = attrs.evolve(client, id="someone-else", birth_date=DATE.replace(1970))
        a, b = screen(client, DATE, policy), screen(other, DATE, policy)
        assert a == b
        assert choose_products(client, a, policy, plugins=plugins) == choose_products(
            other, b, policy, plugins=plugins
        )


def test_memoised_intake_equals_computing_it_for_every_client() -> None:
    policy = load_policy("conservative")
    plugins = load_plugins()
    for client in iter_clients(6, 300, date=DATE):
        fresh = screen(client, DATE, policy)
        assert memo_screen(client, DATE, policy) == fresh
        assert memo_choose(client, fresh, policy, plugins) == choose_products(
            client, fresh, policy, plugins=plugins
        )
