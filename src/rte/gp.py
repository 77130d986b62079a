"""Exact Gaussian-process regression on many small data sets at once.

One GP per set (a target's context) around a given prior mean (RTE's prediction,
for RTE's residual correction): the covariance is

    sigma^2 * (RBF_length(x, x') + gamma + beta * <x, x'> + lambda * [x = x'])

an isotropic squared-exponential kernel on the scaled inputs, a constant (an
unknown offset of relative variance gamma), a linear trend (relative variance
beta: beyond the context a residual keeps its trend instead of fading to the prior
mean) and observation noise of relative variance lambda. For every (length,
lambda, gamma, beta) of a fixed grid the signal
variance sigma^2 has a closed-form maximum of the marginal likelihood; each set
keeps the grid point with the highest profile likelihood. So a fit is one batched
Cholesky over (sets x grid points): deterministic, no optimiser to converge, and
fast enough for one target at a time (about a millisecond).

Predictions are of the latent (noise-free) curve, with its standard deviation;
leave-one-out predictions come in closed form (Rasmussen & Williams 2006, 5.4.2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

_DTYPE = torch.float64
# The grid, for inputs scaled to about [-1, 1].
LENGTHS = tuple(np.geomspace(0.05, 8.0, 14).tolist())
NOISE_RATIOS = (1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)
OFFSET_RATIOS = (0.0, 1.0, 100.0)
TREND_RATIOS = (0.0, 1.0)
_JITTER = 1e-9


@dataclass(frozen=True)
class GPFit:
    """Fitted GPs of T sets, each at its best grid point."""

    x: torch.Tensor  # (T, n, d) inputs
    residual: torch.Tensor  # (T, n) outputs minus the prior mean
    length: torch.Tensor  # (T,)
    noise_ratio: torch.Tensor  # (T,) lambda
    offset_ratio: torch.Tensor  # (T,) gamma
    trend_ratio: torch.Tensor  # (T,) beta
    signal: torch.Tensor  # (T,) sigma^2
    chol: torch.Tensor  # (T, n, n) Cholesky factor of the correlation matrix A
    alpha: torch.Tensor  # (T, n) A^-1 residual
    log_evidence_: torch.Tensor  # (T,)

    @property
    def log_evidence(self) -> np.ndarray:
        """Log marginal likelihood of each set's outputs (original units), (T,): comparable
        between fits of the same outputs around different prior means."""
        return self.log_evidence_.numpy()

    def predict(
        self, query: np.ndarray, prior_mean: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Latent mean and standard deviation at ``query`` (T, Q, d), plus the prior mean."""
        q = torch.as_tensor(query, dtype=_DTYPE)
        cross = _covariance(q, self.x, self.length, self.offset_ratio, self.trend_ratio)
        mean = (cross @ self.alpha[..., None])[..., 0].numpy()
        v = torch.cholesky_solve(cross.transpose(1, 2), self.chol)  # (T, n, Q)
        prior = 1.0 + self.offset_ratio[:, None] + self.trend_ratio[:, None] * (q**2).sum(-1)
        var = self.signal[:, None] * (prior - (cross * v.transpose(1, 2)).sum(-1))
        std = var.clamp_min(0.0).sqrt().numpy()
        return (mean if prior_mean is None else mean + prior_mean), std

    def loo(self) -> tuple[np.ndarray, np.ndarray]:
        """Leave-one-out predictive mean and variance of each (noisy) observation, (T, n),
        relative to the prior mean."""
        eye = torch.eye(self.x.shape[1], dtype=_DTYPE).expand_as(self.chol)
        diag = torch.diagonal(torch.cholesky_solve(eye, self.chol), dim1=1, dim2=2)
        mean = self.residual - self.alpha / diag
        return mean.numpy(), (self.signal[:, None] / diag).numpy()


def _correlation(a: torch.Tensor, b: torch.Tensor, length: torch.Tensor) -> torch.Tensor:
    """exp(-|a - b|^2 / 2 l^2) for batched sets: a (T, n, d), b (T, m, d), l (T,) -> (T, n, m)."""
    sq = torch.cdist(a, b) ** 2
    return torch.exp(-0.5 * sq / length[:, None, None] ** 2)


def _covariance(
    a: torch.Tensor,
    b: torch.Tensor,
    length: torch.Tensor,
    offset: torch.Tensor,
    trend: torch.Tensor,
) -> torch.Tensor:
    """The noise-free part of the covariance over sigma^2: RBF + gamma + beta <a, b>."""
    linear = a @ b.transpose(1, 2)
    return _correlation(a, b, length) + offset[:, None, None] + trend[:, None, None] * linear


def fit_gps(x: np.ndarray, y: np.ndarray, prior_mean: np.ndarray | None = None) -> GPFit:
    """Fit one GP per set: inputs (T, n, d), outputs (T, n), optional prior mean (T, n)."""
    xt = torch.as_tensor(x, dtype=_DTYPE)
    r = torch.as_tensor(y if prior_mean is None else y - prior_mean, dtype=_DTYPE)
    t, n, _ = xt.shape
    grid = torch.cartesian_prod(
        torch.tensor(LENGTHS, dtype=_DTYPE),
        torch.tensor(NOISE_RATIOS, dtype=_DTYPE),
        torch.tensor(OFFSET_RATIOS, dtype=_DTYPE),
        torch.tensor(TREND_RATIOS, dtype=_DTYPE),
    )  # (G, 4)
    g = len(grid)
    length, noise, offset, trend = (grid[:, i].repeat(t) for i in range(4))  # set-major
    xs = xt.repeat_interleave(g, 0)
    rs = r.repeat_interleave(g, 0)
    eye = torch.eye(n, dtype=_DTYPE)
    a = _covariance(xs, xs, length, offset, trend) + (noise + _JITTER)[:, None, None] * eye
    chol = torch.linalg.cholesky(a)
    alpha = torch.cholesky_solve(rs[..., None], chol)[..., 0]
    # Profile likelihood: the best signal variance in closed form; a floor keeps a
    # perfect prior mean (zero residual) finite.
    floor = 1e-12 * (1.0 + (r**2).mean(1)).repeat_interleave(g)
    signal = ((rs * alpha).sum(-1) / n).clamp_min(floor)
    logdet = 2 * torch.log(torch.diagonal(chol, dim1=1, dim2=2)).sum(-1)
    value = -0.5 * n * (torch.log(2 * math.pi * signal) + 1.0) - 0.5 * logdet
    best = value.reshape(t, g).argmax(1) + torch.arange(t) * g
    return GPFit(
        xt,
        r,
        length[best],
        noise[best],
        offset[best],
        trend[best],
        signal[best],
        chol[best],
        alpha[best],
        value[best],
    )
