"""Saved LoRA adapters that say which fit they are, so a later run can reuse one.

Tuning Psi is the costly part of a sequence suite (about 40 minutes a seed for strings
on the 2-core CPU). An adapter folder holds the adapter (safetensors and peft's JSON
config) and ``fit.json``, the record of the fit that produced it: the class whose
``fit`` ran, the hyperparameters that shape the fit (those a class lists in
``predict_params`` are left out), the bank's fingerprint and the base language model.
An adapter is loaded only into a fit whose record is equal in every field: the same
fit, done once. Folders are written as model directories are (complete beside their
final name, then swapped in), so a reader never sees half an adapter.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from rte._io import read_regular
from rte.errors import ModelFileError
from rte.models.shared import fit_signature
from rte.persistence.files import write_directory

FIT_RECORD = "fit.json"
RECORD_FIELDS = ("estimator", "params", "bank", "base_model")
# What an adapter folder holds (peft's files and the record): an earlier adapter with
# these files alone may be replaced; anything else in the way is refused.
ADAPTER_FILES = frozenset(
    {"adapter_model.safetensors", "adapter_config.json", "README.md", FIT_RECORD}
)
# fit.json is a few hundred bytes; anything far larger is not one.
_MAX_RECORD_BYTES = 1 << 20


def fit_record(estimator: Any, bank_fingerprint: str, base_model: str) -> dict[str, str]:
    """The record of ``estimator``'s fit on a bank (by fingerprint) and base model."""
    owner, params = fit_signature(estimator)
    return {
        "estimator": owner,
        "params": params,
        "bank": bank_fingerprint,
        "base_model": base_model,
    }


def save_with_record(
    save: Callable[[Path], Any], directory: str | Path, record: Mapping[str, str]
) -> Path:
    """Write an adapter with ``save(folder)`` and its fit record as ``directory``, through
    the model directories' one atomic writer (rte.persistence.files.write_directory): an
    earlier adapter there is replaced, a folder holding other files is refused."""
    target = Path(directory)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".rte-adapter-") as scratch:
        save(Path(scratch))
        files = {p.name: p.read_bytes() for p in Path(scratch).iterdir() if p.is_file()}
    files[FIT_RECORD] = (json.dumps(dict(record), indent=2) + "\n").encode()
    write_directory(target, files, ADAPTER_FILES | frozenset(files))
    return target


def read_record(directory: str | Path) -> dict[str, str]:
    """The fit record of an adapter folder; a missing or malformed one is a clear error."""
    path = Path(directory) / FIT_RECORD
    try:
        text = read_regular(path, _MAX_RECORD_BYTES, ModelFileError)
    except FileNotFoundError:
        raise ModelFileError(
            f"{path}: no fit record. An adapter is reused only with the record of the fit "
            "that made it; save adapters with SequenceRTE.save_adapter (rte bench writes "
            "them under DIR/adapters/)."
        ) from None
    try:
        record = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{path}: not valid JSON ({exc}).") from None
    if not isinstance(record, dict) or not all(
        isinstance(record.get(f), str) for f in RECORD_FIELDS
    ):
        raise ModelFileError(
            f"{path}: a fit record must be a JSON object with the string fields "
            f"{', '.join(RECORD_FIELDS)}. Got {str(record)[:120]!r}."
        )
    return {f: record[f] for f in RECORD_FIELDS}


def differences(record: Mapping[str, str], expected: Mapping[str, str]) -> list[str]:
    """The fields in which two fit records differ (empty: the same fit)."""
    return [f for f in RECORD_FIELDS if record.get(f) != expected.get(f)]


def find_adapter(folder: str | Path, expected: Mapping[str, str]) -> Path | None:
    """The first adapter folder directly under ``folder`` (in name order) whose fit record
    equals ``expected``; None if none does. Folders without a readable record are passed
    over: they cannot be shown to be this fit."""
    root = Path(folder)
    for candidate in sorted(p for p in root.iterdir() if p.is_dir()):
        try:
            record = read_record(candidate)
        except ModelFileError:
            continue
        if not differences(record, expected):
            return candidate
    return None
