"""The shipped TOML tables, parsed once per version of their text, as Python caches bytecode.

Parsing ``ingredients.toml`` took 16 ms of the 180 ms every command spends starting
(tomllib is pure Python); loading the same tables with :mod:`marshal` takes well
under a millisecond. The cache sits in the package's ``__pycache__`` folder, next
to the bytecode, and is written, like bytecode, only where that folder is
writable and Python may write bytecode (``PYTHONDONTWRITEBYTECODE`` unset).

A cache is trusted no more than it must be: it is named for a digest of the TOML
text it was parsed from (an edited table is parsed again), and holds a digest of
its own contents, checked on every load, so a damaged file is parsed again and
replaced, never believed. Whatever goes wrong with a cache, the tables are parsed
from the TOML text, as without one.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

__all__ = ["parse"]

#: changes whenever what a cache holds changes shape (and with the Python version:
#: marshal's format is Python's own)
_VERSION = f"1-{sys.implementation.cache_tag}"


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def parse(text: str, source: Path | None) -> dict[str, Any]:
    """``tomllib.loads(text)``, from the cache beside ``source`` when there is a good one.

    ``source`` is the TOML file ``text`` was read from, or None when it is not a
    plain file (a zipped package): then the text is parsed.
    """
    if source is None or sys.pycache_prefix is not None:
        # (bytecode goes elsewhere under PYTHONPYCACHEPREFIX: so would this; kept simple)
        return tomllib.loads(text)
    raw = text.encode("utf-8")
    prefix = f"{source.name}.{_VERSION}."
    cache = source.parent / "__pycache__" / f"{prefix}{_digest(raw).hex()}.marshal"
    data = _load(cache)
    if data is None:
        data = tomllib.loads(text)
        if not sys.dont_write_bytecode:
            _store(cache, prefix, data)
    return data


def _load(cache: Path) -> dict[str, Any] | None:
    try:
        blob = cache.read_bytes()
    except OSError:
        return None
    check, payload = blob[:16], blob[16:]
    if len(check) != 16 or _digest(payload) != check:
        return None
    try:
        data = marshal.loads(payload)
    except (ValueError, EOFError, TypeError):
        return None
    return data if isinstance(data, dict) else None


def _store(cache: Path, prefix: str, data: dict[str, Any]) -> None:
    try:
        payload = marshal.dumps(data)
    except ValueError:
        return  # a value marshal cannot hold (a TOML date): parse each time instead
    try:
        cache.parent.mkdir(exist_ok=True)
        # written whole under a temporary name, then renamed: a reader sees all or nothing
        fd, name = tempfile.mkstemp(dir=cache.parent, prefix=f".{cache.name}.")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(_digest(payload) + payload)
            # readable by whoever may read the table (mkstemp makes it its owner's alone)
            os.chmod(name, 0o644)
            os.replace(name, cache)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        # the caches of earlier versions of the same table
        for old in [*cache.parent.glob(f"{prefix}*.marshal"), *cache.parent.glob(f".{prefix}*")]:
            if old != cache:
                old.unlink(missing_ok=True)  # and a half-written one a killed process left
    except OSError:
        return  # a read-only install: parse each time, as without a cache
