"""A functional relational operator: Psi reads the anchor's curve at a learned, warped input.

    u = x + W(x, phi)
    Psi(x, f_anchor, phi) = f_anchor(u) + R(x, f_anchor(x), f_anchor(u), phi)

The MLP Psi (:mod:`rte.operator.psi`) sees the anchor only at the query's own input,
so "the same curve, shifted or played faster" is out of its reach. Here a warp
network W moves the point at which the anchor is read, and a residual network R
models what the warp leaves; both are trained jointly on bank pairs like the MLP,
with phi the embedding difference. W's last layer starts at zero, so the operator
starts as the MLP's residual form and learns to warp only where reading elsewhere
fits the pairs better. The anchor is read through a callable (its stored curve,
interpolated), so any anchor representation that can be evaluated at new inputs
serves; gradients reach W through the interpolation's slope.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from rte._state import State, as_tensor
from rte.nn import mlp
from rte.tasks.interpolate import AnchorInterpolator

# Reads an anchor's values at inputs (B, n, d) -> (B, n).
Reader = Callable[[torch.Tensor], torch.Tensor]
# Size of the warp network (it only has to learn a smooth map of x and phi).
WARP_WIDTH, WARP_DEPTH = 64, 2


class WarpOperator(nn.Module):
    """Residual operator on the anchor read at a warped input."""

    kind = "warp"

    def __init__(self, dim_x: int, dim_phi: int, width: int = 128, depth: int = 3) -> None:
        super().__init__()
        self.dim_x, self.dim_phi, self.width, self.depth = dim_x, dim_phi, width, depth
        self.warp = mlp(dim_x + dim_phi, dim_x, WARP_WIDTH, WARP_DEPTH)
        nn.init.zeros_(self.warp[-1].weight)
        nn.init.zeros_(self.warp[-1].bias)
        self.net = mlp(dim_x + 2 + dim_phi, 1, width, depth)

    def forward(self, x: torch.Tensor, read: Reader, phi: torch.Tensor) -> torch.Tensor:
        """x (B, n, d), the anchor's reader, phi (B, n, dim_phi) -> values (B, n)."""
        moved = x + self.warp(torch.cat([x, phi], dim=-1))
        here, there = read(x), read(moved)
        inputs = torch.cat([x, here[..., None], there[..., None], phi], dim=-1)
        return there + self.net(inputs)[..., 0]

    def state(self) -> State:
        """Architecture and weights (model files)."""
        config = {"dim_x": self.dim_x, "dim_phi": self.dim_phi, "width": self.width}
        weights = {k: as_tensor(v) for k, v in self.state_dict().items()}
        return State({**config, "depth": self.depth, "kind": self.kind}, weights)

    @classmethod
    def from_state(cls, state: State) -> WarpOperator:
        """Inverse of :meth:`state`, in eval mode."""
        psi = cls(**{k: int(state.value(k)) for k in ("dim_x", "dim_phi", "width", "depth")})
        psi.load_state_dict(dict(state.tensors))
        return psi.eval()


def warp_pair_loss(
    psi: WarpOperator,
    inputs: torch.Tensor,
    target: torch.Tensor,
    interpolator: AnchorInterpolator,
) -> torch.Tensor:
    """MSE of one batch of bank pairs: ``inputs`` rows [x, f_i(x), phi, i] as the pair
    sampler draws them (the anchor index last, so the anchor can be read anywhere)."""
    d = psi.dim_x
    x = inputs[:, None, :d]
    phi = inputs[:, None, d + 1 : d + 1 + psi.dim_phi]
    anchors = inputs[:, -1].long()
    pred = psi(x, lambda z: interpolator(anchors, z), phi)[:, 0]
    return torch.mean((pred - target) ** 2)
