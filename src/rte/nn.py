"""Small neural-network pieces every method shares, so comparisons are architecture-fair.

All function-regression methods (RTE's Psi and the baselines) use :func:`mlp` with
the same activation and a full-batch-free Adam loop from :func:`train_regressor`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import torch
from torch import nn

from rte.errors import MethodFailedError

Batch = tuple[torch.Tensor, torch.Tensor]


def mlp(in_dim: int, out_dim: int, width: int = 128, depth: int = 3) -> nn.Sequential:
    """A SiLU multilayer perceptron with ``depth`` hidden layers of ``width`` units."""
    layers: list[nn.Module] = []
    dim = in_dim
    for _ in range(depth):
        layers += [nn.Linear(dim, width), nn.SiLU()]
        dim = width
    layers.append(nn.Linear(dim, out_dim))
    return nn.Sequential(*layers)


def train_regressor(
    model: nn.Module,
    sample_batch: Callable[[torch.Generator], Batch],
    *,
    steps: int,
    lr: float,
    seed: int,
    weight_decay: float = 0.0,
    loss_fn: Callable[[nn.Module, torch.Tensor, torch.Tensor], torch.Tensor] | None = None,
    progress: Callable[[int, float], None] | None = None,
    cosine: bool = True,
) -> list[float]:
    """Train ``model`` with Adam (and a cosine learning-rate decay); returns the loss curve.

    The one training loop of every network in the package (Psi, the inductive MLPs,
    the neural processes, the meta-learners). ``sample_batch(generator)`` draws one
    (inputs, targets) batch; drawing through the given generator makes training
    deterministic for a seed. ``loss_fn(model, inputs, targets)`` defaults to the MSE
    of ``model(inputs)``. ``progress(step, loss)``, if given, is called after every
    step (1-based), e.g. to drive a progress bar. ``cosine=False`` keeps the rate
    constant (the meta-learners' published recipe).
    """
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(steps, 1)) if cosine else None
    losses: list[float] = []
    model.train()
    for step in range(1, steps + 1):
        inputs, targets = sample_batch(gen)
        if loss_fn is None:
            loss = torch.mean((model(inputs).squeeze(-1) - targets) ** 2)
        else:
            loss = loss_fn(model, inputs, targets)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
        losses.append(float(loss.detach()))
        if not math.isfinite(losses[-1]):
            raise MethodFailedError(
                f"Training diverged at step {step}: the loss is {losses[-1]}. Lower the "
                f"learning rate (lr={lr:g}) or check the data for extreme values."
            )
        if progress is not None:
            progress(step, losses[-1])
    model.eval()
    return losses


class BatchedMLP(nn.Module):
    """``n_models`` independent SiLU MLPs evaluated together with batched matmuls.

    Used where one small network is fitted per target task (``context_mlp``): the
    whole set trains in one loop instead of one Python loop per task.
    """

    def __init__(self, n_models: int, in_dim: int, width: int, depth: int, seed: int) -> None:
        super().__init__()
        gen = torch.Generator().manual_seed(seed)
        dims = [in_dim, *([width] * depth), 1]
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for fan_in, fan_out in itertools.pairwise(dims):
            bound = fan_in**-0.5
            w = (torch.rand(n_models, fan_in, fan_out, generator=gen) * 2 - 1) * bound
            b = (torch.rand(n_models, 1, fan_out, generator=gen) * 2 - 1) * bound
            self.weights.append(nn.Parameter(w))
            self.biases.append(nn.Parameter(b))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map inputs of shape (n_models, n, in_dim) to outputs of shape (n_models, n)."""
        h = x
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            h = torch.baddbmm(b, h, w)
            if i < last:
                h = torch.nn.functional.silu(h)
        return h.squeeze(-1)
