"""What the document reader refuses that json and tomllib would let through."""

from __future__ import annotations

from pathlib import Path

import pytest

from facialflow.io.reading import MAX_DEPTH, DocumentError, parse_document, read_text


def test_a_utf8_byte_order_mark_is_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_bytes(b"\xef\xbb\xbf" + b'{"id": "c-1"}')
    assert parse_document(read_text(path), ".json") == {"id": "c-1"}


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ('{"id": "c"}'.encode("utf-16"), "UTF-16"),
        ('{"id": "c"}'.encode("utf-16-be"), "binary"),
        (b"\x89PNG\x00\x00", "binary"),
        ('{"id": "café"}'.encode("latin-1"), "not UTF-8"),
    ],
)
def test_encodings_other_than_utf8_are_named(tmp_path: Path, raw: bytes, words: str) -> None:
    path = tmp_path / "c.json"
    path.write_bytes(raw)
    with pytest.raises(DocumentError, match=words):
        read_text(path)


@pytest.mark.parametrize(
    ("text", "suffix", "words"),
    [
        ('{"a": 1, "a": 2}', ".json", "duplicate key 'a'"),
        ('{"a": {"b": 1, "b": 1}}', ".json", "duplicate key 'b'"),
        ('{"a": NaN}', ".json", "a: nan is not a finite number"),
        ('{"a": [1, -Infinity]}', ".json", r"a\[1\]: -inf"),
        ('{"a": ' + "1" * 31 + "}", ".json", "31 digits"),
        ('{"a": ' + "1" * 5000 + "}", ".json", "5000 digits"),
        ("[" * 50_000 + "]" * 50_000, ".json", "nested"),
        ("[" * (MAX_DEPTH + 2) + "]" * (MAX_DEPTH + 2), ".json", f"more than {MAX_DEPTH}"),
        ("a = nan\n", ".toml", "a: nan is not a finite number"),
        ("[t]\na = [1.0, -inf]\n", ".toml", r"t.a\[1\]: -inf"),
        ("a = " + "1" * 5000 + "\n", ".toml", "digits"),
        ("a = " + "[" * 5000 + "]" * 5000 + "\n", ".toml", "nested"),
    ],
)
def test_what_the_parsers_let_through_is_refused(text: str, suffix: str, words: str) -> None:
    with pytest.raises(DocumentError, match=words):
        parse_document(text, suffix)


def test_a_folder_and_a_missing_file_are_named(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="is a folder"):
        read_text(tmp_path)
    with pytest.raises(DocumentError, match="no such file"):
        read_text(tmp_path / "none.json")
