"""Snapshots: a session's facts as a small JSON-compatible dict, and back.

A snapshot (format ``facialflow.session/2``) carries facts, never trusted
decisions: the client, the date, the pinned policy (a preset by name and
digest, any other policy with its values), the path walked and the reaction
(kind, step, note). Products are recorded by reference, the identity of the
plugin set that chose them plus a digest of the chosen products; only products
a caller handed in are written in full. :meth:`Session.restore` re-derives the
screening, the products and the route from those facts and refuses a snapshot
whose products or path disagree. Format ``/1`` snapshots (products in full)
are still read; their products are compared with the re-derived ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import marshal
import threading
import weakref
from collections.abc import Mapping
from typing import Any

from attrs import frozen

from facialflow.clinic.policy import Policy, load_policy, policy_from_dict, policy_to_dict
from facialflow.clinic.reactions import AdverseRecord, escalate, escalates, reaction_response
from facialflow.errors import SnapshotError
from facialflow.io.client_file import client_from_dict, client_to_compact_dict
from facialflow.io.documents import product_from_dict, product_to_full_dict
from facialflow.model import AdverseKind, Client, Selection
from facialflow.protocol.spec import FacialProtocol
from facialflow.session.memo import Memo

__all__ = [
    "SNAPSHOT_FORMAT",
    "SnapshotParts",
    "catalog_digest",
    "decode_snapshot",
    "encode_snapshot",
    "selection_digest",
    "selection_names",
]

SNAPSHOT_FORMAT = "facialflow.session/2"
_FORMAT_1 = "facialflow.session/1"


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


def _digest(payload: Any) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


_CATALOGS: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
_CATALOG_LOCK = threading.Lock()


def catalog_digest(plugins: Any) -> str:
    """The identity of a plugin set: every plugin's name, source and listed products."""
    found = _CATALOGS.get(plugins)
    if found is None:
        with _CATALOG_LOCK:
            found = _CATALOGS.get(plugins)
            if found is None:
                found = _CATALOGS[plugins] = _digest(
                    [
                        [p.name, p.source, [product_to_full_dict(x) for x in p.info.products]]
                        for p in plugins.plugins
                    ]
                )
    return found


# selections are memoised and shared, so their digests are too (by identity, pinned)
_SELECTION_DIGESTS = Memo(1 << 12)


def selection_digest(selection: Selection) -> str:
    """A digest of the products chosen for each step."""
    hit = _SELECTION_DIGESTS.get(id(selection))
    if hit is not None and hit[0] is selection:
        return str(hit[1])
    digest = _digest(
        {step: [product_to_full_dict(p) for p in ps] for step, ps in selection.steps.items()}
    )
    _SELECTION_DIGESTS.put(id(selection), (selection, digest))
    return digest


def selection_names(selection: Selection) -> str:
    """``step: product, product; ...``: what a products mismatch names."""
    parts = [f"{step}: {', '.join(p.name for p in ps)}" for step, ps in selection.steps.items()]
    return "; ".join(parts) or "no products"


@frozen
class SnapshotParts:
    """What a snapshot records, decoded and checked against the protocol's state names."""

    client: Client
    date: dt.date
    policy: Policy
    state: str
    path: tuple[str, ...]
    #: the reaction, its escalation re-derived from its kind
    adverse: AdverseRecord | None
    #: the digest of the products (None in format /1)
    products: str | None = None
    #: the plugin set that chose them (None: the caller handed them in)
    catalog: str | None = None
    #: products the caller handed in (they pass the safety filter again), or format /1's
    given: Selection | None = None
    legacy: bool = False


def encode_snapshot(
    parts: SnapshotParts, protocol: FacialProtocol, selection: Selection
) -> dict[str, Any]:
    """A JSON-compatible dict that :func:`decode_snapshot` turns back into ``parts``."""
    products: dict[str, Any] = {"digest": selection_digest(selection)}
    if parts.catalog is not None:
        products["catalog"] = parts.catalog
    else:
        products["given"] = {
            k: [product_to_full_dict(p) for p in v] for k, v in selection.steps.items()
        }
    adverse = parts.adverse
    return {
        "format": SNAPSHOT_FORMAT,
        "protocol": {"digest": protocol.digest},
        "client": client_to_compact_dict(parts.client),
        "date": parts.date.isoformat(),
        "policy": _policy_ref(parts.policy),
        "products": products,
        "state": parts.state,
        "path": list(parts.path),
        "adverse": (
            None
            if adverse is None
            else {
                "kind": str(adverse.kind),
                "step": adverse.step,
                "note": adverse.note,
                **({"worsened_at": adverse.worsened_at} if adverse.worsened_at else {}),
                **(
                    {"worsened_as": str(adverse.worsened_as)}
                    if adverse.worsened_as not in (None, AdverseKind.WORSENING)
                    else {}
                ),
            }
        ),
    }


