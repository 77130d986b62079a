"""Pieces the meta-learners share (``maml``, ``fomaml``, ``reptile``, ``cnp``).

Random support/query draws from bank tasks, and a functional MLP adapted to one
task by gradient steps with :mod:`torch.func`, vectorised over tasks with ``vmap``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, grad, vmap

from rte._validation import check_positive, check_positive_int
from rte.base import check_is_fitted
from rte.errors import ValidationError
from rte.nn import mlp
from rte.scaling import Scaling
from rte.tasks.bank import TargetSet, TaskBank

Params = dict[str, torch.Tensor]


@dataclass(frozen=True)
class BankTensors:
    """A bank scaled for training: inputs (M, N, d), outputs (M, N), observed mask."""

    z: torch.Tensor
    y: torch.Tensor
    mask: torch.Tensor

    @classmethod
    def from_bank(cls, bank: TaskBank, scaling: Scaling) -> BankTensors:
        """Scale ``bank`` with ``scaling`` into float32 tensors."""
        return cls(
            torch.as_tensor(scaling.x(bank.x), dtype=torch.float32),
            torch.as_tensor(scaling.y(bank.y), dtype=torch.float32),
            torch.as_tensor(bank.mask),
        )

    def draw(
        self, gen: torch.Generator, n_tasks: int, n_points: int
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``n_points`` distinct observed points from each of ``n_tasks`` random tasks.

        Returns inputs (n_tasks, n_points, d) and outputs (n_tasks, n_points) in random
        order, so the first k points and the rest are disjoint support and query sets.
        """
        fewest = int(self.mask.sum(1).min())
        if n_points > fewest:
            raise ValidationError(
                f"Meta-training draws {n_points} points per task but the smallest bank task "
                f"has {fewest}. Lower the support/query sizes or add observations."
            )
        tasks = torch.randint(0, self.z.shape[0], (n_tasks,), generator=gen)
        # Unobserved points sort last: the first n_points are observed, without repeats.
        keys = torch.rand(n_tasks, self.z.shape[1], generator=gen) + (~self.mask[tasks]).float()
        points = keys.argsort(1)[:, :n_points]
        return self.z[tasks[:, None], points], self.y[tasks[:, None], points]


def mse(net: nn.Module, params: Params, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean squared error of ``net`` with ``params`` on one task: x (n, d), y (n,)."""
    return ((functional_call(net, params, (x,))[..., 0] - y) ** 2).mean()


def adapt(
    net: nn.Module, params: Params, x: torch.Tensor, y: torch.Tensor, steps: int, lr: float
) -> Params:
    """``steps`` plain gradient steps on one task's points, differentiable in ``params``."""
    step_grad = grad(lambda p: mse(net, p, x, y))
    for _ in range(steps):
        g = step_grad(params)
        params = {k: params[k] - lr * g[k] for k in params}
    return params


@dataclass(frozen=True)
class MetaConfig:
    """Hyperparameters of the gradient-based meta-learners (MAML, Reptile)."""

    width: int = field(default=40, metadata={"help": "Hidden units per layer."})
    depth: int = field(default=2, metadata={"help": "Hidden layers."})
    support_size: int = field(
        default=10, metadata={"help": "Support points per task: the benchmark's context size."}
    )
    query_size: int = field(default=20, metadata={"help": "Query points per training task."})
    meta_batch: int = field(default=16, metadata={"help": "Tasks per meta-iteration."})
    meta_steps: int = field(default=300, metadata={"help": "Meta-iterations (Adam)."})
    meta_lr: float = field(
        default=1e-2, metadata={"help": "Adam learning rate of the meta-update."}
    )
    inner_steps: int = field(default=3, metadata={"help": "Gradient steps of the inner loop."})
    inner_lr: float = field(default=0.05, metadata={"help": "Step size of the inner loop."})
    adapt_steps: int = field(
        default=10, metadata={"help": "Steps on a target's context (0: inner_steps)."}
    )

    def __post_init__(self) -> None:
        for name in ("width", "depth", "support_size", "query_size", "meta_batch", "meta_steps"):
            check_positive_int(getattr(self, name), name)
        check_positive_int(self.inner_steps, "inner_steps")
        check_positive_int(self.adapt_steps, "adapt_steps", 0)
        for name in ("meta_lr", "inner_lr"):
            check_positive(getattr(self, name), name)

    @property
    def test_steps(self) -> int:
        """Adaptation steps on a target's context."""
        return self.adapt_steps or self.inner_steps


class MetaLearner:
    """Meta-train an MLP's initialisation on the bank; adapt it on each target's context.

    Subclasses define :meth:`meta_gradient`, the direction the initialisation moves
    along per meta-batch; Adam applies it.
    """

    def __init__(self, *, seed: int, **options: object) -> None:
        self.seed = seed
        self.config = MetaConfig(**options)  # type: ignore[arg-type]

    def meta_gradient(
        self, params: Params, xs: torch.Tensor, ys: torch.Tensor, xq: torch.Tensor, yq: torch.Tensor
    ) -> Params:
        """Gradient-like direction for a batch of tasks: support (B, k, ...), query (B, q, ...)."""
        raise NotImplementedError

    def fit(self, bank: TaskBank) -> MetaLearner:
        cfg = self.config
        self.scaling_ = Scaling.fit(bank)
        data = BankTensors.from_bank(bank, self.scaling_)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            self.net_ = mlp(bank.dim, 1, cfg.width, cfg.depth)
        params = dict(self.net_.named_parameters())
        opt = torch.optim.Adam(params.values(), lr=cfg.meta_lr)
        gen = torch.Generator().manual_seed(self.seed)
        # Small banks: shrink support and query to what the smallest task holds.
        fewest = int(bank.mask.sum(1).min())
        k = min(cfg.support_size, fewest - 1)
        n_points = min(k + cfg.query_size, fewest)
        for _ in range(cfg.meta_steps):
            x, y = data.draw(gen, cfg.meta_batch, n_points)
            direction = self.meta_gradient(
                {n: p.detach() for n, p in params.items()}, x[:, :k], y[:, :k], x[:, k:], y[:, k:]
            )
            for name, p in params.items():
                p.grad = direction[name]
            opt.step()
        self.params_ = {n: p.detach() for n, p in params.items()}
        return self

    def adapted_predictions(self, targets: TargetSet, steps: int) -> np.ndarray:
        """Predictions at the queries after ``steps`` steps on each target's context."""
        check_is_fitted(self, "params_")
        zc, yc, zq = (
            torch.as_tensor(a, dtype=torch.float32)
            for a in (
                self.scaling_.x(targets.context_x),
                self.scaling_.y(targets.context_y),
                self.scaling_.x(targets.query_x),
            )
        )

        def one(x: torch.Tensor, y: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
            p = adapt(self.net_, self.params_, x, y, steps, self.config.inner_lr)
            return functional_call(self.net_, p, (q,))[..., 0]

        out = vmap(one)(zc, yc, zq).detach().double().numpy()
        return self.scaling_.y_inverse(out)

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        return self.adapted_predictions(targets, self.config.test_steps)
