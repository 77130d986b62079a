"""The batched GP: exact posterior, evidence and leave-one-out against direct formulas."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import multivariate_normal

from rte.gp import _correlation, fit_gps


def _data(t: int = 4, n: int = 9, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (t, n, 1))
    y = np.sin(3 * x[..., 0]) * rng.uniform(1, 3, (t, 1)) + 0.05 * rng.standard_normal((t, n))
    return x, y


def _dense(fit, i, x, extra=None):
    """The correlation matrix A = C + gamma + lambda I of set i and, with ``extra``
    inputs, their correlations with the data (C + gamma)."""
    xt = torch.as_tensor(x[i : i + 1])
    gamma, lam = fit.offset_ratio[i].item(), fit.noise_ratio[i].item()
    c = _correlation(xt, xt, fit.length[i : i + 1])[0].numpy()
    a = c + gamma + (lam + 1e-9) * np.eye(x.shape[1])
    if extra is None:
        return a
    q = torch.as_tensor(extra[i : i + 1])
    return a, _correlation(q, xt, fit.length[i : i + 1])[0].numpy() + gamma


def test_posterior_matches_the_textbook_formula() -> None:
    x, y = _data()
    q = np.linspace(-1, 1, 7)[None, :, None].repeat(len(x), 0)
    fit = fit_gps(x, y)
    mean, std = fit.predict(q)
    for i in range(len(x)):
        a, cross = _dense(fit, i, x, q)
        sigma2, gamma = fit.signal[i].item(), fit.offset_ratio[i].item()
        expected = cross @ np.linalg.solve(a, y[i])
        var = sigma2 * (1 + gamma - np.einsum("qn,qn->q", cross, np.linalg.solve(a, cross.T).T))
        np.testing.assert_allclose(mean[i], expected, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(std[i], np.sqrt(np.maximum(var, 0)), rtol=1e-4, atol=1e-7)


def test_the_grid_point_is_the_best_of_the_grid() -> None:
    """The chosen hyperparameters have the highest profile likelihood of every grid point."""
    from itertools import product

    from rte.gp import LENGTHS, NOISE_RATIOS, OFFSET_RATIOS

    x, y = _data(t=1)
    best = fit_gps(x, y).log_evidence[0]
    values = []
    for length, lam, gamma in product(LENGTHS, NOISE_RATIOS, OFFSET_RATIOS):
        c = np.exp(-0.5 * (x[0] - x[0].T) ** 2 / length**2)
        a = c + gamma + (lam + 1e-9) * np.eye(x.shape[1])
        sigma2 = y[0] @ np.linalg.solve(a, y[0]) / x.shape[1]
        values.append(multivariate_normal(np.zeros(x.shape[1]), sigma2 * a).logpdf(y[0]))
    assert best == pytest.approx(max(values), rel=1e-6)


def test_evidence_is_the_gaussian_density_of_the_outputs() -> None:
    x, y = _data()
    fit = fit_gps(x, y)
    for i in range(len(x)):
        cov = _dense(fit, i, x) * fit.signal[i].item()
        expected = multivariate_normal(np.zeros(x.shape[1]), cov).logpdf(y[i])
        assert fit.log_evidence[i] == pytest.approx(expected, rel=1e-6)


def test_leave_one_out_equals_refitting_without_the_point() -> None:
    x, y = _data(t=2)
    fit = fit_gps(x, y)
    loo_mean, loo_var = fit.loo()
    for i in range(2):
        a = _dense(fit, i, x)
        for j in range(x.shape[1]):
            keep = np.arange(x.shape[1]) != j
            w = np.linalg.solve(a[np.ix_(keep, keep)], a[keep, j])
            mean = w @ y[i][keep]
            var = (a[j, j] - w @ a[keep, j]) * fit.signal[i].item()
            assert loo_mean[i, j] == pytest.approx(mean, rel=1e-6)
            assert loo_var[i, j] == pytest.approx(var, rel=1e-6)


def test_a_good_prior_mean_beats_none() -> None:
    """With the true curve as prior mean only noise is left to fit: the corrected
    prediction is closer to the truth than a GP of the outputs alone."""
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, (6, 8, 1))
    q = np.linspace(-1, 1, 50)[None, :, None].repeat(6, 0)
    amplitude = rng.uniform(1, 3, (6, 1))
    curve = lambda z: amplitude * np.sin(4 * z[..., 0])  # noqa: E731
    y = curve(x) + 0.05 * rng.standard_normal((6, 8))
    with_mean, _ = fit_gps(x, y, curve(x)).predict(q, curve(q))
    without, _ = fit_gps(x, y).predict(q)
    assert np.mean((with_mean - curve(q)) ** 2) < 0.1 * np.mean((without - curve(q)) ** 2)
