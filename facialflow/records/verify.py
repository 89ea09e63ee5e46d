"""``journal verify``: every chain intact, every session replaying to what is stored."""

from __future__ import annotations

from collections.abc import Callable

from attrs import frozen
from sqlalchemy import Connection, select

from facialflow.errors import FacialflowError
from facialflow.protocol.spec import FacialProtocol
from facialflow.records import journal as jr
from facialflow.records.document import document
from facialflow.records.schema import journal, sessions

__all__ = ["VerifyReport", "verify_store"]


@frozen
class VerifyReport:
    sessions: int
    records: int
    problems: tuple[jr.ChainProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_store(conn: Connection, protocol_for: Callable[[str], FacialProtocol]) -> VerifyReport:
    """Check every chain and replay every session, comparing with the stored state."""
    problems: list[jr.ChainProblem] = []
    count = 0
    heads = {
        r[0]: (int(r[1]), str(r[2]), str(r[3]))
        for r in conn.execute(
            select(sessions.c.id, sessions.c.revision, sessions.c.head, sessions.c.document)
        )
    }
    rows: dict[str, list[tuple[int, str, str]]] = {sid: [] for sid in heads}
    for sid, seq, text, digest in conn.execute(
        select(journal.c.session_id, journal.c.seq, journal.c.record, journal.c.hash).order_by(
            journal.c.session_id, journal.c.seq
        )
    ):
        rows.setdefault(sid, []).append((int(seq), text, digest))
    for sid in sorted(rows):
        count += len(rows[sid])
        if sid not in heads:
            problems.append(
                jr.ChainProblem(
                    sid, rows[sid][0][0], "journal of a session that is not in the store"
                )
            )
            continue
        revision, head, doc = heads[sid]
        records, problem = jr.check_chain(sid, rows[sid], revision, head)
        if problem is not None:
            problems.append(problem)
            continue
        try:
            replayed = jr.replay(sid, records, protocol_for)
        except FacialflowError as exc:
            seq = _seq_of(str(exc), revision)
            problems.append(jr.ChainProblem(sid, seq, str(exc).split(": ", 2)[-1]))
            continue
        expected = document(
            sid, revision, replayed.session, replayed.record, records[0]["protocol"]
        )
        # the stored document is canonical JSON as written, so text equality is the check
        if jr.canonical(expected) != doc:
            problems.append(
                jr.ChainProblem(
                    sid, revision, "the stored session differs from its replayed journal"
                )
            )
    return VerifyReport(len(heads), count, tuple(problems))


def _seq_of(message: str, default: int) -> int:
    marker = ": record "
    if marker in message:
        tail = message.split(marker, 1)[1].split(":", 1)[0]
        if tail.isdigit():
            return int(tail)
    return default
