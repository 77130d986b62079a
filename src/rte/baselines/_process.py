"""What the neural processes (``cnp``, ``tnp``) share: training and prediction.

A neural process is a network mapping (context inputs, context outputs, query inputs)
to a Gaussian mean and standard deviation per query. It is trained on the bank by
the Gaussian negative log-likelihood with random context/target splits of random
tasks; the targets include the context points (Garnelo et al. 2018). Subclasses only
build the network (:meth:`NeuralProcess.network`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch
from torch import nn

from rte._params import at_least, param, positive
from rte.base import check_is_fitted, estimator
from rte.baselines._meta import BankTensors
from rte.baselines._scaled import BankScaled
from rte.errors import ValidationError
from rte.nn import train_regressor
from rte.tasks.bank import TargetSet, TaskBank

# Floor of the predicted std (scaled units), as in Garnelo et al., to keep the NLL bounded.
MIN_STD = 0.01


def gaussian_head(out: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Two raw outputs (..., 2) -> mean and std (softplus above the floor)."""
    return out[..., 0], MIN_STD + nn.functional.softplus(out[..., 1])


@dataclass(frozen=True, kw_only=True)
class ProcessParams:
    """How a neural process (``cnp``, ``tnp``) trains: random context/target splits of
    random bank tasks, and its Adam budget. A parameter group."""

    min_context: int = param(3, "Fewest context points in training.", at_least(1))
    max_context: int = param(20, "Most context points in training.", at_least(1))
    n_points: int = param(40, "Points drawn per training task.", at_least(1))
    batch_tasks: int = param(16, "Tasks per training step.", at_least(1))
    steps: int = param(1000, "Adam steps.", at_least(1))
    lr: float = param(5e-3, "Adam learning rate.", positive)


@estimator(ProcessParams)
class NeuralProcess(BankScaled):
    """Train a context-to-predictive-distribution network on the bank; condition on a context."""

    fitted: ClassVar[Mapping[str, str]] = {
        "net_": "the neural process network",
    }

    sees: ClassVar[str] = "BC"

    def network(self, dim: int) -> nn.Module:
        """The network: forward(cx (B, k, d), cy (B, k), qx (B, q, d)) -> mean, std (B, q)."""
        raise NotImplementedError

    def validate_params(self) -> None:
        """The declared checks, and context sizes that fit in the points drawn."""
        super().validate_params()
        if not self.min_context <= self.max_context <= self.n_points:
            raise ValidationError(
                f"{type(self).__name__} needs min_context <= max_context <= n_points. Got "
                f"{self.min_context}, {self.max_context} and {self.n_points}."
            )

    def fit(self, bank: TaskBank) -> NeuralProcess:
        """Train the network by the Gaussian NLL on random context/target splits."""
        self.validate_params()
        data = BankTensors.from_bank(bank, self.scale_bank(bank))
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            self.net_ = self.network(bank.dim)

        # Small banks: draw what the smallest task has, and keep one target beyond the context.
        n_points = min(self.n_points, int(bank.mask.sum(1).min()))
        max_context = max(min(self.max_context, n_points - 1), self.min_context)

        def sample(gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
            x, y = data.draw(gen, self.batch_tasks, n_points)
            k = int(torch.randint(self.min_context, max_context + 1, (1,), generator=gen))
            # Inputs carry the split: the first k points are the context.
            return torch.cat([x, y[..., None]], -1), torch.full((1,), k)

        def nll(net: nn.Module, xy: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
            x, y = xy[..., :-1], xy[..., -1]
            mean, std = net(x[:, : int(k)], y[:, : int(k)], x)
            return -torch.distributions.Normal(mean, std).log_prob(y).mean()

        train_regressor(
            self.net_, sample, steps=self.steps, lr=self.lr, seed=self.seed, loss_fn=nll
        )
        return self

    def predict_distribution(self, targets: TargetSet) -> tuple[np.ndarray, np.ndarray]:
        """Predictive mean and std at the queries, (T, Q) each, in the bank's units."""
        check_is_fitted(self, "net_")
        sc = self.scaling_
        cx, cy, qx = self.scaled_targets(targets)
        with torch.no_grad():
            mean, std = self.net_(cx, cy, qx)
        return sc.y_inverse(mean.double().numpy()), std.double().numpy() * sc.y_std

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        """The predictive mean at the queries, (T, Q)."""
        return self.predict_distribution(targets)[0]
