"""Snapshots: a session as a JSON-compatible dict, and back.

Restore rebuilds the session through the same intake decision as
:meth:`Session.start` and replays the recorded path against the protocol, so a
snapshot edited into an impossible session is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from attrs import frozen

from facialflow.clinic.policy import Policy, load_policy, policy_from_dict, policy_to_dict
from facialflow.clinic.reactions import AdverseRecord
from facialflow.errors import SnapshotError
from facialflow.io.client_file import client_from_dict, client_to_dict
from facialflow.io.documents import product_from_dict, product_to_full_dict
from facialflow.model import AdverseKind, Client, Selection
from facialflow.protocol.spec import FacialProtocol

__all__ = ["SNAPSHOT_FORMAT", "SnapshotParts", "decode_snapshot", "encode_snapshot"]

SNAPSHOT_FORMAT = "facialflow.session/1"


def _policy_ref(policy: Policy) -> dict[str, Any]:
    """A preset by name and digest; any other policy with all its values."""
    ref: dict[str, Any] = {"name": policy.name, "digest": policy.digest}
    if not policy.is_preset:
        ref["values"] = policy_to_dict(policy)
    return ref


def _policy_from_ref(ref: Mapping[str, Any]) -> Policy:
    if "values" in ref:
        policy = policy_from_dict(ref["values"], source="snapshot policy")
    else:
        policy = load_policy(ref["name"])
    if policy.digest != ref["digest"]:
        raise SnapshotError(
            f"policy {ref['name']!r} has changed since the snapshot was taken "
            f"({ref['digest']} then, {policy.digest} now)"
        )
    return policy


@frozen
class SnapshotParts:
    """What a snapshot records, decoded and checked against the protocol's state names."""

    client: Client
    date: dt.date
    policy: Policy
    selection: Selection
    state: str
    path: tuple[str, ...]
    adverse: AdverseRecord | None


def encode_snapshot(parts: SnapshotParts, protocol: FacialProtocol) -> dict[str, Any]:
    """A JSON-compatible dict that :func:`decode_snapshot` turns back into ``parts``."""
    selection = parts.selection
    return {
        "format": SNAPSHOT_FORMAT,
        "protocol": {
            "name": protocol.name,
            "version": protocol.version,
            "digest": protocol.digest,
        },
        "client": client_to_dict(parts.client),
        "date": parts.date.isoformat(),
        "policy": _policy_ref(parts.policy),
        "state": parts.state,
        "path": list(parts.path),
        "selection": {
            "steps": {k: [product_to_full_dict(p) for p in v] for k, v in selection.steps.items()},
            "warnings": list(selection.warnings),
            "missing": dict(selection.missing),
            "sources": dict(selection.sources),
        },
        "adverse": parts.adverse.to_dict() if parts.adverse else None,
    }


def decode_snapshot(data: Mapping[str, Any], protocol: FacialProtocol) -> SnapshotParts:
    """Decode a snapshot; anything malformed or foreign to ``protocol`` is a SnapshotError."""
    if not isinstance(data, Mapping) or data.get("format") != SNAPSHOT_FORMAT:
        raise SnapshotError(
            f"not a facialflow session snapshot (expected format {SNAPSHOT_FORMAT})"
        )
    try:
        meta = data["protocol"]
        if not isinstance(meta, Mapping):
            raise TypeError("protocol must be an object")
        if meta.get("digest") != protocol.digest:
            raise SnapshotError(
                f"snapshot was taken with protocol {meta.get('name')} {meta.get('version')} "
                f"({meta.get('digest')}); this is {protocol.name} {protocol.version} "
                f"({protocol.digest})"
            )
        client = client_from_dict(data["client"], source="snapshot client")
        day = dt.date.fromisoformat(data["date"])
        policy = _policy_from_ref(data["policy"])
        sel = data["selection"]
        selection = Selection(
            steps={k: tuple(product_from_dict(p) for p in v) for k, v in sel["steps"].items()},
            warnings=tuple(sel.get("warnings", ())),
            missing=dict(sel.get("missing", {})),
            sources=dict(sel.get("sources", {})),
        )
        state = str(data["state"])
        path = [str(s) for s in data["path"]]
        raw = data.get("adverse")
        adverse = (
            None
            if raw is None
            else AdverseRecord(
                AdverseKind(raw["kind"]),
                str(raw["step"]),
                str(raw["escalation"]),
                str(raw.get("note", "")),
                str(raw.get("worsened_at", "")),
            )
        )
    except SnapshotError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SnapshotError(f"malformed snapshot: {exc!r}") from None
    unknown = [s for s in [state, *path] if s not in protocol.state_map]
    if unknown:
        raise SnapshotError(f"snapshot names unknown state(s): {', '.join(unknown)}")
    if not path or path[-1] != state:
        raise SnapshotError("snapshot path does not end in its state")
    return SnapshotParts(client, day, policy, selection, state, tuple(path), adverse)
