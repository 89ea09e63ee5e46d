"""The narrowed cache keys: what they leave out never changes a screening or a selection."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Hashable

import attrs
import pytest

from facialflow.clinic.policy import load_policy
from facialflow.clinic.screening import screen
from facialflow.model import Client, Concern, Condition, SkinType
from facialflow.products.loading import load_plugins
from facialflow.products.selection import CONDITIONS_READ, choose_products
from facialflow.qa.draws import client_id, iter_raw, raw_to_client
from facialflow.qa.population import DEFAULT_POPULATION
from facialflow.simulation.fast_runner import FastRunner
from facialflow.simulation.memo_keys import (
    offer_universe,
    raw_conditions_among,
    screening_key,
    selection_part,
)
from facialflow.simulation.run import SimulationSpec

DATE = dt.date(2026, 11, 25)


def _clients(seed: int, n: int) -> list[Client]:
    return [raw_to_client(raw, f"c{i}", DATE) for i, raw in enumerate(iter_raw(seed, 0, n))]


def test_conditions_selection_does_not_read_never_change_the_products() -> None:
    policy = load_policy()
    plugins = load_plugins()
    others = [c for c in Condition if c not in CONDITIONS_READ]
    assert others
    changed = 0
    for i, client in enumerate(_clients(41, 120)):
        screening = screen(client, DATE, policy)
        chosen = choose_products(client, screening, policy, plugins=plugins)
        flipped = attrs.evolve(client, conditions=client.conditions ^ {others[i % len(others)]})
        assert choose_products(flipped, screening, policy, plugins=plugins) == chosen
        changed += 1
    assert changed == 120


def test_a_condition_selection_reads_splits_the_selection_key() -> None:
    universe = offer_universe(load_plugins())
    assert universe is not None
    client = _clients(42, 1)[0]
    plain = attrs.evolve(client, conditions=frozenset(), medications=())
    rosacea = attrs.evolve(plain, conditions=frozenset({Condition.ROSACEA}))
    melasma = attrs.evolve(plain, conditions=frozenset({Condition.MELASMA}))
    assert selection_part(melasma, universe) == selection_part(plain, universe)
    assert selection_part(rosacea, universe) != selection_part(plain, universe)


def test_allergies_the_knowledge_base_knows_never_change_the_screening() -> None:
    policy = load_policy()
    for client in _clients(43, 150):
        known = attrs.evolve(client, allergies=("fragrance", "salicylic acid"))
        none = attrs.evolve(client, allergies=())
        assert screening_key(known) == screening_key(none)
        assert screen(known, DATE, policy) == screen(none, DATE, policy)


def test_an_unknown_allergy_splits_the_screening_key_and_is_warned_about() -> None:
    policy = load_policy()
    client = attrs.evolve(_clients(44, 1)[0], allergies=())
    odd = attrs.evolve(client, allergies=("fragrance", "moonbeam extract"))
    assert screening_key(odd) != screening_key(client)
    assert any("moonbeam extract" in w for w in screen(odd, DATE, policy).warnings)


@pytest.mark.parametrize(
    "conditions",
    [
        CONDITIONS_READ,
        # a condition the draws may write as a date: the projection must follow the client
        frozenset({Condition.RECENT_TAN, Condition.ROSACEA}),
    ],
)
def test_the_raw_conditions_projection_is_the_clients(conditions: frozenset[Condition]) -> None:
    project = raw_conditions_among(conditions, DATE)
    seen = set()
    for i, raw in enumerate(iter_raw(45, 0, 3000)):
        expected = raw_to_client(raw, f"c{i}", DATE).conditions & conditions
        assert project(raw) == expected
        seen.add(expected)
    assert len(seen) > 1


def test_equal_raw_keys_of_the_fast_runner_mean_equal_client_keys() -> None:
    spec = SimulationSpec(n=1, date=DATE, policy=load_policy(), population=DEFAULT_POPULATION)
    runner = FastRunner(spec)
    universe = runner.universe
    assert universe is not None
    by_skey: dict[Hashable, set[Hashable]] = defaultdict(set)
    by_spart: dict[Hashable, set[Hashable]] = defaultdict(set)
    for i, raw in enumerate(iter_raw(46, 0, 6000)):
        client = raw_to_client(raw, client_id(46, i), DATE)
        skey, spart = runner.raw_keys(raw)
        by_skey[skey].add(screening_key(client))
        by_spart[spart].add(selection_part(client, universe))
    assert all(len(keys) == 1 for keys in by_skey.values())
    assert all(len(keys) == 1 for keys in by_spart.values())
    # the narrowing shares keys: far fewer keys than draws
    assert len(by_spart) < 4000


def test_the_ranking_is_shared_only_while_every_plugin_is_plain_offers() -> None:
    from facialflow.products.hookspecs import PluginInfo, hookimpl

    class Reader:
        @hookimpl
        def facialflow_plugin_info(self) -> PluginInfo:
            return PluginInfo(name="reader", description="reads ids")

        @hookimpl
        def facialflow_candidates(self, client: Client, context: object) -> list[object]:
            return []

    client = Client(id="k", skin_type=SkinType.OILY, concerns=(Concern.ACNE,), fitzpatrick=2)
    policy = load_policy()
    screening = screen(client, DATE, policy)
    plain = load_plugins()
    choose_products(client, screening, policy, plugins=plain)
    assert plain.offers_memo
    mixed = load_plugins(extra=[("reader", Reader())])
    assert mixed.offers_key(client, object()) is None  # type: ignore[arg-type]
    choose_products(client, screening, policy, plugins=mixed)
    assert not mixed.offers_memo


def test_a_shared_ranking_gives_the_products_a_fresh_plugin_set_gives() -> None:
    policy = load_policy()
    shared = load_plugins()
    for client in _clients(47, 40):
        screening = screen(client, DATE, policy)
        warm = choose_products(client, screening, policy, plugins=shared)
        assert choose_products(client, screening, policy, plugins=shared) == warm
        fresh = load_plugins(fresh=True)
        assert not fresh.offers_memo
        assert choose_products(client, screening, policy, plugins=fresh) == warm
