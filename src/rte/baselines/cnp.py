"""``cnp``: conditional neural process (Garnelo et al. 2018).

An encoder maps each context pair (x, y) to a vector; their mean is the task's
representation r. A decoder maps (x, r) to a Gaussian mean and standard deviation.
Trained on the bank by the Gaussian negative log-likelihood, with random
context/target splits of random tasks; the targets include the context points.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from rte._validation import check_positive, check_positive_int
from rte.base import check_is_fitted
from rte.baselines._meta import BankTensors
from rte.nn import mlp, train_regressor
from rte.registry import BANK, CONTEXT, register_method
from rte.scaling import Scaling
from rte.tasks.bank import TargetSet, TaskBank

# Floor of the predicted std (scaled units), as in Garnelo et al., to keep the NLL bounded.
_MIN_STD = 0.01


@dataclass(frozen=True)
class CNPConfig:
    """Hyperparameters of :class:`CNP`."""

    width: int = field(default=64, metadata={"help": "Hidden units of encoder and decoder."})
    depth: int = field(default=2, metadata={"help": "Hidden layers of encoder and decoder."})
    rep_dim: int = field(default=32, metadata={"help": "Size of the task representation r."})
    min_context: int = field(default=3, metadata={"help": "Fewest context points in training."})
    max_context: int = field(default=20, metadata={"help": "Most context points in training."})
    n_points: int = field(default=40, metadata={"help": "Points drawn per training task."})
    batch_tasks: int = field(default=16, metadata={"help": "Tasks per training step."})
    steps: int = field(default=1000, metadata={"help": "Adam steps."})
    lr: float = field(default=5e-3, metadata={"help": "Adam learning rate."})

    def __post_init__(self) -> None:
        for name in ("width", "depth", "rep_dim", "min_context", "batch_tasks", "steps"):
            check_positive_int(getattr(self, name), name)
        check_positive_int(self.max_context, "max_context", self.min_context)
        check_positive_int(self.n_points, "n_points", self.max_context)
        check_positive(self.lr, "lr")


class CNPNetwork(nn.Module):
    """Encoder of (x, y) pairs, mean pooling, decoder of (x, r) to (mean, std)."""

    def __init__(self, dim: int, cfg: CNPConfig) -> None:
        super().__init__()
        self.encoder = mlp(dim + 1, cfg.rep_dim, cfg.width, cfg.depth)
        self.decoder = mlp(dim + cfg.rep_dim, 2, cfg.width, cfg.depth)

    def forward(
        self, cx: torch.Tensor, cy: torch.Tensor, qx: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Context (B, k, d), (B, k); queries (B, q, d) -> mean and std, each (B, q)."""
        r = self.encoder(torch.cat([cx, cy[..., None]], -1)).mean(1)
        out = self.decoder(torch.cat([qx, r[:, None].expand(-1, qx.shape[1], -1)], -1))
        return out[..., 0], _MIN_STD + nn.functional.softplus(out[..., 1])


@register_method("cnp", (BANK, CONTEXT), "conditional neural process conditioned on the context")
class CNP:
    """Conditional neural process; predicts the decoder mean, keeps the std for calibration."""

    def __init__(self, *, seed: int, **options: object) -> None:
        self.seed = seed
        self.config = CNPConfig(**options)  # type: ignore[arg-type]

    def fit(self, bank: TaskBank) -> CNP:
        cfg = self.config
        self.scaling_ = Scaling.fit(bank)
        data = BankTensors.from_bank(bank, self.scaling_)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            self.net_ = CNPNetwork(bank.dim, cfg)

        # Small banks: draw what the smallest task has, and keep one target beyond the context.
        n_points = min(cfg.n_points, int(bank.mask.sum(1).min()))
        max_context = max(min(cfg.max_context, n_points - 1), cfg.min_context)

        def sample(gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
            x, y = data.draw(gen, cfg.batch_tasks, n_points)
            k = int(torch.randint(cfg.min_context, max_context + 1, (1,), generator=gen))
            # Inputs carry the split: the first k points are the context.
            return torch.cat([x, y[..., None]], -1), torch.full((1,), k)

        def nll(net: nn.Module, xy: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
            x, y = xy[..., :-1], xy[..., -1]
            mean, std = net(x[:, : int(k)], y[:, : int(k)], x)
            return -torch.distributions.Normal(mean, std).log_prob(y).mean()

        train_regressor(self.net_, sample, steps=cfg.steps, lr=cfg.lr, seed=self.seed, loss_fn=nll)
        return self

    def predict_distribution(self, targets: TargetSet) -> tuple[np.ndarray, np.ndarray]:
        """Predictive mean and std at the queries, (T, Q) each, in the bank's units."""
        check_is_fitted(self, "net_")
        sc = self.scaling_
        cx, cy, qx = (
            torch.as_tensor(a, dtype=torch.float32)
            for a in (sc.x(targets.context_x), sc.y(targets.context_y), sc.x(targets.query_x))
        )
        with torch.no_grad():
            mean, std = self.net_(cx, cy, qx)
        return sc.y_inverse(mean.double().numpy()), std.double().numpy() * sc.y_std

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        return self.predict_distribution(targets)[0]
