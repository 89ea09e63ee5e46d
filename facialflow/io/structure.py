"""Strict cattrs structuring shared by client files and policy files.

cattrs tracks where in a document a value failed; these hooks make its
primitives strict (``"yes"`` is not a bool, ``"3"`` is not an int, ``true`` is
not fitzpatrick 1) and :func:`structure_error_message` turns its error groups
into one message that names the field and, for vocabularies, the allowed values.
"""

from __future__ import annotations

import enum
from typing import Any

import attrs
import cattrs
from cattrs.errors import (
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)

__all__ = [
    "enum_hook",
    "refuse_bare_strings",
    "strict_converter",
    "strict_hook",
    "structure_error_message",
]

_LABELS = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}


def strict_hook(kind: type) -> Any:
    """A structure hook that accepts exactly ``kind`` (an int where a float is asked, too)."""
    label = _LABELS.get(kind, kind.__name__)

    def hook(value: Any, _: Any) -> Any:
        if kind is float and type(value) is int:
            return float(value)
        # bool is an int subclass; type() keeps a JSON true from passing as 1
        if type(value) is not kind:
            raise TypeError(f"expected {label}, got {type(value).__name__} {value!r}")
        return value

    return hook


def enum_hook(value: Any, cls: type[enum.Enum]) -> Any:
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in cls)
        raise ValueError(f"{value!r} is not one of: {allowed}") from None


def strict_converter(*enums: type[enum.Enum]) -> cattrs.Converter:
    """A converter refusing unknown keys, loose primitives and unknown enum values."""
    converter = cattrs.Converter(forbid_extra_keys=True)
    for kind in (bool, int, float, str):
        converter.register_structure_hook(kind, strict_hook(kind))
    for cls in enums:
        converter.register_structure_hook(cls, enum_hook)
    return converter


def refuse_bare_strings(converter: cattrs.Converter) -> cattrs.Converter:
    """Make ``converter`` refuse a string (or any non-list) where a list is asked.

    cattrs would take ``"fragrance"`` as the list ``["f", "r", ...]``.
    """

    def list_hook(value: Any, tp: Any) -> Any:
        if not isinstance(value, list | tuple):
            raise TypeError(f"expected a list, got {type(value).__name__} {value!r}")
        item_type = tp.__args__[0]
        out: list[Any] = []
        errors: list[Exception] = []
        for i, item in enumerate(value):
            try:
                out.append(converter.structure(item, item_type))
            except Exception as exc:
                note = IterableValidationNote(f"Structuring {tp} @ index {i}", i, item_type)
                exc.__notes__ = [*getattr(exc, "__notes__", []), note]
                errors.append(exc)
        if errors:
            raise IterableValidationError(f"While structuring {tp!r}", errors, tp)
        return out

    converter.register_structure_hook_func(
        lambda t: getattr(t, "__origin__", None) in (tuple, frozenset, list), list_hook
    )
    return converter


def _message_for(exc: BaseException, _type: Any) -> str:
    if isinstance(exc, KeyError):
        return "required field is missing"
    if isinstance(exc, ForbiddenExtraKeysError):
        fields = ", ".join(sorted(exc.extra_fields))
        allowed = ", ".join(a.name for a in attrs.fields(exc.cl))
        return f"unknown field(s) {fields}; allowed: {allowed}"
    return str(exc) or type(exc).__name__


def structure_error_message(exc: BaseException) -> tuple[str, str | None]:
    """The first defect in a cattrs error as ``(message, field path)``."""
    for line in cattrs.transform_error(exc, path="$", format_exception=_message_for):
        message, _, where = line.rpartition(" @ ")
        path = where.removeprefix("$").lstrip(".") or None
        if path and "[" in path:
            path = path.replace(".[", "[")
        return message, path
    return str(exc), None
