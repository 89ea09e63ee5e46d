"""The simulation service: the fast path gives exactly the engine's sessions, deterministically."""

from __future__ import annotations

import ast
import datetime as dt
import itertools
import json
import re
import time
from pathlib import Path
from typing import Any

import attrs
import pytest

import facialflow.products.loading
from facialflow.clinic.policy import load_policy
from facialflow.clinic.screening import screen
from facialflow.model import Client, Concern, Condition, Product, ProductKind
from facialflow.products.hookspecs import Candidate, PluginInfo, hookimpl
from facialflow.products.loading import load_plugins
from facialflow.products.selection import choose_products
from facialflow.qa.draws import iter_clients
from facialflow.qa.population import Population
from facialflow.session.live import Session
from facialflow.simulation.memo_keys import offer_universe, screening_key, selection_part
from facialflow.simulation.planner import Memo, Planner
from facialflow.simulation.run import (
    SimulationSpec,
    Tally,
    rule_universe,
    run_summary,
    simulate,
    summarize,
)

DATE = dt.date(2026, 11, 25)
PACKAGE = Path(__file__).parents[2] / "facialflow"


def spec(**kw: Any) -> SimulationSpec:
    base: dict[str, Any] = {"n": 600, "seed": 1, "date": DATE, "policy": load_policy()}
    return SimulationSpec(**(base | kw))


def run(s: SimulationSpec) -> tuple[list[str], dict[str, Any]]:
    """Every session line and the summary document of a run."""
    tally = Tally()
    lines: list[str] = []
    for batch in simulate(s):
        tally.add(batch)
        lines.extend(batch.lines or ())
    return lines, summarize(tally, s).to_dict()


# -- the fast path is the engine -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("seed", "rate", "policy"),
    [
        (1, 0.0, "conservative"),
        (2, 0.35, "conservative"),
        (3, 1.0, "conservative"),
        (4, 0.35, "asds2017"),
    ],
)
def test_fast_sessions_are_byte_identical_to_sessions_stepped_by_transitions(
    seed: int, rate: float, policy: str
) -> None:
    """The transitions engine starts and steps a Session for every client; the fast path must agree."""
    common = {"n": 1500, "seed": seed, "adverse_rate": rate, "policy": load_policy(policy)}
    fast = run(spec(**common, sessions=True))
    reference = run(spec(**common, sessions=True, engine="transitions"))

    assert fast[0] == reference[0]
    assert fast[1] == reference[1]
    assert len(fast[0]) == 1500


def test_fast_path_equals_the_engine_with_a_clinic_catalog(tmp_path: Path) -> None:
    catalog = tmp_path / "clinic.toml"
    catalog.write_text(
        'name = "clinic"\n'
        "[[products]]\n"
        'name = "House Mandelic Serum"\nkind = "serum"\n'
        'ingredients = ["mandelic acid", "lavender oil"]\nstrengths = { "mandelic acid" = 8.0 }\n'
        'concerns = ["acne", "hyperpigmentation"]\nrank = 1\n'
    )
    common = {"n": 800, "seed": 6, "adverse_rate": 0.2, "catalogs": (str(catalog),)}

    assert run(spec(**common, sessions=True)) == run(
        spec(**common, sessions=True, engine="transitions")
    )


class IdReadingPlugin:
    """A code plugin that reads what no key holds (the client id): selection cannot be shared."""

    SERUM = Product(name="Odd Serum", kind=ProductKind.SERUM, ingredients=["peptides"])

    @hookimpl
    def facialflow_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="odd", description="proposes a serum to odd client ids")

    @hookimpl
    def facialflow_candidates(self, client: Client, context: Any) -> list[Candidate]:
        if int(client.id.rsplit("-", 1)[1]) % 2:
            return [Candidate(self.SERUM, client.concerns[0], rank=0)]
        return []


def test_with_a_code_plugin_selection_runs_per_client_and_still_equals_the_engine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plugins = load_plugins(extra=[("odd", IdReadingPlugin())])
    monkeypatch.setattr(facialflow.products.loading, "load_plugins", lambda **_: plugins)
    assert offer_universe(plugins) is None

    fast = run(spec(n=300, seed=8, adverse_rate=0.3, sessions=True))
    reference = run(spec(n=300, seed=8, adverse_rate=0.3, sessions=True, engine="transitions"))

    assert fast == reference
    assert any('"name":"Odd Serum"' in line for line in fast[0])


def test_a_planner_makes_the_plan_session_start_makes() -> None:
    policy = load_policy()
    plugins = load_plugins()
    planner = Planner(DATE, policy, plugins)
    for client in iter_clients(21, 400, date=DATE):
        started = Session.start(client, date=DATE, policy=policy, plugins=plugins)
        plan = planner.plan(client)

        assert plan.screening == started.screening
        assert plan.selection == started.selection
        assert plan.result(client, None) == started.run()


# -- the keys hold exactly what screening and selection read -------------------------------------


