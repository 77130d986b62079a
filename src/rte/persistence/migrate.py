"""Reading model directories of format 1 (rte 0.1), as format-2 component states.

Format 1 was one ``model.json`` (settings, bank summary, scalars, the weights'
SHA-256) beside ``weights.safetensors`` with tensors named ``psi.*``,
``embedding.*``, ``bank.*``, ``range.differences`` and ``losses``. The mapping to
today's components is fixed, so old models load and predict exactly as before.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from rte._state import State
from rte.errors import ModelFileError
from rte.persistence._format import (
    INFO_FILE,
    MAX_JSON_BYTES,
    MAX_WEIGHTS_BYTES,
    WEIGHTS_FILE,
    SavedModel,
    check_format,
    parse_json,
    parse_tensors,
)
from rte.persistence.files import read_regular

FORMAT_1_KIND = "RelationalTaskExtrapolator"
# rte 0.1 decomposed in one step (strategy A) and predicted with Psi alone: a model
# saved then keeps predicting exactly as it did (set_params switches it to today's).
FORMAT_1_BEHAVIOUR = {"decomposition": "admissible", "correction": "none"}


def load_format_1(directory: Path) -> SavedModel:
    """Verify a format-1 directory and return its parts as format-2 component states."""
    info_path = directory / INFO_FILE
    info = parse_json(read_regular(info_path, MAX_JSON_BYTES), info_path)
    if isinstance(info, dict) and "kind" in info and "format_version" not in info:
        raise ModelFileError(
            f"{directory}: the model directory is missing its part 'manifest.json'. Copy the "
            "whole directory or save the model again."
        )
    if not isinstance(info, dict) or type(info.get("format_version")) is not int:
        raise ModelFileError(
            f"{info_path}: expected a JSON object with an integer 'format_version'. Got "
            f"{type(info).__name__}; this is not an rte model description."
        )
    check_format(info["format_version"], info_path)
    if info["format_version"] != 1:
        raise ModelFileError(
            f"{directory}: format {info['format_version']} needs its manifest.json, which is "
            "missing. Copy the whole directory or save the model again."
        )
    raw = read_regular(directory / WEIGHTS_FILE, MAX_WEIGHTS_BYTES)
    sha = hashlib.sha256(raw).hexdigest()
    if sha != info.get("weights_sha256"):
        raise ModelFileError(
            f"{directory / WEIGHTS_FILE}: the file's SHA-256 ({sha[:12]}...) does not match "
            f"the one recorded in {INFO_FILE}; it is corrupt, truncated or was modified. "
            "Save the model again."
        )
    tensors = parse_tensors(raw, directory)
    metadata = info.get("metadata", {})
    if not isinstance(metadata, dict) or not isinstance(metadata.get("columns", {}), dict):
        raise ModelFileError(
            f"{info_path}: 'metadata' and 'metadata.columns' must be JSON objects. Got "
            f"{metadata!r}; save the model again."
        )
    saved = SavedModel(directory, {}, {}, {})
    with saved.checking():
        states = _states(info, tensors)
        params = {**FORMAT_1_BEHAVIOUR, **info["config"]}
    migrated = {
        "kind": FORMAT_1_KIND,
        "format_version": 1,
        "package_version": info.get("package_version"),
        "created": info.get("created"),
        "params": params,
        "components": {name: dict(state.config) for name, state in states.items()},
        "metadata": metadata,
    }
    return SavedModel(directory, migrated, params, states)


def _states(info: dict[str, Any], tensors: dict[str, Any]) -> dict[str, State]:
    """Format-1 names -> one State per component (raises KeyError/TypeError when absent)."""

    def group(prefix: str) -> dict[str, Any]:
        return {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}

    bank = info["bank"]
    embedding = group("embedding.")
    config = info["config"]
    psi = group("psi.")
    return {
        "bank": State(
            {"task_ids": bank["task_ids"], "param_names": bank["param_names"]},
            {key.removeprefix("bank."): tensors[key] for key in tensors if key.startswith("bank.")},
        ),
        "scaling": State(
            {"y_mean": info["scaling"]["y_mean"], "y_std": info["scaling"]["y_std"]},
            {
                "x_center": _vector(info["scaling"]["x_center"]),
                "x_half_span": _vector(info["scaling"]["x_half_span"]),
            },
        ),
        "embedding": State(dict(info["embedding"]), embedding),
        "operator": State(
            {
                "dim_x": int(bank["input_dim"]),
                "dim_phi": int(embedding["axes_"].shape[0]),
                "width": int(config["width"]),
                "depth": int(config["depth"]),
            },
            psi,
        ),
        "decomposer": State(
            {"threshold": float(info["range_threshold"])},
            {"differences": tensors["range.differences"]},
        ),
        "training": State({}, {"losses": tensors["losses"]}),
    }


def _vector(values: list[float]) -> Any:
    import torch

    return torch.tensor(values, dtype=torch.float64)
