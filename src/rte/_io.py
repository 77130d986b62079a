"""Atomic file writes: a reader never sees a half-written file."""

from __future__ import annotations

import errno
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

from rte.errors import OutputFileError, RTEError


def current_umask() -> int:
    """The process's file-creation mask (read without changing it)."""
    current = os.umask(0)
    os.umask(current)
    return current


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``.

    Any failure (no permission, a directory at ``path``, a full disk) leaves ``path`` as
    it was and raises :class:`OutputFileError` naming the path and the reason.
    """
    target = Path(path)
    try:
        if target.is_dir():
            raise IsADirectoryError(errno.EISDIR, "it is a directory; name a file", str(path))
        _write(target, data)
    except OSError as exc:
        raise OutputFileError(
            f"{target}: cannot write it ({exc.strerror or exc}). Check that the folder is "
            "writable, that the path names a file, and that the disk has space."
        ) from None


def check_output_file(path: str | os.PathLike[str]) -> None:
    """Refuse, before any work, an output path that is a directory or in a read-only folder."""
    target = Path(path)
    try:
        if target.is_dir():
            raise IsADirectoryError(errno.EISDIR, "it is a directory; name a file", str(path))
        folder = target.parent
        while not folder.exists():
            folder = folder.parent
        if not folder.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, f"{folder} is not a folder", str(path))
        if not os.access(folder, os.W_OK | os.X_OK):
            raise PermissionError(errno.EACCES, f"the folder {folder} is read-only", str(path))
    except OSError as exc:
        raise OutputFileError(
            f"{target}: cannot write it ({exc.strerror or exc}). Name a file in a writable folder."
        ) from None


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    # A short temporary name: the target's own name may already be near the length limit.
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".rte-", suffix=".tmp")
    try:
        # mkstemp creates owner-only files; give the result the permissions of a plain open().
        os.fchmod(fd, 0o666 & ~current_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Atomically write UTF-8 text."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike[str], obj: Any) -> None:
    """Atomically write ``obj`` as indented JSON; non-finite floats are refused."""
    atomic_write_text(path, json.dumps(obj, indent=2, allow_nan=False) + "\n")


def regular_size(path: Path, error: type[RTEError]) -> int:
    """The size of ``path``, which must be a regular file (links are followed).

    A pipe or a device (a link to ``/dev/zero``) would block or never end: it is
    refused with ``error`` before anything is read. A missing file raises
    FileNotFoundError for the caller to word.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise error(f"{path}: cannot read it ({exc.strerror or exc}).") from None
    if not stat.S_ISREG(info.st_mode):
        raise error(
            f"{path}: expected a regular file. Got a {_kind(info.st_mode)}; name the file "
            "itself, not a pipe, device or directory."
        )
    return info.st_size


def read_regular(path: Path, limit: int, error: type[RTEError]) -> bytes:
    """The bytes of regular file ``path`` of at most ``limit`` bytes, else ``error``."""
    size = regular_size(path, error)
    if size > limit:
        raise error(f"{path}: {size} bytes, more than the {limit} rte reads from such a file.")
    try:
        with open(path, "rb") as handle:
            data = handle.read(size + 1)  # one byte more than expected: detects growth
    except OSError as exc:
        raise error(f"{path}: cannot read it ({exc.strerror or exc}).") from None
    if len(data) > size:
        raise error(f"{path}: changed while being read. Try again once nothing writes to it.")
    return data


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "directory"),
        (stat.S_ISFIFO, "named pipe"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
        (stat.S_ISSOCK, "socket"),
    ):
        if test(mode):
            return name
    return "special file"
