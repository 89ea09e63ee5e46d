"""The client classes: they follow the code's declarations, partition every client, and are sound."""

from __future__ import annotations

import datetime as dt
import functools
import itertools

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facialflow.clinic.client_facts import client_facts
from facialflow.clinic.policy import Policy, ProductPolicy, ScreeningPolicy, load_policy
from facialflow.clinic.screening import screen
from facialflow.model import Assessment, Client, Concern, Condition
from facialflow.products.loading import load_plugins
from facialflow.qa.classes import (
    COMPONENTS,
    FIELDS,
    IGNORED_FIELDS,
    POLICY_THRESHOLDS,
    ClassSpace,
    catalog_products,
    class_space,
    client_from_facts,
    fitzpatrick_cuts,
    washout_boundaries,
)
from facialflow.qa.declarations import NEUTRAL
from facialflow.qa.draws import iter_clients
from facialflow.testing import clients

DAY = dt.date(2026, 12, 1)


@pytest.fixture(scope="module", params=["conservative", "asds2017"])
def space(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    return class_space(load_policy(request.param), DAY, catalog_products(load_plugins()))


def _client_fields() -> set[str]:
    names = {f.name for f in attrs.fields(Client) if f.name != "assessment"}
    return names | {f"assessment.{f.name}" for f in attrs.fields(Assessment)}


def test_every_client_field_is_split_or_ignored_with_a_reason() -> None:
    # a field added to Client or Assessment (a medication list, a dated fact) fails here
    # until the abstraction splits it or says why no rule reads it
    declared = set(FIELDS) | set(IGNORED_FIELDS)
    assert _client_fields() == declared
    assert not set(FIELDS) & set(IGNORED_FIELDS)
    assert all(reason.strip() for reason in IGNORED_FIELDS.values())


def test_every_field_screening_or_selection_declares_it_reads_is_split() -> None:
    # the rules' own declarations (CLIENT_READS): a field they start reading must be split here
    from facialflow.clinic.screening import CLIENT_READS as SCREENING_READS
    from facialflow.products.selection import CLIENT_READS as SELECTION_READS

    read = set(SCREENING_READS) | set(SELECTION_READS)
    top = {f.split(".")[0] for f in FIELDS}
    assert {r.split(".")[0] for r in read} <= top | {"assessment"}
    assert not {r.split(".")[0] for r in read} & set(IGNORED_FIELDS)
    for r in read:
        if "." in r or r != "assessment":
            assert r in FIELDS or any(f.startswith(r + ".") for f in FIELDS), r


def test_every_split_field_names_a_dimension_of_the_space(space) -> None:  # type: ignore[no-untyped-def]
    for field_name, dimension in FIELDS.items():
        if field_name == "conditions":
            continue
        assert dimension in space.dimensions, field_name
    # every split field has a neutral value the classes start from
    assert {k.removeprefix("assessment.") for k in FIELDS} == set(NEUTRAL)


def test_every_condition_is_a_dimension_or_declines(space) -> None:  # type: ignore[no-untyped-def]
    split_together = {c for v in space.dimensions["declining"].values for c in v.label}
    used = {d for dims in space.components.values() for d in dims}
    for condition in Condition:
        assert (condition.value in used) != (condition.value in split_together), condition


def test_every_dimension_is_read_by_some_component(space) -> None:  # type: ignore[no-untyped-def]
    used = {d for dims in space.components.values() for d in dims}
    assert used == set(space.dimensions)


def test_every_policy_value_is_a_cut_or_explained() -> None:
    # a new threshold in the policy must say how it splits the clients
    declared = {f"screening.{f.name}" for f in attrs.fields(ScreeningPolicy)}
    declared |= {f"products.{f.name}" for f in attrs.fields(ProductPolicy)}
    # the other sections are declared whole (a new section fails here until it is)
    declared |= {f.name for f in attrs.fields(Policy)} - {"name", "screening", "products"}
    assert declared == set(POLICY_THRESHOLDS)


def test_components_name_only_known_dimensions(space) -> None:  # type: ignore[no-untyped-def]
    assert set(COMPONENTS) == set(space.components)


def test_phototype_cuts_follow_the_policy() -> None:
    base = load_policy("conservative")
    looser = attrs.evolve(
        base,
        name="looser",
        screening=attrs.evolve(base.screening, short_wavelength_max_fitzpatrick=5),
    )
    assert 6 in fitzpatrick_cuts(looser)
    assert 6 not in fitzpatrick_cuts(base)
    # the invariants' floor cuts whatever the policy says
    assert 4 in fitzpatrick_cuts(looser)


@pytest.mark.parametrize(
    "day", [DAY, dt.date(2027, 2, 28), dt.date(2028, 2, 29), dt.date(2026, 8, 31)]
)
def test_washout_boundary_is_the_first_dose_inside_the_washout(day: dt.date) -> None:
    policy = load_policy("conservative")
    (first,) = washout_boundaries(policy, day)
    inside = Client(
        id="b",
        skin_type="normal",
        concerns=["acne"],
        fitzpatrick=1,
        isotretinoin_last_dose=first,
        assessment=Assessment(laser_requested=True),
    )
    outside = attrs.evolve(inside, isotretinoin_last_dose=first - dt.timedelta(days=1))
    assert "laser" in screen(inside, day, policy).skipped
    assert "laser" not in screen(outside, day, policy).skipped


def test_no_washout_means_no_date_cut() -> None:
    assert washout_boundaries(load_policy("asds2017"), DAY) == ()


def test_each_representative_is_in_its_own_class(space) -> None:  # type: ignore[no-untyped-def]
    reps = space.representatives()
    for name in space.components:
        for comp, key, client in itertools.islice((r for r in reps if r[0] == name), 400):
            assert space.classify(client)[comp] == key


def test_classes_of_a_dimension_do_not_overlap(space) -> None:  # type: ignore[no-untyped-def]
    for dim in space.dimensions.values():
        labels = [v.label for v in dim.values]
        assert len(labels) == len(set(labels)), dim.name


@pytest.mark.slow
def test_soundness_100k_population_clients_fall_into_covered_classes() -> None:
    # every generated client is in a class verify ran, in every component, under both presets
    spaces = [_space_of(p) for p in ("conservative", "asds2017")]
    missed = []
    drawn = 0
    for seed in (0, 1):
        for client in iter_clients(seed, 50_000, date=DAY):
            drawn += 1
            for space in spaces:
                gaps = space.covered(client)
                if gaps:
                    missed.append((client, gaps))
    assert drawn == 100_000
    assert not missed[:3]


_ALLERGENS = [
    *sorted({n for p in catalog_products(load_plugins()) for n in p.ingredients}),
    "an allergen no product has",
]


@settings(max_examples=400, deadline=None)
@given(
    client=clients(
        around=DAY,
        allergies=st.lists(st.sampled_from(_ALLERGENS), max_size=2),
        concerns=st.lists(st.sampled_from(list(Concern)), min_size=1, max_size=6),
        isotretinoin_last_dose=st.one_of(
            st.none(), st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))
        ),
    )
)
def test_soundness_extreme_hypothesis_clients_fall_into_covered_classes(client: Client) -> None:
    for preset in ("conservative", "asds2017"):
        assert _space_of(preset).covered(client) == []


