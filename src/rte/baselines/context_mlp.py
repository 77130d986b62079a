"""``context_mlp``: a small MLP fitted on the target's context alone (no bank).

One network per target, all trained together as a batched model, each on its target's
own scaling (inputs over its context and query inputs, outputs over its context).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import torch

from rte._params import at_least, param, positive
from rte.base import check_is_fitted, estimator
from rte.baselines.context_only import ContextOnly
from rte.nn import BatchedMLP
from rte.scaling import Scaling
from rte.tasks.bank import TargetSet


@estimator()
class ContextMLP(ContextOnly):
    """Fits ``width`` x ``depth`` SiLU MLPs on each context with Adam and weight decay."""

    description: ClassVar[str] = "MLP fitted only on the target's context points"

    width: int = param(32, "Hidden units per layer.", at_least(1))
    depth: int = param(2, "Hidden layers.", at_least(1))
    steps: int = param(500, "Adam steps per context.", at_least(1))
    lr: float = param(1e-2, "Adam learning rate.", positive)

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        """Fit one MLP per target context on its own scaling; predict its queries, (T, Q)."""
        check_is_fitted(self, "dim_")
        scalings = [
            Scaling.of_target(cx, cy, qx)
            for cx, cy, qx in zip(
                targets.context_x, targets.context_y, targets.query_x, strict=True
            )
        ]
        zc = torch.as_tensor(
            np.stack([s.x(x) for s, x in zip(scalings, targets.context_x, strict=True)]),
            dtype=torch.float32,
        )
        yc = torch.as_tensor(
            np.stack([s.y(y) for s, y in zip(scalings, targets.context_y, strict=True)]),
            dtype=torch.float32,
        )
        zq = torch.as_tensor(
            np.stack([s.x(x) for s, x in zip(scalings, targets.query_x, strict=True)]),
            dtype=torch.float32,
        )
        net = BatchedMLP(targets.n_targets, zc.shape[-1], self.width, self.depth, self.seed)
        opt = torch.optim.Adam(net.parameters(), lr=self.lr, weight_decay=1e-4)
        for _ in range(self.steps):
            # Sum over targets of each target's mean loss: the nets are independent.
            loss = ((net(zc) - yc) ** 2).mean(1).sum()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        with torch.no_grad():
            scaled = net(zq).double().numpy()
        return np.stack([s.y_inverse(y) for s, y in zip(scalings, scaled, strict=True)])