def vary(client: Client, index: int) -> list[Client]:
    """Copies of ``client`` that differ in one field each."""
    a = client.assessment
    return [
        attrs.evolve(client, id=f"other-{index}"),
        attrs.evolve(client, concerns=tuple(reversed(Concern))[: 1 + index % 3]),
        attrs.evolve(client, allergies=("fragrance", "salicylic acid")),
        attrs.evolve(client, medications=("aspirin",)),
        attrs.evolve(client, birth_date=dt.date(1980, 1, 1)),
        attrs.evolve(client, fitzpatrick=1 + (client.fitzpatrick % 6)),
        attrs.evolve(client, conditions=client.conditions ^ {Condition.MELASMA}),
        attrs.evolve(client, isotretinoin_last_dose=dt.date(2026, 9, 1)),
        attrs.evolve(client, assessment=attrs.evolve(a, laser_requested=not a.laser_requested)),
        attrs.evolve(client, pregnant=not client.pregnant),
        attrs.evolve(client, skin_type="sensitive" if client.skin_type != "sensitive" else "oily"),
    ]


def test_clients_with_the_same_screening_key_get_the_same_screening() -> None:
    policy = load_policy()
    compared = 0
    for i, client in enumerate(iter_clients(31, 300, date=DATE)):
        for other in vary(client, i):
            if screening_key(other) == screening_key(client):
                assert screen(other, DATE, policy) == screen(client, DATE, policy)
                compared += 1
    # screening reads allergies too now (to warn about unknown ones): fewer variants share a key
    assert compared >= 800


def test_clients_with_the_same_selection_part_get_the_same_products() -> None:
    """Given one screening, selection reads the client only through ``selection_part``."""
    policy = load_policy()
    plugins = load_plugins()
    universe = offer_universe(plugins)
    assert universe is not None
    compared = 0
    for i, client in enumerate(iter_clients(32, 200, date=DATE)):
        screening = screen(client, DATE, policy)
        chosen = choose_products(client, screening, policy, plugins=plugins)
        for other in vary(client, i):
            if selection_part(other, universe) == selection_part(client, universe):
                assert choose_products(other, screening, policy, plugins=plugins) == chosen
                compared += 1
    assert compared >= 1000


def test_allergies_to_nothing_any_product_holds_do_not_split_the_key() -> None:
    universe = offer_universe(load_policy() and load_plugins())
    assert universe is not None
    client = next(iter_clients(1, 1, date=DATE))
    nickel = attrs.evolve(client, allergies=("nickel", "latex"))
    zinc = attrs.evolve(client, allergies=("zinc oxide",))

    assert "nickel" not in universe
    assert selection_part(nickel, universe) == selection_part(client, universe)
    assert selection_part(zinc, universe) != selection_part(client, universe)


def test_only_plain_offer_plugins_let_equivalent_clients_share_products() -> None:
    assert offer_universe(load_plugins()) is not None
    assert offer_universe(load_plugins(extra=[("odd", IdReadingPlugin())])) is None
    assert offer_universe(object()) is None


# -- adverse reactions --------------------------------------------------------------------------


def test_no_adverse_rate_means_no_stopped_session() -> None:
    summary = run(spec(n=2000, adverse_rate=0.0))[1]

    assert summary["outcomes"]["stopped"] == 0
    assert sum(summary["adverse"]["kinds"].values()) == 0


def test_an_adverse_rate_of_one_stops_every_session_that_passed_intake() -> None:
    lines, summary = run(spec(n=2000, seed=3, adverse_rate=1.0, sessions=True))

    outcomes = summary["outcomes"]
    assert outcomes["complete"] == 0
    assert outcomes["stopped"] + outcomes["emergency"] == 2000 - outcomes["declined"]
    assert outcomes["stopped"] > 0 and outcomes["emergency"] > 0
    for line in lines:
        session = json.loads(line)
        if session["outcome"] == "stopped":
            assert session["adverse"]["step"] in session["path"]
            assert session["path"][-2:] == ["safe_exit_document", "stopped"]
        if session["outcome"] == "emergency":
            assert session["adverse"]["step"] == session["path"][-2]
            assert session["adverse"]["escalation"].startswith(("emergency", "syncope"))


def test_reactions_cover_every_kind_and_every_active_step() -> None:
    summary = run(spec(n=4000, seed=5, adverse_rate=0.5))[1]

    assert all(summary["adverse"]["kinds"].values())
    assert set(summary["adverse"]["steps"]) >= {"cleansing", "exfoliation", "serums", "hydration"}
    ended = summary["outcomes"]["stopped"] + summary["outcomes"]["emergency"]
    assert sum(summary["adverse"]["kinds"].values()) == ended


def test_the_adverse_rate_changes_reactions_not_clients() -> None:
    calm, _ = run(spec(n=300, seed=9, adverse_rate=0.0, sessions=True))
    rough, _ = run(spec(n=300, seed=9, adverse_rate=0.5, sessions=True))

    for a, b in zip(calm, rough, strict=True):
        assert json.loads(a)["client"] == json.loads(b)["client"]


