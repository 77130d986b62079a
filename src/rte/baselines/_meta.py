"""Pieces the meta-learners share (``maml``, ``fomaml``, ``reptile``, ``cnp``).

Random support/query draws from bank tasks, and a functional MLP adapted to one
task by gradient steps with :mod:`torch.func`, vectorised over tasks with ``vmap``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, grad, vmap

from rte._params import at_least, param, positive
from rte.base import check_is_fitted, estimator
from rte.baselines._scaled import BankScaled
from rte.errors import ValidationError
from rte.nn import mlp, train_regressor
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


@estimator()
class MetaLearner(BankScaled):
    """Meta-train an MLP's initialisation on the bank; adapt it on each target's context.

    Subclasses define :meth:`meta_gradient`, the direction the initialisation moves
    along per meta-batch; Adam applies it through the shared training loop
    (:func:`rte.nn.train_regressor`), as the gradient of ``<params, direction>``.
    """

    fitted: ClassVar[Mapping[str, str]] = {
        "net_": "the network whose initial weights are meta-learned",
        "params_": "the meta-learned initial weights",
    }

    sees: ClassVar[str] = "BC"

    width: int = param(40, "Hidden units per layer.", at_least(1))
    depth: int = param(2, "Hidden layers.", at_least(1))
    support_size: int = param(
        10, "Support points per task: the benchmark's context size.", at_least(1)
    )
    query_size: int = param(20, "Query points per training task.", at_least(1))
    meta_batch: int = param(16, "Tasks per meta-iteration.", at_least(1))
    meta_steps: int = param(300, "Meta-iterations (Adam).", at_least(1))
    meta_lr: float = param(1e-2, "Adam learning rate of the meta-update.", positive)
    inner_steps: int = param(3, "Gradient steps of the inner loop.", at_least(1))
    inner_lr: float = param(0.05, "Step size of the inner loop.", positive)
    adapt_steps: int = param(10, "Steps on a target's context (0: inner_steps).", at_least(0))

    @property
    def test_steps(self) -> int:
        """Adaptation steps on a target's context."""
        return self.adapt_steps or self.inner_steps

    def meta_gradient(
        self, params: Params, xs: torch.Tensor, ys: torch.Tensor, xq: torch.Tensor, yq: torch.Tensor
    ) -> Params:
        """Gradient-like direction for a batch of tasks: support (B, k, ...), query (B, q, ...)."""
        raise NotImplementedError

    def fit(self, bank: TaskBank) -> MetaLearner:
        """Meta-train the initialisation on random support/query draws of bank tasks."""
        self.validate_params()
        data = BankTensors.from_bank(bank, self.scale_bank(bank))
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            self.net_ = mlp(bank.dim, 1, self.width, self.depth)
        # Small banks: shrink support and query to what the smallest task holds.
        fewest = int(bank.mask.sum(1).min())
        k = min(self.support_size, fewest - 1)
        n_points = min(k + self.query_size, fewest)

        def surrogate(net: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            # d<params, direction>/d params = direction: Adam steps along the meta-gradient.
            params = dict(net.named_parameters())
            direction = self.meta_gradient(
                {n: p.detach() for n, p in params.items()}, x[:, :k], y[:, :k], x[:, k:], y[:, k:]
            )
            return sum((p * direction[n]).sum() for n, p in params.items())  # type: ignore[return-value]

        train_regressor(
            self.net_,
            lambda gen: data.draw(gen, self.meta_batch, n_points),
            steps=self.meta_steps,
            lr=self.meta_lr,
            seed=self.seed,
            loss_fn=surrogate,
            cosine=False,
        )
        self.params_ = {n: p.detach() for n, p in self.net_.named_parameters()}
        return self

    def adapted_predictions(self, targets: TargetSet, steps: int) -> np.ndarray:
        """Predictions at the queries after ``steps`` steps on each target's context."""
        check_is_fitted(self, "params_")
        zc, yc, zq = self.scaled_targets(targets)

        def one(x: torch.Tensor, y: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
            p = adapt(self.net_, self.params_, x, y, steps, self.inner_lr)
            return functional_call(self.net_, p, (q,))[..., 0]

        out = vmap(one)(zc, yc, zq).detach().double().numpy()
        return self.scaling_.y_inverse(out)

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        """Predictions after adapting on each target's context, (T, Q)."""
        return self.adapted_predictions(targets, self.test_steps)
