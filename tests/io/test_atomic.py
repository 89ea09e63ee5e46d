"""Output files are written whole or not at all, and never over an input file."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from facialflow.cli import main
from facialflow.errors import FacialflowError, OutputError
from facialflow.io import atomic
from facialflow.io.atomic import write_atomic

CLIENT = '{"id": "c-1", "skin_type": "oily", "concerns": ["acne"], "fitzpatrick": 3}'


def full_disk_after(limit: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """os.write accepts ``limit`` bytes, then fails as a full disk does."""
    real_write = os.write
    written = 0

    def write(fd: int, data: bytes | memoryview) -> int:
        nonlocal written
        if written >= limit:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        chunk = bytes(data[: max(1, min(len(data), limit - written, 64))])
        written += len(chunk)
        return real_write(fd, chunk)

    monkeypatch.setattr(atomic.os, "write", write)  # type: ignore[attr-defined]


def test_a_full_disk_leaves_the_original_file_intact_and_no_temporary_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "plan.ics"
    target.write_bytes(b"the original calendar\n")
    full_disk_after(100, monkeypatch)
    with pytest.raises(OutputError, match="No space left on device") as info:
        write_atomic(target, b"x" * 10_000)
    assert isinstance(info.value, FacialflowError) and isinstance(info.value, OSError)
    assert target.read_bytes() == b"the original calendar\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.ics"]


def test_a_full_disk_during_plan_ics_is_one_error_and_the_old_calendar_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = tmp_path / "c.json"
    client.write_text(CLIENT)
    ics = tmp_path / "plan.ics"
    ics.write_bytes(b"BEGIN:VCALENDAR\nold\nEND:VCALENDAR\n")
    full_disk_after(200, monkeypatch)
    args = ["plan", "--client", str(client), "--start", "2026-01-05", "--ics", str(ics)]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 2
    assert r.stderr.startswith(f"Error: cannot write {ics}: No space left on device")
    assert ics.read_bytes() == b"BEGIN:VCALENDAR\nold\nEND:VCALENDAR\n"


def test_a_whole_write_replaces_the_file_and_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "out.svg"
    target.write_bytes(b"old")
    target.chmod(0o640)
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o777 == 0o640


def test_an_input_file_is_never_overwritten_even_through_a_link(tmp_path: Path) -> None:
    client = tmp_path / "c.json"
    client.write_text(CLIENT)
    link = tmp_path / "link.json"
    link.symlink_to(client)
    hard = tmp_path / "hard.json"
    os.link(client, hard)
    for target in (client, link, hard):
        with pytest.raises(OutputError, match="input file given as --client"):
            write_atomic(target, b"{}", protect=[("--client", client)])
    assert client.read_text() == CLIENT


def test_a_missing_output_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match=r"cannot write .*: the folder .*nowhere does not exist"):
        write_atomic(tmp_path / "nowhere" / "a.dot", b"digraph {}")


def test_diagram_refuses_to_write_over_its_client_file(tmp_path: Path) -> None:
    client = tmp_path / "c.json"
    client.write_text(CLIENT)
    args = ["diagram", "--client", str(client), "--format", "dot", "--output", str(client)]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 2
    assert "input file given as --client" in r.stderr
    assert client.read_text() == CLIENT
