"""The treatment record (R29): what a clinician signs and an auditor checks.

A host passes record items as a :class:`RecordInput` with any command (consent
and performers at start, laser settings while at the laser step, lot numbers,
aftercare, follow-up); the store merges them into the session's
:class:`TreatmentRecord`, and the journal keeps every input so the record is
rebuilt, not trusted. :func:`missing_items` says which items the policy's
``records`` section requires before a step may be left; an adverse reaction is
never held up by paperwork.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
from attrs import field, frozen
from cattrs.errors import ClassValidationError

from facialflow.clinic.policy import RecordPolicy
from facialflow.errors import RecordIncomplete
from facialflow.io.structure import strict_converter, structure_error_message

__all__ = [
    "LASER_FIELDS",
    "NO_ADVERSE_EVENT",
    "Consent",
    "LaserParameters",
    "RecordInput",
    "StepTime",
    "TreatmentRecord",
    "merge_input",
    "missing_items",
    "record_input_from_dict",
    "record_to_dict",
]

#: the adverse-event field says so explicitly when there was none (R29: record even if none)
NO_ADVERSE_EVENT = "none"

#: the laser settings R29 asks for, besides the test-spot result
LASER_FIELDS = (
    "device",
    "wavelength_nm",
    "fluence_j_cm2",
    "spot_size_mm",
    "pulse_width_ms",
    "cooling",
)


def _text(_: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if not value.strip():
        raise ValueError(f"{attribute.name} must not be blank")


def _positive(_: object, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None and not value > 0:
        raise ValueError(f"{attribute.name} must be a positive number")


@frozen
class Consent:
    """The signed consent form: its id and the form version the client signed."""

    id: str = field(validator=_text)
    version: str = field(validator=_text)


@frozen
class LaserParameters:
    """Device and settings of the laser step; every field may arrive in a separate command."""

    device: str | None = None
    wavelength_nm: float | None = field(default=None, validator=_positive)
    fluence_j_cm2: float | None = field(default=None, validator=_positive)
    spot_size_mm: float | None = field(default=None, validator=_positive)
    pulse_width_ms: float | None = field(default=None, validator=_positive)
    cooling: str | None = None
    test_spot_result: str | None = None


@frozen
class RecordInput:
    """Record items given with one command. Empty fields leave the record as it is."""

    consent: Consent | None = None
    photo_consent: bool | None = None
    performers: tuple[str, ...] = ()
    #: lot or batch number by product name: overrides the catalog's lot for this session
    lots: Mapping[str, str] = field(factory=dict)
    laser: LaserParameters | None = None
    aftercare: str | None = None
    follow_up: str | None = None

    @property
    def empty(self) -> bool:
        return self == RecordInput()


@frozen
class StepTime:
    step: str
    start: str
    end: str | None = None
    performer: str | None = None


@frozen
class TreatmentRecord:
    """The R29 record of one session, as the journal builds it."""

    consent: Consent | None = None
    photo_consent: bool | None = None
    performers: tuple[str, ...] = ()
    lots: Mapping[str, str] = field(factory=dict)
    laser: LaserParameters = field(factory=LaserParameters)
    aftercare: str | None = None
    follow_up: str | None = None
    steps: tuple[StepTime, ...] = ()


_CONVERTER = strict_converter()


def record_input_from_dict(data: Mapping[str, Any], *, source: str = "record") -> RecordInput:
    """A record input from JSON/TOML data; a wrong key or type names the field (exit 2)."""
    try:
        return _CONVERTER.structure(dict(data), RecordInput)
    except ClassValidationError as exc:
        message, path = structure_error_message(exc)
        where = f"{path}: " if path else ""
        raise RecordIncomplete(f"{source}: {where}{message}") from None
    except (ValueError, TypeError) as exc:
        raise RecordIncomplete(f"{source}: {exc}") from None


def record_input_to_dict(given: RecordInput) -> dict[str, Any]:
    """Only the items given, so a journal record holds what the command said."""
    out: dict[str, Any] = {}
    if given.consent is not None:
        out["consent"] = attrs.asdict(given.consent)
    if given.photo_consent is not None:
        out["photo_consent"] = given.photo_consent
    if given.performers:
        out["performers"] = list(given.performers)
    if given.lots:
        out["lots"] = dict(given.lots)
    if given.laser is not None:
        out["laser"] = {k: v for k, v in attrs.asdict(given.laser).items() if v is not None}
    if given.aftercare is not None:
        out["aftercare"] = given.aftercare
    if given.follow_up is not None:
        out["follow_up"] = given.follow_up
    return out


def merge_input(record: TreatmentRecord, given: RecordInput) -> TreatmentRecord:
    """The record with ``given`` applied: later values win, performers accumulate."""
    laser = record.laser
    if given.laser is not None:
        changes = {k: v for k, v in attrs.asdict(given.laser).items() if v is not None}
        laser = attrs.evolve(laser, **changes)
    performers = record.performers + tuple(
        p for p in given.performers if p not in record.performers
    )
    return attrs.evolve(
        record,
        consent=given.consent or record.consent,
        photo_consent=record.photo_consent if given.photo_consent is None else given.photo_consent,
        performers=performers,
        lots={**record.lots, **given.lots},
        laser=laser,
        aftercare=given.aftercare if given.aftercare is not None else record.aftercare,
        follow_up=given.follow_up if given.follow_up is not None else record.follow_up,
    )


def missing_items(
    record: TreatmentRecord,
    rules: RecordPolicy,
    *,
    leaving: str,
    step: str,
    entering: str,
    entering_final: bool,
    products: tuple[tuple[str, str | None], ...],
) -> list[str]:
    """What the policy requires before ``advance`` leaves ``leaving`` for ``entering``.

    ``step`` is the contract step of ``leaving`` (``laser`` for ``laser_cooling``);
    ``products`` are (name, catalog lot) of the products applied at the step being left.
    """
    out: list[str] = []
    treatment_starts = leaving == "intake" and not entering_final
    if treatment_starts and rules.require_consent and record.consent is None:
        out.append("consent (id and version): no consent, no treatment")
    if treatment_starts and rules.require_performer and not record.performers:
        out.append("a performer")
    if step == "laser" and rules.require_laser_parameters:
        absent = [f for f in LASER_FIELDS if getattr(record.laser, f) is None]
        if absent:
            out.append("laser " + ", ".join(absent))
        if leaving.endswith("test_spot") and record.laser.test_spot_result is None:
            out.append("laser test_spot_result")
    if rules.require_lot_numbers:
        unlotted = [name for name, lot in products if lot is None and name not in record.lots]
        if unlotted:
            out.append("lot numbers for " + ", ".join(unlotted))
    if entering == "complete" and rules.require_aftercare and record.aftercare is None:
        out.append("aftercare advice")
    return out


def record_to_dict(
    record: TreatmentRecord,
    *,
    products: list[dict[str, Any]],
    adverse: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The record as JSON. ``adverse_event`` is always present: ``"none"`` when there was none."""
    return {
        "consent": attrs.asdict(record.consent) if record.consent else None,
        "photo_consent": record.photo_consent,
        "performers": list(record.performers),
        "steps": [attrs.asdict(s) for s in record.steps],
        "products": [{**p, "lot": record.lots.get(p["name"], p.get("lot"))} for p in products],
        "laser": attrs.asdict(record.laser) if record.laser != LaserParameters() else None,
        "adverse_event": dict(adverse) if adverse else NO_ADVERSE_EVENT,
        "aftercare": record.aftercare,
        "follow_up": record.follow_up,
    }
