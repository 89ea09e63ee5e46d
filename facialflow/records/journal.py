"""The journal: an append-only, hash-chained history per session, and its replay.

Each record is canonical JSON (sorted keys, no spaces) holding ``session``,
``seq``, ``ts`` (from the store's injectable clock), ``actor``, ``command``,
``facts`` (what went in: only what the rules need), ``decisions`` (what came
out: state reached, the rule that chose it, the products), the ``protocol``
revision and ``policy`` digest, and ``prev``, the hash of the record before it.
A record's hash is the SHA-256 of its canonical JSON, so changing, dropping or
reordering any record breaks the chain at that seq.

:func:`replay` rebuilds a session from its records through the real engine
with listeners off and checks every recorded decision against the one the
engine makes now; the live store steps sessions with the same functions, so
replay and the live run cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs
from attrs import frozen

from facialflow.clinic.policy import Policy, policy_from_dict, policy_to_dict
from facialflow.clinic.reactions import reaction_response
from facialflow.errors import (
    FacialflowError,
    InvalidReaction,
    InvalidStep,
    JournalError,
    RecordIncomplete,
)
from facialflow.io.client_file import client_from_dict, client_to_dict
from facialflow.io.documents import product_from_dict, product_to_full_dict
from facialflow.model import AdverseKind, Client, Product, Selection
from facialflow.protocol.spec import FacialProtocol
from facialflow.records.treatment import (
    RecordInput,
    StepTime,
    TreatmentRecord,
    merge_input,
    missing_items,
    record_input_from_dict,
    record_input_to_dict,
)
from facialflow.session.live import Session

__all__ = [
    "ChainProblem",
    "Replayed",
    "advance_decisions",
    "adverse_decisions",
    "canonical",
    "check_advance",
    "check_chain",
    "reaction_kind",
    "refusal",
    "digest",
    "replay",
    "selection_from_dict",
    "selection_to_dict",
    "start_facts",
]

COMMANDS = ("start", "advance", "adverse", "record")


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# -- facts and decisions ------------------------------------------------------------------------


def _product_dict(p: Product) -> dict[str, Any]:
    d = product_to_full_dict(p)
    if p.lot is not None:
        d["lot"] = p.lot
    return d


def selection_to_dict(selection: Selection) -> dict[str, Any]:
    # pairs, not objects: canonical JSON sorts object keys, and warnings follow this order
    return {
        "steps": [[k, [_product_dict(p) for p in v]] for k, v in selection.steps.items()],
        "warnings": list(selection.warnings),
        "missing": [[k, v] for k, v in selection.missing.items()],
        "sources": [[k, v] for k, v in selection.sources.items()],
    }


def selection_from_dict(d: Mapping[str, Any]) -> Selection:
    def product(p: Mapping[str, Any]) -> Product:
        base = product_from_dict(p)
        return attrs.evolve(base, lot=p["lot"]) if p.get("lot") else base

    return Selection(
        steps={k: tuple(product(p) for p in v) for k, v in d["steps"]},
        warnings=tuple(d.get("warnings", ())),
        missing=dict(d.get("missing", ())),
        sources=dict(d.get("sources", ())),
    )


def start_facts(session: Session, given: RecordInput) -> dict[str, Any]:
    """What intake needs to be decided again: the client, date, full policy values, products."""
    return {
        "client": client_to_dict(session.client),
        "date": session.date.isoformat(),
        # JSON text, not an object: the order of the policy's tables is the order of its
        # findings, and canonical JSON would sort it away
        "policy": json.dumps(policy_to_dict(session.policy), ensure_ascii=False),
        "selection": selection_to_dict(session.selection),
        "record": record_input_to_dict(given),
    }


def start_decisions(session: Session) -> dict[str, Any]:
    screening = session.screening
    return {
        "state": session.current,
        "declined": screening.declined,
        "rules": sorted({f.rule for f in screening.findings}),
        "skipped": dict(screening.skipped),
        "products": {k: [p.name for p in v] for k, v in session.selection.steps.items()},
    }


def advance_decisions(session: Session) -> dict[str, Any]:
    """Take ``advance`` and say what was decided: the edge, the guards that chose it, products."""
    here = session.current
    chosen = next((c for c in session.why("advance") if c.chosen), None)
    state = session.advance()
    return {
        "from": here,
        "state": state,
        "rule": sorted(g for g, held in chosen.guards.items() if held) if chosen else [],
        "products": [p.name for p in session.selection.for_step(state)],
    }


def adverse_decisions(session: Session, kind: str, note: str) -> dict[str, Any]:
    here = session.current
    state = session.report_adverse(kind, note)
    escalation, tolerates = reaction_response(kind)
    return {
        "from": here,
        "state": state,
        "escalation": escalation,
        "tolerates_product": tolerates,
    }


def reaction_kind(kind: str) -> str:
    """A known reaction kind, or InvalidReaction naming the known ones."""
    try:
        return str(AdverseKind(kind))
    except ValueError:
        known = ", ".join(k.value for k in AdverseKind)
        raise InvalidReaction(f"unknown adverse reaction {kind!r}; known: {known}") from None


def refusal(session: Session, command: str, treatment: TreatmentRecord) -> FacialflowError | None:
    """Why ``command`` may not run now (a step the state does not allow, a missing record item)."""
    allowed = session.allowed()
    # a reaction reported during the safe exit is a worsening: the emergency protocol (R30)
    reportable = command == "adverse" and "emergency" in allowed
    if command != "record" and command not in allowed and not reportable:
        return InvalidStep(command, session.current, allowed)
    if command == "advance":
        try:
            check_advance(session, treatment)
        except RecordIncomplete as exc:
            return exc
    return None


def check_advance(session: Session, treatment: TreatmentRecord) -> None:
    """Refuse ``advance`` when the policy requires record items the step does not have yet."""
    leaving = session.current
    entering = session.next_state()
    if entering is None:
        return
    proto = session.protocol
    missing = missing_items(
        treatment,
        session.policy.records,
        leaving=leaving,
        step=proto.step_of(leaving),
        entering=entering,
        entering_final=entering in proto.final_states,
        products=tuple((p.name, p.lot) for p in session.selection.for_step(leaving)),
    )
    if missing:
        raise RecordIncomplete(
            f"cannot leave {leaving}: the treatment record needs "
            + "; ".join(missing)
            + f" (policy {session.policy.name}, records section)"
        )


# -- the chain ----------------------------------------------------------------------------------


@frozen
class ChainProblem:
    session_id: str
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"session {self.session_id}: record {self.seq}: {self.reason}"


def check_chain(
    session_id: str, rows: Sequence[tuple[int, str, str]], revision: int, head: str | None
) -> tuple[list[dict[str, Any]], ChainProblem | None]:
    """Parse ``(seq, text, hash)`` rows and check the chain; the first problem, if any."""
    records: list[dict[str, Any]] = []
    prev: str | None = None
    for expected, (seq, text, stored) in enumerate(rows, start=1):
        if seq != expected:
            return records, ChainProblem(session_id, expected, f"missing (next stored is {seq})")
        # the hash covers the stored text itself: any edit, even a reformatting, breaks it
        if digest(text) != stored:
            return records, ChainProblem(session_id, seq, "content does not match its hash")
        try:
            body = json.loads(text)
        except ValueError:
            return records, ChainProblem(session_id, seq, "not JSON")
        if not isinstance(body, dict):
            return records, ChainProblem(session_id, seq, "not a JSON object")
        if body.get("session") != session_id or body.get("seq") != seq:
            return records, ChainProblem(
                session_id, seq, f"belongs to {body.get('session')!r} record {body.get('seq')!r}"
            )
        if body.get("prev") != prev:
            return records, ChainProblem(session_id, seq, "does not follow the record before it")
        prev = stored
        records.append(body)
    if len(rows) != revision:
        return records, ChainProblem(
            session_id,
            len(rows) + 1,
            f"missing: journal ends at {len(rows)}, session at {revision}",
        )
    if prev != head:
        return records, ChainProblem(session_id, len(rows), "last record is not the session's head")
    return records, None


# -- replay -------------------------------------------------------------------------------------

_POLICIES: dict[str, Policy] = {}


def _policy(text: str) -> Policy:
    policy = _POLICIES.get(text)
    if policy is None:
        policy = _POLICIES[text] = policy_from_dict(json.loads(text), source="journal policy")
    return policy


def _client(data: Mapping[str, Any]) -> Client:
    return client_from_dict(data, source="journal client")


@frozen
class Replayed:
    session: Session
    record: TreatmentRecord
    #: the adverse reaction's details as the journal recorded them
    revision: int


def entered(record: TreatmentRecord, state: str, ts: str, actor: str | None) -> TreatmentRecord:
    steps = list(record.steps)
    if steps and steps[-1].end is None:
        steps[-1] = attrs.evolve(steps[-1], end=ts)
    steps.append(StepTime(step=state, start=ts, performer=actor))
    return attrs.evolve(record, steps=tuple(steps))


def apply(
    session: Session, record: TreatmentRecord, body: Mapping[str, Any]
) -> tuple[TreatmentRecord, dict[str, Any]]:
    """Apply a non-start record's command; return the record and the decisions made now."""
    facts = body["facts"]
    command = body["command"]
    if facts.get("record"):
        given = record_input_from_dict(facts["record"], source="journal record")
        record = merge_input(record, given)
    if command == "advance":
        decisions = advance_decisions(session)
    elif command == "adverse":
        decisions = adverse_decisions(session, facts["kind"], facts.get("note", ""))
    elif command == "record":
        return record, {}
    else:
        raise JournalError(f"unknown command {command!r}")
    record = entered(record, decisions["state"], body["ts"], body.get("actor"))
    if session.finished and record.steps[-1].end is None:
        record = attrs.evolve(
            record, steps=(*record.steps[:-1], attrs.evolve(record.steps[-1], end=body["ts"]))
        )
    return record, decisions


