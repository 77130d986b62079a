"""Banks and target sets of labelled function tasks, for the discrete regimes.

The length and composition regimes describe every task as a plain function on a
1-D domain plus its :class:`RelationLabel`. These helpers observe such tasks the way
:func:`rte.tasks.sample_bank` and :func:`rte.tasks.sample_targets` observe a
parametric family: bank tasks on a grid; targets with a small noisy context at
uniform random inputs and noiseless queries on a grid over the whole domain.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from rte._checks import check_nonnegative, check_positive_int, check_range
from rte.errors import ValidationError
from rte.tasks.bank import MIN_POINTS_PER_TASK, RelationLabel, TargetSet, TaskBank

TaskFn = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class LabelledTask:
    """One task: its id, its function of x (shape (n,) -> (n,)), and its relation label."""

    task_id: str
    fn: TaskFn
    label: RelationLabel


def _evaluate(task: LabelledTask, x: np.ndarray) -> np.ndarray:
    y = np.asarray(task.fn(x), dtype=np.float64)
    if y.shape != x.shape or not np.all(np.isfinite(y)):
        raise ValidationError(
            f"Task {task.task_id!r} must return one finite value per input, shape {x.shape}. "
            f"Got shape {y.shape}; check its function."
        )
    return y


def labelled_bank(
    tasks: Sequence[LabelledTask], n_points: int, domain: tuple[float, float] = (-1.0, 1.0)
) -> TaskBank:
    """Observe every task on a grid of ``n_points`` over ``domain``; labels travel along."""
    check_positive_int(n_points, "n_points", MIN_POINTS_PER_TASK)
    x = np.linspace(*check_range(*domain, "domain"), n_points)
    return TaskBank.from_tasks(
        [x] * len(tasks),
        [_evaluate(t, x) for t in tasks],
        [t.task_id for t in tasks],
        labels=[t.label for t in tasks],
    )


def labelled_targets(
    band: str,
    tasks: Sequence[LabelledTask],
    rng: np.random.Generator,
    *,
    domain: tuple[float, float] = (-1.0, 1.0),
    context_size: int = 10,
    noise: float = 0.05,
    n_query: int = 100,
) -> TargetSet:
    """Targets of one band: a noisy context of ``context_size`` points and clean queries."""
    if not tasks:
        raise ValidationError(f"Band {band!r} needs at least one target task. Got none.")
    check_positive_int(context_size, "context_size", 2)
    check_positive_int(n_query, "n_query")
    noise = check_nonnegative(noise, "noise")
    lo, hi = check_range(*domain, "domain")
    cx = rng.uniform(lo, hi, size=(len(tasks), context_size))
    cy = np.stack([_evaluate(t, c) for t, c in zip(tasks, cx, strict=True)])
    cy = cy + noise * rng.standard_normal(cy.shape)
    qx = np.linspace(lo, hi, n_query)
    qy = np.stack([_evaluate(t, qx) for t in tasks])
    qx = np.broadcast_to(qx, qy.shape)[..., None].copy()
    return TargetSet(band, cx[..., None], cy, qx, qy, labels=tuple(t.label for t in tasks))
