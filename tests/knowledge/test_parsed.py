"""The shipped tables' parse cache: used when good, never believed when damaged or stale."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest

from facialflow.knowledge import _checks, _parsed
from facialflow.knowledge._parsed import parse

TABLE = '[[ingredient]]\nname = "niacinamide"\nclasses = ["vitamin"]\nstrength = 0.05\n'


@pytest.fixture
def source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    path = tmp_path / "table.toml"
    path.write_text(TABLE, encoding="utf-8")
    return path


def caches(source: Path) -> list[Path]:
    return sorted((source.parent / "__pycache__").glob(f"{source.name}.*.marshal"))


def no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(text: str) -> None:
        raise AssertionError("parsed although a good cache was there")

    monkeypatch.setattr(_parsed.tomllib, "loads", refuse)  # type: ignore[attr-defined]


def test_the_second_read_comes_from_the_cache_and_equals_the_parse(
    source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = parse(TABLE, source)
    assert first == tomllib.loads(TABLE)
    assert len(caches(source)) == 1
    no_parsing(monkeypatch)
    assert parse(TABLE, source) == first


@pytest.mark.parametrize("where", [0, 20, -1])
def test_a_damaged_cache_is_parsed_again_and_replaced(source: Path, where: int) -> None:
    parse(TABLE, source)
    (cache,) = caches(source)
    blob = bytearray(cache.read_bytes())
    blob[where] ^= 0x01
    cache.write_bytes(bytes(blob))
    assert parse(TABLE, source) == tomllib.loads(TABLE)
    assert cache.read_bytes() != bytes(blob)  # written good again


def test_a_truncated_or_empty_cache_is_parsed_again(source: Path) -> None:
    parse(TABLE, source)
    (cache,) = caches(source)
    for damaged in (cache.read_bytes()[:10], b""):
        cache.write_bytes(damaged)
        assert parse(TABLE, source) == tomllib.loads(TABLE)


def test_an_edited_table_is_parsed_again_and_the_old_cache_removed(
    source: Path,
) -> None:
    parse(TABLE, source)
    (old,) = caches(source)
    edited = TABLE.replace("0.05", "0.1")
    assert parse(edited, source)["ingredient"][0]["strength"] == 0.1
    (new,) = caches(source)
    assert new != old and not old.exists()


def test_nothing_is_written_where_python_writes_no_bytecode(
    source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    assert parse(TABLE, source) == tomllib.loads(TABLE)
    assert caches(source) == []


def test_a_cache_folder_that_cannot_be_made_parses_each_time(source: Path) -> None:
    # (what a read-only install gives too; root may write anywhere, so the test blocks the name)
    (source.parent / "__pycache__").write_text("a file where the folder would be")
    assert parse(TABLE, source) == tomllib.loads(TABLE)


def test_values_marshal_cannot_hold_are_parsed_each_time(source: Path) -> None:
    dated = TABLE + "reviewed = 2026-11-25\n"
    assert parse(dated, source) == tomllib.loads(dated)
    assert caches(source) == []


def test_without_a_file_the_text_is_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    assert parse(TABLE, None) == tomllib.loads(TABLE)


@pytest.mark.parametrize("name", ["ingredients.toml", "medications.toml"])
def test_the_shipped_tables_read_the_same_with_or_without_a_cache(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (Path(_checks.__file__).parent / name).read_text(encoding="utf-8")
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    assert _checks.read_data(name) == tomllib.loads(text)
    assert _checks.read_data(name) == tomllib.loads(text)
