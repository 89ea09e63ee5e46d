"""Helpers for QA test suites: hypothesis strategies for clients, and one-call sessions.

Needs hypothesis, a test dependency: ``pip install 'facialflow[test]'``. It is
imported only when a strategy is built, so ``import facialflow.testing`` (and
:func:`run_session`) work without it, and ``import facialflow`` never loads it.

Every strategy takes keyword constraints: a plain value pins the field, a
strategy replaces its default strategy::

    from hypothesis import given, strategies as st
    from facialflow.testing import assessments, clients, run_session, assert_safe

    @given(clients(pregnant=True, assessment=assessments(laser_requested=True)))
    def test_no_laser_in_pregnancy(client):
        result = run_session(client)
        assert not any(s.startswith("laser") for s in result.path)
        assert_safe(result)

Sessions run on :data:`DEFAULT_DATE` unless told otherwise, so a test means the
same thing on every day it runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from facialflow.clinic.policy import PRESETS, Policy, load_policy
from facialflow.clinic.reactions import FIRST_REACTIONS
from facialflow.errors import InvalidValueError
from facialflow.model import (
    AdverseKind,
    Assessment,
    Client,
    Comedones,
    Concern,
    Condition,
    SessionResult,
    SkinType,
)
from facialflow.qa.invariants import FLOOR_DECLINING, INVARIANTS, Invariant, Violation, violations
from facialflow.qa.shrinking import AdversePlan, run_scenario

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

__all__ = [
    "DEFAULT_DATE",
    "AdversePlan",
    "adverse_plans",
    "assert_safe",
    "assessments",
    "blocking_conditions",
    "clients",
    "ingredient_spellings",
    "medication_names",
    "run_session",
]

#: the session date used when a test gives none
DEFAULT_DATE = dt.date(2025, 6, 2)

_UNSET: Any = object()


def _st() -> Any:
    try:
        from hypothesis import strategies
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            "facialflow.testing strategies need hypothesis: pip install 'facialflow[test]'"
        ) from None
    return strategies


def _pick(value: Any, default: Any) -> Any:
    """A constraint as a strategy: the default when unset, a strategy as is, a value pinned."""
    from hypothesis.strategies import SearchStrategy

    if value is _UNSET:
        return default
    if isinstance(value, SearchStrategy):
        return value
    return _st().just(value)


def blocking_conditions(policy: Policy | str | None = None) -> frozenset[Condition]:
    """Conditions that decline a session: the safety floor plus what ``policy`` adds."""
    pol = policy if isinstance(policy, Policy) else load_policy(policy)
    return FLOOR_DECLINING | frozenset(pol.screening.declining_conditions)


@cache
def _known_ingredients() -> tuple[str, ...]:
    """Ingredient names the built-in plugins use: allergies that actually bite."""
    from facialflow.products.loading import load_plugins

    names: set[str] = set()
    for plugin in load_plugins().plugins:
        info = plugin.info
        for product in info.products:
            names.update(product.ingredients)
    return tuple(sorted(names)) or ("glycerin",)


#: how a person (or a PDF) may write a name: every one is the same ingredient
_WRITINGS = (
    lambda s: s,
    str.upper,
    str.title,
    # fullwidth letters and digits, as pasted from East Asian labels
    lambda s: "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s),
    # a zero-width space after the first letter, as pasted from web pages
    lambda s: s[:1] + "\u200b" + s[1:],
    # decomposed accents (NFD) on a letter that has one
    lambda s: s.replace("e", "e\u0301", 1),
    # doubled spaces and a trailing space
    lambda s: s.replace(" ", "  ") + " ",
)


def _write(name: str, how: int) -> str:
    return _WRITINGS[how](name)


@cache
def _every_name() -> tuple[tuple[str, str], ...]:
    from facialflow.knowledge import ingredient_base

    return tuple(
        (ing.name, spelling)
        for ing in ingredient_base().ingredients.values()
        for spelling in ing.names
    )


def ingredient_spellings(*, classes: Iterable[str] | None = None) -> SearchStrategy[str]:
    """Ingredient names from the knowledge base, under any synonym, case or Unicode form.

    ``classes``: only ingredients of at least one of these knowledge-base classes.
    """
    from facialflow.knowledge import classes_of

    st = _st()
    wanted = frozenset(classes) if classes is not None else None
    pool = [
        spelling
        for canonical, spelling in _every_name()
        if wanted is None or classes_of(canonical) & wanted
    ]
    result: SearchStrategy[str] = st.builds(
        _write, st.sampled_from(pool), st.integers(0, len(_WRITINGS) - 1)
    )
    return result


@cache
def _medication_pool() -> tuple[str, ...]:
    from facialflow.knowledge import medication_base

    names = [n for m in medication_base().medications.values() for n in m.names]
    return (*names, "ibuprofen", "levothyroxine 50 mcg")


def medication_names() -> SearchStrategy[str]:
    """Medication lines: generic and brand names the knowledge base screens, and unknown ones."""
    st = _st()
    result: SearchStrategy[str] = st.builds(
        lambda name, dose: f"{name}{dose}",
        st.sampled_from(list(_medication_pool())),
        st.sampled_from(["", " 20 mg", " 0.05% cream", " tablets"]),
    )
    return result


def assessments(
    *,
    comedones: Any = _UNSET,
    laser_requested: Any = _UNSET,
    antiviral_prophylaxis: Any = _UNSET,
    clinician_approved_laser: Any = _UNSET,
    prescription_reference: Any = _UNSET,
    anticoagulant_acknowledged: Any = _UNSET,
) -> SearchStrategy[Assessment]:
    """Skin assessments; each keyword pins a field (a value) or replaces its strategy."""
    st = _st()
    result: SearchStrategy[Assessment] = st.builds(
        Assessment,
        comedones=_pick(comedones, st.sampled_from(list(Comedones))),
        laser_requested=_pick(laser_requested, st.booleans()),
        antiviral_prophylaxis=_pick(antiviral_prophylaxis, st.booleans()),
        clinician_approved_laser=_pick(clinician_approved_laser, st.booleans()),
        prescription_reference=_pick(
            prescription_reference, st.sampled_from([None, "RX-0001", "none", "n/a"])
        ),
        anticoagulant_acknowledged=_pick(anticoagulant_acknowledged, st.booleans()),
    )
    return result


def _mixed_case(st: Any, names: Sequence[str]) -> Any:
    # allergies are matched case-insensitively; generate the case a client might type
    return st.tuples(st.sampled_from(list(names)), st.booleans()).map(
        lambda nb: nb[0].upper() if nb[1] else nb[0]
    )


def clients(
    *,
    id: Any = _UNSET,
    skin_type: Any = _UNSET,
    concerns: Any = _UNSET,
    fitzpatrick: Any = _UNSET,
    pregnant: Any = _UNSET,
    breastfeeding: Any = _UNSET,
    isotretinoin_last_dose: Any = _UNSET,
    allergies: Any = _UNSET,
    medications: Any = _UNSET,
    conditions: Any = _UNSET,
    assessment: Any = _UNSET,
    birth_date: Any = _UNSET,
    last_sun_exposure: Any = _UNSET,
    last_topical_retinoid: Any = _UNSET,
    last_peel: Any = _UNSET,
    last_injectable: Any = _UNSET,
    blocking: bool | None = None,
    around: dt.date = DEFAULT_DATE,
    policy: Policy | str | None = None,
) -> SearchStrategy[Client]:
    """Valid clients; each keyword pins a field (a value) or replaces its strategy.

    ``blocking``: None for any conditions; False for none that decline the
    session under ``policy`` (so the session runs); True for at least one.
    ``around``: isotretinoin doses fall in the 18 months before this date, so
    washout windows on both sides of a session on that date are exercised.
    """
    st = _st()
    blockers = sorted(blocking_conditions(policy))
    others = sorted(set(Condition) - set(blockers))
    if blocking is None:
        default_conditions = st.one_of(
            st.just(frozenset()),
            st.frozensets(st.sampled_from(others), max_size=4),
            st.frozensets(st.sampled_from(sorted(Condition)), max_size=4),
        )
    elif blocking:
        default_conditions = st.builds(
            lambda b, rest: rest | {b},
            st.sampled_from(blockers),
            st.frozensets(st.sampled_from(sorted(Condition)), max_size=3),
        )
    else:
        default_conditions = st.frozensets(st.sampled_from(others), max_size=4)
    if blocking is not None and conditions is not _UNSET:
        raise InvalidValueError("give either conditions or blocking, not both")
    start = around - dt.timedelta(days=548)
    # dated facts (R9, R15-R17) on both sides of their 5-42 day washouts
    recent = st.one_of(st.none(), st.dates(around - dt.timedelta(days=60), around))
    result: SearchStrategy[Client] = st.builds(
        Client,
        id=_pick(id, st.from_regex(r"c-[0-9]{3}", fullmatch=True)),
        skin_type=_pick(skin_type, st.sampled_from(list(SkinType))),
        concerns=_pick(concerns, st.lists(st.sampled_from(list(Concern)), min_size=1, max_size=3)),
        fitzpatrick=_pick(fitzpatrick, st.integers(1, 6)),
        pregnant=_pick(pregnant, st.booleans()),
        breastfeeding=_pick(breastfeeding, st.booleans()),
        isotretinoin_last_dose=_pick(
            isotretinoin_last_dose, st.one_of(st.none(), st.dates(start, around))
        ),
        allergies=_pick(
            allergies,
            st.lists(
                st.one_of(_mixed_case(st, _known_ingredients()), ingredient_spellings()),
                max_size=3,
            ),
        ),
        medications=_pick(medications, st.lists(medication_names(), max_size=2)),
        conditions=_pick(conditions, default_conditions),
        assessment=_pick(assessment, assessments()),
        birth_date=_pick(birth_date, st.none()),
        last_sun_exposure=_pick(last_sun_exposure, recent),
        last_topical_retinoid=_pick(last_topical_retinoid, recent),
        last_peel=_pick(last_peel, recent),
        last_injectable=_pick(last_injectable, recent),
    )
    return result


def adverse_plans(
    *, kinds: Iterable[AdverseKind | str] | None = None
) -> SearchStrategy[AdversePlan]:
    """Adverse reactions at a step given as an index into the client's route (any index fits)."""
    st = _st()
    # a worsening is what a reaction does in the safe exit, never the first reaction
    pool = [AdverseKind(k) for k in kinds] if kinds is not None else list(FIRST_REACTIONS)
    result: SearchStrategy[AdversePlan] = st.builds(
        AdversePlan, step=st.integers(0, 15), kind=st.sampled_from(pool)
    )
    return result


