"""What every model-directory format shares: file names, limits, the loaded result."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safetensors import SafetensorError
from safetensors.torch import load as load_tensors

from rte._state import State
from rte._version import __version__
from rte.errors import ModelFileError, RTEError

FORMAT_VERSION = 2
WEIGHTS_FILE = "weights.safetensors"
INFO_FILE = "model.json"
MANIFEST_FILE = "manifest.json"
MODEL_FILES = frozenset({WEIGHTS_FILE, INFO_FILE, MANIFEST_FILE})
# Limits of what a model part may hold before it is read at all.
MAX_JSON_BYTES = 64 * 2**20
MAX_WEIGHTS_BYTES = 16 * 2**30


@dataclass(frozen=True)
class SavedModel:
    """What a model directory holds: the estimator's params, component states, metadata."""

    path: Path
    info: Mapping[str, Any]
    params: Mapping[str, Any]
    states: Mapping[str, State]

    @property
    def metadata(self) -> Mapping[str, Any]:
        """The caller's metadata (e.g. table column names)."""
        return self.info["metadata"]

    @contextmanager
    def checking(self) -> Iterator[None]:
        """Turn any error while rebuilding the model into one ModelFileError."""
        try:
            yield
        except (KeyError, TypeError, ValueError, RuntimeError, AttributeError, RTEError) as exc:
            raise ModelFileError(
                f"{self.path}: the model parts are inconsistent ({type(exc).__name__}: {exc}). "
                "Save the model again."
            ) from None


def check_format(version: int, where: Path) -> None:
    """Refuse format versions this rte cannot read."""
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"{where}: model format version {version} is newer than this rte ({__version__}) "
            f"reads (up to {FORMAT_VERSION}). Upgrade rte to load it."
        )
    if version < 1:
        raise ModelFileError(f"{where}: unknown format version {version}.")


def digest(data: bytes) -> dict[str, Any]:
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def parse_json(data: bytes, path: Path) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # bad UTF-8 or JSON, a 5,000-digit number
        raise ModelFileError(
            f"{path}: corrupt JSON ({type(exc).__name__}). Save the model again."
        ) from None


def parse_tensors(data: bytes, directory: Path) -> dict[str, Any]:
    """The tensors of a weights file; every floating-point value must be finite (a fitted
    model never holds NaN or inf, so one that does was damaged or edited)."""
    try:
        tensors = load_tensors(data)
    except (SafetensorError, ValueError, RuntimeError) as exc:
        raise ModelFileError(
            f"{directory / WEIGHTS_FILE}: the model parts are inconsistent (not valid "
            f"safetensors: {exc}). Save the model again."
        ) from None
    for name, tensor in tensors.items():
        if tensor.is_floating_point() and not bool(tensor.isfinite().all()):
            raise ModelFileError(
                f"{directory / WEIGHTS_FILE}: tensor {name!r} holds NaN or inf; a fitted model "
                "never does, so the file was damaged or edited. Save the model again."
            )
    return tensors
