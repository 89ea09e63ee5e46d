"""Sessions: stepping, adverse reactions, pure introspection, listeners, snapshot and restore."""

from __future__ import annotations

import json

import pytest
from conftest import DATE, MakeClient

from facialflow.errors import InvalidReaction, SnapshotError
from facialflow.io.documents import session_to_dict
from facialflow.model import AdverseKind, Outcome
from facialflow.session.live import Session, StepEvent


def start(client: object, **kw: object) -> Session:
    return Session.start(client, date=DATE, **kw)  # type: ignore[arg-type]


def test_simple_client_completes_the_main_route(make_client: MakeClient) -> None:
    r = start(make_client()).run()
    assert r.outcome is Outcome.COMPLETE
    assert r.path == (
        "intake",
        "cleansing",
        "exfoliation",
        "serums",
        "mask",
        "hydration",
        "complete",
    )
    assert r.skipped == {"extraction": "no comedones", "laser": "not requested"}


def test_comedones_and_laser_take_both_branches(make_client: MakeClient) -> None:
    r = start(make_client(a_comedones="mild", a_laser_requested=True, fitzpatrick=4)).run()
    assert r.path[3:7] == ("extraction", "laser_test_spot", "laser_treatment", "laser_cooling")
    assert r.skipped == {}


def test_declined_session_applies_nothing(make_client: MakeClient) -> None:
    r = start(make_client(conditions=["fever"])).run()
    assert r.outcome is Outcome.DECLINED
    assert r.path == ("intake", "declined")
    assert r.products == ()


def test_completed_session_ends_with_spf_30_sunscreen(make_client: MakeClient) -> None:
    r = start(make_client()).run()
    hydration = [a.product for a in r.products if a.step == "hydration"]
    assert any(p.kind == "sunscreen" and (p.spf or 0) >= 30 for p in hydration)


def test_products_are_listed_with_the_step_they_were_applied_at(make_client: MakeClient) -> None:
    r = start(make_client()).run()
    steps = [a.step for a in r.products]
    assert steps[0] == "cleansing" and "serums" in steps and steps[-1] == "hydration"
    assert [s for s in steps if s == "mask"] == ["mask"]


def test_adverse_reaction_takes_the_safe_exit_and_stops(make_client: MakeClient) -> None:
    s = start(make_client(a_laser_requested=True))
    while s.current != "serums":
        s.advance()
    s.report_adverse(AdverseKind.IRRITATION)
    r = s.run()
    assert r.outcome is Outcome.STOPPED
    assert r.path[r.path.index("serums") + 1 :] == (
        "safe_exit_stop",
        "safe_exit_remove",
        "safe_exit_cool",
        "safe_exit_soothe",
        "safe_exit_protect",
        "safe_exit_document",
        "stopped",
    )
    assert r.adverse is not None and r.adverse["step"] == "serums"
    assert not any(a.step in ("mask", "hydration") for a in r.products)
    assert any(a.step == "safe_exit_protect" for a in r.products)
    assert "laser" not in r.skipped


def test_steps_not_reached_after_an_adverse_reaction_name_it(make_client: MakeClient) -> None:
    s = start(make_client(a_laser_requested=True, a_comedones="mild"))
    s.advance()
    s.report_adverse(AdverseKind.VASOVAGAL)
    r = s.run()
    assert r.skipped == {
        "extraction": "session stopped: vasovagal at cleansing",
        "laser": "session stopped: vasovagal at cleansing",
    }


def test_reaction_that_cannot_tolerate_product_skips_soothe_and_protect(
    make_client: MakeClient,
) -> None:
    s = start(make_client())
    s.advance()
    s.report_adverse("urticaria")
    r = s.run()
    assert "safe_exit_soothe" not in r.path and "safe_exit_protect" not in r.path
    assert not any(a.step.startswith("safe_exit") for a in r.products)
    assert any("sun-avoidance" in w for w in r.warnings)


@pytest.mark.parametrize(
    "kind", ["anaphylaxis", "dyspnoea", "airway_swelling", "lip_swelling", "syncope"]
)
def test_an_emergency_grade_reaction_goes_straight_to_the_emergency_state(
    make_client: MakeClient, kind: str
) -> None:
    s = start(make_client())
    s.advance()
    assert s.report_adverse(kind) == "emergency"
    r = s.run()
    assert r.outcome is Outcome.EMERGENCY
    assert r.path == ("intake", "cleansing", "emergency")
    assert r.adverse["escalation"].startswith(("emergency protocol", "syncope"))  # type: ignore[index]
    assert not any(a.step.startswith("safe_exit") for a in r.products)


def test_a_reaction_that_worsens_in_the_safe_exit_escalates_to_the_emergency_state(
    make_client: MakeClient,
) -> None:
    s = start(make_client())
    s.advance()
    s.report_adverse("urticaria")
    s.advance()
    assert s.current == "safe_exit_remove"
    assert s.report_adverse("worsening") == "emergency"
    r = s.run()
    assert r.path[-3:] == ("safe_exit_stop", "safe_exit_remove", "emergency")
    assert r.adverse["worsened_at"] == "safe_exit_remove"  # type: ignore[index]
    assert r.adverse["kind"] == "urticaria"  # type: ignore[index]
    # the record survives a snapshot
    restored = Session.restore(s.snapshot())
    assert restored.result() == r


