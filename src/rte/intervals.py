"""Scores of predictive distributions against the clean query values.

A method that implements ``predict_distribution(targets) -> (mean, std)`` (Gaussian
predictive distributions of the noise-free curve) is scored by

- ``coverage_90``: the share of query values inside the central 90% interval,
  mean ± 1.645 std (calibrated intervals give 0.90);
- ``interval_width``: the mean width of that interval (narrower is better at equal
  coverage);
- ``crps``: the continuous ranked probability score of the Gaussian, averaged over
  queries (Gneiting & Raftery 2007; lower is better, equals the absolute error for a
  point prediction).

A std is made to cover with :func:`conformal_factor`, from scores of calibration points.
"""

from __future__ import annotations

import numpy as np

from rte.errors import ValidationError

# The 95th percentile of the standard normal, norm.ppf(0.95): half-width of a central 90%
# interval in standard deviations (a constant, so importing this module loads no scipy).
Z90 = 1.6448536269514722


def crps_gaussian(mean: np.ndarray, std: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """CRPS of N(mean, std^2) at ``truth``, elementwise (std 0 gives |mean - truth|)."""
    from scipy.stats import norm

    std = np.maximum(std, 1e-12)
    z = (truth - mean) / std
    return std * (z * (2 * norm.cdf(z) - 1) + 2 * norm.pdf(z) - 1 / np.sqrt(np.pi))


def interval_metrics(mean: np.ndarray, std: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """coverage_90, interval_width and crps of Gaussian predictions, averaged over all points."""
    half = Z90 * std
    return {
        "coverage_90": float(np.mean(np.abs(truth - mean) <= half)),
        "interval_width": float(np.mean(2 * half)),
        "crps": float(np.mean(crps_gaussian(mean, std, truth))),
    }


def conformal_factor(scores: np.ndarray, level: float = 0.9) -> float:
    """Factor on a predicted std that makes central ``level`` intervals cover ``level`` of
    calibration points with standardized scores |truth - mean| / std: the split-conformal
    quantile (rank ceil((n + 1) level) of n scores, the finite-sample correction), over
    the normal half-width. Needs at least one score."""
    scores = np.asarray(scores, dtype=float).reshape(-1)
    n = scores.size
    if n == 0 or not np.all(np.isfinite(scores)):
        raise ValidationError(f"conformal_factor needs finite scores. Got {n} scores.")
    rank = min(n, int(np.ceil((n + 1) * level)))
    return float(np.sort(scores)[rank - 1] / Z90)
