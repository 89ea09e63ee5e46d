"""Upgrades: in-flight sessions classified against a newer protocol revision."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from click.testing import CliRunner
from conftest import DATE, build_client

from facialflow.cli import main
from facialflow.errors import StoreError
from facialflow.protocol.facial import FACIAL
from facialflow.protocol.spec import FacialProtocol
from facialflow.records.migrate import Verdict, check_migration, parse_mapping
from facialflow.records.store import SessionStore
from facialflow.records.treatment import Consent, RecordInput

CONSENTED = RecordInput(consent=Consent("CF-1", "1"), performers=("Ana",))


def renamed(protocol: FacialProtocol, old: str, new: str, version: str) -> FacialProtocol:
    """An earlier release where ``new`` was called ``old``."""

    def name(s: str) -> str:
        return old if s == new else s

    return attrs.evolve(
        protocol,
        version=version,
        states=tuple(attrs.evolve(s, name=name(s.name)) for s in protocol.states),
        transitions=tuple(
            attrs.evolve(t, source=name(t.source), dest=name(t.dest)) for t in protocol.transitions
        ),
    )


def without_exfoliation(protocol: FacialProtocol) -> FacialProtocol:
    """An earlier release that went from cleansing straight on to what follows exfoliation."""
    transitions = []
    for t in protocol.transitions:
        if t.source == "exfoliation":
            if t.trigger == "advance":
                transitions.append(attrs.evolve(t, source="cleansing"))
            continue
        if not (t.source == "cleansing" and t.dest == "exfoliation"):
            transitions.append(t)
    return attrs.evolve(
        protocol,
        version="0.8",
        states=tuple(s for s in protocol.states if s.name != "exfoliation"),
        transitions=tuple(transitions),
    )


def _advance_to(store: SessionStore, sid: str, state: str) -> None:
    while store.status(sid).state != state:
        store.advance(sid)


@pytest.fixture
def upgraded_store(store_url: str) -> Any:
    """Sessions pinned on two older revisions, some past the steps that changed."""
    masque = renamed(FACIAL, "masque", "mask", "0.9")
    short = without_exfoliation(FACIAL)
    with SessionStore(store_url) as store:
        ids = {}
        for key, protocol, upto in (
            ("early", masque, "cleansing"),
            ("past-rename", masque, "hydration"),
            ("shortcut", short, "serums"),
            ("current", FACIAL, "serums"),
        ):
            sid = store.start(
                build_client(id=key), date=DATE, record=CONSENTED, protocol=protocol, session_id=key
            ).id
            _advance_to(store, sid, upto)
            ids[key] = sid
        done = store.start(build_client(), date=DATE, record=CONSENTED, protocol=masque).id
        _advance_to(store, done, "complete")
        yield store


def _verdicts(store: SessionStore, mapping: dict[str, str] | None = None) -> dict[str, Verdict]:
    return {c.session_id: c.verdict for c in check_migration(store, FACIAL, mapping)}


def test_sessions_are_classified_against_the_current_revision(upgraded_store: Any) -> None:
    assert _verdicts(upgraded_store) == {
        "early": Verdict.COMPATIBLE,
        "past-rename": Verdict.NEEDS_MAPPING,
        "shortcut": Verdict.BLOCKED,
        "current": Verdict.COMPATIBLE,
    }
    reasons = {c.session_id: c.reasons for c in check_migration(upgraded_store)}
    assert "masque" in reasons["past-rename"][0]
    assert "goes to exfoliation; the session went to serums" in reasons["shortcut"][0]


def test_an_explicit_state_mapping_makes_a_renamed_session_compatible(upgraded_store: Any) -> None:
    assert _verdicts(upgraded_store, {"masque": "mask"})["past-rename"] is Verdict.COMPATIBLE


def test_a_mapping_to_a_state_that_does_not_exist_is_blocked(upgraded_store: Any) -> None:
    assert _verdicts(upgraded_store, {"masque": "facemask"})["past-rename"] is Verdict.BLOCKED


def test_every_old_revision_still_runs_its_sessions_to_the_end(upgraded_store: Any) -> None:
    for sid in ("past-rename", "shortcut"):
        while upgraded_store.status(sid).state not in ("complete", "stopped"):
            upgraded_store.advance(sid)
    assert "masque" in upgraded_store.show("past-rename")["path"]
    assert upgraded_store.verify().ok


def test_migrate_check_on_the_command_line(store_url: str) -> None:
    masque = renamed(FACIAL, "masque", "mask", "0.9")
    with SessionStore(store_url) as store:
        sid = store.start(build_client(), date=DATE, record=CONSENTED, protocol=masque).id
        _advance_to(store, sid, "hydration")
    runner = CliRunner()
    result = runner.invoke(main, ["migrate", "--check", "--db", store_url])
    assert result.exit_code == 1 and "needs-mapping" in result.output
    result = runner.invoke(main, ["migrate", "--check", "--db", store_url, "--map", "masque=mask"])
    assert result.exit_code == 0 and "compatible" in result.output


def test_a_malformed_mapping_is_a_user_error() -> None:
    with pytest.raises(StoreError, match="'masque' is not OLD=NEW"):
        parse_mapping(["masque"])
