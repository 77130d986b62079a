"""Deep kernel transfer: the GP algebra against textbook formulas, and the per-context
choice of output scale and noise."""

from __future__ import annotations

import numpy as np
import torch
from scipy.stats import multivariate_normal

from rte.baselines.dkt import DeepKernelTransfer, condition, log_evidence


def _rbf(a: np.ndarray, b: np.ndarray, length: float = 0.7) -> np.ndarray:
    return np.exp(-0.5 * (a[:, None] - b[None]) ** 2 / length**2)


def _problem(noise_std: float, n: int = 12, seed: int = 0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    cx, qx = rng.uniform(-2, 2, n), np.linspace(-2, 2, 7)
    y = np.sin(2 * cx) + noise_std * rng.standard_normal(n)
    return cx, qx, y


def test_posterior_matches_the_textbook_formula() -> None:
    cx, qx, y = _problem(0.1)
    k_cc, k_qc, k_qq = _rbf(cx, cx), _rbf(qx, cx), np.ones(len(qx))
    scale, noise, mean = 1.7, 0.02, 0.3
    mu, var = condition(
        torch.tensor(mean, dtype=torch.float64),
        *(torch.as_tensor(a)[None] for a in (k_cc, k_qc, k_qq, y)),
        torch.tensor([scale]),
        torch.tensor([noise]),
    )
    inverse = np.linalg.inv(scale * k_cc + noise * np.eye(len(cx)))
    expected_mu = mean + scale * k_qc @ inverse @ (y - mean)
    expected_var = scale * k_qq - np.diag(scale**2 * k_qc @ inverse @ k_qc.T)
    np.testing.assert_allclose(mu[0].numpy(), expected_mu, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(var[0].numpy(), expected_var, rtol=1e-6, atol=1e-7)


def test_log_evidence_is_the_gaussian_log_density() -> None:
    cx, _, y = _problem(0.1)
    k_cc = _rbf(cx, cx)
    got = log_evidence(
        torch.tensor(0.2, dtype=torch.float64),
        torch.as_tensor(k_cc)[None],
        torch.as_tensor(y)[None],
        2.0,
        0.05,
    )
    expected = multivariate_normal(np.full(len(cx), 0.2), 2.0 * k_cc + 0.05 * np.eye(len(cx)))
    np.testing.assert_allclose(float(got[0]), expected.logpdf(y), rtol=1e-10)


def test_grid_search_follows_the_context_noise() -> None:
    # Same curve, noisier context: the evidence must choose a larger noise variance.
    chosen = []
    for noise_std in (0.01, 0.3):
        cx, _, y = _problem(noise_std, n=40, seed=1)
        k_cc = torch.as_tensor(_rbf(cx, cx))[None]
        _, noise = DeepKernelTransfer._grid_search(
            torch.tensor(0.0, dtype=torch.float64), k_cc, torch.as_tensor(y)[None]
        )
        chosen.append(float(noise[0]))
    assert chosen[0] < 0.01 < chosen[1] < 1.0


def test_predictive_std_is_positive_and_intervals_cover_in_support(small_bank, in_support) -> None:
    mean, std = (
        DeepKernelTransfer(seed=0, steps=300).fit(small_bank).predict_distribution(in_support)
    )
    assert mean.shape == std.shape == in_support.query_y.shape and np.all(std > 0)
    inside = np.abs(mean - in_support.query_y) <= 2 * std
    assert inside.mean() > 0.6
