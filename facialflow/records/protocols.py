"""Protocol revisions: an explicit id per definition, and old definitions kept loadable.

A session pins the revision it started under. The store keeps every revision's
full definition (states, transitions, guard names) beside the sessions, so a
facialflow upgrade that changes the protocol still restores, replays and
continues stored sessions on the revision they began with. Guards are code and
are looked up by name; a revision naming a guard this facialflow no longer has
is refused with that name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import attrs
import cattrs

from facialflow.errors import StoreError
from facialflow.protocol.facial import FACIAL
from facialflow.protocol.guards import GUARDS
from facialflow.protocol.spec import FacialProtocol, validate_protocol

__all__ = ["CURRENT", "protocol_from_json", "protocol_json", "revision_id"]

_CONVERTER = cattrs.Converter()


def revision_id(protocol: FacialProtocol) -> str:
    """``name/version/digest``: the version a person bumps, the digest the definition proves."""
    return f"{protocol.name}/{protocol.version}/{protocol.digest}"


#: the revision this facialflow runs new sessions on
CURRENT = revision_id(FACIAL)

_LOADED: dict[str, FacialProtocol] = {CURRENT: FACIAL}


def protocol_json(protocol: FacialProtocol) -> str:
    return json.dumps(attrs.asdict(protocol), sort_keys=True, separators=(",", ":"))


def protocol_from_json(revision: str, text: str) -> FacialProtocol:
    """The protocol a stored definition describes; one object per revision, so engines are shared."""
    known = _LOADED.get(revision)
    if known is not None:
        return known
    try:
        data: Mapping[str, Any] = json.loads(text)
        protocol = _CONVERTER.structure(dict(data), FacialProtocol)
    except (ValueError, TypeError, KeyError, cattrs.BaseValidationError) as exc:
        raise StoreError(f"protocol revision {revision}: unreadable definition ({exc})") from None
    unknown = sorted({g for t in protocol.transitions for g in t.guards} - set(GUARDS))
    if unknown:
        raise StoreError(
            f"protocol revision {revision} uses guard(s) this facialflow does not have: "
            + ", ".join(unknown)
        )
    if revision_id(protocol) != revision:
        raise StoreError(f"protocol revision {revision}: its definition does not match its id")
    validate_protocol(protocol)
    return _LOADED.setdefault(revision, protocol)


def register(protocol: FacialProtocol) -> str:
    """Make ``protocol`` the object its revision id resolves to in this process."""
    rev = revision_id(protocol)
    _LOADED.setdefault(rev, protocol)
    return rev
