"""Safe file operations for model directories.

- Reads accept regular files only, up to a size limit: a part that is a named pipe,
  a device (a link to ``/dev/zero``) or absurdly large is refused before it is read.
- A directory is written complete under a hidden temporary name beside the target,
  then swapped into place. On Linux the swap is one atomic ``renameat2`` exchange,
  so at every instant the target path holds either the old or the new model; where
  that call is missing, the old directory is moved aside and restored on failure.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import stat
import tempfile
from pathlib import Path

from rte._io import current_umask
from rte.errors import ModelFileError

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ModelFileError(
            f"{path.parent}: the model directory is missing its part {path.name!r}. Copy the "
            "whole directory or save the model again."
        ) from None
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot read it ({exc.strerror or exc}).") from None
    if not stat.S_ISREG(info.st_mode):
        raise ModelFileError(
            f"{path}: expected a regular file. Got a {_kind(info.st_mode)}; a model part is "
            "never a pipe, device or directory. Save the model again."
        )
    if info.st_size > limit:
        raise ModelFileError(
            f"{path}: {info.st_size} bytes, more than the {limit} a model part may hold. "
            "Save the model again."
        )
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot read it ({exc.strerror or exc}).") from None
    if len(data) > limit:
        raise ModelFileError(f"{path}: grew beyond {limit} bytes while being read.")
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


def write_directory(target: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` (name -> bytes) as the directory ``target``, replacing it atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    try:
        tmp.chmod(0o777 & ~current_umask())
        for name, data in files.items():
            with open(tmp / name, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        if target.exists():
            _replace(tmp, target)
        else:
            os.rename(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _replace(new: Path, target: Path) -> None:
    """Put ``new`` at ``target``; the old ``target`` ends at ``new``'s path (then removed)."""
    if _exchange(new, target):
        return
    old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".old"))
    os.replace(target, old / "model")
    try:
        os.replace(new, target)
    except BaseException:
        os.replace(old / "model", target)
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with Linux ``renameat2``; False where unsupported."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    libc = ctypes.CDLL(name, use_errno=True)
    call = getattr(libc, "renameat2", None)
    if call is None:
        return False
    done = call(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if done == 0:
        return True
    errno = ctypes.get_errno()
    if errno in (38, 22, 95):  # ENOSYS, EINVAL, EOPNOTSUPP: the file system cannot exchange
        return False
    raise OSError(errno, os.strerror(errno), str(b))
