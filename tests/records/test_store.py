"""The session store on SQLite and PostgreSQL: revisions, the journal, crashes and races."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import attrs
import pytest
from conftest import DATE, build_client
from sqlalchemy import delete, select, update

from facialflow.clinic.policy import load_policy
from facialflow.errors import (
    InvalidReaction,
    InvalidStep,
    RecordIncomplete,
    StaleRevision,
    UnknownSession,
)
from facialflow.io.client_file import client_to_dict
from facialflow.protocol.facial import FACIAL
from facialflow.records import protocols as proto_registry
from facialflow.records.events import EventKind, StoreEvent
from facialflow.records.protocols import CURRENT, revision_id
from facialflow.records.schema import journal, sessions
from facialflow.records.store import SessionStore
from facialflow.records.treatment import Consent, LaserParameters, RecordInput
from facialflow.session.live import Session

WORKER = Path(__file__).with_name("store_worker.py")
CONSENTED = RecordInput(consent=Consent("CF-7", "2026-03"), performers=("Ana Ruiz",))
LASER = LaserParameters(
    device="Nd:YAG 1064",
    wavelength_nm=1064,
    fluence_j_cm2=12,
    spot_size_mm=5,
    pulse_width_ms=0.3,
    cooling="contact, 5 C",
    test_spot_result="no reaction at 48 h",
)
FULL = attrs.evolve(CONSENTED, laser=LASER)
LASER_CLIENT = {"id": "c-laser", "fitzpatrick": 4, "a_laser_requested": True, "a_comedones": "mild"}


@pytest.fixture
def store(store_url: str) -> Any:
    with SessionStore(store_url) as s:
        yield s


def _run(store: SessionStore, sid: str) -> list[str]:
    states = []
    while store.status(sid).state not in FACIAL.final_states:
        states.append(store.advance(sid, actor="Ana Ruiz").state)
    return states


def test_a_session_runs_to_completion_one_revision_per_step(store: SessionStore) -> None:
    started = store.start(build_client(id="c-1"), date=DATE, record=CONSENTED, session_id="s-1")
    assert started.to_dict() == {"id": "s-1", "revision": 1, "state": "intake"}
    states = _run(store, "s-1")
    live = Session.start(build_client(id="c-1"), date=DATE).run()
    assert ["intake", *states] == list(live.path)
    assert store.status("s-1").revision == len(states) + 1 == len(store.journal("s-1"))
    assert store.verify().ok


def test_a_stale_revision_is_refused_and_writes_nothing(store: SessionStore) -> None:
    sid = store.start(build_client(), date=DATE, record=CONSENTED).id
    store.advance(sid, expect_revision=1)
    before = store.journal(sid)
    with pytest.raises(StaleRevision, match="revision 2, not 1") as caught:
        store.advance(sid, expect_revision=1)
    assert caught.value.exit_code == 1 and isinstance(caught.value, RuntimeError)
    with pytest.raises(StaleRevision):
        store.report_adverse(sid, "irritation", expect_revision=1)
    assert store.journal(sid) == before and store.status(sid).revision == 2


def test_an_unknown_session_is_a_lookup_error(store: SessionStore) -> None:
    with pytest.raises(UnknownSession, match="no session 'nope'") as caught:
        store.advance("nope")
    assert isinstance(caught.value, LookupError) and caught.value.exit_code == 2


def test_a_refused_command_writes_nothing_and_the_next_one_works(store: SessionStore) -> None:
    sid = store.start(build_client(), date=DATE, record=CONSENTED).id
    with pytest.raises(InvalidStep, match="cannot 'emergency' from state 'intake'"):
        store._command(sid, "emergency", {}, None, None, None)  # not a command the store offers
    with pytest.raises(InvalidReaction, match="unknown adverse reaction 'sneezing'"):
        store.report_adverse(sid, "sneezing")
    assert store.status(sid).revision == 1 and len(store.journal(sid)) == 1
    assert store.advance(sid).revision == 2
    assert store.verify().ok
    # a reaction at intake (fainting during the consultation) is recorded, not refused
    other = store.start(build_client(), date=DATE, record=CONSENTED).id
    assert store.report_adverse(other, "vasovagal").state == "safe_exit_stop"


def test_no_consent_no_treatment_and_nothing_is_written(store: SessionStore) -> None:
    sid = store.start(build_client(), date=DATE).id
    with pytest.raises(RecordIncomplete, match=r"cannot leave intake: .*consent"):
        store.advance(sid)
    assert store.status(sid).revision == 1
    assert store.advance(sid, record=CONSENTED).state == "cleansing"


def test_a_declined_session_needs_no_consent(store: SessionStore) -> None:
    sid = store.start(build_client(conditions=["active_cold_sore"]), date=DATE).id
    assert store.advance(sid).state == "declined"


def test_laser_settings_are_required_before_leaving_the_laser_step(store: SessionStore) -> None:
    sid = store.start(build_client(**LASER_CLIENT), date=DATE, record=CONSENTED).id
    while not store.status(sid).state.startswith("laser"):
        store.advance(sid)
    with pytest.raises(RecordIncomplete, match=r"laser device, wavelength_nm"):
        store.advance(sid)
    assert store.advance(sid, record=RecordInput(laser=LASER)).state.startswith("laser")
    doc = store.show(sid)
    assert doc["record"]["laser"]["fluence_j_cm2"] == 12


def test_an_adverse_reaction_is_never_held_up_by_the_record(store: SessionStore) -> None:
    sid = store.start(build_client(**LASER_CLIENT), date=DATE, record=CONSENTED).id
    while not store.status(sid).state.startswith("laser"):
        store.advance(sid)
    assert store.report_adverse(sid, "blistering", note="two blisters").state == "safe_exit_stop"
    record = store.show(sid)["record"]
    assert record["adverse_event"]["kind"] == "blistering"


def test_the_record_says_none_when_there_was_no_adverse_event(store: SessionStore) -> None:
    sid = store.start(build_client(), date=DATE, record=CONSENTED).id
    _run(store, sid)
    store.add_record(sid, RecordInput(aftercare="SPF 50 daily", follow_up="review in 4 weeks"))
    record = store.show(sid)["record"]
    assert record["adverse_event"] == "none" and record["aftercare"] == "SPF 50 daily"
    assert [s["step"] for s in record["steps"]] == store.show(sid)["path"]
    assert all(s["end"] for s in record["steps"])


def test_lot_numbers_come_from_the_session_over_the_catalog(store: SessionStore) -> None:
    sid = store.start(build_client(), date=DATE, record=CONSENTED).id
    _run(store, sid)
    products = store.show(sid)["record"]["products"]
    name = products[0]["name"]
    store.add_record(sid, RecordInput(lots={name: "LOT-42"}))
    assert store.show(sid)["record"]["products"][0]["lot"] == "LOT-42"


def test_listeners_hear_committed_steps_only(store: SessionStore) -> None:
    heard: list[tuple[StoreEvent, int]] = []

    def listener(event: StoreEvent) -> None:
        # what the listener sees is already in the database, from any connection
        heard.append((event, store.status(event.session_id).revision))

    store.listeners.append(listener)
    sid = store.start(build_client(), date=DATE, record=CONSENTED, actor="Ana Ruiz").id
    store.advance(sid, actor="Ana Ruiz")
    store.report_adverse(sid, "urticaria", actor="Ana Ruiz")
    with pytest.raises(StaleRevision):
        store.advance(sid, expect_revision=1)
    kinds = [e.kind for e, _ in heard]
    assert kinds == [EventKind.STARTED, EventKind.STEP, EventKind.ADVERSE]
    assert all(e.revision == committed for e, committed in heard)
    reaction = heard[-1][0]
    assert reaction.reaction == "urticaria" and "antihistamine" in (reaction.escalation or "")
    assert reaction.actor == "Ana Ruiz" and reaction.timestamp


def test_a_failing_listener_is_logged_and_the_step_stays(
    store: SessionStore, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(event: StoreEvent) -> None:
        raise RuntimeError("host bug")

    store.listeners.append(broken)
    sid = store.start(build_client(), date=DATE, record=CONSENTED).id
    with caplog.at_level(logging.ERROR, logger="facialflow"):
        assert store.advance(sid).revision == 2
    assert store.status(sid).revision == 2
    assert "step stays committed" in caplog.text


def test_finished_sessions_announce_their_outcome(store: SessionStore) -> None:
    heard: list[StoreEvent] = []
    store.listeners.append(heard.append)
    sid = store.start(build_client(), date=DATE, record=CONSENTED).id
    _run(store, sid)
    assert heard[-1].kind is EventKind.FINISHED and heard[-1].outcome == "complete"


def test_an_injected_clock_stamps_the_journal(store_url: str) -> None:
    ticks = iter(dt.datetime(2026, 11, 25, 9, m, tzinfo=dt.UTC) for m in range(60))
    with SessionStore(store_url, clock=lambda: next(ticks)) as s:
        sid = s.start(build_client(), date=DATE, record=CONSENTED).id
        s.advance(sid)
        assert [r["ts"] for r in s.journal(sid)] == [
            "2026-11-25T09:00:00+00:00",
            "2026-11-25T09:01:00+00:00",
        ]


def test_a_second_store_continues_where_the_first_left_off(store_url: str) -> None:
    with SessionStore(store_url) as first:
        sid = first.start(build_client(), date=DATE, record=CONSENTED).id
        first.advance(sid)
    with SessionStore(store_url) as second:
        assert second.advance(sid, expect_revision=2).revision == 3
        assert second.verify().ok


# -- tampering ------------------------------------------------------------------------------------


def _two_sessions(store: SessionStore) -> tuple[str, str]:
    a = store.start(build_client(id="a"), date=DATE, record=CONSENTED, session_id="a").id
    b = store.start(build_client(id="b"), date=DATE, record=CONSENTED, session_id="b").id
    _run(store, a)
    store.advance(b)
    store.advance(b)
    return a, b


def test_an_edited_record_is_reported_by_session_and_seq(store: SessionStore) -> None:
    a, _ = _two_sessions(store)
    with store.engine.begin() as conn:
        text = conn.execute(
            select(journal.c.record).where(journal.c.session_id == a, journal.c.seq == 3)
        ).scalar_one()
        edited = text.replace('"actor":"Ana Ruiz"', '"actor":"Someone Else"')
        assert edited != text
        conn.execute(
            update(journal)
            .where(journal.c.session_id == a, journal.c.seq == 3)
            .values(record=edited)
        )
    report = store.verify()
    assert [(p.session_id, p.seq) for p in report.problems] == [(a, 3)]


def test_a_truncated_journal_is_reported(store: SessionStore) -> None:
    _, b = _two_sessions(store)
    with store.engine.begin() as conn:
        conn.execute(delete(journal).where(journal.c.session_id == b, journal.c.seq == 3))
    (problem,) = store.verify().problems
    assert (problem.session_id, problem.seq) == (b, 3) and "missing" in problem.reason


def test_reordered_records_are_reported(store: SessionStore) -> None:
    a, _ = _two_sessions(store)
    with store.engine.begin() as conn:
        rows = {
            seq: (text, digest)
            for seq, text, digest in conn.execute(
                select(journal.c.seq, journal.c.record, journal.c.hash).where(
                    journal.c.session_id == a, journal.c.seq.in_([4, 5])
                )
            )
        }
        for seq, other in ((4, 5), (5, 4)):
            conn.execute(
                update(journal)
                .where(journal.c.session_id == a, journal.c.seq == seq)
                .values(record=rows[other][0], hash=rows[other][1])
            )
    (problem,) = store.verify().problems
    assert (problem.session_id, problem.seq) == (a, 4)


def test_a_rewritten_chain_still_fails_replay(store: SessionStore) -> None:
    # an editor who recomputes every hash cannot make the journal decide what the engine would not
    from facialflow.records import journal as jr

    _, b = _two_sessions(store)
    records = store.journal(b)
    records[2]["decisions"]["state"] = "serums"
    prev = None
    with store.engine.begin() as conn:
        for body in records:
            body["prev"] = prev
            text = jr.canonical(body)
            prev = jr.digest(text)
            conn.execute(
                update(journal)
                .where(journal.c.session_id == b, journal.c.seq == body["seq"])
                .values(record=text, hash=prev)
            )
        conn.execute(update(sessions).where(sessions.c.id == b).values(head=prev))
    (problem,) = store.verify().problems
    assert (problem.session_id, problem.seq) == (b, 3) and "replay decides" in problem.reason


def test_an_edited_session_row_is_reported(store: SessionStore) -> None:
    a, _ = _two_sessions(store)
    with store.engine.begin() as conn:
        doc = json.loads(
            conn.execute(select(sessions.c.document).where(sessions.c.id == a)).scalar_one()
        )
        doc["outcome"] = "stopped"
        conn.execute(update(sessions).where(sessions.c.id == a).values(document=json.dumps(doc)))
    (problem,) = store.verify().problems
    assert problem.session_id == a and "differs from its replayed journal" in problem.reason


# -- upgrades -------------------------------------------------------------------------------------


def _older_protocol() -> Any:
    """The protocol as an earlier release might have shipped it: another version, same guards."""
    return attrs.evolve(FACIAL, version="0.9")


def test_a_session_continues_on_its_pinned_protocol_after_an_upgrade(store_url: str) -> None:
    old = _older_protocol()
    with SessionStore(store_url) as s:
        sid = s.start(build_client(), date=DATE, record=CONSENTED, protocol=old).id
        s.advance(sid)
    # a new process: the old definition is known only from the store
    proto_registry._LOADED.pop(revision_id(old), None)
    with SessionStore(store_url) as s:
        assert s.advance(sid).state == "exfoliation"
        shown = s.show(sid)
        assert shown["protocol_revision"] == revision_id(old) != CURRENT
        assert any("pinned protocol revision" in n for n in shown["pinned"])
        assert s.verify().ok


def test_a_session_keeps_the_policy_values_it_started_under(store_url: str) -> None:
    custom = attrs.evolve(load_policy("conservative"), name="clinic-a")
    with SessionStore(store_url) as s:
        sid = s.start(build_client(), date=DATE, record=CONSENTED, policy=custom).id
    with SessionStore(store_url) as s:
        assert s.load(sid).session.policy == custom
        assert json.loads(json.dumps(s.journal(sid)[0]["facts"]["client"])) == client_to_dict(
            build_client()
        )


# -- crashes and races ----------------------------------------------------------------------------


def _worker(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.Popen(
        [sys.executable, str(WORKER), *args], stdout=subprocess.PIPE, text=True, env=env
    )


@pytest.mark.slow
def test_writers_killed_mid_step_leave_a_journal_that_verifies(store_url: str) -> None:
    SessionStore(store_url).close()
    client = json.dumps(client_to_dict(build_client(id="crash")))
    record = json.dumps({"consent": {"id": "CF-1", "version": "1"}, "performers": ["Ana"]})
    writers = [_worker(store_url, "write", client, record) for _ in range(3)]
    with SessionStore(store_url) as s:
        deadline = time.monotonic() + 30
        while len(s.list()) < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
        for w in writers:
            os.kill(w.pid, signal.SIGKILL)
        for w in writers:
            w.wait()
        listed = s.list()
        assert len(listed) >= 6
        report = s.verify()
        assert report.ok, report.problems
        for row in listed:
            loaded = s.load(row["id"])
            assert loaded.revision == row["revision"] and loaded.session.current == row["state"]
        # nothing a killed writer held stays locked
        unfinished = [r["id"] for r in listed if not r["finished"]]
        for sid in unfinished:
            _run(s, sid)
        assert s.verify().ok


@pytest.mark.slow
def test_eight_processes_on_the_same_sessions_never_lose_or_duplicate_a_step(
    store_url: str,
) -> None:
    with SessionStore(store_url) as s:
        ids = [
            s.start(build_client(**{**LASER_CLIENT, "id": f"race-{i}"}), date=DATE, record=FULL).id
            for i in range(2)
        ]
    workers = [_worker(store_url, "advance", ",".join(ids), str(i % 2)) for i in range(8)]
    committed: dict[str, list[int]] = {sid: [] for sid in ids}
    for w in workers:
        out, _ = w.communicate(timeout=120)
        assert w.returncode == 0
        for line in out.splitlines():
            done = json.loads(line)
            committed[done["id"]].append(done["revision"])
    with SessionStore(store_url) as s:
        for sid in ids:
            final = s.status(sid)
            assert final.state in FACIAL.final_states
            # every revision was committed by exactly one process, and none is missing
            assert sorted(committed[sid]) == list(range(2, final.revision + 1))
            assert len(s.journal(sid)) == final.revision
            path = s.show(sid)["path"]
            assert len(path) == len(set(path)) == final.revision
        assert s.verify().ok
    with SessionStore(store_url) as s, pytest.raises(InvalidStep):
        s.advance(ids[0])
