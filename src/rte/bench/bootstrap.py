"""95 % intervals for figures measured on a few targets per seed, alone or paired.

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
    a: Sequence[Sequence[float]],
    b: Sequence[Sequence[float]],
    statistic: str = "ratio",
    level: float = LEVEL,
    resamples: int = RESAMPLES,
) -> tuple[float, float, float]:
    """A paired comparison of two methods scored on the same targets: the ``ratio`` (or
    ``difference``) of their means (the mean over seeds of each seed's mean over targets)
    and its percentile bootstrap interval, resampling targets within each seed and the
    same targets for both methods. ``a`` and ``b`` hold one sequence per seed, of the
    same length. Returns (value, low, high).

        >>> value, low, high = paired_interval([[1.0, 2.0, 3.0]], [[2.0, 4.0, 6.0]])
        >>> (value, low, high)
        (0.5, 0.5, 0.5)
    """
    if (
        len(a) != len(b)
        or not a
        or any(len(x) != len(y) or not x for x, y in zip(a, b, strict=False))
    ):
        raise ValidationError(
            "paired_interval needs the same targets for both methods: one non-empty sequence "
            f"per seed of equal lengths. Got {[len(x) for x in a]} and {[len(y) for y in b]}."
        )
    if statistic not in ("ratio", "difference"):
        raise ValidationError(f"statistic must be 'ratio' or 'difference'. Got {statistic!r}.")
    rng = np.random.default_rng(0)
    mean_a, mean_b = np.zeros(resamples), np.zeros(resamples)
    for x, y in zip(a, b, strict=True):
        xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        picks = rng.integers(0, len(xs), size=(resamples, len(xs)))
        mean_a += xs[picks].mean(axis=1)
        mean_b += ys[picks].mean(axis=1)
    point_a = float(np.mean([np.mean(x) for x in a]))
    point_b = float(np.mean([np.mean(y) for y in b]))
    if statistic == "ratio":
        if point_b <= 0 or np.any(mean_b <= 0):
            raise ValidationError("A ratio needs a positive denominator on every resample.")
        value, draws = point_a / point_b, mean_a / mean_b
    else:
        value, draws = point_a - point_b, (mean_a - mean_b) / len(a)
    tail = (1 - level) / 2
    low, high = np.quantile(draws, [tail, 1 - tail])
    return value, float(low), float(high)
