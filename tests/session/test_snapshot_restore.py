"""Lean snapshots: facts and product references; restore re-derives and refuses what disagrees."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from conftest import DATE, MakeClient

from facialflow.errors import SnapshotError
from facialflow.io.documents import product_to_full_dict, session_to_dict
from facialflow.model import Product, Selection
from facialflow.session.live import Session


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
