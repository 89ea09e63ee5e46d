"""The published snapshot JSON Schema matches what sessions write, and refuses the rest."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from conftest import DATE
from hypothesis import given, settings
from hypothesis import strategies as st

from facialflow.clinic.reactions import FIRST_REACTIONS, escalates
from facialflow.errors import SnapshotError
from facialflow.model import AdverseKind
from facialflow.records.snapshots import check_snapshot, snapshot_schema
from facialflow.session.live import Session
from facialflow.testing import clients


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(snapshot_schema())


_ESCALATING = [k for k in AdverseKind if escalates(k)]


@settings(max_examples=150, deadline=None)
@given(
    client=clients(around=DATE),
    steps=st.integers(0, 12),
    reaction=st.sampled_from(FIRST_REACTIONS),
    later=st.integers(0, 6),
    worse=st.none() | st.sampled_from(_ESCALATING),
)
def test_every_snapshot_a_session_writes_validates(
    client: Any, steps: int, reaction: Any, later: int, worse: Any
) -> None:
    # dated facts, medications, a reaction at any step and one that worsens in the safe exit:
    # everything a session can hold must be a document the published schema accepts
    session = Session.start(client, date=DATE)
    for _ in range(steps):
        if session.finished:
            break
        session.advance()
    if "adverse" in session.allowed() or "emergency" in session.allowed():
        session.report_adverse(reaction)
        for _ in range(later):
            if session.finished:
                break
            session.advance()
        if worse is not None and not session.finished and "emergency" in session.allowed():
            session.report_adverse(worse)
    assert check_snapshot(session.snapshot())
    restored = Session.restore(session.snapshot())
    assert restored.result() == session.result()


def _snapshot() -> dict[str, Any]:
    from conftest import build_client

    return Session.start(build_client(), date=DATE).snapshot()


def test_a_newer_format_asks_for_an_upgrade() -> None:
    data = {**_snapshot(), "format": "facialflow.session/3"}
    with pytest.raises(SnapshotError, match=r"newer than this facialflow.*upgrade"):
        check_snapshot(data)


def test_an_unknown_format_is_named() -> None:
    with pytest.raises(SnapshotError, match="unknown snapshot format 'acme/1'"):
        check_snapshot({**_snapshot(), "format": "acme/1"})


def test_a_malformed_snapshot_names_the_field() -> None:
    data = _snapshot()
    data["client"]["fitzpatrick"] = 9
    with pytest.raises(SnapshotError, match="client/fitzpatrick"):
        check_snapshot(data)
