"""The session store: sessions that survive restarts, concurrent requests and upgrades.

One typed API over SQLite (a file path) or PostgreSQL (a SQLAlchemy URL with
psycopg 3). Every command runs in one transaction: read the session row, step
the session through the real engine, append one journal record and move the
row from its revision to the next with ``UPDATE ... WHERE revision = :read``.
A stale ``expect_revision`` is refused before anything is written; two writers
racing on one session cannot both commit the same seq (the update matches one
row once, and ``(session_id, seq)`` is the journal's primary key). Listeners
hear about a step only after it is committed.

A session is rebuilt from its journal (see :mod:`facialflow.records.journal`);
a process keeps the sessions it stepped last, keyed by revision, so the common
case does not replay.
"""

from __future__ import annotations

import builtins
import datetime as dt
import json
import random
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select, update

from facialflow.clinic.policy import Policy, load_policy
from facialflow.errors import (
    JournalError,
    StaleRevision,
    StoreError,
    UnknownSession,
)
from facialflow.model import Client, Selection
from facialflow.protocol.facial import FACIAL
from facialflow.protocol.spec import FacialProtocol
from facialflow.records import journal as jr
from facialflow.records.document import Loaded, Stored, document, pinned_notes
from facialflow.records.events import EventKind, StoreEvent, StoreListener, emit, step_events
from facialflow.records.protocols import CURRENT, protocol_from_json, protocol_json, register
from facialflow.records.schema import (
    Conflict,
    ensure_schema,
    journal,
    open_engine,
    protocols,
    sessions,
    write_transaction,
)
from facialflow.records.treatment import (
    RecordInput,
    TreatmentRecord,
    merge_input,
    record_input_to_dict,
)
from facialflow.records.verify import VerifyReport, verify_store
from facialflow.session.live import Session

__all__ = ["Clock", "Loaded", "SessionStore", "Stored", "VerifyReport"]

