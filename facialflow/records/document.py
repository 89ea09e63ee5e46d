"""What a store command returns, and the stored session document."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from attrs import frozen

from facialflow.clinic.policy import PRESETS, Policy, load_policy
from facialflow.io.documents import session_to_dict
from facialflow.records.treatment import TreatmentRecord, record_to_dict
from facialflow.session.live import Session

__all__ = ["Loaded", "Stored", "document", "pinned_notes"]


@frozen
class Stored:
    """What a command returns: the contract's ``{"id", "revision", "state"}``."""

    id: str
    revision: int
    state: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "revision": self.revision, "state": self.state}


@frozen
class Loaded:
    id: str
    revision: int
    session: Session
    record: TreatmentRecord
    document: Mapping[str, Any]


def document(
    session_id: str, revision: int, session: Session, record: TreatmentRecord, protocol: str
) -> dict[str, Any]:
    """The session JSON of the contract plus id, revision, state, protocol revision and the record."""
    live = session.result()
    result = session_to_dict(live)
    return {
        "id": session_id,
        "revision": revision,
        "state": session.current,
        **result,
        "protocol_revision": protocol,
        "policy_digest": session.policy.digest,
        "record": record_to_dict(
            record,
            products=[
                {"step": a.step, "name": a.product.name, "lot": a.product.lot}
                for a in live.products
            ],
            adverse=result["adverse"],
        ),
    }


def pinned_notes(pinned: str, policy: Policy, current: str) -> list[str]:
    """What a reader must know when a session runs on definitions this release would not pick."""
    notes: list[str] = []
    if pinned != current:
        notes.append(
            f"continues on its pinned protocol revision {pinned} (this facialflow runs {current})"
        )
    if policy.name in PRESETS and load_policy(policy.name).digest != policy.digest:
        notes.append(
            f"continues on the {policy.name} policy values it started under "
            "(the preset has changed since)"
        )
    return notes