def run_session(
    client: Client,
    *,
    date: dt.date | None = None,
    policy: Policy | str | None = None,
    adverse: AdversePlan | tuple[str | int, AdverseKind | str] | None = None,
    plugins: Any = None,
) -> SessionResult:
    """Run ``client``'s whole session and return its result.

    ``adverse``: an :class:`AdversePlan`, or ``(step, kind)`` such as
    ``("serums", "urticaria")``. A named step the client never reaches raises
    :class:`~facialflow.qa.shrinking.StepNotReached`; an index picks among the
    steps the client does reach.
    """
    plan = AdversePlan(*adverse) if isinstance(adverse, tuple) else adverse
    return run_scenario(
        client,
        date=date or DEFAULT_DATE,
        policy=policy,
        adverse=plan,
        plugins=plugins,
        strict=True,
    )


def assert_safe(
    result: SessionResult,
    policy: Policy | str | None = None,
    *,
    invariants: Sequence[Invariant] = INVARIANTS,
) -> None:
    """Raise AssertionError naming every invariant ``result`` breaks under ``policy``."""
    if policy is None and result.policy not in PRESETS:
        # a clinic policy is known to the result by name only: the caller holds its values
        raise InvalidValueError(
            f"the session ran under the policy {result.policy!r}, which is not a preset: "
            "pass that Policy to assert_safe(result, policy)"
        )
    pol = policy if isinstance(policy, Policy) else load_policy(policy or result.policy)
    found: list[Violation] = violations(result, pol, invariants=invariants)
    if found:
        lines = "\n".join(f"  {v.invariant}: {v.detail}" for v in found)
        raise AssertionError(f"client {result.client.id} broke {len(found)} invariant(s):\n{lines}")
