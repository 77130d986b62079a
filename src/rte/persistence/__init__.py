"""Model directories: fitted components on disk, checksummed, loaded without executing code.

A model directory (format 2) holds three files:

- ``weights.safetensors``: every component's tensors, named ``<component>.<tensor>``.
  safetensors stores raw numbers only, so loading can never run code; ``torch.load``
  and pickle are never used.
- ``model.json``: the estimator's kind and hyperparameters, each component's
  settings, a summary of the bank (for ``rte inspect``) and caller metadata.
- ``manifest.json``: the format version and the SHA-256 and size of the two files
  above, checked before either is parsed: an edited description is refused as
  surely as corrupt weights.

This module only assembles: each component turns itself into a
:class:`~rte._state.State` and back (``state()`` / ``from_state()``), so nothing
here reads a component's private attributes. Directories of format 1 (one JSON
file with the weights' checksum) are read through :mod:`rte.persistence.migrate`.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from safetensors.torch import save as save_tensors

from rte._state import State
from rte._version import __version__
from rte.errors import ModelFileError, ValidationError
from rte.persistence._format import (
    FORMAT_VERSION,
    INFO_FILE,
    MANIFEST_FILE,
    MAX_JSON_BYTES,
    MAX_WEIGHTS_BYTES,
    MODEL_FILES,
    WEIGHTS_FILE,
    SavedModel,
    check_format,
    digest,
    parse_json,
    parse_tensors,
)
from rte.persistence.files import (
    lstat_or_none,
    only_model_files,
    read_regular,
    regular_size,
    write_directory,
)
from rte.persistence.migrate import load_format_1

__all__ = [
    "FORMAT_VERSION",
    "INFO_FILE",
    "MANIFEST_FILE",
    "WEIGHTS_FILE",
    "SavedModel",
    "check_format",
    "check_replaceable",
    "load_states",
    "read_info",
    "save_states",
]


def save_states(
    path: str | os.PathLike[str],
    kind: str,
    params: Mapping[str, Any],
    states: Mapping[str, State],
    metadata: Mapping[str, Any] | None = None,
) -> Path:
    """Write an estimator of class ``kind`` with ``params`` and component ``states``."""
    target = Path(path)
    check_replaceable(target)
    if metadata is not None and not isinstance(metadata, Mapping):
        raise ValidationError(f"metadata must be a mapping (a dict). Got {metadata!r}.")
    meta = dict(metadata or {})
    check_columns(meta.get("columns", {}))
    tensors = {
        f"{name}.{key}": value
        for name, state in states.items()
        for key, value in state.tensors.items()
    }
    info = {
        "kind": kind,
        "package_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "params": dict(params),
        "components": {name: dict(state.config) for name, state in states.items()},
        "metadata": meta,
    }
    weights = save_tensors(tensors)
    description = _dump(info, "the model description")
    manifest = _dump(
        {
            "format_version": FORMAT_VERSION,
            "files": {
                name: digest(data)
                for name, data in ((INFO_FILE, description), (WEIGHTS_FILE, weights))
            },
        },
        "the manifest",
    )
    try:
        write_directory(
            target, {WEIGHTS_FILE: weights, INFO_FILE: description, MANIFEST_FILE: manifest}
        )
    except OSError as exc:
        raise ModelFileError(f"{target}: cannot write the model ({exc}).") from None
    return target


_COLUMN_ROLES = {"task": str, "x": list, "y": str, "params": list}


def check_columns(columns: Any) -> None:
    """``metadata['columns']`` (table column names, as ``rte fit`` stores them) is well formed."""
    ok = isinstance(columns, Mapping) and all(
        key in _COLUMN_ROLES
        and isinstance(value, _COLUMN_ROLES[key])
        and (not isinstance(value, list) or all(isinstance(v, str) for v in value))
        for key, value in columns.items()
    )
    if not ok:
        raise ValidationError(
            "metadata['columns'] must be a JSON object with 'task' and 'y' (text) and 'x' and "
            f"'params' (lists of text), any of them optional. Got {columns!r}."
        )


def read_info(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The checked description of a model directory (``model.json``, any format)."""
    return dict(load_states(path).info)


def load_states(path: str | os.PathLike[str], kind: str | None = None) -> SavedModel:
    """Read and verify a model directory; ``kind`` (a class name) must match if given."""
    directory = Path(path)
    try:
        found = directory.stat()
    except FileNotFoundError:
        found = None
    except OSError as exc:
        raise ModelFileError(f"{directory}: cannot open it ({exc.strerror or exc}).") from None
    if found is None or not stat.S_ISDIR(found.st_mode):
        raise ModelFileError(
            f"{directory}: expected a model directory (from `rte fit` or save). Got "
            f"{'a file' if found else 'nothing at that path'}."
        )
    if lstat_or_none(directory / MANIFEST_FILE) or not lstat_or_none(directory / INFO_FILE):
        saved = _load_current(directory)
    else:
        saved = load_format_1(directory)
    if kind is not None and saved.info["kind"] != kind:
        raise ModelFileError(
            f"{directory}: holds a {saved.info['kind']} model, not a {kind}. Load it with "
            f"{saved.info['kind']}.load."
        )
    return saved