Clock = Callable[[], dt.datetime]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SessionStore:
    """Sessions kept in a database. Open one per process and share it between threads."""

    def __init__(
        self,
        db: str | Path,
        *,
        clock: Clock = _utc_now,
        listeners: Sequence[StoreListener] = (),
        plugins: Any = None,
        cache_size: int = 1024,
    ) -> None:
        self.engine = open_engine(db)
        self.clock = clock
        self.listeners: list[StoreListener] = list(listeners)
        self.plugins = plugins
        self._cache: OrderedDict[str, tuple[int, Session, TreatmentRecord]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._protocols: dict[str, FacialProtocol] = {}
        ensure_schema(self.engine)

    def close(self) -> None:
        """Release the database connections (a ``with`` block does this)."""
        self.engine.dispose()

    def __enter__(self) -> SessionStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- setup -----------------------------------------------------------------------------

    def protocol_for(self, revision: str, conn: Connection | None = None) -> FacialProtocol:
        """The protocol of a stored revision (read through ``conn`` inside a transaction)."""
        known = self._protocols.get(revision)
        if known is not None:
            return known
        if conn is None:
            with self.engine.connect() as own:
                return self.protocol_for(revision, own)
        row = conn.execute(
            select(protocols.c.definition).where(protocols.c.revision == revision)
        ).first()
        if row is None:
            raise StoreError(f"protocol revision {revision} is not in this store")
        protocol = self._protocols[revision] = protocol_from_json(revision, row[0])
        return protocol

    # -- commands --------------------------------------------------------------------------

    def start(
        self,
        client: Client,
        *,
        date: dt.date | None = None,
        policy: Policy | str | None = None,
        actor: str | None = None,
        record: RecordInput | None = None,
        session_id: str | None = None,
        selection: Selection | None = None,
        protocol: FacialProtocol = FACIAL,
    ) -> Stored:
        """Screen ``client`` and store a session at intake (revision 1)."""
        pol = policy if isinstance(policy, Policy) else load_policy(policy)
        given = record or RecordInput()
        session = Session.start(
            client,
            date=date,
            policy=pol,
            selection=selection,
            plugins=self.plugins,
            protocol=protocol,
        )
        sid = session_id or str(uuid.uuid4())
        rev = register(protocol)
        ts = self.clock().isoformat()
        body = self._body(
            sid,
            1,
            ts,
            actor,
            "start",
            jr.start_facts(session, given),
            jr.start_decisions(session),
            rev,
            pol.digest,
            None,
        )
        treatment = jr.entered(merge_input(TreatmentRecord(), given), session.current, ts, actor)
        text = jr.canonical(body)
        head = jr.digest(text)
        doc = document(sid, 1, session, treatment, rev)
        try:
            with write_transaction(self.engine) as conn:
                if (
                    conn.execute(
                        select(protocols.c.revision).where(protocols.c.revision == rev)
                    ).first()
                    is None
                ):
                    conn.execute(
                        insert(protocols).values(revision=rev, definition=protocol_json(protocol))
                    )
                conn.execute(
                    insert(sessions).values(
                        id=sid,
                        revision=1,
                        state=session.current,
                        finished=session.finished,
                        client_id=client.id,
                        protocol=rev,
                        policy=pol.name,
                        head=head,
                        created_at=ts,
                        updated_at=ts,
                        document=jr.canonical(doc),
                    )
                )
                conn.execute(
                    insert(journal).values(session_id=sid, seq=1, ts=ts, record=text, hash=head)
                )
        except Conflict:
            raise StoreError(f"session id {sid!r} is already in the store") from None
        self._keep(sid, 1, session, treatment)
        emit(self.listeners, [StoreEvent(EventKind.STARTED, sid, 1, ts, actor, session.current)])
        return Stored(sid, 1, session.current)

    def advance(
        self,
        session_id: str,
        *,
        expect_revision: int | None = None,
        actor: str | None = None,
        record: RecordInput | None = None,
    ) -> Stored:
        """Finish the current step and enter the next one the engine picks."""
        return self._command(session_id, "advance", {}, expect_revision, actor, record)

    def report_adverse(
        self,
        session_id: str,
        kind: str,
        *,
        note: str = "",
        expect_revision: int | None = None,
        actor: str | None = None,
        record: RecordInput | None = None,
    ) -> Stored:
        """An adverse reaction during the current step: the safe exit (never blocked by the record)."""
        kind = jr.reaction_kind(kind)
        return self._command(
            session_id, "adverse", {"kind": str(kind), "note": note}, expect_revision, actor, record
        )

    def add_record(
        self,
        session_id: str,
        record: RecordInput,
        *,
        expect_revision: int | None = None,
        actor: str | None = None,
    ) -> Stored:
        """Add treatment-record items without stepping (for example aftercare after completion)."""
        return self._command(session_id, "record", {}, expect_revision, actor, record)

    def _command(
        self,
        sid: str,
        command: str,
        facts: dict[str, Any],
        expect: int | None,
        actor: str | None,
        record: RecordInput | None,
    ) -> Stored:
        given = record or RecordInput()
        for attempt in range(50):
            try:
                return self._try(sid, command, facts, expect, actor, given)
            except Conflict:
                self._drop(sid)
                if expect is not None:
                    with self.engine.connect() as conn:
                        now = conn.execute(
                            select(sessions.c.revision).where(sessions.c.id == sid)
                        ).scalar_one()
                    raise StaleRevision(sid, expect, int(now)) from None
                # jittered backoff, so racing writers stop colliding in lockstep
                time.sleep(random.uniform(0, 0.001 * (attempt + 1)))
        raise StoreError(f"session {sid!r}: too many concurrent writers, try again")

    def _try(
        self,
        sid: str,
        command: str,
        facts: dict[str, Any],
        expect: int | None,
        actor: str | None,
        given: RecordInput,
    ) -> Stored:
        events: tuple[StoreEvent, ...]
        with write_transaction(self.engine) as conn:
            row = conn.execute(
                select(sessions.c.revision, sessions.c.head, sessions.c.protocol).where(
                    sessions.c.id == sid
                )
            ).first()
            if row is None:
                raise UnknownSession(f"no session {sid!r} in this store")
            revision, head, rev = int(row[0]), str(row[1]), str(row[2])
            if expect is not None and expect != revision:
                raise StaleRevision(sid, expect, revision)
            session, treatment = self._take(conn, sid, revision)
            refused = jr.refusal(session, command, merge_input(treatment, given))
            if refused is not None:
                # refused before anything was stepped: the session stays reusable
                self._keep(sid, revision, session, treatment)
                raise refused
            try:
                ts = self.clock().isoformat()
                treatment = merge_input(treatment, given)
                body = self._body(
                    sid,
                    revision + 1,
                    ts,
                    actor,
                    command,
                    {**facts, "record": record_input_to_dict(given)},
                    {},
                    rev,
                    session.policy.digest,
                    head,
                )
                treatment, decisions = jr.apply(session, treatment, body)
                body["decisions"] = decisions
                text = jr.canonical(body)
                new_head = jr.digest(text)
                doc = document(sid, revision + 1, session, treatment, rev)
                moved = conn.execute(
                    update(sessions)
                    .where(sessions.c.id == sid, sessions.c.revision == revision)
                    .values(
                        revision=revision + 1,
                        state=session.current,
                        finished=session.finished,
                        head=new_head,
                        updated_at=ts,
                        document=jr.canonical(doc),
                    )
                ).rowcount
                if moved != 1:
                    raise Conflict()
                conn.execute(
                    insert(journal).values(
                        session_id=sid, seq=revision + 1, ts=ts, record=text, hash=new_head
                    )
                )
            except BaseException:
                # the in-memory session may be half-stepped: never reuse it
                self._drop(sid)
                raise
        self._keep(sid, revision + 1, session, treatment)
        base = StoreEvent(
            {"advance": EventKind.STEP, "adverse": EventKind.ADVERSE, "record": EventKind.RECORD}[
                command
            ],
            sid,
            revision + 1,
            ts,
            actor,
            session.current,
            source=decisions.get("from"),
            trigger=command,
            reaction=facts.get("kind"),
            escalation=decisions.get("escalation"),
        )
        outcome = str(session.outcome) if session.outcome else None
        events = (
            (base,)
            if command == "record"
            else step_events(base, finished=session.finished, outcome=outcome)
        )
        emit(self.listeners, events)
        return Stored(sid, revision + 1, session.current)

    @staticmethod
    def _body(
        sid: str,
        seq: int,
        ts: str,
        actor: str | None,
        command: str,
        facts: dict[str, Any],
        decisions: dict[str, Any],
        protocol: str,
        policy: str,
        prev: str | None,
    ) -> dict[str, Any]:
        return {
            "session": sid,
            "seq": seq,
            "ts": ts,
            "actor": actor,
            "command": command,
            "facts": facts,
            "decisions": decisions,
            "protocol": protocol,
            "policy": policy,
            "prev": prev,
        }

    # -- the in-process cache --------------------------------------------------------------

    def _take(self, conn: Connection, sid: str, revision: int) -> tuple[Session, TreatmentRecord]:
        with self._lock:
            hit = self._cache.pop(sid, None)
        if hit is not None and hit[0] == revision:
            return hit[1], hit[2]
        # up to the revision read: a writer committing meanwhile is caught by the UPDATE
        replayed = jr.replay(
            sid, self._records(conn, sid, revision), lambda rev: self.protocol_for(rev, conn)
        )
        if replayed.revision != revision:
            raise JournalError(
                f"session {sid}: journal ends at {replayed.revision}, session at {revision}"
            )
        return replayed.session, replayed.record

    def _keep(self, sid: str, revision: int, session: Session, record: TreatmentRecord) -> None:
        with self._lock:
            self._cache[sid] = (revision, session, record)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def _drop(self, sid: str) -> None:
        with self._lock:
            self._cache.pop(sid, None)

    @staticmethod
    def _records(conn: Connection, sid: str, upto: int | None = None) -> list[dict[str, Any]]:
        query = select(journal.c.record).where(journal.c.session_id == sid)
        if upto is not None:
            query = query.where(journal.c.seq <= upto)
        rows = conn.execute(query.order_by(journal.c.seq))
        return [json.loads(r[0]) for r in rows]

    def verify(self) -> VerifyReport:
        """Check every chain and replay every session, comparing with the stored state."""
        with self.engine.connect() as conn:
            return verify_store(conn, lambda rev: self.protocol_for(rev, conn))

    # -- reading ---------------------------------------------------------------------------

    def status(self, session_id: str) -> Stored:
        """The session's current revision and state, read without replaying anything."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(sessions.c.revision, sessions.c.state).where(sessions.c.id == session_id)
            ).first()
        if row is None:
            raise UnknownSession(f"no session {session_id!r} in this store")
        return Stored(session_id, int(row[0]), str(row[1]))

    def load(self, session_id: str) -> Loaded:
        """The session rebuilt from its journal, its record and its stored document."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(sessions.c.revision, sessions.c.document).where(sessions.c.id == session_id)
            ).first()
            if row is None:
                raise UnknownSession(f"no session {session_id!r} in this store")
            replayed = jr.replay(
                session_id,
                self._records(conn, session_id, int(row[0])),
                lambda rev: self.protocol_for(rev, conn),
            )
        doc = json.loads(row[1])
        return Loaded(session_id, int(row[0]), replayed.session, replayed.record, doc)

    def show(self, session_id: str) -> dict[str, Any]:
        """The stored document, saying whether the session runs on a pinned older revision."""
        loaded = self.load(session_id)
        doc = dict(loaded.document)
        doc["pinned"] = pinned_notes(doc["protocol_revision"], loaded.session.policy, CURRENT)
        return doc

    def list(self) -> builtins.list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    sessions.c.id,
                    sessions.c.revision,
                    sessions.c.state,
                    sessions.c.finished,
                    sessions.c.client_id,
                    sessions.c.protocol,
                    sessions.c.updated_at,
                ).order_by(sessions.c.created_at, sessions.c.id)
            )
            return [
                {
                    "id": r[0],
                    "revision": int(r[1]),
                    "state": r[2],
                    "finished": bool(r[3]),
                    "client": r[4],
                    "protocol_revision": r[5],
                    "updated_at": r[6],
                }
                for r in rows
            ]

    def journal(self, session_id: str) -> builtins.list[dict[str, Any]]:
        with self.engine.connect() as conn:
            records = self._records(conn, session_id)
        if not records:
            raise UnknownSession(f"no session {session_id!r} in this store")
        return records
