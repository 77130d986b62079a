"""Evaluate training tasks at new inputs from their observations.

Psi needs the anchor's value f_anchor(x) at context and query inputs, which a bank
only observes at its own points. 1-D banks use exact piecewise-linear interpolation
(constant beyond the observed range), or, with ``cubic``, cubic Hermite interpolation
with three-point slopes (error of order h^3 instead of h^2 on smooth curves: the
symbolic operator relates curves exactly and would otherwise see the linear
interpolation's error); d >= 2 uses inverse-distance weighting over the k nearest
observations. Everything is batched over (anchor, inputs) rows.
"""

from __future__ import annotations

import numpy as np
import torch

_EPS = 1e-12


class AnchorInterpolator:
    """Holds a bank's observations as tensors and evaluates chosen tasks at new inputs."""

    def __init__(
        self,
        x: np.ndarray,
        y: np.ndarray,
        mask: np.ndarray,
        neighbours: int = 4,
        dtype: torch.dtype = torch.float32,
        cubic: bool = False,
    ) -> None:
        """Observations x (M, N, d), y (M, N), mask (M, N), as in a :class:`TaskBank`;
        ``dtype`` float64 where values feed finite differences (the symbolic operator)."""
        x = torch.tensor(np.asarray(x), dtype=dtype)  # a copy: inputs may be read-only views
        y = torch.tensor(np.asarray(y), dtype=dtype)
        mask = torch.as_tensor(mask)
        self.dim = x.shape[2]
        self.neighbours = min(neighbours, int(mask.sum(1).min()))
        if self.dim == 1:
            # Padded slots sort to the end by giving them +inf, then copy the last real point.
            key = torch.where(mask, x[..., 0], torch.full_like(x[..., 0], float("inf")))
            order = key.argsort(dim=1)
            xs = x[..., 0].gather(1, order)
            ys = y.gather(1, order)
            counts = mask.sum(1, keepdim=True)
            pos = torch.arange(x.shape[1]).expand_as(xs)
            last = (counts - 1).expand_as(xs)
            self.xs = torch.where(pos < counts, xs, xs.gather(1, last))
            self.ys = torch.where(pos < counts, ys, ys.gather(1, last))
            self.slopes = _slopes(self.xs, self.ys) if cubic else None
        else:
            self.x, self.y, self.mask = x, y, mask

    def __call__(self, anchors: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Values of tasks ``anchors`` (B,) at inputs ``x`` (B, n, d); returns (B, n)."""
        if self.dim == 1 and self.slopes is not None:
            return self._hermite(anchors, x[..., 0])
        if self.dim == 1:
            return self._linear(anchors, x[..., 0])
        return self._idw(anchors, x)

    def _segments(self, anchors: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Per input: the segment's right end, its left point, width and position t."""
        xs = self.xs[anchors]
        right = torch.searchsorted(xs, x.contiguous()).clamp(1, xs.shape[1] - 1)
        x0 = xs.gather(1, right - 1)
        h = (xs.gather(1, right) - x0).clamp_min(_EPS)
        return right, h, ((x - x0) / h).clamp(0.0, 1.0)

    def _linear(self, anchors: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        xs, ys = self.xs[anchors], self.ys[anchors]
        right = torch.searchsorted(xs, x.contiguous()).clamp(1, xs.shape[1] - 1)
        x0, x1 = xs.gather(1, right - 1), xs.gather(1, right)
        y0, y1 = ys.gather(1, right - 1), ys.gather(1, right)
        t = ((x - x0) / (x1 - x0).clamp_min(_EPS)).clamp(0.0, 1.0)
        return y0 + t * (y1 - y0)

    def _hermite(self, anchors: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        right, h, t = self._segments(anchors, x)
        ys, slopes = self.ys[anchors], self.slopes[anchors]
        y0, y1 = ys.gather(1, right - 1), ys.gather(1, right)
        d0, d1 = slopes.gather(1, right - 1), slopes.gather(1, right)
        t2, t3 = t * t, t * t * t
        return (
            (2 * t3 - 3 * t2 + 1) * y0
            + (t3 - 2 * t2 + t) * h * d0
            + (3 * t2 - 2 * t3) * y1
            + (t3 - t2) * h * d1
        )

    def _idw(self, anchors: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        dist = torch.cdist(x, self.x[anchors])
        dist = dist.masked_fill(~self.mask[anchors][:, None, :], float("inf"))
        near, idx = dist.topk(self.neighbours, dim=-1, largest=False)
        weights = 1.0 / (near**2 + _EPS)
        values = self.y[anchors][:, None, :].expand(-1, x.shape[1], -1).gather(2, idx)
        return (weights * values).sum(-1) / weights.sum(-1)


def _slopes(xs: torch.Tensor, ys: torch.Tensor) -> torch.Tensor:
    """Three-point derivative estimates at sorted points (M, N) (one-sided at the ends;
    zero-width padded segments count as flat)."""
    h = (xs[:, 1:] - xs[:, :-1]).clamp_min(_EPS)
    secant = (ys[:, 1:] - ys[:, :-1]) / h
    left, right = h[:, :-1], h[:, 1:]
    inner = (right * secant[:, :-1] + left * secant[:, 1:]) / (left + right)
    return torch.cat([secant[:, :1], inner, secant[:, -1:]], 1)