# a host restores the same few sessions again and again: equal client values, one Client
_CLIENTS = Memo(1 << 12)


def _client(raw: Any) -> Client:
    # The key is the values as marshal writes them, a quarter of the cost of their JSON
    # text. Version 2 writes no references, so equal values give equal bytes whichever
    # objects hold them, and it tells apart what JSON text would not (1 and "1" as keys, a
    # tuple and a list). marshal refuses subclasses and a host's own objects (a str
    # subclass, a date): such a client is decoded each time, never shared. What else it
    # takes (bytes, sets) decoding refuses, and only a decoded client is kept
    try:
        key = marshal.dumps(raw, 2)
    except ValueError:
        return client_from_dict(raw, source="snapshot client")
    client: Client | None = _CLIENTS.get(key)
    if client is None:
        # decoded from the key, not from ``raw``: another thread may change the mapping
        # meanwhile, and the client kept must be the key's own
        client = client_from_dict(marshal.loads(key), source="snapshot client")
        _CLIENTS.put(key, client)
    return client


def _steps(raw: Mapping[str, Any]) -> Selection:
    return Selection(
        steps={k: tuple(product_from_dict(p) for p in v) for k, v in raw.items()},
    )


def decode_snapshot(data: Mapping[str, Any], protocol: FacialProtocol) -> SnapshotParts:
    """Decode a snapshot; anything malformed or foreign to ``protocol`` is a SnapshotError."""
    fmt = data.get("format") if isinstance(data, Mapping) else None
    if fmt not in (SNAPSHOT_FORMAT, _FORMAT_1):
        raise SnapshotError(
            f"not a facialflow session snapshot (expected format {SNAPSHOT_FORMAT})"
        )
    where = "protocol"
    try:
        meta = data["protocol"]
        if not isinstance(meta, Mapping):
            raise TypeError("protocol must be an object")
        if meta.get("digest") != protocol.digest:
            raise SnapshotError(
                f"snapshot was taken with protocol {meta.get('digest')}; this is "
                f"{protocol.name} {protocol.version} ({protocol.digest})"
            )
        where = "client"
        client = _client(data["client"])
        where = "date"
        day = dt.date.fromisoformat(data["date"])
        where = "policy"
        policy = _policy_from_ref(data["policy"])
        where = "state"
        state = str(data["state"])
        where = "path"
        path = tuple(str(s) for s in data["path"])
        where = "adverse"
        raw = data.get("adverse")
        adverse = None
        if raw is not None:
            kind = AdverseKind(raw["kind"])
            step = raw["step"]
            worsened = raw.get("worsened_at", "")
            if not isinstance(step, str) or not isinstance(worsened, str):
                raise TypeError("adverse step must be a state name")
            where = "adverse.worsened_as"
            worse_kind = AdverseKind(raw.get("worsened_as", AdverseKind.WORSENING))
            if worsened and not escalates(worse_kind):
                raise ValueError(f"{worse_kind} does not escalate to the emergency protocol")
            where = "adverse"
            # the escalation is re-derived from the kind, never trusted from the snapshot
            adverse = AdverseRecord(
                kind, step, reaction_response(kind)[0], str(raw.get("note", ""))
            )
            if worsened:
                adverse = escalate(adverse, worse_kind, worsened)
        given: Selection | None
        if fmt == _FORMAT_1:
            where = "selection"
            given, digest, catalog, legacy = _steps(data["selection"]["steps"]), None, None, True
        else:
            where = "products"
            products = data["products"]
            digest = str(products["digest"])
            catalog = products.get("catalog")
            given = None if catalog is not None else _steps(products["given"])
            catalog = None if catalog is None else str(catalog)
            legacy = False
    except SnapshotError:
        raise
    except KeyError as exc:
        missing = exc.args[0] if exc.args else where
        detail = f"{where} is missing" if missing == where else f"{where}: {missing!r} is missing"
        raise SnapshotError(f"malformed snapshot: {detail}") from None
    except (TypeError, ValueError, AttributeError) as exc:
        raise SnapshotError(f"malformed snapshot: {where}: {exc}") from None
    unknown = [s for s in [state, *path] if s not in protocol.state_map]
    if unknown:
        raise SnapshotError(f"snapshot names unknown state(s): {', '.join(unknown)}")
    if not path or path[-1] != state:
        raise SnapshotError("snapshot path does not end in its state")
    return SnapshotParts(client, day, policy, state, path, adverse, digest, catalog, given, legacy)
