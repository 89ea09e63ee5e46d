"""FHIR R4 export: every bundle validates with the fhir.resources R4B models."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import DATE, build_client
from fhir.resources.R4B.bundle import Bundle
from hypothesis import given, settings
from hypothesis import strategies as st

from facialflow.clinic.reactions import FIRST_REACTIONS
from facialflow.records.fhir import bundle_from_document, bundle_json, result_bundle
from facialflow.records.store import SessionStore
from facialflow.records.treatment import Consent, LaserParameters, RecordInput
from facialflow.session.live import Session
from facialflow.testing import clients

FULL = RecordInput(
    consent=Consent("CF-1", "3"),
    performers=("Ana Ruiz", "Dr Lee"),
    lots={"Mineral Sunscreen SPF 50": "MS-2291"},
    laser=LaserParameters("Nd:YAG 1064", 1064, 12, 5, 0.3, "contact", "clear at 48 h"),
    follow_up="review in 4 weeks",
)


def _resources(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["resource"]["resourceType"]: e["resource"] for e in data["entry"]}


def _validated(bundle: Bundle) -> dict[str, Any]:
    data = bundle_json(bundle)
    # parse the JSON a receiver gets, not our object: R4 models, strict
    Bundle.model_validate(data)
    assert data["type"] == "collection"
    return data


@settings(max_examples=150, deadline=None)
@given(client=clients(), reaction=st.one_of(st.none(), st.sampled_from(FIRST_REACTIONS)))
def test_every_simulated_session_exports_a_valid_r4_bundle(client: Any, reaction: Any) -> None:
    session = Session.start(client, date=DATE)
    if reaction is not None and not session.screening.declined:
        session.advance()
        session.report_adverse(reaction)
    data = _validated(result_bundle(session.run()))
    res = _resources(data)
    procedure, patient = res["Procedure"], res["Patient"]
    assert patient["identifier"][0]["value"] == client.id
    patient_url = next(e["fullUrl"] for e in data["entry"] if e["resource"] is patient)
    assert procedure["subject"]["reference"] == patient_url
    assert procedure["performedPeriod"]["start"].startswith(DATE.isoformat())
    outcome = session.outcome
    expected = {
        "complete": "completed",
        "declined": "not-done",
        "stopped": "stopped",
        "emergency": "stopped",
    }
    assert procedure["status"] == expected[str(outcome)]
    if procedure["status"] == "not-done":
        assert procedure["statusReason"]["text"]
    if procedure["status"] == "stopped":
        assert procedure["complication"][0]["text"] == str(reaction)
        assert res["Observation"]["valueCodeableConcept"]["text"] == str(reaction)


def test_a_stored_session_exports_performers_lots_laser_and_follow_up(tmp_path: Any) -> None:
    client = build_client(fitzpatrick=4, a_laser_requested=True)
    with SessionStore(tmp_path / "s.db") as store:
        sid = store.start(client, date=DATE, record=FULL).id
        while store.status(sid).state != "complete":
            store.advance(sid)
        data = _validated(bundle_from_document(store.show(sid)))
    procedure = _resources(data)["Procedure"]
    assert procedure["identifier"][0]["value"] == sid
    assert [p["actor"]["display"] for p in procedure["performer"]] == ["Ana Ruiz", "Dr Lee"]
    assert "Mineral Sunscreen SPF 50 (lot MS-2291)" in [u["text"] for u in procedure["usedCode"]]
    assert procedure["bodySite"] == [{"text": "face"}]
    assert procedure["followUp"] == [{"text": "review in 4 weeks"}]
    assert {"text": "adverse events: none"} in procedure["note"]
    laser = next(e["resource"] for e in data["entry"] if e["resource"].get("component"))
    fluence = next(c for c in laser["component"] if c["code"]["text"] == "fluence")
    assert fluence["valueQuantity"] == {
        "value": 12.0,
        "unit": "J/cm2",
        "system": "http://unitsofmeasure.org",
        "code": "J/cm2",
    }


def test_the_same_session_always_exports_the_same_bundle() -> None:
    result = Session.start(build_client(), date=DATE).run()
    assert bundle_json(result_bundle(result)) == bundle_json(result_bundle(result))


@pytest.mark.parametrize("outcome", ["declined"])
def test_a_declined_session_says_why(outcome: str) -> None:
    result = Session.start(build_client(conditions=["fever"]), date=DATE).run()
    procedure = _resources(_validated(result_bundle(result)))["Procedure"]
    assert procedure["status"] == "not-done" and "fever" in procedure["statusReason"]["text"]
