"""The session, journal and migrate commands, through CliRunner and a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fhir.resources.R4B.bundle import Bundle

from facialflow.cli import main

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = ROOT / "examples" / "clients"
DAY = ["--date", "2026-11-25"]


def run(*args: str | Path) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args])


def _json(result: Any) -> Any:
    assert result.exit_code == 0, result.output + str(result.stderr_bytes or b"")
    return json.loads(result.stdout)


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "clinic.db")


def _start(db: str, client: str = "oily-acne.json", *extra: str) -> dict[str, Any]:
    data: dict[str, Any] = _json(
        run("session", "start", "--db", db, "--client", CLIENTS / client, *DAY, *extra)
    )
    return data


def test_start_advance_and_adverse_print_id_revision_and_state(db: str) -> None:
    started = _start(db, "oily-acne.json", "--consent", "CF-1@3", "--performer", "Ana")
    assert set(started) == {"id", "revision", "state"}
    assert started["revision"] == 1 and started["state"] == "intake"
    sid = started["id"]
    advanced = _json(run("session", "advance", "--db", db, sid, "--expect-revision", "1"))
    assert advanced == {"id": sid, "revision": 2, "state": "cleansing"}
    stopped = _json(run("session", "adverse", "--db", db, sid, "urticaria", "--note", "hives"))
    assert stopped == {"id": sid, "revision": 3, "state": "safe_exit_stop"}


def test_a_stale_expect_revision_exits_1_and_writes_nothing(db: str) -> None:
    sid = _start(db, "oily-acne.json", "--consent", "CF-1@3", "--performer", "Ana")["id"]
    _json(run("session", "advance", "--db", db, sid))
    stale = run("session", "advance", "--db", db, sid, "--expect-revision", "1")
    assert stale.exit_code == 1 and stale.stdout == ""
    assert "revision 2, not 1" in stale.stderr and "nothing was written" in stale.stderr
    shown = _json(run("session", "show", "--db", db, sid))
    assert shown["revision"] == 2 and shown["path"] == ["intake", "cleansing"]


def test_no_consent_is_a_clear_user_error(db: str) -> None:
    sid = _start(db)["id"]
    result = run("session", "advance", "--db", db, sid)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: cannot leave intake") and "consent" in result.stderr
    assert "Traceback" not in result.output


def test_show_is_the_session_document_or_its_fhir_record(db: str) -> None:
    sid = _start(db, "cold-sore.json")["id"]
    _json(run("session", "advance", "--db", db, sid))
    doc = _json(run("session", "show", "--db", db, sid))
    assert doc["id"] == sid and doc["revision"] == 2 and doc["outcome"] == "declined"
    assert {"client", "path", "products", "skipped", "warnings"} <= set(doc)
    fhir = _json(run("session", "show", "--db", db, sid, "--format", "fhir"))
    Bundle.model_validate(fhir)
    procedure = next(
        e["resource"] for e in fhir["entry"] if e["resource"]["resourceType"] == "Procedure"
    )
    assert procedure["status"] == "not-done" and procedure["statusReason"]["text"]


def test_list_and_journal_verify(db: str) -> None:
    sid = _start(db)["id"]
    listed = _json(run("session", "list", "--db", db, "--format", "json"))
    assert [r["id"] for r in listed] == [sid]
    assert sid in run("session", "list", "--db", db).stdout
    verified = run("journal", "verify", "--db", db)
    assert verified.exit_code == 0 and "1 sessions, 1 records" in verified.stdout


def test_journal_verify_names_the_tampered_session_and_record(db: str) -> None:
    import sqlite3

    sid = _start(db, "oily-acne.json", "--consent", "CF-1@3", "--performer", "Ana")["id"]
    _json(run("session", "advance", "--db", db, sid))
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE facialflow_journal SET record = replace(record, 'cleansing', 'serums') "
            "WHERE seq = 2"
        )
    result = run("journal", "verify", "--db", db)
    assert result.exit_code == 1
    assert f"session {sid}: record 2" in result.stderr


def test_a_record_file_carries_the_treatment_record(db: str, tmp_path: Path) -> None:
    record = tmp_path / "record.toml"
    record.write_text(
        'performers = ["Ana"]\nphoto_consent = true\n[consent]\nid = "CF-9"\nversion = "4"\n'
    )
    sid = _start(db, "oily-acne.json", "--record", str(record))["id"]
    _json(run("session", "advance", "--db", db, sid))
    _json(run("session", "record", "--db", db, sid, "--aftercare", "SPF daily"))
    rec = _json(run("session", "show", "--db", db, sid))["record"]
    assert rec["consent"] == {"id": "CF-9", "version": "4"} and rec["photo_consent"] is True
    assert rec["aftercare"] == "SPF daily" and rec["adverse_event"] == "none"


def test_bad_input_is_one_error_line(db: str) -> None:
    assert run("session", "advance", "--db", db, "missing").exit_code == 2
    bad = run(
        "session", "start", "--db", db, "--client", CLIENTS / "oily-acne.json", "--consent", "x"
    )
    assert bad.exit_code == 2 and bad.stderr.strip().count("\n") == 0 and "ID@VERSION" in bad.stderr
    url = run("session", "list", "--db", "nosuchdriver://x")
    assert url.exit_code == 2 and url.stderr.startswith("Error: --db")


def test_simulate_format_fhir_is_a_valid_r4_bundle() -> None:
    result = run("simulate", "--client", CLIENTS / "oily-acne.json", *DAY, "--format", "fhir")
    Bundle.model_validate(_json(result))


def test_a_real_process_runs_a_session_from_start_to_verify(db: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "facialflow", *args], capture_output=True, text=True, env=env
        )

    started = cli("session", "start", "--db", db, "--client", str(CLIENTS / "cold-sore.json"), *DAY)
    assert started.returncode == 0, started.stderr
    sid = json.loads(started.stdout)["id"]
    assert json.loads(cli("session", "advance", "--db", db, sid).stdout)["state"] == "declined"
    verified = cli("journal", "verify", "--db", db)
    assert verified.returncode == 0 and "every chain intact" in verified.stdout