@functools.cache
def _space_of(preset: str) -> ClassSpace:
    return class_space(load_policy(preset), DAY, catalog_products(load_plugins()))


# -- the compositional assumption: a rule group reads only its component's facts ---------------

_FIELD_OF = {"prescription": "prescription_reference"}


def _kept(client: Client, dims: tuple[str, ...]) -> Client:
    """``client`` with every fact outside ``dims`` at its neutral value."""
    data = dict(NEUTRAL)
    a = client.assessment
    for d in dims:
        name = _FIELD_OF.get(d, d)
        if name in data and name != "conditions":
            data[name] = getattr(a, name) if hasattr(a, name) else getattr(client, name)
    conditions = frozenset(c for c in client.conditions if c.value in dims)
    return client_from_facts(data, conditions, client_id="kept")


_STEP_COMPONENTS = {
    "laser": COMPONENTS["laser_exposure"] + COMPONENTS["laser_review"],
    "extraction": COMPONENTS["extraction"],
    "exfoliation": COMPONENTS["exfoliation"],
}


def _folded(client: Client, policy: Policy, retinoid_days: int) -> Client:
    """``client`` with its medications and dated facts folded into the flags they imply.

    A medicine acts only through the facts its drug classes imply, and a dated fact only
    through the recency it implies on the day (the "medications" and ``*_date`` components
    prove each of those folds); a retinoid known only from its date counts for a step
    when it is inside that step's own washout (R15).
    """
    implied = client_facts(client, DAY, policy)
    conditions = set(implied.conditions)
    if not implied.retinoid_within(retinoid_days):
        conditions.discard(Condition.TOPICAL_RETINOID)
    return attrs.evolve(
        client,
        medications=(),
        last_sun_exposure=None,
        last_topical_retinoid=None,
        last_peel=None,
        last_injectable=None,
        conditions=frozenset(conditions),
        isotretinoin_last_dose=implied.isotretinoin_last_dose,
    )


