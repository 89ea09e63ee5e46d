"""The store's tables (SQLAlchemy Core) and how a ``--db`` value becomes an engine.

Every column a person might read is plain text or a number: journal records are
canonical JSON text, readable with the ``sqlite3`` or ``psql`` client. SQLite
runs in WAL mode with ``synchronous=FULL``, so a committed step survives a power
cut, and takes its write lock at ``BEGIN`` (``BEGIN IMMEDIATE``) so two writers
queue instead of failing on a lock upgrade.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from facialflow.errors import StoreError

__all__ = ["STORE_FORMAT", "journal", "meta", "metadata", "open_engine", "protocols", "sessions"]

#: bump when the tables change; a store written by a newer facialflow is refused, not misread
STORE_FORMAT = 1

metadata = MetaData()

meta = Table(
    "facialflow_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

protocols = Table(
    "facialflow_protocols",
    metadata,
    Column("revision", String(200), primary_key=True),
    Column("definition", Text, nullable=False),
)

sessions = Table(
    "facialflow_sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("state", String(64), nullable=False),
    Column("finished", Boolean, nullable=False),
    Column("client_id", String(200), nullable=False),
    Column("protocol", String(200), ForeignKey("facialflow_protocols.revision"), nullable=False),
    Column("policy", String(200), nullable=False),
    Column("head", String(64), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Column("document", Text, nullable=False),
)

journal = Table(
    "facialflow_journal",
    metadata,
    Column("session_id", String(64), ForeignKey("facialflow_sessions.id"), primary_key=True),
    # the primary key (session_id, seq) is the second guard against a duplicated step
    Column("seq", Integer, primary_key=True),
    Column("ts", String(40), nullable=False),
    Column("record", Text, nullable=False),
    Column("hash", String(64), nullable=False),
)


def database_url(db: str | Path) -> URL:
    """A file path means SQLite (created if missing); anything with ``://`` is a SQLAlchemy URL."""
    text = str(db)
    if "://" not in text:
        return URL.create("sqlite+pysqlite", database=str(Path(text)))
    try:
        return make_url(text)
    except ArgumentError as exc:
        raise StoreError(f"--db: not a database URL or file path: {exc}") from None


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # the driver's own transaction handling would defer the lock; we issue BEGIN ourselves
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # writers lock at BEGIN so they queue on busy_timeout; readers stay deferred and never wait
        write = conn.get_execution_options().get("facialflow_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def open_engine(db: str | Path) -> Engine:
    url = database_url(db)
    try:
        if url.get_backend_name() == "sqlite":
            engine = create_engine(url)
            _sqlite_setup(engine)
        else:
            engine = create_engine(url, pool_pre_ping=True)
    except (NoSuchModuleError, ArgumentError, ImportError) as exc:
        raise StoreError(f"--db: cannot use {url.render_as_string()}: {exc}") from None
    return engine
