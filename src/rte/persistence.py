"""Model files: a fitted :class:`~rte.extrapolator.RelationalTaskExtrapolator` on disk.

A model directory holds two parts:

- ``weights.safetensors``: every tensor and array (Psi's weights, the embedding's
  fitted tensors, the bank's observations, the seen transformations). safetensors
  stores raw numbers only, so loading can never execute code; ``torch.load`` and
  pickle are never used.
- ``model.json``: format version, package version, settings, the bank's task ids
  and ranges, the scalars of the fitted state, caller metadata (e.g. table column
  names) and the SHA-256 of the weights file, checked on load so a corrupt,
  truncated or tampered weights file is refused.

Saving writes a complete temporary directory beside the target, then renames it
into place: a reader never sees half a model.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from rte import __version__
from rte._io import atomic_write_bytes, atomic_write_json, current_umask
from rte.decompose import TransformationRange
from rte.embedding import FisherEmbedding
from rte.errors import ModelFileError, RTEError, ValidationError
from rte.operator import RelationalOperator
from rte.scaling import Scaling
from rte.tasks.bank import TaskBank
from rte.tasks.interpolate import AnchorInterpolator

if TYPE_CHECKING:
    from rte.extrapolator import RelationalTaskExtrapolator

FORMAT_VERSION = 1
WEIGHTS_FILE = "weights.safetensors"
INFO_FILE = "model.json"
# Fitted tensors of FisherEmbedding, stored under "embedding.<name>".
_EMBEDDING_TENSORS = (
    "w_in_",
    "b_in_",
    "head_mean_",
    "head_basis_",
    "subspace_penalty_",
    "fisher_scale_",
    "center_",
    "axes_",
)


def save_model(
    model: RelationalTaskExtrapolator,
    path: str | os.PathLike[str],
    metadata: Mapping[str, Any] | None = None,
) -> Path:
    """Write a fitted ``model`` to the directory ``path``; returns the path.

    ``metadata`` (JSON-ready) is stored as is, e.g. the column names of the bank table.
    An existing model directory is replaced; any other non-empty directory is refused.
    """
    target = Path(path)
    check_replaceable(target)
    try:
        json.dumps(metadata or {}, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            f"metadata must be JSON-ready (text, finite numbers, lists, dicts). Got {exc}."
        ) from None
    weights = save_tensors(_tensors(model))
    info = _info(model, dict(metadata or {}), hashlib.sha256(weights).hexdigest())
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
        try:
            _share(tmp, 0o777)
            atomic_write_bytes(tmp / WEIGHTS_FILE, weights)
            atomic_write_json(tmp / INFO_FILE, info)
            for part in (WEIGHTS_FILE, INFO_FILE):
                _share(tmp / part, 0o666)
            _swap_into_place(tmp, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    except OSError as exc:
        raise ModelFileError(f"{target}: cannot write the model ({exc}).") from None
    return target


def read_info(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and check a model directory's ``model.json`` (not the weights)."""
    directory = Path(path)
    if not directory.is_dir():
        raise ModelFileError(
            f"{directory}: expected a model directory (from `rte fit` or save). Got "
            f"{'a file' if directory.exists() else 'nothing at that path'}."
        )
    info_path = directory / INFO_FILE
    try:
        info = json.loads(_read_part(info_path).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(
            f"{info_path}: corrupt model description ({exc}). Save the model again."
        ) from None
    if not isinstance(info, dict) or type(info.get("format_version")) is not int:
        raise ModelFileError(
            f"{info_path}: expected a JSON object with an integer 'format_version'. Got "
            f"{type(info).__name__}; this is not an rte model description."
        )
    if info["format_version"] > FORMAT_VERSION:
        raise ModelFileError(
            f"{info_path}: model format version {info['format_version']} is newer than this "
            f"rte ({__version__}) reads (up to {FORMAT_VERSION}). Upgrade rte to load it."
        )
    if info["format_version"] < 1:
        raise ModelFileError(f"{info_path}: unknown format version {info['format_version']}.")
    info.setdefault("metadata", {})
    if not isinstance(info["metadata"], dict) or not isinstance(
        info["metadata"].get("columns", {}), dict
    ):
        raise ModelFileError(
            f"{info_path}: 'metadata' and 'metadata.columns' must be JSON objects. Got "
            f"{info['metadata']!r}; save the model again."
        )
    return info


def load_model(path: str | os.PathLike[str]) -> RelationalTaskExtrapolator:
    """Rebuild a fitted model from a directory written by :func:`save_model`."""
    from rte.extrapolator import RelationalTaskExtrapolator

    directory = Path(path)
    info = read_info(directory)
    weights_path = directory / WEIGHTS_FILE
    raw = _read_part(weights_path)
    digest = hashlib.sha256(raw).hexdigest()
    if digest != info.get("weights_sha256"):
        raise ModelFileError(
            f"{weights_path}: the file's SHA-256 ({digest[:12]}...) does not match the one "
            f"recorded in {INFO_FILE}; it is corrupt, truncated or was modified. Save the "
            "model again."
        )
    try:
        tensors = load_tensors(raw)
        model = RelationalTaskExtrapolator(**info["config"])
        _restore(model, info, tensors)
        _check_consistent(model)
    except (SafetensorError, KeyError, TypeError, ValueError, RuntimeError, RTEError) as exc:
        raise ModelFileError(
            f"{directory}: the model parts are inconsistent ({type(exc).__name__}: {exc}). "
            "Save the model again."
        ) from None
    return model


def _read_part(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ModelFileError(
            f"{path.parent}: the model directory is missing its part {path.name!r}. Copy the "
            f"whole directory ({INFO_FILE} and {WEIGHTS_FILE}) or save the model again."
        ) from None
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot read it ({exc}).") from None


def _share(path: Path, mode: int) -> None:
    """Give a temporary file the permissions of a normally created one (umask applies)."""
    path.chmod(mode & ~current_umask())


def check_replaceable(target: Path) -> None:
    """Raise unless ``target`` is free, an empty directory or a model directory to replace."""
    if target.exists() and not (
        target.is_dir() and (not any(target.iterdir()) or (target / INFO_FILE).is_file())
    ):
        raise ModelFileError(
            f"{target}: refusing to overwrite; it exists and is not an rte model directory. "
            "Choose another --out path."
        )


def _swap_into_place(tmp: Path, target: Path) -> None:
    """Rename ``tmp`` to ``target``; an old ``target`` is moved aside first, then removed."""
    if not target.exists():
        os.replace(tmp, target)
        return
    old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".old"))
    os.replace(target, old / "model")
    try:
        os.replace(tmp, target)
    except BaseException:
        os.replace(old / "model", target)
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)


