"""Writing an output file so that it is never half-written and never an input.

:func:`write_atomic` writes to a temporary file in the target's folder, flushes
it to disk (``fsync``) and renames it over the target (``os.replace``, atomic
on POSIX and Windows). A full disk, a crash or Ctrl-C therefore leaves either
the old file or the new one, never a truncated mix. It refuses to write over a
file the same command reads (``protect``), compared by inode as well as by
resolved path so a symlink or hard link cannot get round it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from facialflow.errors import OutputError

__all__ = ["write_atomic"]


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def write_atomic(
    path: str | Path, data: bytes, *, protect: Iterable[tuple[str, str | Path | None]] = ()
) -> None:
    """Write ``data`` to ``path`` atomically, or raise :class:`OutputError` naming the file.

    ``protect`` is ``(option, path)`` pairs of the command's inputs (``("--client", file)``):
    writing over one of them is refused before anything is written.
    """
    target = Path(path)
    for option, source in protect:
        if source is not None and target.exists() and _same_file(target, Path(source)):
            raise OutputError(f"cannot write {target}: it is the input file given as {option}")
    folder = target.parent
    if not folder.is_dir():
        raise OutputError(f"cannot write {target}: the folder {folder} does not exist")
    if target.is_dir():
        raise OutputError(f"cannot write {target}: it is a folder")
    if target.exists() and not target.is_file():
        # a device or a pipe (/dev/stdout): there is nothing to replace, only to write to
        try:
            with target.open("wb") as f:
                f.write(data)
        except OSError as exc:
            raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None
        return
    try:
        fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        if target.exists():
            # keep the permissions the user gave the file it replaces
            with contextlib.suppress(OSError):
                os.chmod(temp, target.stat().st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None
        raise
    _sync_folder(folder)


def _sync_folder(folder: Path) -> None:
    # the rename itself is durable only once the folder is flushed (POSIX; not possible on Windows)
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
