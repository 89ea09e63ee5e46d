"""The treatment record as a FHIR R4 ``Bundle`` (type ``collection``).

Built and validated with the R4B models of ``fhir.resources`` (8.x ships R5 as its
default and R4B, release 4.3 of the R4 line, under ``fhir.resources.R4B``; there
is no 4.0.1 package of current pydantic, and the resources used here, Patient,
Procedure, Observation and Bundle, did not change between R4 and R4B). Holds the
Patient (the client id as identifier), one Procedure for the session and an
Observation for a reaction and for the laser settings. Codes are text only:
facialflow does not guess SNOMED CT codes. Resource ids derive from the session
id, so the same session always exports the same bundle.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from facialflow.io.documents import session_to_dict
from facialflow.model import SessionResult
from facialflow.records.treatment import TreatmentRecord, record_to_dict

__all__ = ["FHIR_VERSION", "bundle_from_document", "bundle_json", "result_bundle"]

FHIR_VERSION = "4.3.0"

_SYSTEM = "urn:facialflow"
_STATUS = {
    "complete": "completed",
    "declined": "not-done",
    "stopped": "stopped",
    "emergency": "stopped",
}
_UNITS = {
    "wavelength_nm": ("wavelength", "nm"),
    "fluence_j_cm2": ("fluence", "J/cm2"),
    "spot_size_mm": ("spot size", "mm"),
    "pulse_width_ms": ("pulse width", "ms"),
}


def _urn(key: str, kind: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{_SYSTEM}:{key}:{kind}')}"


def _text(text: str) -> dict[str, str]:
    return {"text": text}


def _period(doc: Mapping[str, Any], record: Mapping[str, Any]) -> dict[str, str]:
    steps = record.get("steps") or []
    day = doc["date"]
    # the step clock is wall time; it stands for the session only when it is the session's day
    if steps and str(steps[0]["start"]).startswith(day):
        period = {"start": steps[0]["start"]}
        if doc.get("outcome") and steps[-1].get("end"):
            period["end"] = steps[-1]["end"]
        return period
    return {"start": day}


def _notes(doc: Mapping[str, Any], record: Mapping[str, Any]) -> list[dict[str, str]]:
    notes = [f"{f['rule']}: {f['reason']}" for f in doc.get("findings", [])]
    notes += [f"{step} skipped: {why}" for step, why in doc.get("skipped", {}).items()]
    notes += list(doc.get("warnings", []))
    consent = record.get("consent")
    if consent:
        notes.append(f"consent {consent['id']} version {consent['version']}")
    if record.get("photo_consent") is not None:
        notes.append("photo consent: " + ("given" if record["photo_consent"] else "refused"))
    adverse = record.get("adverse_event", "none")
    notes.append(
        "adverse events: none" if adverse == "none" else f"adverse event: {adverse['kind']}"
    )
    if record.get("aftercare"):
        notes.append(f"aftercare: {record['aftercare']}")
    return [{"text": n} for n in notes]


def bundle_from_document(doc: Mapping[str, Any]) -> Bundle:
    """The FHIR R4 bundle of a session document (a store document or a simulated session)."""
    record: Mapping[str, Any] = doc.get("record") or {}
    key = str(doc.get("id") or f"client:{doc['client']['id']}:{doc['date']}")
    patient_url, procedure_url = _urn(key, "patient"), _urn(key, "procedure")
    outcome = doc.get("outcome")
    procedure: dict[str, Any] = {
        "resourceType": "Procedure",
        "status": _STATUS.get(str(outcome), "in-progress"),
        "code": _text("medical facial"),
        "subject": {"reference": patient_url},
        "performedPeriod": _period(doc, record),
        "bodySite": [_text("face")],
        "note": _notes(doc, record),
    }
    if doc.get("id"):
        procedure["identifier"] = [{"system": f"{_SYSTEM}:session", "value": str(doc["id"])}]
    if doc.get("protocol_revision"):
        procedure["instantiatesUri"] = [f"{_SYSTEM}:protocol:{doc['protocol_revision']}"]
    if outcome == "declined":
        reasons = [f["reason"] for f in doc.get("findings", []) if f.get("effect") == "decline"]
        procedure["statusReason"] = _text("; ".join(reasons) or "contraindication at intake")
    adverse = doc.get("adverse")
    if adverse:
        procedure["complication"] = [_text(str(adverse["kind"]))]
        procedure["statusReason"] = _text(
            f"adverse reaction ({adverse['kind']}) at {adverse['step']}"
        )
    if record.get("performers"):
        procedure["performer"] = [{"actor": {"display": p}} for p in record["performers"]]
    used = record.get("products") or doc.get("products", [])
    if used:
        procedure["usedCode"] = [
            _text(f"{p['name']} (lot {p['lot']})" if p.get("lot") else p["name"]) for p in used
        ]
    if record.get("follow_up"):
        procedure["followUp"] = [_text(record["follow_up"])]
    entries: list[dict[str, Any]] = [
        {
            "fullUrl": patient_url,
            "resource": {
                "resourceType": "Patient",
                "identifier": [{"system": f"{_SYSTEM}:client", "value": str(doc["client"]["id"])}],
            },
        },
        {"fullUrl": procedure_url, "resource": procedure},
    ]
    if adverse:
        entries.append(
            {
                "fullUrl": _urn(key, "reaction"),
                "resource": _reaction(adverse, doc, patient_url, procedure_url),
            }
        )
    laser = record.get("laser")
    if laser:
        entries.append(
            {
                "fullUrl": _urn(key, "laser"),
                "resource": _laser(laser, doc, patient_url, procedure_url),
            }
        )
    return Bundle.model_validate({"resourceType": "Bundle", "type": "collection", "entry": entries})


def _reaction(
    adverse: Mapping[str, Any], doc: Mapping[str, Any], patient: str, procedure: str
) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "exam",
                    }
                ]
            }
        ],
        "code": _text("adverse reaction during the procedure"),
        "subject": {"reference": patient},
        "partOf": [{"reference": procedure}],
        "effectiveDateTime": doc["date"],
        "valueCodeableConcept": _text(str(adverse["kind"])),
        "note": [{"text": f"at {adverse['step']}; escalation: {adverse['escalation']}"}]
        + ([{"text": adverse["note"]}] if adverse.get("note") else []),
    }


def _laser(
    laser: Mapping[str, Any], doc: Mapping[str, Any], patient: str, procedure: str
) -> dict[str, Any]:
    components: list[dict[str, Any]] = []
    for name, (label, unit) in _UNITS.items():
        if laser.get(name) is not None:
            components.append(
                {
                    "code": _text(label),
                    "valueQuantity": {
                        "value": laser[name],
                        "unit": unit,
                        "system": "http://unitsofmeasure.org",
                        "code": unit,
                    },
                }
            )
    for name in ("device", "cooling", "test_spot_result"):
        if laser.get(name) is not None:
            components.append(
                {"code": _text(name.replace("_", " ")), "valueString": str(laser[name])}
            )
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": _text("laser device and parameters"),
        "subject": {"reference": patient},
        "partOf": [{"reference": procedure}],
        "effectiveDateTime": doc["date"],
        "component": components,
    }


def result_bundle(result: SessionResult, record: TreatmentRecord | None = None) -> Bundle:
    """The bundle of a session run without a store (``simulate --format fhir``)."""
    doc = session_to_dict(result)
    doc["record"] = record_to_dict(
        record or TreatmentRecord(),
        products=[
            {"step": a.step, "name": a.product.name, "lot": a.product.lot} for a in result.products
        ],
        adverse=doc["adverse"],
    )
    return bundle_from_document(doc)


def bundle_json(bundle: Bundle) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(bundle.model_dump_json(exclude_none=True))
    return data
