"""Small validators and converters for the model's frozen classes.

One validation path: the client-file loader, the policy loader and a caller
building ``Client(...)`` in Python all end in these checks, so the same value is
refused the same way (same vocabulary, same ranges, same message) wherever it
comes from. Each refusal is an :class:`~facialflow.errors.InvalidValueError`
(a ``ValueError``) or :class:`~facialflow.errors.InvalidTypeError` (a
``TypeError``) whose ``field`` names the attribute. Converters that need the
field's name are :class:`attrs.Converter` objects taking the field.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import attrs

from facialflow.dates import check_year, parse_iso_date
from facialflow.errors import InvalidTypeError, InvalidValueError

__all__ = [
    "LABELS",
    "describe",
    "enum_set",
    "enum_tuple",
    "enum_value",
    "finite_number",
    "instance",
    "int_in",
    "non_empty_str",
    "optional_date",
    "optional_str",
    "string_set",
    "string_tuple",
    "strict_bool",
    "type_error",
    "vocabulary_error",
]

E = TypeVar("E", bound=enum.Enum)

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


# -- converters (attrs.Converter taking the field, so messages can name it) ----------------------


def enum_value(cls: type[E]) -> Any:
    def convert(value: Any, field: Any) -> E:
        if isinstance(value, cls):
            return value
        if not isinstance(value, str):
            raise type_error(f"one of: {', '.join(str(m.value) for m in cls)}", value, field.name)
        try:
            return cls(value)
        except ValueError:
            raise vocabulary_error(value, cls, field.name) from None

    return attrs.Converter(convert, takes_field=True)


def _items(value: Any, field: str, what: str) -> list[Any]:
    # a bare string is one value, not a list of its letters
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise type_error(f"a list of {what}", value, field)
    return list(value)


def _members(value: Any, cls: type[E], field: str) -> list[E]:
    out = []
    for item in _items(value, field, "names"):
        if isinstance(item, cls):
            out.append(item)
            continue
        if not isinstance(item, str):
            raise type_error(
                f"a list of names (one of: {', '.join(str(m.value) for m in cls)})", item, field
            )
        try:
            out.append(cls(item))
        except ValueError:
            raise vocabulary_error(item, cls, field) from None
    return out


def enum_tuple(cls: type[E]) -> Any:
    """A list of vocabulary names, in order, without repeats."""
    return attrs.Converter(
        lambda value, field: tuple(dict.fromkeys(_members(value, cls, field.name))),
        takes_field=True,
    )


def enum_set(cls: type[E]) -> Any:
    return attrs.Converter(
        lambda value, field: frozenset(_members(value, cls, field.name)), takes_field=True
    )


def _strings(value: Any, field: str, normalise: Callable[[str], str] | None) -> tuple[str, ...]:
    items = _items(value, field, "strings")
    for item in items:
        if not isinstance(item, str):
            raise type_error(LABELS[str], item, field)
    if normalise is None:
        return tuple(items)
    return tuple(dict.fromkeys(normalise(item) for item in items))


def string_tuple(normalise: Callable[[str], str] | None = None) -> Any:
    """A list of strings (normalised and without repeats when ``normalise`` is given)."""
    return attrs.Converter(
        lambda value, field: _strings(value, field.name, normalise), takes_field=True
    )


def string_set(normalise: Callable[[str], str] | None = None) -> Any:
    return attrs.Converter(
        lambda value, field: frozenset(_strings(value, field.name, normalise)), takes_field=True
    )


def optional_str(value: Any, field: Any) -> str | None:
    """None, or a string; a blank string counts as None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise type_error(LABELS[str], value, field.name)
    return value.strip() or None


def _date(value: Any, field: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    elif isinstance(value, str):
        try:
            return parse_iso_date(value)
        except ValueError as exc:
            raise InvalidValueError(str(exc), field=field.name) from None
    elif not isinstance(value, dt.date):
        raise type_error("an ISO date (YYYY-MM-DD)", value, field.name)
    try:
        return check_year(value)
    except ValueError as exc:
        raise InvalidValueError(str(exc), field=field.name) from None


#: None, a date or an ISO ``YYYY-MM-DD`` string, within the years facialflow can reason about
optional_date: Any = attrs.Converter(_date, takes_field=True)