# -- determinism and streaming ------------------------------------------------------------------


def test_output_does_not_depend_on_the_number_of_workers() -> None:
    common = {"n": 2600, "seed": 12, "adverse_rate": 0.2, "sessions": True}

    assert run(spec(**common, workers=2)) == run(spec(**common, workers=1))


def test_the_same_seed_gives_the_same_output_and_another_seed_does_not() -> None:
    assert run(spec(seed=13, sessions=True)) == run(spec(seed=13, sessions=True))
    assert run(spec(seed=13, sessions=True))[0] != run(spec(seed=14, sessions=True))[0]


def test_batches_stream_so_a_huge_run_starts_at_once() -> None:
    """Nothing is collected up front: the first batch of 10**12 sessions arrives in well under a second."""
    started = time.perf_counter()
    batches = simulate(spec(n=10**12, sessions=True))
    first = next(batches)
    batches.close()

    assert time.perf_counter() - started < 5
    assert first.lines is not None
    assert first.count == len(first.lines) == 1024


def test_a_custom_population_changes_what_is_simulated() -> None:
    blocked = Population(conditions={Condition.FEVER: 1.0})

    summary = run(spec(n=200, population=blocked))[1]

    assert summary["outcomes"] == {"complete": 0, "declined": 200, "stopped": 0, "emergency": 0}


def test_spec_refuses_bad_values() -> None:
    for bad in ({"n": -1}, {"adverse_rate": 1.5}, {"adverse_rate": float("nan")}, {"workers": 0}):
        with pytest.raises(ValueError, match="must"):
            spec(**bad)
    with pytest.raises(ValueError, match="engine"):
        spec(engine="warp")


# -- the summary --------------------------------------------------------------------------------


def test_summary_counts_add_up() -> None:
    summary = run(spec(n=3000, seed=15, adverse_rate=0.1))[1]

    assert summary["sessions"] == 3000
    assert sum(summary["outcomes"].values()) == 3000
    assert sum(p["count"] for p in summary["paths"]) == 3000
    assert summary["steps"]["intake"] == 3000
    assert all(p["path"][0] == "intake" for p in summary["paths"])
    counts = [p["count"] for p in summary["paths"]]
    assert counts == sorted(counts, reverse=True)
    for decision, dests in summary["branches"].items():
        state = decision.split("/")[0]
        if decision.endswith("/advance"):
            assert sum(dests.values()) <= summary["steps"][state]


def test_summary_coverage_lists_what_was_never_exercised() -> None:
    summary = run(spec(n=200, adverse_rate=0.0))[1]
    criteria = summary["coverage"]["criteria"]

    assert "stopped" in criteria["states"]["never_exercised"]
    assert "tolerates_product=true" in criteria["guard outcomes"]["never_exercised"]
    assert summary["coverage"]["percent"] < 100


def test_a_large_run_covers_the_whole_protocol() -> None:
    summary = run(spec(n=20_000, seed=2, adverse_rate=0.3))[1]

    assert summary["coverage"]["percent"] == 100.0


def test_the_rule_universe_holds_every_rule_intake_can_record() -> None:
    """Guards against drift: a rule id written in screening or session code must be reportable."""
    literals: set[str] = set()
    for path in [*(PACKAGE / "clinic").rglob("*.py"), *(PACKAGE / "session").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            value = node.value if isinstance(node, ast.Constant) else None
            if isinstance(value, str) and re.fullmatch(r"R\d+", value):
                literals.add(value)
    for preset in ("conservative", "asds2017"):
        assert literals <= set(rule_universe(load_policy(preset)))


# -- the bounded cache ---------------------------------------------------------------------------


def test_memo_stays_bounded_and_keeps_what_is_used() -> None:
    memo = Memo(4)
    memo.put("hot", 1)
    for i in itertools.count():
        if i == 40:
            break
        memo.put(i, i)
        assert memo.get("hot") == 1

    assert len(memo) <= 8
    assert memo.get(0) is None
    with pytest.raises(ValueError, match="at least 1"):
        Memo(0)


def test_fast_json_that_differs_from_session_to_dict_is_caught(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The JSON writer checks samples against ``session_to_dict``: drift raises, never prints."""
    calls = itertools.count()

    def drifting(self: Session) -> dict[str, str]:
        return {"extraction": f"call {next(calls)}"}

    monkeypatch.setattr(Session, "skipped", drifting)

    with pytest.raises(AssertionError, match="differs from session_to_dict"):
        run(spec(n=50, sessions=True))


def test_run_summary_returns_the_summary_of_a_run() -> None:
    seen: list[int] = []

    summary = run_summary(spec(n=2500), on_batch=lambda b: seen.append(b.count))

    assert summary.sessions == 2500
    assert seen == [1024, 1024, 452]
    assert summary.to_dict() == run(spec(n=2500))[1]
