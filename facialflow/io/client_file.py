"""Reading and writing client files (JSON or TOML, chosen by the extension).

Structuring is cattrs with the strict hooks of :mod:`facialflow.io.structure`, plus
ISO dates and lists that refuse a bare string; every defect becomes one
:class:`ClientFileError` naming the file and the field.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import cattrs
from cattrs.errors import ClassValidationError, IterableValidationError

from facialflow.dates import parse_iso_date
from facialflow.errors import ClientFileError
from facialflow.io.structure import strict_converter, structure_error_message
from facialflow.model import Assessment, Client, Comedones, Concern, Condition, SkinType

__all__ = ["client_from_dict", "client_to_compact_dict", "client_to_dict", "load_client"]


def _date_hook(value: Any, _: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return parse_iso_date(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO date (YYYY-MM-DD)") from None
    raise TypeError(f"expected an ISO date string, got {type(value).__name__} {value!r}")


def make_converter() -> cattrs.Converter:
    converter = strict_converter(SkinType, Concern, Condition, Comedones)
    converter.register_structure_hook(dt.date, _date_hook)

    def list_hook(value: Any, tp: Any) -> Any:
        # cattrs would take a string as a list of characters
        if not isinstance(value, list | tuple):
            raise TypeError(f"expected a list, got {type(value).__name__} {value!r}")
        item_type = tp.__args__[0]
        return [converter.structure(item, item_type) for item in value]

    converter.register_structure_hook_func(
        lambda t: getattr(t, "__origin__", None) in (tuple, frozenset, list), list_hook
    )
    return converter


_CONVERTER = make_converter()


def client_from_dict(data: Mapping[str, Any], *, source: str = "client") -> Client:
    """Structure a client-file mapping into a :class:`Client`, or raise :class:`ClientFileError`."""
    if not isinstance(data, Mapping):
        raise ClientFileError("a client file must be a JSON object or a TOML table", source=source)
    try:
        return _CONVERTER.structure(dict(data), Client)
    except (ClassValidationError, IterableValidationError) as exc:
        message, path = structure_error_message(exc)
        if path is None and (path := _field_in(message)) is not None:
            message = message.removeprefix(path).strip()
        raise ClientFileError(message, source=source, field=path) from None
    except (ValueError, TypeError) as exc:
        # attrs validators that run after structuring (for example fitzpatrick 1..6)
        message = str(exc)
        path = _field_in(message)
        if path is not None:
            message = message.removeprefix(path).strip()
        raise ClientFileError(message, source=source, field=path) from None


def _field_in(message: str) -> str | None:
    for attribute in attrs.fields(Client):
        if message.startswith(attribute.name + " "):
            return attribute.name
    return None


def load_client(path: str | Path) -> Client:
    """Load a client file; the format follows the extension (``.json`` or ``.toml``)."""
    p = Path(path)
    source = str(path)
    suffix = p.suffix.lower()
    if suffix not in (".json", ".toml"):
        raise ClientFileError("a client file must end in .json or .toml", source=source)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ClientFileError("no such file", source=source) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ClientFileError(f"cannot read: {exc}", source=source) from None
    try:
        data = json.loads(text) if suffix == ".json" else tomllib.loads(text)
    except json.JSONDecodeError as exc:
        raise ClientFileError(
            f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}", source=source
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ClientFileError(f"malformed TOML: {exc}", source=source) from None
    return client_from_dict(data, source=source)


def _assessment_to_dict(a: Assessment) -> dict[str, Any]:
    out: dict[str, Any] = {"comedones": str(a.comedones), "laser_requested": a.laser_requested}
    # extension fields are written only when set, so the common shape stays the contract's
    if a.antiviral_prophylaxis:
        out["antiviral_prophylaxis"] = True
    if a.clinician_approved_laser:
        out["clinician_approved_laser"] = True
    if a.prescription_reference is not None:
        out["prescription_reference"] = a.prescription_reference
    return out


_CONDITION_ORDER = {c: i for i, c in enumerate(Condition)}


def client_to_dict(client: Client) -> dict[str, Any]:
    """The client in the client-file shape (JSON-compatible, stable key order)."""
    out: dict[str, Any] = {
        "id": client.id,
        "skin_type": str(client.skin_type),
        "concerns": [str(c) for c in client.concerns],
        "fitzpatrick": client.fitzpatrick,
        "pregnant": client.pregnant,
        "breastfeeding": client.breastfeeding,
        "isotretinoin_last_dose": (
            client.isotretinoin_last_dose.isoformat() if client.isotretinoin_last_dose else None
        ),
        "allergies": list(client.allergies),
        "medications": list(client.medications),
        "conditions": [str(c) for c in sorted(client.conditions, key=_CONDITION_ORDER.__getitem__)],
        "assessment": _assessment_to_dict(client.assessment),
    }
    if out["isotretinoin_last_dose"] is None:
        del out["isotretinoin_last_dose"]
    if client.birth_date is not None:
        out["birth_date"] = client.birth_date.isoformat()
    return out


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
