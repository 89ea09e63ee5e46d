"""Shared fixtures: a client factory and the fixed session date tests use."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
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
