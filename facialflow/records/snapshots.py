"""The published JSON Schema of session snapshots, and the check a host runs before restore.

The schema ships inside the package (``facialflow/records/schemas``), so a
host or another language can validate stored snapshots without facialflow. A
snapshot in a format this facialflow does not know, or from a newer one, is a
:class:`~facialflow.errors.SnapshotError` that says which, never a misread.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from typing import Any

from facialflow.errors import SnapshotError
from facialflow.session.snapshot import SNAPSHOT_FORMAT

__all__ = ["FORMATS", "SNAPSHOT_FORMAT", "check_snapshot", "snapshot_schema"]

_FORMAT = re.compile(r"^facialflow\.session/(\d+)$")


#: the snapshot formats this facialflow reads, by number
FORMATS = (1, 2)


@cache
def snapshot_schema(version: int = FORMATS[-1]) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of format ``facialflow.session/<version>``."""
    if version not in FORMATS:
        raise SnapshotError(f"no schema for snapshot format {version}")
    name = f"schemas/session-snapshot-{version}.schema.json"
    text = files("facialflow.records").joinpath(name).read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def check_snapshot(data: Any) -> Mapping[str, Any]:
    """``data`` if it is a valid snapshot of a format this facialflow reads, else SnapshotError."""
    import jsonschema

    if not isinstance(data, Mapping):
        raise SnapshotError("a snapshot is a JSON object")
    fmt = data.get("format")
    match = _FORMAT.match(fmt) if isinstance(fmt, str) else None
    if match is None:
        raise SnapshotError(
            f"unknown snapshot format {fmt!r}; this facialflow reads {SNAPSHOT_FORMAT}"
        )
    version = int(match.group(1))
    if version > FORMATS[-1]:
        raise SnapshotError(
            f"snapshot format {fmt} is newer than this facialflow (it reads {SNAPSHOT_FORMAT}): "
            "upgrade facialflow to restore it"
        )
    if version not in FORMATS:
        raise SnapshotError(
            f"unknown snapshot format {fmt!r}; this facialflow reads {SNAPSHOT_FORMAT}"
        )
    validator = jsonschema.Draft202012Validator(snapshot_schema(version))
    error = jsonschema.exceptions.best_match(validator.iter_errors(dict(data)))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise SnapshotError(f"snapshot {where}: {error.message}")
    return data
