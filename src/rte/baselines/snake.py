"""``snake_mlp``: an inductive MLP on (x, task embedding) with the snake activation.

snake_a(u) = u + sin^2(a u) / a (Ziyin et al. 2020) keeps a linear trend and adds a
periodic part with a learned frequency a per unit: the architecture-only answer to
periodic families, which SiLU/ReLU networks continue linearly outside their data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from rte._validation import check_positive, check_positive_int
from rte.base import check_is_fitted
from rte.baselines._embedded import EmbeddedPoints
from rte.nn import train_regressor
from rte.registry import BANK, CONTEXT, register_method
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


@dataclass(frozen=True)
class SnakeConfig:
    """Hyperparameters of :class:`SnakeMLP`."""

    width: int = field(default=64, metadata={"help": "Hidden units per layer."})
    depth: int = field(default=3, metadata={"help": "Hidden layers."})
    a_init: float = field(default=1.0, metadata={"help": "Initial snake frequency a."})
    steps: int = field(default=1000, metadata={"help": "Adam steps."})
    batch_size: int = field(default=512, metadata={"help": "Points per step."})
    lr: float = field(default=2e-3, metadata={"help": "Adam learning rate."})

    def __post_init__(self) -> None:
        for name in ("width", "depth", "steps", "batch_size"):
            check_positive_int(getattr(self, name), name)
        for name in ("a_init", "lr"):
            check_positive(getattr(self, name), name)


@register_method("snake_mlp", (BANK, CONTEXT), "snake-activation MLP on x and the Fisher embedding")
class SnakeMLP:
    """Inductive snake MLP on z = (x, Fisher embedding of the context)."""

    def __init__(self, *, seed: int, **options: object) -> None:
        self.seed = seed
        self.config = SnakeConfig(**options)  # type: ignore[arg-type]

    def fit(self, bank: TaskBank) -> SnakeMLP:
        cfg = self.config
        self.points_ = EmbeddedPoints.from_bank(bank, self.seed)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            self.net_ = snake_mlp(self.points_.dim, cfg.width, cfg.depth, cfg.a_init)
        train_regressor(
            self.net_,
            lambda gen: self.points_.sample(gen, cfg.batch_size),
            steps=cfg.steps,
            lr=cfg.lr,
            seed=self.seed,
        )
        return self

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        check_is_fitted(self, "net_")
        with torch.no_grad():
            return self.points_.outputs(self.net_(self.points_.target_inputs(targets))[..., 0])