def begin(
    body: Mapping[str, Any], protocol: FacialProtocol
) -> tuple[Session, TreatmentRecord, dict[str, Any]]:
    facts = body["facts"]
    session = Session.start(
        _client(facts["client"]),
        date=dt.date.fromisoformat(facts["date"]),
        policy=_policy(facts["policy"]),
        selection=selection_from_dict(facts["selection"]),
        protocol=protocol,
    )
    given = record_input_from_dict(facts.get("record", {}), source="journal record")
    record = entered(
        merge_input(TreatmentRecord(), given), session.current, body["ts"], body.get("actor")
    )
    return session, record, start_decisions(session)


def replay(
    session_id: str,
    records: Iterable[Mapping[str, Any]],
    protocol_for: Callable[[str], FacialProtocol],
) -> Replayed:
    """Rebuild a session from its journal through the real engine, checking every decision."""
    session: Session | None = None
    record = TreatmentRecord()
    seq = 0
    for body in records:
        seq = int(body.get("seq", seq + 1))
        try:
            if session is None:
                if body.get("command") != "start":
                    raise JournalError("the first record is not a start")
                session, record, decisions = begin(body, protocol_for(body["protocol"]))
            else:
                record, decisions = apply(session, record, body)
        except JournalError as exc:
            raise JournalError(f"session {session_id}: record {seq}: {exc}") from None
        except FacialflowError as exc:
            raise JournalError(
                f"session {session_id}: record {seq}: replay refused: {exc}"
            ) from None
        except (KeyError, TypeError, ValueError) as exc:
            raise JournalError(f"session {session_id}: record {seq}: malformed ({exc!r})") from None
        if decisions != body.get("decisions", {}):
            raise JournalError(
                f"session {session_id}: record {seq}: replay decides {canonical(decisions)}, "
                f"the journal says {canonical(body.get('decisions'))}"
            )
    if session is None:
        raise JournalError(f"session {session_id}: the journal is empty")
    return Replayed(session, record, seq)