def _tensors(model: RelationalTaskExtrapolator) -> dict[str, torch.Tensor]:
    emb, bank = model.embedding_, model.bank_
    out = {f"psi.{k}": v.detach().clone() for k, v in model.psi_.state_dict().items()}
    out |= {
        f"embedding.{k}": getattr(emb, k).detach().contiguous().clone() for k in _EMBEDDING_TENSORS
    }
    arrays = {
        "embedding.bank_embeddings_": emb.bank_embeddings_,
        "bank.x": bank.x,
        "bank.y": bank.y,
        "bank.mask": bank.mask,
        "range.differences": model.range_.differences,
        "losses": np.asarray(model.losses_, dtype=np.float64),
    }
    if bank.params is not None:
        arrays["bank.params"] = bank.params
    out |= {k: torch.from_numpy(np.ascontiguousarray(v)).clone() for k, v in arrays.items()}
    return out


def _info(model: RelationalTaskExtrapolator, metadata: dict[str, Any], sha: str) -> dict[str, Any]:
    bank = model.bank_
    lo, hi = bank.input_range()
    info: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "package_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "weights_sha256": sha,
        "config": model.config.to_dict(),
        "bank": {
            "task_ids": list(bank.task_ids),
            "param_names": list(bank.param_names),
            "n_points": bank.mask.sum(1).tolist(),
            "input_dim": bank.dim,
            "input_min": lo.tolist(),
            "input_max": hi.tolist(),
            "output_range": list(bank.output_range()),
            "fingerprint": bank.fingerprint(),
        },
        "scaling": model.scaling_.to_dict(),
        "embedding": {**asdict(model.embedding_), "axis_scale_": model.embedding_.axis_scale_},
        "range_threshold": model.range_.threshold,
        "metadata": metadata,
    }
    if bank.params is not None:
        info["bank"]["param_min"] = bank.params.min(0).tolist()
        info["bank"]["param_max"] = bank.params.max(0).tolist()
    return info


