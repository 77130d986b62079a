"""What many hostile inputs start from: a tiny fitted model, its saved folder, valid tables
and a valid results file. Built once per process."""

from __future__ import annotations

import functools
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from rte import RelationalTaskExtrapolator
from rte.tasks.table import load_bank
from rte.testing import TINY_RTE, bank_frame, context_frames

X = np.linspace(-2, 2, 9)
Q = np.linspace(-3, 3, 7)
FIT_ARGS = [
    a for key, value in TINY_RTE.items() for a in (f"--{key.replace('_', '-')}", str(value))
]


@functools.cache
def _root() -> Path:
    return Path(tempfile.mkdtemp(prefix="rte-hostile-fixtures-"))


@functools.cache
def bank_csv() -> Path:
    """A valid 1-D bank table (8 tasks, parameter column ``a``)."""
    path = _root() / "bank.csv"
    bank_frame().to_csv(path, index=False)
    return path


@functools.cache
def target_csvs() -> tuple[Path, Path]:
    """A valid context table and query table of one target."""
    ctx, qry = context_frames()
    paths = _root() / "ctx.csv", _root() / "q.csv"
    ctx.to_csv(paths[0], index=False)
    qry.to_csv(paths[1], index=False)
    return paths


@functools.cache
def model() -> RelationalTaskExtrapolator:
    """The tiny model every predict input uses (never modified)."""
    return RelationalTaskExtrapolator(**TINY_RTE).fit(load_bank(bank_csv()))


@functools.cache
def model_dir() -> Path:
    """The tiny model saved once, as ``rte fit`` would (with the table's columns)."""
    path = _root() / "model"
    model().save(path, {"columns": {"task": "task", "x": ["x"], "y": "y", "params": []}})
    return path


def copy_model(to: Path) -> Path:
    """A copy of the saved tiny model at ``to``."""
    return Path(shutil.copytree(model_dir(), to))


def results() -> dict[str, Any]:
    """A valid results.json document."""
    return {
        "suite": "param",
        "version": "0.1.0",
        "seconds": 12.5,
        "config": {"seeds": 2},
        "methods": {"rte": {"access": ["B", "C"], "description": "d", "options": {"steps": 3}}},
        "records": [
            {"family": "q", "method": "rte", "band": "F2", "seed": s, "metric": "mse", "value": v}
            for s, v in ((0, 1.0), (1, 3.0))
        ],
    }
