"""Records: the session store, its hash-chained journal, the treatment record and FHIR export.

The API a host embeds::

    from facialflow.records import Consent, RecordInput, SessionStore

Names are imported on first use, so importing this package costs nothing until
a store is opened (and the FHIR models load only for an export).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    "SessionStore": "store",
    "Stored": "document",
    "Loaded": "document",
    "VerifyReport": "verify",
    "Consent": "treatment",
    "LaserParameters": "treatment",
    "RecordInput": "treatment",
    "TreatmentRecord": "treatment",
    "EventKind": "events",
    "StoreEvent": "events",
    "bundle_from_document": "fhir",
    "bundle_json": "fhir",
    "result_bundle": "fhir",
    "check_migration": "migrate",
    "check_snapshot": "snapshots",
    "snapshot_schema": "snapshots",
}

__all__ = [
    "Consent",
    "EventKind",
    "LaserParameters",
    "Loaded",
    "RecordInput",
    "SessionStore",
    "StoreEvent",
    "Stored",
    "TreatmentRecord",
    "VerifyReport",
    "bundle_from_document",
    "bundle_json",
    "check_migration",
    "check_snapshot",
    "result_bundle",
    "snapshot_schema",
]

if TYPE_CHECKING:
    from facialflow.records.document import Loaded, Stored
    from facialflow.records.events import EventKind, StoreEvent
    from facialflow.records.fhir import bundle_from_document, bundle_json, result_bundle
    from facialflow.records.migrate import check_migration
    from facialflow.records.snapshots import check_snapshot, snapshot_schema
    from facialflow.records.store import SessionStore
    from facialflow.records.treatment import Consent, LaserParameters, RecordInput, TreatmentRecord
    from facialflow.records.verify import VerifyReport


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'facialflow.records' has no attribute {name!r}")
    value = getattr(import_module(f"facialflow.records.{module}"), name)
    globals()[name] = value
    return value
