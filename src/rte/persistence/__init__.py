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
from rte.persistence.files import read_regular, write_directory
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
    meta = dict(metadata or {})
    if not isinstance(meta.get("columns", {}), dict):
        raise ValidationError(
            f"metadata['columns'] must be a JSON object of column names. Got {meta['columns']!r}."
        )
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


def read_info(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The checked description of a model directory (``model.json``, any format)."""
    return dict(load_states(path).info)


def load_states(path: str | os.PathLike[str], kind: str | None = None) -> SavedModel:
    """Read and verify a model directory; ``kind`` (a class name) must match if given."""
    directory = Path(path)
    if not directory.is_dir():
        raise ModelFileError(
            f"{directory}: expected a model directory (from `rte fit` or save). Got "
            f"{'a file' if directory.exists() else 'nothing at that path'}."
        )
    if (directory / MANIFEST_FILE).exists() or not (directory / INFO_FILE).exists():
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
    info["format_version"] = version
    tensors = parse_tensors(weights, directory)
    return SavedModel(
        directory, info, info["params"], _split(info["components"], tensors, directory)
    )


def check_replaceable(target: Path) -> None:
    """Raise unless ``target`` is free, an empty directory or a model directory to replace.

    A model directory holds only model files; a folder with anything else in it is
    refused, so saving never deletes what rte did not write.
    """
    if not target.exists() and not target.is_symlink():
        return
    if target.is_symlink() or not target.is_dir():
        raise ModelFileError(
            f"{target}: refusing to overwrite; it exists and is not an rte model directory. "
            "Choose another --out path."
        )
    try:
        entries = {p.name for p in target.iterdir()}
    except OSError as exc:
        raise ModelFileError(f"{target}: cannot list it ({exc.strerror or exc}).") from None
    extra = sorted(entries - MODEL_FILES)
    if extra or (entries and INFO_FILE not in entries):
        raise ModelFileError(
            f"{target}: refusing to overwrite; it exists and is not an rte model directory "
            f"(it holds {extra[:3] or sorted(entries)[:3]}). Choose another --out path."
        )


def _verified(path: Path, expected: Any, limit: int) -> bytes:
    data = read_regular(path, limit)
    if not isinstance(expected, dict) or digest(data) != expected:
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
