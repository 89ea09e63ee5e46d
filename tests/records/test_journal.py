"""Journal replay equals the live run, and the chain check pins the first broken record."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import DATE, build_client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facialflow.errors import FacialflowError, InvalidReaction, InvalidStep, JournalError
from facialflow.io.documents import session_to_dict
from facialflow.model import AdverseKind
from facialflow.records import journal as jr
from facialflow.records.store import SessionStore
from facialflow.records.treatment import Consent, LaserParameters, RecordInput
from facialflow.session.live import Session
from facialflow.testing import clients

FULL = RecordInput(
    consent=Consent("CF-1", "3"),
    performers=("Ana",),
    laser=LaserParameters("Nd:YAG", 1064, 12, 5, 0.3, "contact", "clear"),
)

#: a history: each command advances, or reports a reaction of a kind
histories = st.lists(
    st.one_of(st.just("advance"), st.sampled_from([str(k) for k in AdverseKind])),
    min_size=1,
    max_size=14,
)


@pytest.fixture(scope="module")
def memory_store() -> Any:
    with SessionStore(":memory:") as store:
        yield store


def _live_step(session: Session, command: str) -> bool:
    try:
        if command == "advance":
            session.advance()
        else:
            session.report_adverse(command)
    except (InvalidStep, InvalidReaction):
        return False
    return True


@pytest.mark.slow
@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(client=clients(), history=histories)
def test_replay_of_any_history_equals_the_live_run(
    memory_store: SessionStore, client: Any, history: list[str]
) -> None:
    live = Session.start(client, date=DATE)
    sid = memory_store.start(client, date=DATE, record=FULL).id
    for command in history:
        took = _live_step(live, command)
        try:
            if command == "advance":
                memory_store.advance(sid)
            else:
                memory_store.report_adverse(sid, command)
        except (InvalidStep, InvalidReaction):
            # refused by the store exactly when the live session refused it
            assert not took
            continue
        assert took
    # load() never uses the cache: it rebuilds the session from the journal alone, listeners off
    replayed = memory_store.load(sid)
    assert replayed.session.current == live.current
    assert session_to_dict(replayed.session.result()) == session_to_dict(live.result())
    assert replayed.session.snapshot() == live.snapshot()
    assert replayed.revision == len(memory_store.journal(sid))


def _journal(store: SessionStore) -> tuple[str, list[dict[str, Any]]]:
    sid = store.start(build_client(), date=DATE, record=FULL).id
    for _ in range(3):
        store.advance(sid)
    return sid, store.journal(sid)


def _rows(records: list[dict[str, Any]]) -> list[tuple[int, str, str]]:
    return [(r["seq"], jr.canonical(r), jr.digest(jr.canonical(r))) for r in records]


def test_an_intact_chain_has_no_problem(memory_store: SessionStore) -> None:
    sid, records = _journal(memory_store)
    rows = _rows(records)
    assert jr.check_chain(sid, rows, len(rows), rows[-1][2])[1] is None


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_altering_record_k_fails_verification_at_k(memory_store: SessionStore, k: int) -> None:
    sid, records = _journal(memory_store)
    rows = _rows(records)
    seq, text, digest = rows[k - 1]
    rows[k - 1] = (seq, text.replace('"ts":"', '"ts":"1'), digest)
    problem = jr.check_chain(sid, rows, len(rows), rows[-1][2])[1]
    assert problem is not None and problem.seq == k


def test_a_dropped_first_record_is_named(memory_store: SessionStore) -> None:
    sid, records = _journal(memory_store)
    rows = _rows(records)[1:]
    problem = jr.check_chain(sid, rows, 4, rows[-1][2])[1]
    assert problem is not None and problem.seq == 1


def test_replay_refuses_a_journal_that_does_not_start(memory_store: SessionStore) -> None:
    sid, records = _journal(memory_store)
    with pytest.raises(JournalError, match="record 2: the first record is not a start"):
        jr.replay(sid, records[1:], lambda rev: memory_store.protocol_for(rev))


def test_replay_refuses_an_unknown_command(memory_store: SessionStore) -> None:
    sid, records = _journal(memory_store)
    records[2]["command"] = "teleport"
    with pytest.raises(FacialflowError, match="record 3: unknown command 'teleport'"):
        jr.replay(sid, records, lambda rev: memory_store.protocol_for(rev))


def test_journal_records_hold_the_facts_and_decisions(memory_store: SessionStore) -> None:
    _, records = _journal(memory_store)
    start, step = records[0], records[1]
    assert set(start["facts"]) == {"client", "date", "policy", "selection", "record"}
    assert start["decisions"]["state"] == "intake" and start["prev"] is None
    assert step["decisions"]["from"] == "intake" and step["decisions"]["state"] == "cleansing"
    assert step["prev"] == jr.digest(jr.canonical(start))
    assert start["protocol"] == step["protocol"] and start["policy"] == step["policy"]
