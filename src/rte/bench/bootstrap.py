"""95 % intervals for accuracies measured on a few targets per seed.

A suite's accuracy is the mean over seeds of the mean over that seed's targets.
:func:`bootstrap_interval` resamples the targets within each seed (the seeds stay
fixed), so the interval says how much the figure would move with other targets
drawn the same way; it is percentile-based and deterministic (a fixed stream).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rte.errors import ValidationError

LEVEL = 0.95
RESAMPLES = 2000


def bootstrap_interval(
    groups: Sequence[Sequence[float]], level: float = LEVEL, resamples: int = RESAMPLES
) -> tuple[float, float]:
    """Percentile interval of the mean of group means, resampling within each group.

    ``groups`` holds one sequence of per-target scores per seed. Example::

        >>> low, high = bootstrap_interval([[1, 0, 1, 1], [0, 1, 1, 1]])
        >>> 0.2 <= low <= 0.75 <= high <= 1.0
        True
    """
    if not groups or any(len(g) == 0 for g in groups):
        raise ValidationError(
            "bootstrap_interval needs at least one group and one score per group. Got "
            f"group sizes {[len(g) for g in groups]}."
        )
    if not 0 < level < 1:
        raise ValidationError(f"level must be between 0 and 1. Got {level}.")
    rng = np.random.default_rng(0)
    means = np.zeros(resamples)
    for group in groups:
        scores = np.asarray(group, dtype=float)
        picks = rng.integers(0, len(scores), size=(resamples, len(scores)))
        means += scores[picks].mean(axis=1)
    means /= len(groups)
    tail = (1 - level) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return float(low), float(high)


def paired_interval(
    first: Sequence[Sequence[float]],
    second: Sequence[Sequence[float]],
    level: float = LEVEL,
    resamples: int = RESAMPLES,
) -> tuple[float, float, float]:
    """Mean difference ``first - second`` of two methods scored on the same targets, and
    its percentile interval: the targets are resampled together (within each seed), so
    what the targets share cancels. Returns (difference, low, high)."""
    if [len(g) for g in first] != [len(g) for g in second]:
        raise ValidationError(
            "paired_interval needs both methods scored on the same targets. Got group sizes "
            f"{[len(g) for g in first]} and {[len(g) for g in second]}."
        )
    gaps = [np.subtract(a, b, dtype=float) for a, b in zip(first, second, strict=True)]
    low, high = bootstrap_interval(gaps, level, resamples)
    return float(np.mean([g.mean() for g in gaps])), low, high
