"""Reading a JSON or TOML document a user wrote, refusing what a parser would let through.

Client files, policy files and catalogs are read here. What is refused, each
with a message a user can act on: a missing file or a folder, a file over
:data:`MAX_BYTES`, UTF-16 or binary content (a UTF-8 byte-order mark is
tolerated), JSON duplicate keys (the last would silently win), JSON ``NaN`` and
``Infinity`` (TOML ``nan`` and ``inf`` too), integers of more than
:data:`MAX_DIGITS` digits and nesting deeper than :data:`MAX_DEPTH`.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_DIGITS", "DocumentError", "parse_document", "read_text"]

#: no facialflow document comes near this; a bigger file is a mistake (a log, a database)
MAX_BYTES = 16 * 1024 * 1024
#: nesting a client file, a policy or a catalog could need, with room to spare
MAX_DEPTH = 32
#: an integer longer than this is no count, percentage or phototype
MAX_DIGITS = 30


class DocumentError(ValueError):
    """Why a document cannot be read; the caller wraps it in its own FacialflowError."""


def read_text(path: Path) -> str:
    """The file's text as UTF-8 (a byte-order mark is dropped), or :class:`DocumentError`."""
    try:
        if path.is_dir():
            raise DocumentError("is a folder, not a file")
        with path.open("rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise DocumentError("no such file") from None
    except OSError as exc:
        raise DocumentError(f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise DocumentError(f"is larger than {MAX_BYTES // (1024 * 1024)} MB")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DocumentError("is UTF-16 encoded; save it as UTF-8")
    if b"\x00" in raw:
        raise DocumentError("is a binary file, not UTF-8 text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            f"is not UTF-8 text (byte {exc.start + 1} cannot be decoded); save it as UTF-8"
        ) from None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DocumentError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _no_constant(name: str) -> float:
    # NaN, Infinity, -Infinity: kept as floats here, refused below with their key
    return float(name.replace("Infinity", "inf"))


class _TooLong:
    """Stands in for an integer too long to convert, so the check below can name its key."""

    def __init__(self, digits: int) -> None:
        self.digits = digits


def _bounded_int(text: str) -> int | _TooLong:
    digits = len(text.lstrip("-"))
    return _TooLong(digits) if digits > MAX_DIGITS else int(text)


def _check(value: Any, path: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise DocumentError(f"nested more than {MAX_DEPTH} levels deep at {path or 'the top'}")
    if isinstance(value, dict):
        for key, item in value.items():
            _check(item, f"{path}.{key}" if path else str(key), depth + 1)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check(item, f"{path}[{i}]", depth + 1)
    elif isinstance(value, _TooLong):
        raise DocumentError(f"{path}: an integer of {value.digits} digits is far too large")
    elif isinstance(value, float) and not math.isfinite(value):
        raise DocumentError(
            f"{path}: {value!r} is not a finite number (NaN and infinity are refused)"
        )
    elif type(value) is int and value.bit_length() > MAX_DIGITS * 3.33:
        raise DocumentError(f"{path}: an integer of more than {MAX_DIGITS} digits is far too large")


def _loads_json(text: str) -> Any:
    try:
        return json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_no_constant,
            parse_int=_bounded_int,
        )
    except json.JSONDecodeError as exc:
        raise DocumentError(
            f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None


def _loads_toml(text: str) -> Any:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DocumentError(f"malformed TOML: {exc}") from None


_LONG_TOML_INT = re.compile(r"""(?m)^\s*([\w."'-]+)\s*=\s*[+-]?\d{4000}""")

_PARSERS: dict[str, Callable[[str], Any]] = {".json": _loads_json, ".toml": _loads_toml}


def parse_document(text: str, suffix: str) -> Any:
    """Parse JSON (``suffix`` ``.json``) or TOML text and check what the parsers let through."""
    try:
        data = _PARSERS[suffix](text)
    except RecursionError:
        raise DocumentError(f"nested more than {MAX_DEPTH} levels deep") from None
    except DocumentError:
        raise
    except ValueError as exc:
        # int() past Python's digit limit (a 5,000-digit number) raises a plain ValueError
        if "digits" in str(exc):
            # tomllib stops at Python's 4,300-digit limit without saying where: find the key
            found = _LONG_TOML_INT.search(text)
            where = f"{found.group(1)}: " if found else ""
            raise DocumentError(
                f"{where}an integer of thousands of digits is far too large"
            ) from None
        raise DocumentError(f"cannot be read: {exc}") from None
    _check(data, "", 0)
    return data
