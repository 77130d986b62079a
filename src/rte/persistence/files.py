"""Safe file operations for model directories.

- Reads accept regular files only, up to a size limit: a part that is a named pipe,
  a device (a link to ``/dev/zero``) or absurdly large is refused before it is read.
- A directory is written complete under a hidden temporary name beside the target,
  then swapped into place. On Linux the swap is one atomic ``renameat2`` exchange,
  so at every instant the target path holds either the old or the new model; where
  that call is missing, the old directory is moved aside and restored on failure.
- The old model is removed file by file, and only if it still holds model files
  alone; anything else found there is swapped back into place untouched.
- Temporary directories carry the writer's process id: a save killed half-way (or
  one whose clean-up failed on a broken disk) leaves one behind, and the next save in
  that folder removes it (or, if the old model was still set aside, puts it back).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import hashlib
import os
import re
import tempfile
from pathlib import Path

from rte import _io
from rte._io import current_umask
from rte.errors import ModelFileError
from rte.persistence._format import MODEL_FILES

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
# Hidden working directories of a save: ".<tag>.rte-<pid>-<random>.tmp" (new model being
# written, or the old one after the swap) and ".old" (old model set aside, fallback only).
_WORK = re.compile(r"^\.(?P<tag>.+)\.rte-(?P<pid>\d+)-[A-Za-z0-9_]+\.(?P<kind>tmp|old)$")
# Working directories of saves running in this process (other threads' are left alone).
_ACTIVE: set[Path] = set()


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes."""
    try:
        return _io.read_regular(path, limit, ModelFileError)
    except FileNotFoundError:
        raise _missing(path) from None


def regular_size(path: Path) -> int:
    """The size of ``path``, which must be a regular file (links are followed)."""
    try:
        return _io.regular_size(path, ModelFileError)
    except FileNotFoundError:
        raise _missing(path) from None


def _missing(path: Path) -> ModelFileError:
    return ModelFileError(
        f"{path.parent}: the model directory is missing its part {path.name!r}. Copy the "
        "whole directory or save the model again."
    )


def lstat_or_none(path: Path) -> os.stat_result | None:
    """``path``'s own status (links not followed), None if nothing is there."""
    try:
        return path.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot use this path ({exc.strerror or exc}).") from None


def write_directory(
    target: Path, files: dict[str, bytes], names: frozenset[str] = MODEL_FILES
) -> None:
    """Write ``files`` (name -> bytes) as the directory ``target``, replacing it atomically.

    An existing ``target`` is replaced only while it holds files named in ``names`` alone
    (a model's, by default); otherwise it is left as it was and ModelFileError is raised.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(target, names)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=_prefix(target), suffix=".tmp"))
    _ACTIVE.add(Path(os.path.abspath(tmp)))
    try:
        tmp.chmod(0o777 & ~current_umask())
        for name, data in files.items():
            with open(tmp / name, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        _fsync(tmp)
        if lstat_or_none(target) is None:
            os.rename(tmp, target)
        else:
            _replace(tmp, target, names)
        _fsync(target.parent)
    finally:
        _remove_model(tmp, names)
        _ACTIVE.discard(Path(os.path.abspath(tmp)))


def clean_leftovers(target: Path, names: frozenset[str] = MODEL_FILES) -> None:
    """Remove what saves killed half-way left beside ``target``; restore a set-aside model.

    Only working directories of dead processes (or of this one, no longer in use) are
    touched, and only while they hold files named in ``names`` alone.
    """
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return
    tag = _tag(target)
    for entry in entries:
        match = _WORK.match(entry.name)
        path = Path(entry.path)
        if match is None or _in_use(int(match["pid"]), path):
            continue
        if not entry.is_dir(follow_symlinks=False):
            continue
        if match["kind"] == "old":
            set_aside = path / "model"
            if match["tag"] == tag and lstat_or_none(target) is None and set_aside.is_dir():
                os.rename(set_aside, target)
            _remove_model(set_aside, names)
        _remove_model(path, names)


def _prefix(target: Path) -> str:
    return f".{_tag(target)}.rte-{os.getpid()}-"


def _tag(target: Path) -> str:
    """The target's name in working-directory names (hashed when long: names have limits)."""
    name = target.name
    return name if len(name) <= 64 else hashlib.sha256(name.encode()).hexdigest()[:16]


def _in_use(pid: int, path: Path) -> bool:
    """Whether a save may still be working in ``path``."""
    if pid == os.getpid():
        return Path(os.path.abspath(path)) in _ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. EPERM: a process of another user has that id
        return True
    return True


def only_model_files(path: Path, names: frozenset[str] = MODEL_FILES) -> bool:
    """Whether directory ``path`` holds nothing but files named in ``names`` (a model's by
    default; links count as files)."""
    try:
        return all(
            e.name in names and not e.is_dir(follow_symlinks=False) for e in os.scandir(path)
        )
    except OSError:
        return False


def _remove_model(path: Path, names: frozenset[str] = MODEL_FILES) -> bool:
    """Delete directory ``path`` if it holds only files in ``names``; True if nothing is left."""
    try:
        entries = list(os.scandir(path))
    except FileNotFoundError:
        return True
    except OSError:
        return False
    if not only_model_files(path, names):
        return False
    try:
        for entry in entries:
            os.unlink(entry.path)
        os.rmdir(path)
    except OSError:
        return False
    return True


def _replace(new: Path, target: Path, names: frozenset[str]) -> None:
    """Put ``new`` at ``target`` and remove the old model; never delete anything else.

    The old directory is checked again once it is out of the way: if files other than
    a model's appeared in it since the first check, it goes back into place untouched.
    """
    if _exchange(new, target):
        if not only_model_files(new, names):
            _exchange(new, target)
            raise _not_a_model(target)
        _remove_model(new, names)
        return
    old = Path(tempfile.mkdtemp(dir=target.parent, prefix=_prefix(target), suffix=".old"))
    os.replace(target, old / "model")
    try:
        if not only_model_files(old / "model", names):
            raise _not_a_model(target)
        os.replace(new, target)
    except BaseException:
        os.replace(old / "model", target)
        os.rmdir(old)
        raise
    _remove_model(old / "model", names)
    os.rmdir(old)


def _not_a_model(target: Path) -> ModelFileError:
    return ModelFileError(
        f"{target}: refusing to overwrite; it holds files rte did not write. Choose another "
        "--out path."
    )


def _fsync(directory: Path) -> None:
    """Make a directory's entries durable (a crash after a rename keeps the rename)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


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
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):  # no exchange on this fs
        return False
    raise OSError(code, os.strerror(code), str(b))
