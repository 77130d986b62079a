"""The batched GP: exact posterior, evidence and leave-one-out against direct formulas."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import multivariate_normal

from rte.errors import ValidationError
from rte.gp import _correlation, correct, fit_gps


def _data(t: int = 4, n: int = 9, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (t, n, 1))
    y = np.sin(3 * x[..., 0]) * rng.uniform(1, 3, (t, 1)) + 0.05 * rng.standard_normal((t, n))
    return x, y


def _dense(fit, i, x, extra=None):
    """The correlation matrix A = C + gamma + lambda I of set i and, with ``extra``
    inputs, their correlations with the data (C + gamma)."""
    xt = torch.as_tensor(x[i : i + 1])
    gamma, lam, beta = (v[i].item() for v in (fit.offset_ratio, fit.noise_ratio, fit.trend_ratio))
    c = _correlation(xt, xt, fit.length[i : i + 1])[0].numpy() + beta * x[i] @ x[i].T
    a = c + gamma + (lam + 1e-9) * np.eye(x.shape[1])
    if extra is None:
        return a
    q = torch.as_tensor(extra[i : i + 1])
    cross = _correlation(q, xt, fit.length[i : i + 1])[0].numpy() + beta * extra[i] @ x[i].T
    return a, cross + gamma


def test_posterior_matches_the_textbook_formula() -> None:
    x, y = _data()
    q = np.linspace(-1, 1, 7)[None, :, None].repeat(len(x), 0)
    fit = fit_gps(x, y)
    mean, std = fit.predict(q)
    for i in range(len(x)):
        a, cross = _dense(fit, i, x, q)
        sigma2, gamma = fit.signal[i].item(), fit.offset_ratio[i].item()
        prior = 1 + gamma + fit.trend_ratio[i].item() * (q[i] ** 2).sum(1)
        expected = cross @ np.linalg.solve(a, y[i])
        var = sigma2 * (prior - np.einsum("qn,qn->q", cross, np.linalg.solve(a, cross.T).T))
        np.testing.assert_allclose(mean[i], expected, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(std[i], np.sqrt(np.maximum(var, 0)), rtol=1e-4, atol=1e-7)


def test_the_grid_point_is_the_best_of_the_grid() -> None:
    """The chosen hyperparameters have the highest profile likelihood of every grid point."""
    from itertools import product

    from rte.gp import LENGTHS, NOISE_RATIOS, OFFSET_RATIOS, TREND_RATIOS

    x, y = _data(t=1)
    best = fit_gps(x, y).log_evidence[0]
    values = []
    for length, lam, gamma, beta in product(LENGTHS, NOISE_RATIOS, OFFSET_RATIOS, TREND_RATIOS):
        c = np.exp(-0.5 * (x[0] - x[0].T) ** 2 / length**2) + beta * x[0] @ x[0].T
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


def test_correct_is_the_fit_around_the_prior_plus_the_prior() -> None:
    """The one correction every method takes: a GP of the residuals around the prior,
    its latent mean added to the prior at the queries (bit for bit rte's former path)."""
    x, y = _data()
    q = np.linspace(-1, 1, 7)[None, :, None].repeat(len(x), 0)
    prior_x, prior_q = 0.5 * x[..., 0], 0.5 * q[..., 0]
    mean, std = correct(x, y, prior_x, q, prior_q)
    expected_mean, expected_std = fit_gps(x, y, prior_x).predict(q, prior_q)
    assert np.array_equal(mean, expected_mean) and np.array_equal(std, expected_std)
    zero_mean, _ = correct(x, y, np.zeros_like(y), q, np.zeros(q.shape[:2]))
    assert np.array_equal(zero_mean, fit_gps(x, y).predict(q)[0])


def test_the_trend_term_carries_a_line_beyond_the_context() -> None:
    """Around a zero prior the correction continues a linear context (the trend term),
    where an RBF alone would fall back to the mean."""
    x = np.linspace(-1, 0, 8)[None, :, None]
    q = np.linspace(0.5, 1, 5)[None, :, None]
    mean, _ = correct(x, 2 * x[..., 0] + 1, np.zeros((1, 8)), q, np.zeros((1, 5)))
    np.testing.assert_allclose(mean[0], 2 * q[0, :, 0] + 1, atol=0.05)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"prior_on_context": np.zeros((4, 8))}, "prior_on_context"),
        ({"prior_on_queries": np.zeros((4, 6))}, "prior_on_queries"),
        ({"context_y": np.zeros((4, 8))}, "context_y"),
        ({"query_x": np.zeros((4, 7, 2))}, "query_x"),
    ],
)
def test_correct_refuses_mismatched_shapes_by_name(change: dict, named: str) -> None:
    x, y = _data()
    q = np.zeros((4, 7, 1))
    args = {
        "context_x": x,
        "context_y": y,
        "prior_on_context": np.zeros_like(y),
        "query_x": q,
        "prior_on_queries": np.zeros((4, 7)),
    }
    with pytest.raises(ValidationError, match=named):
        correct(**{**args, **change})
