"""Lean snapshots: facts and product references; restore re-derives and refuses what disagrees."""

from __future__ import annotations

import copy
import datetime as dt
import json
import marshal
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import DATE, MakeClient
from hypothesis import HealthCheck, given, settings

from facialflow.errors import SnapshotError
from facialflow.io.client_file import client_from_dict, client_to_compact_dict, client_to_dict
from facialflow.io.documents import product_to_full_dict, session_to_dict
from facialflow.model import Client, Product, Selection
from facialflow.session.live import Session
from facialflow.session.snapshot import _client as snapshot_client
from facialflow.testing import clients


def acne(make_client: MakeClient, **kw: Any) -> Session:
    return Session.start(make_client(skin_type="oily", concerns=["acne", "aging"], **kw), date=DATE)


def test_snapshot_records_facts_and_products_by_reference_only(make_client: MakeClient) -> None:
    s = acne(make_client)
    s.advance()
    snap = s.snapshot()
    assert snap["format"] == "facialflow.session/2"
    assert set(snap["products"]) == {"catalog", "digest"}
    assert "selection" not in snap and "findings" not in snap
    assert set(snap["adverse"] or {}) == set()
    text = json.dumps(snap, separators=(",", ":"))
    assert "Glycolic" not in text


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda c: c.update(pregnant=True), "Mandelic Polish"),
        (lambda c: c.update(allergies=["salicylic acid"]), "Azelaic Acid Serum"),
    ],
)
def test_restore_refuses_an_edited_client_whose_products_would_differ(
    make_client: MakeClient, edit: Any, words: str
) -> None:
    snap = acne(make_client).snapshot()
    edit(snap["client"])
    with pytest.raises(SnapshotError, match="not what this client gets") as info:
        Session.restore(snap)
    assert words in str(info.value)


def test_restore_refuses_products_recorded_under_another_digest(make_client: MakeClient) -> None:
    snap = acne(make_client).snapshot()
    snap["products"]["digest"] = "000000000000"
    with pytest.raises(SnapshotError, match="digest 000000000000"):
        Session.restore(snap)


def test_restore_refuses_another_catalog(make_client: MakeClient) -> None:
    snap = acne(make_client).snapshot()
    snap["products"]["catalog"] = "123456789abc"
    with pytest.raises(SnapshotError, match="catalog 123456789abc"):
        Session.restore(snap)


def test_restore_after_a_reaction_rederives_the_escalation(make_client: MakeClient) -> None:
    s = acne(make_client)
    s.advance()
    s.report_adverse("anaphylaxis")
    snap = json.loads(json.dumps(s.snapshot()))
    assert snap["adverse"] == {"kind": "anaphylaxis", "step": "cleansing", "note": ""}
    restored = Session.restore(snap)
    assert session_to_dict(restored.run()) == session_to_dict(s.run())


def _glycolic() -> Product:
    return Product(
        name="Given Glycolic Serum",
        kind="serum",
        ingredients=("glycolic acid",),
        strengths={"glycolic acid": 10.0},
    )


def test_a_given_selection_passes_the_safety_filter(make_client: MakeClient) -> None:
    full = acne(make_client).selection
    given = Selection(steps={**full.steps, "serums": (_glycolic(),)})
    allergic = make_client(skin_type="oily", concerns=["acne"], allergies=["glycolic acid"])
    s = Session.start(allergic, date=DATE, selection=given)
    assert _glycolic() not in s.selection.for_step("serums")
    assert any("removed the given 'Given Glycolic Serum'" in w for w in s.selection.warnings)
    r = s.run()
    assert all(a.product.name != "Given Glycolic Serum" for a in r.products)


def test_a_safe_given_selection_is_kept_as_given(make_client: MakeClient) -> None:
    full = acne(make_client).selection
    s = Session.start(make_client(skin_type="oily", concerns=["acne"]), date=DATE, selection=full)
    assert s.selection is full


def test_a_given_selection_is_written_in_full_and_filtered_again_on_restore(
    make_client: MakeClient,
) -> None:
    full = acne(make_client).selection
    given = Selection(steps={**full.steps, "serums": (_glycolic(),)})
    s = Session.start(make_client(skin_type="oily", concerns=["acne"]), date=DATE, selection=given)
    snap = json.loads(json.dumps(s.snapshot()))
    assert "given" in snap["products"] and "catalog" not in snap["products"]
    restored = Session.restore(copy.deepcopy(snap))
    assert restored.selection.steps == s.selection.steps
    snap["client"]["allergies"] = ["glycolic acid"]
    with pytest.raises(SnapshotError, match="Given Glycolic Serum"):
        Session.restore(snap)


