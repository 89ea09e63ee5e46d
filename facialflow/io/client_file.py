"""Reading and writing client files (JSON or TOML, chosen by the extension).

Structuring is cattrs with the strict hooks of :mod:`facialflow.io.structure`, plus
ISO dates and lists that refuse a bare string; every defect becomes one
:class:`ClientFileError` naming the file and the field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import cattrs
from cattrs.errors import ClassValidationError, IterableValidationError

from facialflow.errors import ClientFileError
from facialflow.io.reading import DocumentError, parse_document, read_text
from facialflow.io.structure import strict_converter, structure_error_message
from facialflow.model import Client, Comedones, Concern, Condition, SkinType
from facialflow.validation import type_error

__all__ = [
    "check_client_dates",
    "client_fields_to_dict",
    "client_from_dict",
    "client_to_compact_dict",
    "client_to_dict",
    "load_client",
]


def _date_hook(value: Any, _: Any) -> Any:
    # dates are checked (ISO form, sane years) by the model's own converter
    if isinstance(value, str | dt.date):
        return value
    raise type_error("an ISO date (YYYY-MM-DD)", value, None)


def make_converter() -> cattrs.Converter:
    converter = strict_converter(SkinType, Concern, Condition, Comedones)
    converter.register_structure_hook(dt.date, _date_hook)
    return converter


_CONVERTER = make_converter()


def client_from_dict(data: Mapping[str, Any], *, source: str = "client") -> Client:
    """Structure a client-file mapping into a :class:`Client`, or raise :class:`ClientFileError`."""
    if not isinstance(data, Mapping):
        raise ClientFileError("a client file must be a JSON object or a TOML table", source=source)
    try:
        return _CONVERTER.structure(dict(data), Client)
    except (ClassValidationError, IterableValidationError, ValueError, TypeError) as exc:
        message, path = structure_error_message(exc)
        raise ClientFileError(message, source=source, field=path) from None


def check_client_dates(client: Client, on: dt.date, *, source: str = "client") -> Client:
    """``client``, or :class:`ClientFileError` if a date of theirs is after the session date."""
    for name, message in client.date_problems(on):
        raise ClientFileError(message, source=source, field=name)
    return client


def load_client(path: str | Path, *, on: dt.date | None = None) -> Client:
    """Load a client file; the format follows the extension (``.json`` or ``.toml``).

    With ``on`` (the session date), a dose or birth date after it is refused too.
    """
    p = Path(path)
    source = str(path)
    suffix = p.suffix.lower()
    if suffix not in (".json", ".toml"):
        raise ClientFileError("a client file must end in .json or .toml", source=source)
    try:
        data = parse_document(read_text(p), suffix)
    except DocumentError as exc:
        raise ClientFileError(str(exc), source=source) from None
    client = client_from_dict(data, source=source)
    return client if on is None else check_client_dates(client, on, source=source)


def client_fields_to_dict(
    *,
    id: str,
    skin_type: str,
    concerns: Iterable[str],
    fitzpatrick: int,
    pregnant: bool,
    breastfeeding: bool,
    isotretinoin_last_dose: dt.date | None,
    allergies: Iterable[str],
    medications: Iterable[str],
    conditions: Iterable[str],
    comedones: str,
    laser_requested: bool,
    antiviral_prophylaxis: bool,
    clinician_approved_laser: bool,
    prescription_reference: str | None,
    birth_date: dt.date | None,
    anticoagulant_acknowledged: bool = False,
    dated: Mapping[str, dt.date] | None = None,
) -> dict[str, Any]:
    """The one client writer: the client-file shape from field values (stable key order).

    ``conditions`` come in vocabulary order. :func:`client_to_dict` feeds it a
    :class:`Client`; the simulator feeds it its raw draws without building one.
    """
    out: dict[str, Any] = {
        "id": id,
        "skin_type": skin_type,
        "concerns": list(concerns),
        "fitzpatrick": fitzpatrick,
        "pregnant": pregnant,
        "breastfeeding": breastfeeding,
    }
    if isotretinoin_last_dose is not None:
        out["isotretinoin_last_dose"] = isotretinoin_last_dose.isoformat()
    out["allergies"] = list(allergies)
    out["medications"] = list(medications)
    out["conditions"] = list(conditions)
    assessment: dict[str, Any] = {"comedones": comedones, "laser_requested": laser_requested}
    # extension fields are written only when set, so the common shape stays the contract's
    if antiviral_prophylaxis:
        assessment["antiviral_prophylaxis"] = True
    if clinician_approved_laser:
        assessment["clinician_approved_laser"] = True
    if prescription_reference is not None:
        assessment["prescription_reference"] = prescription_reference
    if anticoagulant_acknowledged:
        assessment["anticoagulant_acknowledged"] = True
    out["assessment"] = assessment
    if birth_date is not None:
        out["birth_date"] = birth_date.isoformat()
    # dated facts (R9, R15-R17) are written only when known, beside the flags
    for name, day in (dated or {}).items():
        out[name] = day.isoformat()
    return out


_CONDITION_ORDER = {c: i for i, c in enumerate(Condition)}


def client_to_dict(client: Client) -> dict[str, Any]:
    """The client in the client-file shape (JSON-compatible, stable key order)."""
    a = client.assessment
    return client_fields_to_dict(
        id=client.id,
        skin_type=str(client.skin_type),
        concerns=[str(c) for c in client.concerns],
        fitzpatrick=client.fitzpatrick,
        pregnant=client.pregnant,
        breastfeeding=client.breastfeeding,
        isotretinoin_last_dose=client.isotretinoin_last_dose,
        allergies=client.allergies,
        medications=client.medications,
        conditions=[str(c) for c in sorted(client.conditions, key=_CONDITION_ORDER.__getitem__)],
        comedones=str(a.comedones),
        laser_requested=a.laser_requested,
        antiviral_prophylaxis=a.antiviral_prophylaxis,
        clinician_approved_laser=a.clinician_approved_laser,
        prescription_reference=a.prescription_reference,
        birth_date=client.birth_date,
        anticoagulant_acknowledged=a.anticoagulant_acknowledged,
        dated={n: getattr(client, n) for n in DATED_FACTS if getattr(client, n) is not None},
    )


#: optional ISO dates of the client file (R9, R15-R17), in the order they are written
DATED_FACTS = ("last_sun_exposure", "last_topical_retinoid", "last_peel", "last_injectable")


def client_to_compact_dict(client: Client) -> dict[str, Any]:
    """:func:`client_to_dict` with every field at its default left out (reads back equal)."""
    full = client_to_dict(client)
    out = {k: v for k, v in full.items() if v not in (False, [], None)}
    assessment = {k: v for k, v in full["assessment"].items() if v not in (False, "none", None)}
    if assessment:
        out["assessment"] = assessment
    else:
        out.pop("assessment", None)
    return out