def _load_current(directory: Path) -> SavedModel:
    manifest = parse_json(
        read_regular(directory / MANIFEST_FILE, MAX_JSON_BYTES), directory / MANIFEST_FILE
    )
    version = manifest.get("format_version") if isinstance(manifest, dict) else None
    if type(version) is not int:
        raise ModelFileError(
            f"{directory / MANIFEST_FILE}: expected a JSON object with an integer "
            "'format_version'. This is not an rte model manifest."
        )
    check_format(version, directory / MANIFEST_FILE)
    files = manifest.get("files")
    if not isinstance(files, dict) or set(files) != {INFO_FILE, WEIGHTS_FILE}:
        raise ModelFileError(
            f"{directory / MANIFEST_FILE}: expected checksums of {INFO_FILE} and {WEIGHTS_FILE}. "
            "Save the model again."
        )
    description = _verified(directory / INFO_FILE, files[INFO_FILE], MAX_JSON_BYTES)
    weights = _verified(directory / WEIGHTS_FILE, files[WEIGHTS_FILE], MAX_WEIGHTS_BYTES)
    info = parse_json(description, directory / INFO_FILE)
    if (
        not isinstance(info, dict)
        or not all(isinstance(info.get(key), dict) for key in ("params", "components", "metadata"))
        or not isinstance(info.get("kind"), str)
    ):
        raise ModelFileError(
            f"{directory / INFO_FILE}: expected an object with 'kind', 'params', 'components' "
            "and 'metadata'. Save the model again."
        )
    try:
        check_columns(info["metadata"].get("columns", {}))
    except ValidationError as exc:
        raise ModelFileError(f"{directory / INFO_FILE}: {exc} Save the model again.") from None
    info["format_version"] = version
    tensors = parse_tensors(weights, directory)
    return SavedModel(
        directory, info, info["params"], _split(info["components"], tensors, directory)
    )


def check_replaceable(target: Path) -> None:
    """Raise unless ``target`` is free, an empty directory or a model directory to replace.

    A model directory holds only model files; a folder with anything else in it
    (files, sub-folders) is refused, so saving never deletes what rte did not write.
    A read-only model directory is refused too: it is not rte's to replace.
    """
    found = lstat_or_none(target)
    if found is None:
        return
    if not stat.S_ISDIR(found.st_mode):
        raise ModelFileError(
            f"{target}: refusing to overwrite; it exists and is not an rte model directory. "
            "Choose another --out path."
        )
    try:
        entries = sorted(p.name for p in target.iterdir())
    except OSError as exc:
        raise ModelFileError(f"{target}: cannot list it ({exc.strerror or exc}).") from None
    if entries and not (only_model_files(target) and _written_by_rte(target)):
        extra = [e for e in entries if e not in MODEL_FILES] or entries
        raise ModelFileError(
            f"{target}: refusing to overwrite; it exists and is not an rte model directory "
            f"(it holds {extra[:3]}). Choose another --out path."
        )
    if not os.access(target, os.W_OK | os.X_OK):
        raise ModelFileError(
            f"{target}: refusing to overwrite a read-only model directory. Make it writable "
            "(chmod u+w) or choose another --out path."
        )


def _written_by_rte(directory: Path) -> bool:
    """Whether ``directory`` is a model rte saved: its manifest holds the checksum of its
    model.json (format 2), or its model.json is a format-1 description. A folder that
    merely holds a file named model.json is not one."""
    try:
        info = read_regular(directory / INFO_FILE, MAX_JSON_BYTES)
        if lstat_or_none(directory / MANIFEST_FILE) is None:
            old = parse_json(info, directory / INFO_FILE)
            return isinstance(old, dict) and old.get("format_version") == 1
        manifest = parse_json(
            read_regular(directory / MANIFEST_FILE, MAX_JSON_BYTES), directory / MANIFEST_FILE
        )
    except ModelFileError:
        return False
    files = manifest.get("files") if isinstance(manifest, dict) else None
    return isinstance(files, dict) and files.get(INFO_FILE) == digest(info)


def _verified(path: Path, expected: Any, limit: int) -> bytes:
    # The size is compared before reading, so a huge or endless part is never read.
    if (
        not isinstance(expected, dict)
        or expected.get("bytes") != regular_size(path)
        or digest(data := read_regular(path, limit)) != expected
    ):
        raise ModelFileError(
            f"{path}: its SHA-256 or size does not match the manifest; it is corrupt, "
            "truncated or was modified. Save the model again."
        )
    return data


def _dump(obj: Any, what: str) -> bytes:
    try:
        return (json.dumps(obj, indent=2, allow_nan=False) + "\n").encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            f"{what} must be JSON-ready (text, finite numbers, lists, dicts). Got {exc}."
        ) from None


def _split(
    configs: Mapping[str, Any], tensors: Mapping[str, Any], directory: Path
) -> dict[str, State]:
    """Group ``<component>.<tensor>`` names under their component's settings."""
    states = {}
    for name, config in configs.items():
        if not isinstance(config, dict):
            raise ModelFileError(
                f"{directory / INFO_FILE}: component {name!r} has no settings object."
            )
        prefix = f"{name}."
        own = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
        states[name] = State(config, own)
    return states
