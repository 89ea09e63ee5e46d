"""verify runs every class through the engine with every reaction, and finds what check samples past."""

from __future__ import annotations

import datetime as dt

import pytest

from facialflow.clinic.policy import load_policy
from facialflow.clinic.reactions import reaction_response
from facialflow.model import AdverseKind
from facialflow.products.loading import load_plugins
from facialflow.qa.classes import catalog_products, class_space
from facialflow.qa.invariants import INTOLERANT_REACTIONS, INVARIANTS, Invariant
from facialflow.qa.paths import adverse_states, route
from facialflow.qa.verify import kind_groups, verify
from facialflow.session.live import Session

DAY = dt.date(2026, 12, 1)


def _scoped(preset: str, *components: str, **kw: object):  # type: ignore[no-untyped-def]
    return verify(date=DAY, policy=load_policy(preset), components=components, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("preset", ["conservative", "asds2017"])
def test_shipped_presets_hold_on_the_laser_and_extraction_classes(preset: str) -> None:
    report = _scoped(preset, "laser_review", "extraction", "session")
    assert report.ok, [f.to_dict() for f in report.failures]
    assert report.classes == sum(report.classes_by_component.values())
    assert report.invariants == tuple(i.name for i in INVARIANTS)


def test_every_class_runs_without_a_reaction_and_with_one_at_every_step_it_reaches() -> None:
    policy = load_policy("conservative")
    report = verify(date=DAY, policy=policy, components=["laser_review"])
    space = class_space(
        policy, DAY, catalog_products(load_plugins()), components={"laser_review": ()}
    )
    assert space.components == {"laser_review": ()}
    capable = set(adverse_states())
    full = class_space(policy, DAY, catalog_products(load_plugins()))
    expected = 0
    seen = set()
    for comp, _, client in full.representatives():
        if comp != "laser_review" or client in seen:
            continue
        seen.add(client)
        facts = Session.start(client, date=DAY, policy=policy).facts
        steps = [s for s in route(facts) if s in capable]
        expected += 1 + len(steps) * len(kind_groups())
    assert report.sessions == expected
    assert report.classes == len(seen)


def test_reaction_kinds_are_grouped_by_everything_that_reads_a_kind() -> None:
    groups = kind_groups()
    assert sorted(k for g in groups for k in g) == sorted(AdverseKind)
    for group in groups:
        assert len({(reaction_response(k)[1], k in INTOLERANT_REACTIONS) for k in group}) == 1


def test_the_result_is_the_same_whatever_the_worker_count(tmp_path) -> None:  # type: ignore[no-untyped-def]
    weak = tmp_path / "weak.toml"
    weak.write_text('extends = "conservative"\n[screening]\nrecent_procedure_blocks = false\n')
    settings = {"policy": str(weak), "catalogs": (), "invariant_specs": ()}
    runs = [
        verify(
            date=DAY,
            policy=load_policy(weak),
            components=["laser_review", "extraction"],
            workers=w,
            settings=settings,
        ).to_dict()
        for w in (1, 2)
    ]
    for r in runs:
        r.pop("seconds")
        r.pop("workers")
    assert runs[0] == runs[1]
    assert not runs[0]["ok"]


def test_a_custom_invariant_is_checked_in_every_class() -> None:
    seen: list[str] = []

    def no_phototype_six(result, policy):  # type: ignore[no-untyped-def]
        seen.append(result.client.id)
        if result.client.fitzpatrick == 6:
            yield "phototype 6"

    inv = Invariant("no_phototype_six", "no phototype VI", (), no_phototype_six)
    report = _scoped("conservative", "laser_review", invariants=[*INVARIANTS, inv], shrink=False)
    (failure,) = report.failures
    assert failure.invariant.name == "no_phototype_six"
    assert failure.client.fitzpatrick == 6
    assert len(seen) == report.sessions


@pytest.mark.slow
def test_the_default_preset_verifies_in_full() -> None:
    # the one full run of the suite (the other preset: benchmarks/bench_planted_bugs.py --timing)
    report = verify(
        date=DAY,
        policy=load_policy("conservative"),
        workers=2,
        settings={"policy": "conservative", "catalogs": (), "invariant_specs": ()},
    )
    assert report.ok, [f.to_dict() for f in report.failures]
    assert report.classes > 10_000