@settings(max_examples=300, deadline=None)
@given(
    client=clients(around=DAY, blocking=False), preset=st.sampled_from(["conservative", "asds2017"])
)
def test_each_step_screening_reads_only_its_components_facts(client: Client, preset: str) -> None:
    policy = load_policy(preset)
    sp = policy.screening
    full = screen(client, DAY, policy)
    windows = {
        "laser": sp.retinoid_laser_washout_days,
        "extraction": sp.retinoid_washout_days,
        "exfoliation": sp.retinoid_washout_days,
    }
    for step, dims in _STEP_COMPONENTS.items():
        folded = _folded(client, policy, windows[step])
        before = [(f.rule, f.effect) for f in full.findings if f.step == step]
        after = [f for f in screen(folded, DAY, policy).findings if f.step == step]
        # folding changes no decision of the step (only where its reasons say a fact came from)
        assert before == [(f.rule, f.effect) for f in after], step
        # and once folded, the step reads only its component's facts
        alone = screen(_kept(folded, dims), DAY, policy)
        assert after == [f for f in alone.findings if f.step == step], step
    folded = _folded(client, policy, windows["exfoliation"])
    assert full.exfoliation == screen(folded, DAY, policy).exfoliation
    assert (
        full.exfoliation
        == screen(_kept(folded, _STEP_COMPONENTS["exfoliation"]), DAY, policy).exfoliation
    )


@settings(max_examples=150, deadline=None)
@given(
    client=clients(around=DAY),
    birth_date=st.dates(dt.date(1930, 1, 1), dt.date(2010, 1, 1)),
)
def test_ignored_fields_change_no_session(client: Client, birth_date: dt.date) -> None:
    # IGNORED_FIELDS claims no rule reads these: a rule that starts reading one fails here
    # until the abstraction splits it (medications did, once screening read drug names)
    from facialflow.session.live import Session

    policy = load_policy("conservative")
    plain = Session.start(client, date=DAY, policy=policy).run()
    other = Session.start(
        attrs.evolve(client, birth_date=birth_date), date=DAY, policy=policy
    ).run()
    assert (plain.path, plain.products, plain.findings) == (
        other.path,
        other.products,
        other.findings,
    )


def test_what_the_safety_filter_reads_is_split_by_the_product_groups() -> None:
    from facialflow.products.safety import SafetyProfile

    split = set(COMPONENTS["product_safety"]) | set(COMPONENTS["allergies"])
    read = {
        "prescription" if f.name == "prescription" else f.name for f in attrs.fields(SafetyProfile)
    }
    assert read <= split, read - split