def _restore(
    model: RelationalTaskExtrapolator, info: dict[str, Any], tensors: dict[str, torch.Tensor]
) -> None:
    """Set every fitted attribute of ``model`` from the two parts; raises on any mismatch."""
    meta = info["bank"]
    params = tensors["bank.params"].numpy() if "bank.params" in tensors else None
    bank = TaskBank(
        tensors["bank.x"].numpy(),
        tensors["bank.y"].numpy(),
        tensors["bank.mask"].numpy(),
        tuple(str(t) for t in meta["task_ids"]),
        params,
        tuple(str(p) for p in meta["param_names"]),
    )
    m, n, d = bank.x.shape
    if bank.y.shape != (m, n) or bank.mask.shape != (m, n) or len(bank.task_ids) != m:
        raise ValueError(f"bank arrays of shapes {bank.x.shape}, {bank.y.shape} disagree")
    scaling = Scaling.from_dict(info["scaling"])
    emb_info = dict(info["embedding"])
    axis_scale = float(emb_info.pop("axis_scale_"))
    known = {f.name for f in fields(FisherEmbedding)}
    embedding = FisherEmbedding(**{k: v for k, v in emb_info.items() if k in known})
    for name in _EMBEDDING_TENSORS:
        setattr(embedding, name, tensors[f"embedding.{name}"])
    embedding.axis_scale_ = axis_scale
    embedding.scaling_ = scaling
    embedding.bank_embeddings_ = tensors["embedding.bank_embeddings_"].numpy()
    cfg = model.config
    psi = RelationalOperator(d, embedding.dim, cfg.width, cfg.depth)
    psi.load_state_dict({k[4:]: v for k, v in tensors.items() if k.startswith("psi.")})
    psi.eval()
    model.bank_ = bank
    model.scaling_ = scaling
    model.embedding_ = embedding
    model.interpolator_ = AnchorInterpolator(scaling.x(bank.x), scaling.y(bank.y), bank.mask)
    model.psi_ = psi
    model.range_ = TransformationRange(
        tensors["range.differences"].numpy(), float(info["range_threshold"])
    )
    model.losses_ = tensors["losses"].tolist()


def _check_consistent(model: RelationalTaskExtrapolator) -> None:
    """Embed two bank tasks and run Psi once, so mismatched parts fail now, not at predict."""
    bank, emb = model.bank_, model.embedding_
    if emb.bank_embeddings_.shape != (bank.n_tasks, emb.dim):
        raise ValueError(f"bank embeddings of shape {emb.bank_embeddings_.shape}")
    if model.range_.differences.shape[1:] != (emb.dim,):
        raise ValueError(f"transformations of shape {model.range_.differences.shape}")
    phi = emb.transform(bank.x[:2], bank.y[:2], bank.mask[:2]) - emb.bank_embeddings_[:2]
    y = model.evaluate_psi(np.arange(2), phi, bank.x[:2])
    if not (np.all(np.isfinite(phi)) and np.all(np.isfinite(y))):
        raise ValueError("the restored model computes non-finite values")
