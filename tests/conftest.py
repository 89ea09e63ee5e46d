"""Shared fixtures: a client factory and the fixed session date tests use."""

from __future__ import annotations

import datetime as dt
import faulthandler
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from facialflow.io.client_file import client_from_dict
from facialflow.model import Client

DATE = dt.date(2026, 11, 25)

BASE_CLIENT: dict[str, Any] = {
    "id": "t-1",
    "skin_type": "normal",
    "concerns": ["preventative"],
    "fitzpatrick": 2,
}

MakeClient = Callable[..., Client]


def build_client(**overrides: Any) -> Client:
    """A client-file dict with overrides; ``assessment`` keys may be given flat as ``a_<key>``."""
    data = dict(BASE_CLIENT)
    assessment = dict(overrides.pop("assessment", {}))
    for key in list(overrides):
        if key.startswith("a_"):
            assessment[key[2:]] = overrides.pop(key)
    data.update(overrides)
    if assessment:
        data["assessment"] = assessment
    return client_from_dict(data)


@pytest.fixture
def make_client() -> MakeClient:
    return build_client


@pytest.fixture
def date() -> dt.date:
    return DATE


# -- session stores: every store test runs on SQLite and, when CI provides one, PostgreSQL --------

POSTGRES_ENV = "FACIALFLOW_TEST_POSTGRES_URL"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Any) -> Any:
    """A fresh, empty store: a SQLite file, or a PostgreSQL schema of its own."""
    import os
    import uuid

    if request.param == "sqlite":
        yield str(tmp_path / "store.db")
        return
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(autouse=True, scope="session")
def private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Point the user cache (the compiled Graphviz module goes there) at a temporary folder.

    Set in ``os.environ`` so subprocesses started by CLI tests inherit it: no test
    writes to the real ``~/.cache``.
    """
    cache = tmp_path_factory.mktemp("xdg-cache")
    saved = {k: os.environ.get(k) for k in ("XDG_CACHE_HOME", "FACIALFLOW_CACHE_DIR")}
    os.environ["XDG_CACHE_HOME"] = str(cache)
    os.environ.pop("FACIALFLOW_CACHE_DIR", None)
    yield cache
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture
def no_hang() -> Iterator[None]:
    """A test of worker processes that hangs (a lost report, a lost error, a worker never
    told to stop) fails the suite with every thread's traceback instead of stalling it."""
    faulthandler.dump_traceback_later(120, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()
