"""The store's tables (SQLAlchemy Core) and how a ``--db`` value becomes an engine.

Every column a person might read is plain text or a number: journal records are
canonical JSON text, readable with the ``sqlite3`` or ``psql`` client. SQLite
runs in WAL mode with ``synchronous=FULL``, so a committed step survives a power
cut, and takes its write lock at ``BEGIN`` (``BEGIN IMMEDIATE``) so two writers
queue instead of failing on a lock upgrade.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
    select,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    IntegrityError,
    NoSuchModuleError,
    OperationalError,
)

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


class Conflict(Exception):
    """Another writer committed this session's next revision first."""


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """One write transaction; a lost race is a :class:`Conflict`, other failures a StoreError."""
    try:
        with engine.connect() as conn:
            conn.execution_options(facialflow_write=True)
            with conn.begin():
                yield conn
    except IntegrityError as exc:
        raise Conflict() from exc
    except OperationalError as exc:
        if "lock" in str(exc).lower() or "serializ" in str(exc).lower():
            raise Conflict() from exc
        raise StoreError(f"database error: {exc.orig}") from None
    except DBAPIError as exc:
        raise StoreError(f"database error: {exc.orig}") from None


def ensure_schema(engine: Engine) -> None:
    """Create the tables if missing; refuse a store written by a newer facialflow."""
    for attempt in range(3):
        try:
            with write_transaction(engine) as conn:
                metadata.create_all(conn, checkfirst=True)
                row = conn.execute(select(meta.c.value).where(meta.c.key == "format")).first()
                if row is None:
                    conn.execute(insert(meta).values(key="format", value=str(STORE_FORMAT)))
                elif int(row[0]) > STORE_FORMAT:
                    raise StoreError(
                        f"this store was written by a newer facialflow (store format {row[0]}; "
                        f"this one reads {STORE_FORMAT}): upgrade facialflow"
                    )
            return
        except Conflict:
            # another process created the tables at the same moment
            if attempt == 2:
                raise StoreError("could not create the store's tables") from None


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
