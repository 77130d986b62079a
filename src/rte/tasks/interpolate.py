"""Evaluate training tasks at new inputs from their observations.

Psi needs the anchor's value f_anchor(x) at context and query inputs, which a bank
only observes at its own points. 1-D banks use exact piecewise-linear interpolation
(constant beyond the observed range); d >= 2 uses inverse-distance weighting over
the k nearest observations. Everything is batched over (anchor, inputs) rows.
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
    ) -> None:
        """Observations x (M, N, d), y (M, N), mask (M, N), as in a :class:`TaskBank`;
        ``dtype`` float64 where values feed finite differences (the symbolic operator)."""
        x = torch.as_tensor(x, dtype=dtype)
        y = torch.as_tensor(y, dtype=dtype)
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
        else:
            self.x, self.y, self.mask = x, y, mask

    def __call__(self, anchors: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Values of tasks ``anchors`` (B,) at inputs ``x`` (B, n, d); returns (B, n)."""
        if self.dim == 1:
            return self._linear(anchors, x[..., 0])
        return self._idw(anchors, x)

    def _linear(self, anchors: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        xs, ys = self.xs[anchors], self.ys[anchors]
        right = torch.searchsorted(xs, x.contiguous()).clamp(1, xs.shape[1] - 1)
        x0, x1 = xs.gather(1, right - 1), xs.gather(1, right)
        y0, y1 = ys.gather(1, right - 1), ys.gather(1, right)
        t = ((x - x0) / (x1 - x0).clamp_min(_EPS)).clamp(0.0, 1.0)
        return y0 + t * (y1 - y0)

    def _idw(self, anchors: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        dist = torch.cdist(x, self.x[anchors])
        dist = dist.masked_fill(~self.mask[anchors][:, None, :], float("inf"))
        near, idx = dist.topk(self.neighbours, dim=-1, largest=False)
        weights = 1.0 / (near**2 + _EPS)
        values = self.y[anchors][:, None, :].expand(-1, x.shape[1], -1).gather(2, idx)
        return (weights * values).sum(-1) / weights.sum(-1)
