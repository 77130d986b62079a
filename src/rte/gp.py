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

:func:`correct` is the residual GP correction as one component: any method that
predicts a curve (rte's Psi, the closest bank curve, a constant) hands it its
prediction at the context inputs and at the queries, and gets back the corrected mean
and the GP's (uncalibrated) standard deviation. rte, ``nearest_task_gp`` and
``context_gp`` all correct through it, so they share one kernel and one fit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from rte._validation import float_array
from rte.errors import ValidationError

_DTYPE = torch.float64
# The grid, for inputs scaled to about [-1, 1].
LENGTHS = tuple(np.geomspace(0.05, 8.0, 14).tolist())
NOISE_RATIOS = (1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)
OFFSET_RATIOS = (0.0, 1.0, 100.0)
TREND_RATIOS = (0.0, 1.0)
_JITTER = 1e-9
# Jitters relative to the largest diagonal entry, tried in turn on a covariance that
# does not factorise (the last makes any symmetric matrix of this kind positive definite).
_RELATIVE_JITTERS = (1e-8, 1e-6, 1e-3, 1.0)


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


# Context points per set a GP fit takes at most: its cost grows with the cube of the
# points (a Cholesky per grid point), its memory with their square.
MAX_POINTS = 1000
# Bytes of covariance matrices one batched Cholesky holds at a time.
_CHUNK_BYTES = 256 * 2**20


def fit_gps(x: np.ndarray, y: np.ndarray, prior_mean: np.ndarray | None = None) -> GPFit:
    """Fit one GP per set: inputs (T, n, d), outputs (T, n), optional prior mean (T, n).

    Every (set, grid point) pair is scored by its profile likelihood in chunks of at most
    256 MB of covariance matrices, then each set's best pair is factorised again: memory
    stays bounded whatever the number of sets. At most :data:`MAX_POINTS` points per set.
    """
    xt = torch.as_tensor(x, dtype=_DTYPE)
    r = torch.as_tensor(y if prior_mean is None else y - prior_mean, dtype=_DTYPE)
    t, n, _ = xt.shape
    if n > MAX_POINTS:
        raise ValidationError(
            f"A GP takes at most {MAX_POINTS} context points per target (its cost grows with "
            f"the cube of the points). Got {n}; pass a subsample of the context, or predict "
            "without the correction (correction='none')."
        )
    grid = torch.cartesian_prod(
        torch.tensor(LENGTHS, dtype=_DTYPE),
        torch.tensor(NOISE_RATIOS, dtype=_DTYPE),
        torch.tensor(OFFSET_RATIOS, dtype=_DTYPE),
        torch.tensor(TREND_RATIOS, dtype=_DTYPE),
    )  # (G, 4)
    g = len(grid)
    length, noise, offset, trend = (grid[:, i].repeat(t) for i in range(4))  # set-major
    # A floor keeps the signal of a perfect prior mean (zero residual) finite.
    floor = 1e-12 * (1.0 + (r**2).mean(1)).repeat_interleave(g)
    rows = max(1, _CHUNK_BYTES // (8 * n * n))
    value = torch.empty(t * g, dtype=_DTYPE)
    for start in range(0, t * g, rows):
        part = torch.arange(start, min(start + rows, t * g))
        *_, value[part] = _profile(xt, r, part, g, length, noise, offset, trend, floor)
    best = value.reshape(t, g).argmax(1) + torch.arange(t) * g
    chol, alpha, signal, _ = _profile(xt, r, best, g, length, noise, offset, trend, floor)
    return GPFit(
        xt,
        r,
        length[best],
        noise[best],
        offset[best],
        trend[best],
        signal,
        chol,
        alpha,
        value[best],
    )


def correct(
    context_x: np.ndarray,
    context_y: np.ndarray,
    prior_on_context: np.ndarray,
    query_x: np.ndarray,
    prior_on_queries: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The residual GP correction of T targets' predictions: corrected mean and latent std
    at the queries, (T, Q) each.

    A GP per target (:func:`fit_gps`) is fitted to the context residuals ``context_y -
    prior_on_context`` and its latent mean is added to ``prior_on_queries``. Inputs
    ``context_x`` (T, n, d) and ``query_x`` (T, Q, d) must be scaled to about [-1, 1] (the
    grid of length scales assumes it: use the bank's :class:`rte.scaling.Scaling`);
    outputs and priors are in any one unit. A zero prior makes it a GP of the context
    alone (its offset term learns a constant). The std is the GP's own, not calibrated.
    """
    cx, cy = float_array(context_x, "context_x"), float_array(context_y, "context_y")
    qx = float_array(query_x, "query_x")
    on_context = float_array(prior_on_context, "prior_on_context")
    on_queries = float_array(prior_on_queries, "prior_on_queries")
    if cx.ndim != 3 or qx.ndim != 3 or cx.shape[0] != qx.shape[0] or cx.shape[2] != qx.shape[2]:
        raise ValidationError(
            "correct expects context_x (T, n, d) and query_x (T, Q, d) with the same T and d. "
            f"Got shapes {cx.shape} and {qx.shape}."
        )
    for name, array, shape in (
        ("context_y", cy, cx.shape[:2]),
        ("prior_on_context", on_context, cx.shape[:2]),
        ("prior_on_queries", on_queries, qx.shape[:2]),
    ):
        if array.shape != shape:
            raise ValidationError(f"{name} must have shape {shape}. Got {array.shape}.")
    return fit_gps(cx, cy, on_context).predict(qx, on_queries)


def _profile(
    xt: torch.Tensor,
    r: torch.Tensor,
    rows: torch.Tensor,
    g: int,
    length: torch.Tensor,
    noise: torch.Tensor,
    offset: torch.Tensor,
    trend: torch.Tensor,
    floor: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Cholesky factor, A^-1 residual, best signal variance (closed form) and profile log
    likelihood of the (set, grid point) ``rows`` (row = set * g + grid point)."""
    sets = torch.div(rows, g, rounding_mode="floor")
    xs, rs = xt[sets], r[sets]
    n = xt.shape[1]
    eye = torch.eye(n, dtype=_DTYPE)
    a = _covariance(xs, xs, length[rows], offset[rows], trend[rows])
    chol = _cholesky(a + (noise[rows] + _JITTER)[:, None, None] * eye)
    alpha = torch.cholesky_solve(rs[..., None], chol)[..., 0]
    signal = ((rs * alpha).sum(-1) / n).clamp_min(floor[rows])
    logdet = 2 * torch.log(torch.diagonal(chol, dim1=1, dim2=2)).sum(-1)
    value = -0.5 * n * (torch.log(2 * math.pi * signal) + 1.0) - 0.5 * logdet
    return chol, alpha, signal, value


def _cholesky(matrices: torch.Tensor) -> torch.Tensor:
    """Batched Cholesky factors. A matrix that is not positive definite in floating point
    (inputs far outside the scaled range, where the offset and trend terms swamp the
    noise by many orders) gets a jitter relative to its largest diagonal entry, raised
    until it factorises: that GP has a little more noise, and every set keeps a finite
    fit."""
    chol, info = torch.linalg.cholesky_ex(matrices)
    failed = torch.nonzero(info).flatten()
    eye = torch.eye(matrices.shape[-1], dtype=matrices.dtype)
    for relative in _RELATIVE_JITTERS:
        if len(failed) == 0:
            break
        bad = matrices[failed]
        scale = torch.diagonal(bad, dim1=1, dim2=2).abs().amax(-1)
        fixed, info = torch.linalg.cholesky_ex(bad + (relative * scale)[:, None, None] * eye)
        ok = info == 0
        chol[failed[ok]] = fixed[ok]
        failed = failed[~ok]
    return chol
