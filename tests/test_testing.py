"""facialflow.testing: strategies honour constraints, run_session runs, the example suite passes."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facialflow.model import (
    AdverseKind,
    Assessment,
    Client,
    Comedones,
    Concern,
    Condition,
    Outcome,
    SkinType,
)
from facialflow.qa.invariants import FLOOR_DECLINING
from facialflow.qa.shrinking import AdversePlan, StepNotReached
from facialflow.testing import (
    DEFAULT_DATE,
    adverse_plans,
    assert_safe,
    assessments,
    blocking_conditions,
    clients,
    run_session,
)

ROOT = Path(__file__).parent.parent
PLAIN = Client(id="t", skin_type=SkinType.NORMAL, concerns=[Concern.AGING], fitzpatrick=2)


def test_importing_facialflow_does_not_import_hypothesis() -> None:
    code = "import sys, facialflow, facialflow.testing; print('hypothesis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@settings(max_examples=60)
@given(clients(pregnant=True, fitzpatrick=st.integers(5, 6), skin_type="oily"))
def test_pinned_values_and_replaced_strategies_are_honoured(client: Client) -> None:
    assert client.pregnant
    assert client.fitzpatrick in (5, 6)
    assert client.skin_type is SkinType.OILY


@settings(max_examples=60)
@given(clients(blocking=False))
def test_blocking_false_never_generates_a_declining_condition(client: Client) -> None:
    assert not client.conditions & blocking_conditions()


@settings(max_examples=60)
@given(clients(blocking=True))
def test_blocking_true_always_generates_a_declining_condition(client: Client) -> None:
    assert client.conditions & FLOOR_DECLINING or client.conditions & blocking_conditions()


@settings(max_examples=60)
@given(clients())
def test_isotretinoin_doses_fall_in_the_18_months_before_the_default_date(client: Client) -> None:
    last = client.isotretinoin_last_dose
    assert last is None or DEFAULT_DATE - dt.timedelta(days=548) <= last <= DEFAULT_DATE


@settings(max_examples=40)
@given(assessments(comedones=Comedones.NONE, laser_requested=True))
def test_assessments_take_constraints(a: Assessment) -> None:
    assert a.comedones is Comedones.NONE
    assert a.laser_requested


@settings(max_examples=40)
@given(adverse_plans(kinds=["urticaria"]))
def test_adverse_plans_can_be_limited_to_some_kinds(plan: AdversePlan) -> None:
    assert plan.kind is AdverseKind.URTICARIA


def test_conditions_and_blocking_together_are_refused() -> None:
    with pytest.raises(ValueError, match="either conditions or blocking"):
        clients(conditions=frozenset(), blocking=False)


def test_run_session_runs_to_the_end_on_the_default_date() -> None:
    result = run_session(PLAIN)
    assert result.outcome is Outcome.COMPLETE
    assert result.date == DEFAULT_DATE


def test_run_session_takes_a_reaction_as_a_step_and_kind() -> None:
    result = run_session(PLAIN, adverse=("serums", "blistering"))
    assert result.outcome is Outcome.STOPPED
    assert result.adverse is not None
    assert result.adverse["kind"] == "blistering"


def test_run_session_refuses_a_reaction_at_a_step_the_client_never_reaches() -> None:
    with pytest.raises(StepNotReached):
        run_session(PLAIN, adverse=("extraction", "irritation"))


def test_assert_safe_names_the_broken_invariants() -> None:
    result = run_session(PLAIN)
    assert_safe(result)
    # the same session, claimed for a client with a fever: it should have been declined
    feverish = attrs.evolve(result, client=attrs.evolve(PLAIN, conditions={Condition.FEVER}))
    with pytest.raises(AssertionError, match="blocking_conditions_declined: fever"):
        assert_safe(feverish)


@pytest.mark.slow
def test_the_readme_example_suite_passes_under_pytest() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "examples/test_qa_example.py",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "6 passed" in out.stdout


def test_assert_safe_asks_for_the_policy_object_of_a_clinic_policy(tmp_path: Path) -> None:
    from facialflow.clinic.policy import load_policy
    from facialflow.testing import assert_safe, run_session

    f = tmp_path / "lumen.toml"
    f.write_text('extends = "conservative"\n')
    policy = load_policy(f)
    from facialflow.io.client_file import client_from_dict

    client = client_from_dict(
        {"id": "q", "skin_type": "dry", "concerns": ["aging"], "fitzpatrick": 2}
    )
    result = run_session(client, policy=policy)
    with pytest.raises(ValueError, match="pass that Policy"):
        assert_safe(result)
    assert_safe(result, policy)
