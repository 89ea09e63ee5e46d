"""Strict shape checks for the TOML tables, with messages that say where the problem is."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping, Set
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from facialflow.knowledge._parsed import parse
from facialflow.knowledge.errors import KnowledgeBaseError

__all__ = [
    "keys",
    "located",
    "optional_string",
    "read_data",
    "schema",
    "string",
    "string_list",
    "table",
    "table_list",
]

SCHEMA = 1


def read_data(filename: str) -> dict[str, Any]:
    """Parse a TOML file shipped inside this package."""
    resource = resources.files("facialflow.knowledge").joinpath(filename)
    text = resource.read_text(encoding="utf-8")
    try:
        return parse(text, resource if isinstance(resource, Path) else None)
    except tomllib.TOMLDecodeError as exc:
        raise KnowledgeBaseError(f"{filename}: not valid TOML: {exc}") from exc


def keys(
    where: str, data: Mapping[str, Any], required: Set[str], optional: Set[str] = frozenset()
) -> None:
    """Refuse unknown keys (a typo must not silently drop data) and missing ones."""
    unknown = set(data) - required - optional
    if unknown:
        allowed = ", ".join(sorted(required | optional))
        raise KnowledgeBaseError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {allowed}")
    missing = required - set(data)
    if missing:
        raise KnowledgeBaseError(f"{where}: missing key(s) {sorted(missing)}")


def schema(where: str, data: Mapping[str, Any]) -> None:
    if data.get("schema") != SCHEMA:
        raise KnowledgeBaseError(f"{where}: schema must be {SCHEMA}, got {data.get('schema')!r}")


def string(where: str, data: Mapping[str, Any], key: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise KnowledgeBaseError(f"{where}: {key} must be a non-empty string, got {value!r}")
    return value


def optional_string(where: str, data: Mapping[str, Any], key: str) -> str | None:
    return None if key not in data else string(where, data, key)


def string_list(where: str, data: Mapping[str, Any], key: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise KnowledgeBaseError(f"{where}: {key} must be a list of non-empty strings")
    return value


def table(where: str, data: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise KnowledgeBaseError(f"{where}: [{key}] must be a table")
    return value


def table_list(where: str, data: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise KnowledgeBaseError(f"{where}: [[{key}]] must be an array of tables")
    return value


@contextmanager
def located(where: str) -> Iterator[None]:
    """Turn a record validator's ValueError into an error that says which entry is wrong."""
    try:
        yield
    except KnowledgeBaseError:
        raise
    except (TypeError, ValueError) as exc:
        raise KnowledgeBaseError(f"{where}: {exc}") from exc
