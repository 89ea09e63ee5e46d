"""Small validators and converters for the model's frozen classes.

One validation path: the client-file loader, the policy loader and a caller
building ``Client(...)`` in Python all end in these checks, so the same value is
refused the same way (same vocabulary, same ranges, same message) wherever it
comes from. Each refusal is an :class:`~facialflow.errors.InvalidValueError`
(a ``ValueError``) or :class:`~facialflow.errors.InvalidTypeError` (a
``TypeError``) whose ``field`` names the attribute. Validators have attrs'
signature; converters are functions of the value and the field's name, which a
model field calls in a lambda (``converter=lambda x: to_enum(x, SkinType, "skin_type")``).
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from facialflow.dates import check_year, parse_iso_date
from facialflow.errors import InvalidTypeError, InvalidValueError

__all__ = [
    "LABELS",
    "describe",
    "finite_number",
    "instance",
    "int_in",
    "non_empty_str",
    "strict_bool",
    "to_enum",
    "to_enum_set",
    "to_enum_tuple",
    "to_instances",
    "to_optional_date",
    "to_optional_enum",
    "to_optional_str",
    "to_strings",
    "type_error",
    "vocabulary_error",
]

E = TypeVar("E", bound=enum.Enum)
T = TypeVar("T")

#: how a message names each primitive type (the words of a JSON or TOML user)
LABELS: dict[type, str] = {
    bool: "true or false",
    int: "an integer",
    float: "a number",
    str: "a string",
}


def describe(value: Any) -> str:
    """A short, safe rendering of ``value`` for a message (huge ints and strings are abbreviated)."""
    if type(value) is int and value.bit_length() > 64:
        # repr of an int past 4300 digits raises; its size is what the user needs to see
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def type_error(expected: str, value: Any, field: str | None) -> InvalidTypeError:
    return InvalidTypeError(
        f"expected {expected}, got {type(value).__name__} {describe(value)}", field=field
    )


def vocabulary_error(value: Any, cls: type[enum.Enum], field: str | None) -> InvalidValueError:
    allowed = ", ".join(str(m.value) for m in cls)
    return InvalidValueError(f"{describe(value)} is not one of: {allowed}", field=field)


def _name(attribute: Any) -> str | None:
    return getattr(attribute, "name", None)


# -- validators (attrs signature: instance, attribute, value) -------------------------------------


def strict_bool(_: object, attribute: Any, value: Any) -> None:
    # type() and not isinstance: 1 and "no" are not booleans
    if type(value) is not bool:
        raise type_error(LABELS[bool], value, _name(attribute))


def non_empty_str(_: object, attribute: Any, value: Any) -> None:
    if not isinstance(value, str):
        raise type_error(LABELS[str], value, _name(attribute))
    if not value.strip():
        raise InvalidValueError("must not be empty", field=_name(attribute))


def int_in(low: int, high: int, *, note: str = "") -> Callable[[object, Any, Any], None]:
    """An integer (not a bool, not a float) from ``low`` to ``high``."""

    def check(_: object, attribute: Any, value: Any) -> None:
        if type(value) is not int:
            raise type_error(LABELS[int], value, _name(attribute))
        if not low <= value <= high:
            raise InvalidValueError(
                f"must be an integer from {low} to {high}{note}, got {describe(value)}",
                field=_name(attribute),
            )

    return check


def finite_number(low: float, high: float) -> Callable[[object, Any, Any], None]:
    """A finite int or float from ``low`` to ``high``: NaN passes no comparison, so it is refused."""

    def check(_: object, attribute: Any, value: Any) -> None:
        if type(value) not in (int, float):
            raise type_error(LABELS[float], value, _name(attribute))
        if not math.isfinite(value):
            raise InvalidValueError(
                f"must be a finite number, got {value!r}", field=_name(attribute)
            )
        if not low <= value <= high:
            raise InvalidValueError(
                f"must be from {low:g} to {high:g}, got {describe(value)}", field=_name(attribute)
            )

    return check


def instance(cls: type, label: str) -> Callable[[object, Any, Any], None]:
    def check(_: object, attribute: Any, value: Any) -> None:
        if not isinstance(value, cls):
            raise type_error(label, value, _name(attribute))

    return check


# -- converters: plain functions of (value, field name); a model field calls one in a lambda,
# which is the converter form attrs' mypy plugin understands


def to_enum(value: Any, cls: type[E], field: str) -> E:
    """A member of ``cls``, from itself or its string value."""
    if isinstance(value, cls):
        return value
    if not isinstance(value, str):
        raise type_error(f"one of: {', '.join(str(m.value) for m in cls)}", value, field)
    try:
        return cls(value)
    except ValueError:
        raise vocabulary_error(value, cls, field) from None


def to_optional_enum(value: Any, cls: type[E], field: str) -> E | None:
    return None if value is None else to_enum(value, cls, field)


def _items(value: Any, field: str, what: str) -> list[Any]:
    if type(value) is tuple or type(value) is list:
        # the common case, without the abstract-class checks below
        return list(value)
    # a bare string is one value, not a list of its letters
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise type_error(f"a list of {what}", value, field)
    return list(value)


def _members(value: Any, cls: type[E], field: str) -> list[E]:
    out = []
    for item in _items(value, field, "names"):
        if isinstance(item, cls):
            out.append(item)
        elif isinstance(item, str):
            try:
                out.append(cls(item))
            except ValueError:
                raise vocabulary_error(item, cls, field) from None
        else:
            raise vocabulary_error(item, cls, field)
    return out


def to_enum_tuple(value: Any, cls: type[E], field: str) -> tuple[E, ...]:
    """A list of vocabulary names, in order, without repeats."""
    if type(value) is tuple and all(type(m) is cls for m in value):
        # already members (the value a copy or a generated client hands over)
        return value if len(set(value)) == len(value) else tuple(dict.fromkeys(value))
    return tuple(dict.fromkeys(_members(value, cls, field)))


def to_enum_set(value: Any, cls: type[E], field: str) -> frozenset[E]:
    if type(value) is frozenset and all(type(m) is cls for m in value):
        return value
    return frozenset(_members(value, cls, field))


def to_strings(
    value: Any, field: str, normalise: Callable[[str], str] | None = None
) -> tuple[str, ...]:
    """A list of strings (normalised and without repeats when ``normalise`` is given)."""
    if type(value) is tuple and all(type(item) is str for item in value):
        items: Sequence[Any] = value
    else:
        items = _items(value, field, "strings")
        for item in items:
            if not isinstance(item, str):
                raise type_error(LABELS[str], item, field)
    if normalise is None:
        return tuple(items)
    return tuple(dict.fromkeys(normalise(item) for item in items))


def to_instances(value: Any, cls: type[T], label: str, field: str) -> tuple[T, ...]:
    """A list of ``cls`` instances (a plugin's products)."""
    items = _items(value, field, label)
    for i, item in enumerate(items):
        if not isinstance(item, cls):
            raise type_error(label, item, f"{field}[{i}]")
    return tuple(items)


def to_optional_str(value: Any, field: str) -> str | None:
    """None, or a string; a blank string counts as None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise type_error(LABELS[str], value, field)
    return value.strip() or None


def to_optional_date(value: Any, field: str) -> dt.date | None:
    """None, a date or an ISO ``YYYY-MM-DD`` string, within the years facialflow reasons about."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    elif isinstance(value, str):
        try:
            return parse_iso_date(value)
        except ValueError as exc:
            raise InvalidValueError(str(exc), field=field) from None
    elif not isinstance(value, dt.date):
        raise type_error("an ISO date (YYYY-MM-DD)", value, field)
    try:
        return check_year(value)
    except ValueError as exc:
        raise InvalidValueError(str(exc), field=field) from None
