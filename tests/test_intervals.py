"""Interval scores: CRPS against its integral definition, coverage by counting."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad
from scipy.stats import norm

from rte.intervals import Z90, crps_gaussian, interval_metrics


@settings(max_examples=25, deadline=None)
@given(
    mean=st.floats(-5, 5),
    std=st.floats(0.05, 3),
    truth=st.floats(-5, 5),
)
def test_crps_is_the_integrated_squared_cdf_difference(
    mean: float, std: float, truth: float
) -> None:
    def gap(x: float) -> float:
        return (norm.cdf(x, mean, std) - (x >= truth)) ** 2

    lo, hi = min(mean, truth) - 12 * std, max(mean, truth) + 12 * std
    expected = quad(gap, lo, truth, limit=200)[0] + quad(gap, truth, hi, limit=200)[0]
    np.testing.assert_allclose(crps_gaussian(mean, std, truth), expected, rtol=1e-5, atol=1e-8)


def test_crps_of_a_point_prediction_is_the_absolute_error() -> None:
    np.testing.assert_allclose(
        crps_gaussian(np.array([1.0]), np.array([0.0]), np.array([3.5])), 2.5
    )


def test_ninety_percent_intervals_of_calibrated_gaussians_cover_ninety_percent() -> None:
    rng = np.random.default_rng(0)
    mean, std = rng.normal(size=200_000), rng.uniform(0.5, 2, 200_000)
    truth = mean + std * rng.standard_normal(200_000)
    assert abs(interval_metrics(mean, std, truth)["coverage_90"] - 0.90) < 0.005
    assert norm.ppf(0.95) == Z90
    half = np.full(4, 0.5 / Z90)  # the interval [0, 1] around 0.5
    scores = interval_metrics(np.full(4, 0.5), half, np.array([-0.1, 0.0, 1.0, 1.1]))
    assert scores["coverage_90"] == 0.5
    np.testing.assert_allclose(scores["interval_width"], 1.0)
