"""Scores of predictive intervals against the clean query values (pure functions).

``coverage_90`` is the share of clean query values inside the central 90% interval,
``interval_width`` that interval's mean width, ``crps`` the continuous ranked
probability score of a Gaussian predictive distribution (lower is better; it equals
the absolute error when the std is zero).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

# Half-width of a central 90% Gaussian interval, in standard deviations.
Z90 = float(norm.ppf(0.95))


def crps_gaussian(mean: np.ndarray, std: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """CRPS of N(mean, std^2) at ``truth``, elementwise (Gneiting & Raftery 2007, eq. 21)."""
    mean, std, truth = (np.asarray(a, dtype=np.float64) for a in (mean, std, truth))
    safe = np.where(std > 0, std, 1.0)
    z = (truth - mean) / safe
    crps = safe * (z * (2 * norm.cdf(z) - 1) + 2 * norm.pdf(z) - 1 / np.sqrt(np.pi))
    return np.where(std > 0, crps, np.abs(truth - mean))


def coverage(lower: np.ndarray, upper: np.ndarray, truth: np.ndarray) -> float:
    """Share of ``truth`` values within [lower, upper]."""
    truth = np.asarray(truth)
    return float(np.mean((np.asarray(lower) <= truth) & (truth <= np.asarray(upper))))


def gaussian_interval(mean: np.ndarray, std: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The central 90% interval of N(mean, std^2)."""
    return mean - Z90 * std, mean + Z90 * std
