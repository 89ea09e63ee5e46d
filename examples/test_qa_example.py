"""An example QA suite built on facialflow.testing: ``pytest examples/test_qa_example.py``.

facialflow.testing needs hypothesis: ``pip install 'facialflow[test]'``.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings

from facialflow import client_from_dict, load_client
from facialflow.model import Client
from facialflow.qa.paths import all_paths, client_paths
from facialflow.qa.shrinking import AdversePlan
from facialflow.testing import (
    adverse_plans,
    assert_safe,
    assessments,
    clients,
    run_session,
)


# Every invariant, for any client facialflow.testing can generate.
@settings(max_examples=100, deadline=None)
@given(clients())
def test_every_session_is_safe(client: Client) -> None:
    assert_safe(run_session(client))


# Pin fields to ask a sharper question: pregnant clients who request laser never get it.
@settings(max_examples=50, deadline=None)
@given(clients(pregnant=True, assessment=assessments(laser_requested=True)))
def test_no_laser_in_pregnancy(client: Client) -> None:
    result = run_session(client, policy="asds2017")
    assert not any(step.startswith("laser") for step in result.path)


# An adverse reaction at any step after intake always ends in the safe exit, or in the
# emergency protocol when it is severe (anaphylaxis, dyspnoea, airway swelling, syncope).
@settings(max_examples=50, deadline=None)
@given(clients(blocking=False), adverse_plans())
def test_an_adverse_reaction_always_stops_safely(client: Client, plan: AdversePlan) -> None:
    result = run_session(client, adverse=plan)
    # (or is declined at intake: nobody starts a facial that cannot end under SPF 30+)
    assert result.path[-1] in ("stopped", "emergency", "declined")
    assert_safe(result)


# A named reaction at a named step, for one client from a client file.
def test_urticaria_at_the_mask_applies_nothing_more(tmp_path: Path) -> None:
    path = tmp_path / "client.json"
    path.write_text(
        '{"id": "qa-1", "skin_type": "dry", "concerns": ["dehydration"], "fitzpatrick": 2}'
    )
    result = run_session(load_client(path), adverse=("mask", "urticaria"))
    assert [p.step for p in result.products if p.step.startswith("safe_exit")] == []
    assert_safe(result)


# Paths: the protocol's every route, and one client's.
def test_every_path_ends_in_a_final_state() -> None:
    for p in all_paths():
        assert p.path[0] == "intake"
        assert p.outcome in ("complete", "declined", "stopped", "emergency")


def test_a_client_with_a_fever_has_one_path() -> None:
    client = client_from_dict(
        {
            "id": "qa-2",
            "skin_type": "normal",
            "concerns": ["aging"],
            "fitzpatrick": 3,
            "conditions": ["fever"],
        }
    )
    # without reactions (fainting during the consultation is still possible)
    (only,) = client_paths(client, adverse=False)
    assert only.path == ("intake", "declined")
