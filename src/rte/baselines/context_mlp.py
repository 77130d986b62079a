"""``context_mlp``: a small MLP fitted on the target's context alone (no bank).

One network per target, all trained together as a batched model.
"""

from __future__ import annotations

import numpy as np
import torch

from rte.nn import BatchedMLP
from rte.registry import CONTEXT, register_method
from rte.scaling import Scaling
from rte.tasks.bank import TargetSet, TaskBank


@register_method("context_mlp", (CONTEXT,), "MLP fitted only on the target's context points")
class ContextMLP:
    """Fits ``width``x``depth`` SiLU MLPs on each context with Adam and weight decay.

    The bank only supplies the input/output scaling (a unit choice, not knowledge of
    the tasks).
    """

    def __init__(
        self, *, seed: int, width: int = 32, depth: int = 2, steps: int = 500, lr: float = 1e-2
    ) -> None:
        self.seed, self.width, self.depth, self.steps, self.lr = seed, width, depth, steps, lr

    def fit(self, bank: TaskBank) -> ContextMLP:
        self.scaling_ = Scaling.fit(bank)
        return self

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        zc = torch.as_tensor(self.scaling_.x(targets.context_x), dtype=torch.float32)
        yc = torch.as_tensor(self.scaling_.y(targets.context_y), dtype=torch.float32)
        zq = torch.as_tensor(self.scaling_.x(targets.query_x), dtype=torch.float32)
        net = BatchedMLP(targets.n_targets, zc.shape[-1], self.width, self.depth, self.seed)
        opt = torch.optim.Adam(net.parameters(), lr=self.lr, weight_decay=1e-4)
        for _ in range(self.steps):
            # Sum over targets of each target's mean loss: the nets are independent.
            loss = ((net(zc) - yc) ** 2).mean(1).sum()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        with torch.no_grad():
            return self.scaling_.y_inverse(net(zq).double().numpy())
