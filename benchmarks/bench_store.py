"""Session store throughput against a bare SQLAlchemy baseline, and ``journal verify`` speed.

A session here is what a clinic does: start (screening, product choice), ten
steps (intake through the laser sub-steps to hydration) and finish, each a
committed transaction. The baseline writes the very same rows (the same JSON
text, byte for byte, read back from the store's own run) through SQLAlchemy
Core with the same durability settings, doing what a host's hand-rolled table
with a version column does per step: read the revision, ``UPDATE ... WHERE
revision = :read``, insert the journal row. The difference is the store's own
cost: the real engine, the treatment record, canonical JSON and hashing.

Run from the repository root (PostgreSQL is measured when a URL is given or
``FACIALFLOW_TEST_POSTGRES_URL`` is set)::

    python benchmarks/bench_store.py [--sessions 200] [--postgres URL]

It prints the figures, the machine and versions, and the command that produced them.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import sys
import tempfile
import time
import uuid
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, create_engine, insert, select, text, update  # noqa: E402

from facialflow.io.client_file import client_from_dict  # noqa: E402
from facialflow.records.schema import (  # noqa: E402
    journal,
    metadata,
    open_engine,
    protocols,
    sessions,
    write_transaction,
)
from facialflow.records.store import SessionStore  # noqa: E402
from facialflow.records.treatment import record_input_from_dict  # noqa: E402

CLIENT = client_from_dict(
    {
        "id": "bench",
        "skin_type": "oily",
        "concerns": ["acne", "aging"],
        "fitzpatrick": 4,
        "assessment": {"comedones": "mild", "laser_requested": True},
    }
)
RECORD = record_input_from_dict(
    {
        "consent": {"id": "CF-1", "version": "3"},
        "performers": ["Ana"],
        "laser": {
            "device": "Nd:YAG 1064",
            "wavelength_nm": 1064,
            "fluence_j_cm2": 12,
            "spot_size_mm": 5,
            "pulse_width_ms": 0.3,
            "cooling": "contact",
            "test_spot_result": "clear",
        },
    }
)
STEPS = 10


def run_store(url: str, n: int) -> tuple[float, list[str]]:
    import datetime as dt

    with SessionStore(url) as store:
        # warm-up: plugins, engine compilation, connection pool
        warm = store.start(CLIENT, date=dt.date(2026, 11, 25), record=RECORD).id
        for _ in range(STEPS):
            store.advance(warm, actor="Ana")
        ids = []
        began = time.perf_counter()
        for _ in range(n):
            sid = store.start(CLIENT, date=dt.date(2026, 11, 25), record=RECORD, actor="Ana").id
            for _ in range(STEPS):
                store.advance(sid, actor="Ana")
            ids.append(sid)
        took = time.perf_counter() - began
        assert store.status(ids[-1]).state == "complete"
    return took, ids


def _rows(engine: Engine, ids: list[str]) -> tuple[list[Any], dict[str, list[Any]], list[Any]]:
    with engine.connect() as conn:
        protos = list(conn.execute(select(protocols)))
        docs = {r.id: r for r in conn.execute(select(sessions).where(sessions.c.id.in_(ids)))}
        steps: dict[str, list[Any]] = {sid: [] for sid in ids}
        for r in conn.execute(select(journal).order_by(journal.c.session_id, journal.c.seq)):
            if r.session_id in steps:
                steps[r.session_id].append(r)
    return protos, steps, [docs[sid] for sid in ids]


def run_baseline(url: str, rows: tuple[list[Any], dict[str, list[Any]], list[Any]]) -> float:
    """The same rows, through plain SQLAlchemy Core with the same engine settings."""
    protos, steps, docs = rows
    engine = open_engine(url)
    metadata.create_all(engine)
    with write_transaction(engine) as conn:
        for p in protos:
            conn.execute(insert(protocols).values(revision=p.revision, definition=p.definition))
    began = time.perf_counter()
    for doc in docs:
        sid = f"b-{uuid.uuid4()}"
        first = steps[doc.id][0]
        with write_transaction(engine) as conn:
            conn.execute(
                insert(sessions).values(
                    id=sid, revision=1, state="intake", finished=False, client_id=doc.client_id,
                    protocol=doc.protocol, policy=doc.policy, head=first.hash,
                    created_at=first.ts, updated_at=first.ts, document=doc.document,
                )
            )  # fmt: skip
            conn.execute(
                insert(journal).values(
                    session_id=sid, seq=1, ts=first.ts, record=first.record, hash=first.hash
                )
            )
        for row in steps[doc.id][1:]:
            with write_transaction(engine) as conn:
                revision = conn.execute(
                    select(sessions.c.revision).where(sessions.c.id == sid)
                ).scalar_one()
                conn.execute(
                    update(sessions)
                    .where(sessions.c.id == sid, sessions.c.revision == revision)
                    .values(
                        revision=row.seq, state=doc.state, head=row.hash,
                        updated_at=row.ts, document=doc.document,
                    )
                )  # fmt: skip
                conn.execute(
                    insert(journal).values(
                        session_id=sid, seq=row.seq, ts=row.ts, record=row.record, hash=row.hash
                    )
                )
    took = time.perf_counter() - began
    engine.dispose()
    return took


def run_verify(url: str) -> tuple[float, int]:
    with SessionStore(url) as store:
        store.verify()  # warm
        began = time.perf_counter()
        report = store.verify()
        took = time.perf_counter() - began
    assert report.ok
    return took, report.records


def engine_alone(n: int) -> float:
    """Records/s if verifying cost nothing but the engine: plain sessions, start and ten steps."""
    import datetime as dt

    from facialflow.products.loading import load_plugins
    from facialflow.session.live import Session

    plugins = load_plugins()
    for _ in range(20):
        Session.start(CLIENT, date=dt.date(2026, 11, 25), plugins=plugins).run()
    began = time.perf_counter()
    for _ in range(n):
        Session.start(CLIENT, date=dt.date(2026, 11, 25), plugins=plugins).run()
    return n * (STEPS + 1) / (time.perf_counter() - began)


def _pg_schema(base: str) -> tuple[str, str, Engine]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}", schema, admin


def backend(name: str, store_url: str, baseline_url: str, n: int) -> dict[str, float]:
    store_s, ids = run_store(store_url, n)
    rows = _rows(open_engine(store_url), ids)
    base_s = run_baseline(baseline_url, rows)
    out = {"store": n / store_s, "baseline": n / base_s, "overhead": store_s / base_s}
    print(
        f"{name:<10}  store {out['store']:8.1f} sessions/s   bare SQLAlchemy {out['baseline']:8.1f}"
        f" sessions/s   overhead {out['overhead']:.2f}x   ({STEPS + 1} commits per session)"
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--postgres", default=os.environ.get("FACIALFLOW_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    print(
        f"facialflow bench_store: {args.sessions} sessions (start, {STEPS} steps, finish) per run;"
        f" Python {platform.python_version()}, SQLAlchemy {version('sqlalchemy')},"
        f" SQLite {__import__('sqlite3').sqlite_version}, {platform.machine()},"
        f" {os.cpu_count()} CPUs"
    )
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_store = str(Path(tmp) / "store.db")
        backend("sqlite", sqlite_store, str(Path(tmp) / "baseline.db"), args.sessions)
        verify_s, records = run_verify(sqlite_store)
        bare = engine_alone(args.sessions)
        print(
            f"{'verify':<10}  {records / verify_s:8.0f} records/s on SQLite "
            f"({records} records: every chain checked, every session replayed); the engine alone,"
            f" stepping the same sessions with no store: {bare:.0f} records/s"
        )
    if args.postgres:
        store_url, s1, admin = _pg_schema(args.postgres)
        base_url, s2, _ = _pg_schema(args.postgres)
        try:
            backend("postgresql", store_url, base_url, args.sessions)
            verify_s, records = run_verify(store_url)
            print(f"{'verify':<10}  {records / verify_s:8.0f} records/s on PostgreSQL")
        finally:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {s1} CASCADE"))
                conn.execute(text(f"DROP SCHEMA {s2} CASCADE"))
    else:
        print("postgresql  not measured: pass --postgres URL or set FACIALFLOW_TEST_POSTGRES_URL")
    print("command: python " + shlex.join(["benchmarks/bench_store.py", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
