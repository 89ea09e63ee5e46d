"""The treatment record: inputs merge, and policy-required items block their step."""

from __future__ import annotations

import attrs
import pytest

from facialflow.clinic.policy import RecordPolicy
from facialflow.errors import RecordIncomplete
from facialflow.records.treatment import (
    NO_ADVERSE_EVENT,
    Consent,
    LaserParameters,
    RecordInput,
    TreatmentRecord,
    merge_input,
    missing_items,
    record_input_from_dict,
    record_to_dict,
)


def _missing(record: TreatmentRecord, rules: RecordPolicy | None = None, **kw: object) -> list[str]:
    args: dict[str, object] = {
        "leaving": "intake",
        "step": "intake",
        "entering": "cleansing",
        "entering_final": False,
        "products": (),
    }
    args.update(kw)
    return missing_items(record, rules or RecordPolicy(), **args)  # type: ignore[arg-type]


def test_no_consent_blocks_leaving_intake_for_treatment() -> None:
    assert any("consent" in m for m in _missing(TreatmentRecord()))


def test_a_decline_needs_no_consent() -> None:
    assert _missing(TreatmentRecord(), entering="declined", entering_final=True) == []


def test_a_policy_can_waive_consent_and_performer() -> None:
    rules = RecordPolicy(require_consent=False, require_performer=False)
    assert _missing(TreatmentRecord(), rules) == []


def test_laser_settings_arrive_in_parts_and_the_test_spot_needs_its_result() -> None:
    record = merge_input(TreatmentRecord(), RecordInput(laser=LaserParameters(device="Nd:YAG")))
    record = merge_input(record, RecordInput(laser=LaserParameters(fluence_j_cm2=10)))
    assert record.laser.device == "Nd:YAG" and record.laser.fluence_j_cm2 == 10
    missing = _missing(record, leaving="laser_test_spot", step="laser", entering="laser_treatment")
    assert missing == [
        "laser wavelength_nm, spot_size_mm, pulse_width_ms, cooling",
        "laser test_spot_result",
    ]


def test_lot_numbers_when_required_come_from_the_catalog_or_the_session() -> None:
    rules = RecordPolicy(require_lot_numbers=True)
    products = (("Serum A", "CAT-1"), ("Serum B", None))
    kw = {"leaving": "serums", "step": "serums", "entering": "mask", "products": products}
    assert _missing(TreatmentRecord(), rules, **kw) == ["lot numbers for Serum B"]
    with_lot = merge_input(TreatmentRecord(), RecordInput(lots={"Serum B": "S-9"}))
    assert _missing(with_lot, rules, **kw) == []


def test_aftercare_when_required_blocks_completion() -> None:
    rules = RecordPolicy(require_aftercare=True)
    kw = {"leaving": "hydration", "step": "hydration", "entering": "complete"}
    assert _missing(TreatmentRecord(), rules, entering_final=True, **kw) == ["aftercare advice"]


def test_performers_accumulate_without_repeats() -> None:
    record = merge_input(TreatmentRecord(), RecordInput(performers=("Ana", "Lee")))
    record = merge_input(record, RecordInput(performers=("Lee", "Kim")))
    assert record.performers == ("Ana", "Lee", "Kim")


def test_the_adverse_event_field_is_always_present() -> None:
    assert record_to_dict(TreatmentRecord(), products=[], adverse=None)["adverse_event"] == (
        NO_ADVERSE_EVENT
    )


def test_a_record_file_with_a_wrong_field_names_it() -> None:
    with pytest.raises(RecordIncomplete, match="unknown field"):
        record_input_from_dict({"consnet": {"id": "x", "version": "1"}})
    with pytest.raises(RecordIncomplete, match=r"laser\.fluence_j_cm2"):
        record_input_from_dict({"laser": {"fluence_j_cm2": "high"}})
    with pytest.raises(RecordIncomplete, match="positive"):
        record_input_from_dict({"laser": {"fluence_j_cm2": -1}})


def test_a_record_file_round_trips() -> None:
    given = RecordInput(consent=Consent("C", "1"), photo_consent=False, follow_up="4 weeks")
    assert record_input_from_dict(attrs.asdict(given)) == given
