"""``snake_mlp``: an inductive MLP on (x, task embedding) with the snake activation.

snake_a(u) = u + sin^2(a u) / a (Ziyin et al. 2020) keeps a linear trend and adds a
periodic part with a learned frequency a per unit: the architecture-only answer to
periodic families, which SiLU/ReLU networks continue linearly outside their data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np
import torch
from torch import nn

from rte._params import at_least, param, positive
from rte.base import Estimator, check_is_fitted, estimator
from rte.baselines._embedded import EmbeddedPoints
from rte.nn import train_regressor
from rte.params import EmbeddingParams
from rte.tasks.bank import TargetSet, TaskBank


class Snake(nn.Module):
    """snake_a(u) = u + sin^2(a u) / a with a learned frequency ``a`` per unit."""

    def __init__(self, width: int, a_init: float) -> None:
        super().__init__()
        self.a = nn.Parameter(torch.full((width,), float(a_init)))

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        # Guard the division: a may cross zero during training.
        a = torch.where(self.a.abs() < 1e-4, torch.full_like(self.a, 1e-4), self.a)
        return u + torch.sin(a * u) ** 2 / a


def snake_mlp(in_dim: int, width: int, depth: int, a_init: float) -> nn.Sequential:
    """A ``depth``x``width`` snake MLP with one output."""
    layers: list[nn.Module] = []
    dim = in_dim
    for _ in range(depth):
        layers += [nn.Linear(dim, width), Snake(width, a_init)]
        dim = width
    layers.append(nn.Linear(dim, 1))
    return nn.Sequential(*layers)


@estimator(EmbeddingParams)
class SnakeMLP(Estimator):
    """Inductive snake MLP on z = (x, Fisher embedding of the context)."""

    fitted: ClassVar[Mapping[str, str]] = {
        "points_": "scaled bank points with their task embeddings (EmbeddedPoints)",
        "net_": "the snake-activation MLP on (x, embedding)",
    }

    sees: ClassVar[str] = "BC"
    description: ClassVar[str] = "snake-activation MLP on x and the Fisher embedding"

    width: int = param(64, "Hidden units per layer.", at_least(1))
    depth: int = param(3, "Hidden layers.", at_least(1))
    a_init: float = param(1.0, "Initial snake frequency a.", positive)
    steps: int = param(1000, "Adam steps.", at_least(1))
    batch_size: int = param(512, "Points per step.", at_least(1))
    lr: float = param(2e-3, "Adam learning rate.", positive)

    def fit(self, bank: TaskBank) -> SnakeMLP:
        """Train the snake MLP on (x, task embedding) -> y over every bank point."""
        self.validate_params()
        self.points_ = EmbeddedPoints.from_bank(bank, self.group(EmbeddingParams), self.seed)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            self.net_ = snake_mlp(self.points_.dim, self.width, self.depth, self.a_init)
        train_regressor(
            self.net_,
            lambda gen: self.points_.sample(gen, self.batch_size),
            steps=self.steps,
            lr=self.lr,
            seed=self.seed,
        )
        return self

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        """Predictions at the queries from each context's embedding, (T, Q)."""
        check_is_fitted(self, "net_")
        with torch.no_grad():
            return self.points_.outputs(self.net_(self.points_.target_inputs(targets))[..., 0])
