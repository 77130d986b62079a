"""Psi, the relational operator: predicts a target task from an anchor task and phi.

    Psi(x, f_anchor(x), phi) = f_anchor(x) + MLP([x, f_anchor(x), phi])

The residual form is the design decision that makes extrapolation work: the anchor
is in the training support, phi is a kind of difference seen in training, and the
network only has to model the *change* phi causes, never the out-of-support
magnitude of the target itself (docs/param.md, "Relational operator").
All quantities are in the bank's scaled units (:mod:`rte.scaling`).
"""

from __future__ import annotations

import torch
from torch import nn

from rte._state import State, as_tensor
from rte.nn import mlp


class RelationalOperator(nn.Module):
    """Residual MLP on (x, anchor value, phi)."""

    kind = "mlp"

    def __init__(self, dim_x: int, dim_phi: int, width: int = 128, depth: int = 3) -> None:
        super().__init__()
        self.dim_x, self.dim_phi, self.width, self.depth = dim_x, dim_phi, width, depth
        self.net = mlp(dim_x + 1 + dim_phi, 1, width, depth)

    def forward(self, x: torch.Tensor, anchor_y: torch.Tensor, phi: torch.Tensor) -> torch.Tensor:
        """x (..., d), anchor_y (...), phi (..., dim_phi) -> predicted target values (...)."""
        inputs = torch.cat([x, anchor_y[..., None], phi], dim=-1)
        return anchor_y + self.net(inputs)[..., 0]

    def state(self) -> State:
        """Architecture and weights (model files)."""
        config = {"dim_x": self.dim_x, "dim_phi": self.dim_phi, "width": self.width}
        weights = {k: as_tensor(v) for k, v in self.state_dict().items()}
        return State({**config, "depth": self.depth, "kind": self.kind}, weights)

    @classmethod
    def from_state(cls, state: State) -> RelationalOperator:
        """Inverse of :meth:`state`, in eval mode."""
        psi = cls(**{k: int(state.value(k)) for k in ("dim_x", "dim_phi", "width", "depth")})
        psi.load_state_dict(dict(state.tensors))
        return psi.eval()
