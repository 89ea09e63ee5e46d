"""``migrate --check``: can each in-flight session move to this facialflow's protocol?

Stored sessions always continue on the protocol revision they pinned, so an
upgrade strands nobody. This check answers the next question, per unfinished
session, by replaying its journal through the target revision:

- ``compatible``: every state it visited exists in the target (after the
  explicit state mapping) and the target takes exactly the recorded steps;
- ``needs-mapping``: it visited states the target does not have; a mapping
  ``old=new`` for each makes the replay possible;
- ``blocked``: the names resolve, but the target decides differently for this
  client (a new step, a changed guard), or the mapping points nowhere.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import Any

from attrs import frozen

from facialflow.errors import FacialflowError, StoreError
from facialflow.protocol.facial import FACIAL
from facialflow.protocol.spec import FacialProtocol
from facialflow.records import journal as jr
from facialflow.records.protocols import revision_id
from facialflow.records.store import SessionStore

__all__ = ["Classification", "Verdict", "check_migration", "parse_mapping"]


class Verdict(enum.StrEnum):
    COMPATIBLE = "compatible"
    NEEDS_MAPPING = "needs-mapping"
    BLOCKED = "blocked"


@frozen
class Classification:
    session_id: str
    state: str
    pinned: str
    target: str
    verdict: Verdict
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.session_id,
            "state": self.state,
            "pinned": self.pinned,
            "target": self.target,
            "verdict": str(self.verdict),
            "reasons": list(self.reasons),
        }


def parse_mapping(pairs: Sequence[str]) -> dict[str, str]:
    """``OLD=NEW`` pairs as a mapping; a malformed pair is a user error naming it."""
    out: dict[str, str] = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise StoreError(f"--map: {pair!r} is not OLD=NEW")
        out[old.strip()] = new.strip()
    return out


def _classify(
    sid: str, records: list[dict[str, Any]], target: FacialProtocol, mapping: Mapping[str, str]
) -> Classification:
    pinned = str(records[0]["protocol"])
    rev = revision_id(target)
    visited = [str(r["decisions"]["state"]) for r in records if r["decisions"].get("state")]
    state = visited[-1]

    def verdict(v: Verdict, *reasons: str) -> Classification:
        return Classification(sid, state, pinned, rev, v, tuple(reasons))

    if pinned == rev:
        return verdict(Verdict.COMPATIBLE, "already on this revision")
    nowhere = sorted(
        {f"{o}={n}" for o, n in mapping.items() if o in visited and n not in target.state_map}
    )
    if nowhere:
        return verdict(
            Verdict.BLOCKED, f"the mapping names states {rev} does not have: {', '.join(nowhere)}"
        )
    missing = sorted({s for s in visited if mapping.get(s, s) not in target.state_map})
    if missing:
        return verdict(
            Verdict.NEEDS_MAPPING,
            f"visited state(s) {rev} does not have: {', '.join(missing)}; "
            "map each to a state of the new revision with --map OLD=NEW",
        )
    try:
        session, record, _ = jr.begin(records[0], target)
        for body in records[1:]:
            expected = body["decisions"].get("state")
            before = session.current
            record, decisions = jr.apply(session, record, body)
            got = decisions.get("state")
            if expected is not None and got != mapping.get(expected, expected):
                return verdict(
                    Verdict.BLOCKED,
                    f"record {body['seq']}: from {before} {rev} goes to {got}; "
                    f"the session went to {expected}",
                )
    except FacialflowError as exc:
        return verdict(Verdict.BLOCKED, f"replay on {rev} refused: {exc}")
    renamed = sorted(f"{o}->{n}" for o, n in mapping.items() if o in visited)
    return verdict(
        Verdict.COMPATIBLE,
        "replays on the new revision" + (f" with {', '.join(renamed)}" if renamed else ""),
    )


def check_migration(
    store: SessionStore, target: FacialProtocol = FACIAL, mapping: Mapping[str, str] | None = None
) -> list[Classification]:
    """Classify every unfinished session of ``store`` against ``target``."""
    out = []
    for summary in store.list():
        if summary["finished"]:
            continue
        out.append(_classify(summary["id"], store.journal(summary["id"]), target, mapping or {}))
    return out