def test_a_severe_report_in_the_safe_exit_is_recorded_with_its_kind(
    make_client: MakeClient,
) -> None:
    s = start(make_client())
    s.advance()
    s.report_adverse("irritation")
    assert s.report_adverse("dyspnoea") == "emergency"
    r = s.run()
    assert r.adverse["worsened_as"] == "dyspnoea"  # type: ignore[index]
    assert "then dyspnoea at safe_exit_stop" in r.adverse["escalation"]  # type: ignore[index]
    assert Session.restore(s.snapshot()).result() == r


def test_a_mild_report_during_the_safe_exit_is_refused_not_escalated(
    make_client: MakeClient,
) -> None:
    s = start(make_client())
    s.advance()
    s.report_adverse("irritation")
    with pytest.raises(InvalidReaction, match="report 'worsening'"):
        s.report_adverse("urticaria")
    assert s.current == "safe_exit_stop" and s.run().outcome is Outcome.STOPPED


def test_worsening_with_no_reaction_to_worsen_is_refused(make_client: MakeClient) -> None:
    s = start(make_client())
    s.advance()
    with pytest.raises(InvalidReaction, match="no reaction was reported"):
        s.report_adverse("worsening")
    assert s.adverse is None and s.current == "cleansing"


def test_a_vasovagal_episode_follows_r31_and_escalates_when_it_does_not_resolve(
    make_client: MakeClient,
) -> None:
    s = start(make_client())
    s.advance()
    s.report_adverse("vasovagal")
    escalation = s.adverse.escalation  # type: ignore[union-attr]
    for step in ("recline", "legs raised", "cool compresses", "monitor", "sit up gradually"):
        assert step in escalation
    assert s.current == "safe_exit_stop"
    assert s.report_adverse("syncope") == "emergency"


def test_a_reaction_can_be_recorded_at_intake(make_client: MakeClient) -> None:
    s = start(make_client())
    assert s.report_adverse("vasovagal") == "safe_exit_stop"
    r = s.run()
    assert r.outcome is Outcome.STOPPED and r.adverse["step"] == "intake"  # type: ignore[index]
    fainted = start(make_client())
    assert fainted.report_adverse("syncope") == "emergency"


def test_the_safe_exit_gives_sun_avoidance_advice_when_no_sunscreen_is_tolerated(
    make_client: MakeClient,
) -> None:
    # a zinc oxide allergy leaves no mineral sunscreen for the safe exit's protect step
    s = start(make_client(allergies=["zinc oxide"]))
    s.advance()
    s.report_adverse("irritation")
    r = s.run()
    assert "safe_exit_protect" in r.path
    assert not any(a.step == "safe_exit_protect" for a in r.products)
    assert any("sun-avoidance" in w for w in r.warnings)


def test_can_and_why_have_no_side_effects(make_client: MakeClient) -> None:
    seen: list[StepEvent] = []
    s = start(make_client(a_comedones="mild"), listeners=[seen.append])
    s.advance()
    s.advance()
    before = (s.current, list(s.path), len(seen))
    checks = s.why("advance")
    assert [c.dest for c in checks][:2] == ["extraction", "laser_test_spot"]
    assert [c.chosen for c in checks] == [True, False, False, False]
    assert s.can("advance") and s.can("adverse")
    assert s.next_state() == "extraction"
    assert (s.current, list(s.path), len(seen)) == before


def test_listeners_see_every_step_with_its_products(make_client: MakeClient) -> None:
    seen: list[StepEvent] = []
    r = start(make_client(), listeners=[seen.append]).run()
    assert [e.state for e in seen] == list(r.path[1:])
    assert seen[0].source == "intake" and seen[0].trigger == "advance"
    assert any(e.state == "hydration" and e.products for e in seen)


def test_session_json_has_the_contract_shape(make_client: MakeClient) -> None:
    d = session_to_dict(start(make_client()).run())
    assert {"client", "outcome", "path", "products", "skipped", "warnings"} <= set(d)
    assert d["client"]["id"] == "t-1" and d["outcome"] == "complete"
    assert set(d["products"][0]) == {"step", "name", "ingredients", "spf"}
    json.dumps(d)


@pytest.mark.parametrize("steps", range(0, 11))
def test_restore_at_any_step_finishes_like_the_original(
    make_client: MakeClient, steps: int
) -> None:
    client = make_client(a_comedones="mild", a_laser_requested=True, fitzpatrick=5)
    s = start(client)
    for _ in range(steps):
        if not s.finished:
            s.advance()
    snap = json.loads(json.dumps(s.snapshot()))
    restored = Session.restore(snap)
    assert restored.current == s.current and restored.path == s.path
    assert session_to_dict(restored.run()) == session_to_dict(s.run())


