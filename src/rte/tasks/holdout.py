"""Hold out the top of a bank's task variable: the extrapolation split of any bank.

Given a bank and one value per task (a task parameter such as a dose or a gravity,
or any column that orders the tasks), the tasks with the highest values become
targets and the rest the training bank. The held-out tasks are split, in order of
the variable, into one or more far bands (``near``, ``far``, ...). Each target
shows a method ``context_size`` of its observations (optionally with added noise)
and is scored on the others, so nothing about a target but its context is seen.

This is the one split behind ``rte bench table`` on a user's table and the
real-data suite.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from rte._params import Settings, at_least, names, nonnegative, param
from rte._validation import float_array
from rte.errors import ValidationError
from rte.tasks.bank import TargetSet, TaskBank


def _bands(value: Any, name: str) -> tuple[str, ...]:
    names(value, name)
    if len(set(value)) != len(value):
        raise ValidationError(f"{name} must be distinct names. Got {value!r}.")
    return value


def _share(value: float, name: str) -> float:
    if not 0 < value < 1:
        raise ValidationError(f"{name} must lie strictly between 0 and 1. Got {value!r}.")
    return value


@dataclass(frozen=True)
class HoldoutSplit(Settings):
    """How a bank is split into training tasks and far target bands."""

    share: float = param(
        0.25, "Share of tasks held out as targets, highest task variable first.", _share
    )
    bands: tuple[str, ...] = param(
        ("near", "far"),
        "Names of the far bands, in increasing task variable; held-out tasks split evenly.",
        _bands,
    )
    context_size: int = param(10, "Observations of a target shown as its context.", at_least(2))
    noise: float = param(
        0.0, "Std of noise added to context outputs (0: as measured).", nonnegative
    )


@dataclass(frozen=True)
class SplitResult:
    """The training bank, the target sets per band, and the variable's ranges."""

    bank: TaskBank
    targets: tuple[TargetSet, ...]
    train_range: tuple[float, float]
    band_ranges: dict[str, tuple[float, float]]


def holdout_split(
    bank: TaskBank, variable: np.ndarray, split: HoldoutSplit, rng: np.random.Generator
) -> SplitResult:
    """Split ``bank`` by ``variable`` (one value per task): see the module docstring.

    Ties in the variable stay on one side of the cut, so a task whose variable
    equals a training task's is never a target. Queries per target are as many as
    the sparsest held-out task has beyond its context (drawn at random, then sorted).
    """
    values = float_array(variable, "The task variable").reshape(-1)
    if values.shape != (bank.n_tasks,) or not np.all(np.isfinite(values)):
        raise ValidationError(
            f"The task variable must hold one finite value per task ({bank.n_tasks}). Got "
            f"shape {values.shape}; name a numeric column that is constant within each task."
        )
    distinct = np.unique(values)
    cut = distinct[min(len(distinct) - 1, int(np.floor((1 - split.share) * len(distinct))))]
    held = np.flatnonzero(values >= cut)
    train = np.flatnonzero(values < cut)
    groups = [
        g for g in np.array_split(held[np.argsort(values[held], kind="stable")], len(split.bands))
    ]
    if len(train) < 2 or any(len(g) == 0 for g in groups):
        raise ValidationError(
            f"Holding out the top {split.share:.0%} of {len(distinct)} distinct task-variable "
            f"values leaves {len(train)} training task(s) and {len(held)} target(s) for "
            f"{len(split.bands)} band(s). Need at least 2 training tasks and one target per "
            "band: change the share or the number of bands."
        )
    counts = bank.mask.sum(1)
    fewest = int(counts[held].min())
    if fewest <= split.context_size:
        raise ValidationError(
            f"A held-out task has only {fewest} observations; a context of "
            f"{split.context_size} leaves none to score. Lower context_size below {fewest}."
        )
    n_query = fewest - split.context_size
    targets = tuple(
        _targets(bank, rows, band, split, n_query, rng)
        for band, rows in zip(split.bands, groups, strict=True)
    )
    kept = _subset(bank, train)
    return SplitResult(
        kept,
        targets,
        (float(values[train].min()), float(values[train].max())),
        {
            b: (float(values[g].min()), float(values[g].max()))
            for b, g in zip(split.bands, groups, strict=True)
        },
    )


def _targets(
    bank: TaskBank,
    rows: np.ndarray,
    band: str,
    split: HoldoutSplit,
    n_query: int,
    rng: np.random.Generator,
) -> TargetSet:
    cx, cy, qx, qy = [], [], [], []
    for row in rows:
        observed = np.flatnonzero(bank.mask[row])
        order = rng.permutation(observed)
        context = order[: split.context_size]
        query = np.sort(order[split.context_size : split.context_size + n_query])
        cx.append(bank.x[row, context])
        cy.append(bank.y[row, context] + split.noise * rng.standard_normal(len(context)))
        qx.append(bank.x[row, query])
        qy.append(bank.y[row, query])
    params = None if bank.params is None else bank.params[rows]
    return TargetSet(band, np.stack(cx), np.stack(cy), np.stack(qx), np.stack(qy), params)


def _subset(bank: TaskBank, rows: np.ndarray) -> TaskBank:
    return TaskBank(
        bank.x[rows],
        bank.y[rows],
        bank.mask[rows],
        tuple(bank.task_ids[r] for r in rows),
        None if bank.params is None else bank.params[rows],
        bank.param_names,
        None if bank.labels is None else tuple(bank.labels[r] for r in rows),
        bank.family,
    )