def _format_1(s: Session) -> dict[str, Any]:
    snap = s.snapshot()
    del snap["products"]
    snap["format"] = "facialflow.session/1"
    snap["selection"] = {
        "steps": {k: [product_to_full_dict(p) for p in v] for k, v in s.selection.steps.items()}
    }
    return snap


def test_format_1_snapshots_are_still_read_and_their_products_checked(
    make_client: MakeClient,
) -> None:
    s = acne(make_client)
    s.advance()
    old = _format_1(s)
    assert session_to_dict(Session.restore(old).run()) == session_to_dict(s.run())
    old["client"]["pregnant"] = True
    with pytest.raises(SnapshotError, match="Glycolic Acid Peel 20%"):
        Session.restore(old)


def test_a_path_that_skips_a_step_is_refused_naming_where(make_client: MakeClient) -> None:
    s = acne(make_client)
    s.advance()
    s.advance()
    snap = s.snapshot()
    snap["path"] = ["intake", "exfoliation"]
    snap["state"] = "exfoliation"
    with pytest.raises(SnapshotError, match=r"intake -> exfoliation .* would go to cleansing"):
        Session.restore(snap)


# -- the decoded clients restore shares --------------------------------------------------------


def oily(id: str = "c") -> dict[str, Any]:
    """A snapshot's client mapping, a new one each call."""
    return client_to_dict(Client(id=id, skin_type="oily", concerns=["acne"], fitzpatrick=2))


def test_restoring_equal_client_values_shares_one_decoded_client(make_client: MakeClient) -> None:
    snap = acne(make_client).snapshot()
    # two snapshots read from text, as a host reads them from its store: equal values,
    # distinct objects
    first = Session.restore(json.loads(json.dumps(snap)))
    second = Session.restore(json.loads(json.dumps(snap)))
    assert first.client is second.client


def test_a_client_that_differs_in_one_value_gets_its_own_decoded_client() -> None:
    shared = snapshot_client(oily())
    for key, other in (("fitzpatrick", 3), ("pregnant", True), ("allergies", ["aspirin"])):
        client = snapshot_client(oily() | {key: other})
        assert client is not shared and getattr(client, key) != getattr(shared, key)


def test_the_client_kept_is_the_keys_own_even_if_the_mapping_changes_meanwhile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import facialflow.session.snapshot as snapshot

    raw = oily("race")

    def dumps_then_changed(value: Any, version: int) -> bytes:
        key = marshal.dumps(value, version)
        value["fitzpatrick"] = 5  # another thread's change, right after the key was taken
        return key

    # the module's own name for marshal only: bytecode written meanwhile uses the real one
    stand_in = SimpleNamespace(dumps=dumps_then_changed, loads=marshal.loads)
    monkeypatch.setattr(snapshot, "marshal", stand_in)
    snapshot_client(raw)
    monkeypatch.undo()
    # every later restore of the key's values gets a client with those values
    assert snapshot_client(raw | {"fitzpatrick": 2}).fitzpatrick == 2


def test_a_client_holding_python_objects_is_decoded_as_it_is_never_served_a_shared_one() -> None:
    snapshot_client(oily())
    # a host's own dict: a date object where the text has an ISO date
    dated = oily() | {"birth_date": dt.date(1990, 1, 2)}
    assert snapshot_client(dated).birth_date == dt.date(1990, 1, 2)

    # a str subclass equal to the cached client's text: JSON would write it alike, but
    # decoding refuses it, and so must restore
    class Name(str):
        pass

    with pytest.raises(ValueError, match="id: expected a string"):
        snapshot_client(oily() | {"id": Name("c")})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clients(), clients())
def test_a_restored_client_is_always_its_own_values_decoded(a: Client, b: Client) -> None:
    # as a snapshot carries a client (compact) and as a client file writes one, read back
    for write in (client_to_compact_dict, client_to_dict):
        for client in (a, b, a):
            raw = json.loads(json.dumps(write(client)))
            assert snapshot_client(raw) == client_from_dict(raw) == client