def test_restore_after_adverse_keeps_the_reaction(make_client: MakeClient) -> None:
    s = start(make_client())
    s.advance()
    s.report_adverse("blistering")
    restored = Session.restore(s.snapshot())
    assert session_to_dict(restored.run()) == session_to_dict(s.run())


def test_restore_fires_no_listener(make_client: MakeClient) -> None:
    s = start(make_client())
    s.advance()
    seen: list[StepEvent] = []
    Session.restore(s.snapshot(), listeners=[seen.append])
    assert seen == []


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (lambda d: d.update(format="other/1"), "not a facialflow session snapshot"),
        (lambda d: d["protocol"].update(digest="0000"), "protocol"),
        (lambda d: d.update(state="sauna", path=["intake", "sauna"]), "unknown state"),
        (lambda d: d.update(date="yesterday"), "malformed snapshot"),
        (lambda d: d.update(path=["intake"]), "does not end in its state"),
    ],
)
def test_restore_refuses_bad_snapshots(make_client: MakeClient, mutate: object, words: str) -> None:
    s = start(make_client())
    s.advance()
    snap = s.snapshot()
    mutate(snap)  # type: ignore[operator]
    with pytest.raises(SnapshotError, match=words):
        Session.restore(snap)


def test_client_with_no_tolerated_sunscreen_is_declined(make_client: MakeClient) -> None:
    c = make_client(allergies=["zinc oxide", "avobenzone"])
    r = start(c).run()
    assert r.outcome is Outcome.DECLINED
    assert any(f.rule == "R27" for f in r.findings)


def test_snapshot_names_a_preset_policy_by_digest_only(make_client: MakeClient) -> None:
    snap = start(make_client(), policy="asds2017").snapshot()
    assert snap["policy"]["name"] == "asds2017" and "values" not in snap["policy"]
    assert Session.restore(snap).policy.name == "asds2017"


def test_snapshot_of_a_clinic_policy_carries_its_values(
    make_client: MakeClient, tmp_path: object
) -> None:
    from pathlib import Path

    from facialflow.clinic.policy import load_policy

    f = Path(str(tmp_path)) / "lumen.toml"
    f.write_text('extends = "conservative"\n[screening]\nsun_washout_days = 21\n')
    s = start(make_client(), policy=load_policy(f))
    snap = json.loads(json.dumps(s.snapshot()))
    f.unlink()  # the file may be gone or changed by the time a session resumes
    restored = Session.restore(snap)
    assert restored.policy == s.policy and restored.policy.screening.sun_washout_days == 21


def test_restore_refuses_a_policy_that_changed_since_the_snapshot(make_client: MakeClient) -> None:
    snap = start(make_client()).snapshot()
    snap["policy"]["digest"] = "0123456789abcdef"
    with pytest.raises(SnapshotError, match="policy 'conservative' has changed"):
        Session.restore(snap)


def test_r27_decline_survives_snapshot_and_restore(make_client: MakeClient) -> None:
    s = start(make_client(allergies=["zinc oxide", "avobenzone"]))
    restored = Session.restore(json.loads(json.dumps(s.snapshot())))
    r = restored.run()
    assert r.outcome is Outcome.DECLINED and r.products == ()


def test_a_given_selection_without_sunscreen_declines_the_session(make_client: MakeClient) -> None:
    from facialflow.model import Selection

    full = start(make_client()).selection
    no_spf = Selection(steps={k: v for k, v in full.steps.items() if k != "hydration"})
    r = Session.start(make_client(), date=DATE, selection=no_spf).run()
    assert r.outcome is Outcome.DECLINED
    assert any(f.rule == "R27" for f in r.findings)


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (lambda d: d.update(state="stopped", path=["intake", "stopped"]), "not what the protocol"),
        (
            lambda d: d.update(state="laser_treatment", path=[*d["path"], "laser_treatment"]),
            "not what the protocol",
        ),
        (
            lambda d: d.update(adverse={"kind": "sneeze", "step": "cleansing", "escalation": "x"}),
            "malformed",
        ),
        (lambda d: d.update(protocol="x"), "malformed"),
        (lambda d: d.update(adverse={"kind": "irritation"}), "malformed"),
        (
            lambda d: d.update(adverse={"kind": "irritation", "step": "mask", "escalation": "x"}),
            "not on its path",
        ),
    ],
)
def test_restore_refuses_an_edited_impossible_session(
    make_client: MakeClient, mutate: object, words: str
) -> None:
    s = start(make_client())
    s.advance()
    snap = s.snapshot()
    mutate(snap)  # type: ignore[operator]
    with pytest.raises(SnapshotError, match=words):
        Session.restore(snap)


def test_unknown_reaction_is_a_facialflow_error_listing_the_kinds(make_client: MakeClient) -> None:
    from facialflow.errors import InvalidReaction

    s = start(make_client())
    s.advance()
    with pytest.raises(InvalidReaction, match=r"'sneeze'.*urticaria"):
        s.report_adverse("sneeze")
    assert s.current == "cleansing"
