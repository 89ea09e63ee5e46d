"""Strict cattrs structuring shared by client files, policy files and snapshots.

cattrs tracks where in a document a value failed; these hooks make it strict
(``"yes"`` is not a bool, ``"3"`` is not an int, ``true`` is not fitzpatrick 1,
a string is not a list, a list is not a table) and :func:`structure_error_message`
turns its error groups into one message that names the field and, for
vocabularies, the allowed values. The messages are those of
:mod:`facialflow.validation`, which the model's own validators use: a value is
refused in the same words from a file and from Python.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from typing import Any

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
)
from cattrs.gen import make_dict_structure_fn

from facialflow.errors import InvalidValueError
from facialflow.validation import LABELS, describe, type_error, vocabulary_error

__all__ = ["enum_hook", "strict_converter", "strict_hook", "structure_error_message"]


def strict_hook(kind: type) -> Any:
    """A structure hook that accepts exactly ``kind`` (an int where a float is asked, too)."""
    label = LABELS.get(kind, kind.__name__)

    def hook(value: Any, _: Any) -> Any:
        if kind is float and type(value) is int:
            return float(value)
        # bool is an int subclass; type() keeps a JSON true from passing as 1
        if type(value) is not kind:
            raise type_error(label, value, None)
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidValueError(f"must be a finite number, got {value!r}")
        return value

    return hook


def enum_hook(value: Any, cls: type[enum.Enum]) -> Any:
    try:
        return cls(value)
    except (ValueError, TypeError):
        raise vocabulary_error(value, cls, None) from None


def _is_sequence_type(tp: Any) -> bool:
    return getattr(tp, "__origin__", None) in (tuple, frozenset, list, set)


def _is_mapping_type(tp: Any) -> bool:
    origin = getattr(tp, "__origin__", None)
    return origin is dict or origin is Mapping


def strict_converter(*enums: type[enum.Enum]) -> cattrs.Converter:
    """A converter refusing unknown keys, loose primitives, wrong shapes and unknown enum values.

    A hook added to it later must be added before its first use: each list and table
    type finds its items' hooks once, the first time it is structured.
    """
    converter = cattrs.Converter(forbid_extra_keys=True)
    for kind in (bool, int, float, str):
        converter.register_structure_hook(kind, strict_hook(kind))
    for cls in enums:
        converter.register_structure_hook(cls, enum_hook)

    def list_factory(tp: Any) -> Any:
        # the item hook found once per type, not dispatched again for every item
        item_type = tp.__args__[0]
        item_hook = converter.get_structure_hook(item_type)
        # the container the annotation asks for: tuple[str, ...] is a tuple, not a list
        container = tp.__origin__
        what = (
            "strings"
            if item_type is str
            else "names"
            if isinstance(item_type, type) and issubclass(item_type, enum.Enum)
            else "values"
        )

        def list_hook(value: Any, _: Any) -> Any:
            # cattrs would take a string as a list of its characters
            if not isinstance(value, list | tuple):
                raise type_error(f"a list of {what}", value, None)
            return container([item_hook(item, item_type) for item in value])

        return list_hook

    def mapping_factory(tp: Any) -> Any:
        key_type, value_type = tp.__args__
        key_hook = converter.get_structure_hook(key_type)
        value_hook = converter.get_structure_hook(value_type)

        def mapping_hook(value: Any, _: Any) -> Any:
            if not isinstance(value, Mapping):
                raise type_error("a table", value, None)
            return {key_hook(k, key_type): value_hook(v, value_type) for k, v in value.items()}

        return mapping_hook

    def attrs_factory(cl: Any) -> Any:
        inner = make_dict_structure_fn(cl, converter)

        def hook(value: Any, tp: Any) -> Any:
            # a list where a table belongs ("assessment": ["mild"]) is a shape error, not a crash
            if not isinstance(value, Mapping):
                raise type_error("a table", value, None)
            try:
                return inner(value, tp)
            except TypeError:
                # a mapping built in Python may have keys that are not text (1, None): some
                # cattrs releases fail joining them into their message, so they are named here
                odd = {k for k in value if not isinstance(k, str)}
                if odd:
                    extra = ForbiddenExtraKeysError("keys must be text", cl, odd)
                    # as cattrs reports extra keys: every caller handles this one
                    message = f"While structuring {cl.__name__}"
                    raise ClassValidationError(message, [extra], cl) from None
                raise

        return hook

    converter.register_structure_hook_factory(_is_sequence_type, list_factory)
    converter.register_structure_hook_factory(_is_mapping_type, mapping_factory)
    converter.register_structure_hook_factory(attrs.has, attrs_factory)
    return converter


def _leaf_message(exc: BaseException) -> str:
    if isinstance(exc, KeyError) and not hasattr(exc, "field"):
        return "required field is missing"
    if isinstance(exc, ForbiddenExtraKeysError):
        # a mapping built in Python may have keys of any type (1, None): named as text
        fields = ", ".join(sorted(str(f) for f in exc.extra_fields))
        allowed = ", ".join(a.name for a in attrs.fields(exc.cl))
        return f"unknown field(s) {fields}; allowed: {allowed}"
    return getattr(exc, "detail", None) or str(exc) or type(exc).__name__


def _join(path: str, part: str | int) -> str:
    if isinstance(part, int):
        return f"{path}[{part}]"
    return f"{path}.{part}" if path else part


def _first(exc: BaseException, path: str) -> tuple[str, str]:
    if isinstance(exc, ClassValidationError | IterableValidationError):
        with_notes, without = exc.group_exceptions()
        for sub, note in with_notes:
            where: str | int = (
                note.name if isinstance(note, AttributeValidationNote) else note.index
            )
            return _first(sub, _join(path, where))
        for sub in without:
            return _first(sub, path)
    if isinstance(exc, ForbiddenExtraKeysError):
        return _leaf_message(exc), path
    # a model validator names its own field; cattrs knows the path down to its class
    field = getattr(exc, "field", None)
    if field:
        path = _join(path, field)
    return _leaf_message(exc), path


def structure_error_message(exc: BaseException) -> tuple[str, str | None]:
    """The first defect in a structuring error as ``(message, field path)``."""
    message, path = _first(exc, "")
    return message, path or None


# describe is re-exported for the loaders' messages
__all__ += ["describe"]
