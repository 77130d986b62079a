"""``cnp``: conditional neural process (Garnelo et al. 2018).

An encoder maps each context pair (x, y) to a vector; their mean is the task's
representation r. A decoder maps (x, r) to a Gaussian mean and standard deviation.
Training and prediction are the neural processes' shared ones (:mod:`._process`).
"""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import nn

from rte._params import at_least, param
from rte.base import estimator
from rte.baselines._process import NeuralProcess, gaussian_head
from rte.nn import mlp


class CNPNetwork(nn.Module):
    """Encoder of (x, y) pairs, mean pooling, decoder of (x, r) to (mean, std)."""

    def __init__(self, dim: int, width: int, depth: int, rep_dim: int) -> None:
        super().__init__()
        self.encoder = mlp(dim + 1, rep_dim, width, depth)
        self.decoder = mlp(dim + rep_dim, 2, width, depth)

    def forward(
        self, cx: torch.Tensor, cy: torch.Tensor, qx: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Context (B, k, d), (B, k); queries (B, q, d) -> mean and std, each (B, q)."""
        r = self.encoder(torch.cat([cx, cy[..., None]], -1)).mean(1)
        return gaussian_head(
            self.decoder(torch.cat([qx, r[:, None].expand(-1, qx.shape[1], -1)], -1))
        )


@estimator()
class CNP(NeuralProcess):
    """Conditional neural process; predicts the decoder mean, keeps the std for calibration."""

    description: ClassVar[str] = "conditional neural process conditioned on the context"

    width: int = param(64, "Hidden units of encoder and decoder.", at_least(1))
    depth: int = param(2, "Hidden layers of encoder and decoder.", at_least(1))
    rep_dim: int = param(32, "Size of the task representation r.", at_least(1))

    def network(self, dim: int) -> CNPNetwork:
        """Encoder and decoder MLPs."""
        return CNPNetwork(dim, self.width, self.depth, self.rep_dim)
