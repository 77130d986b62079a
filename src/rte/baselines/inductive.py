"""Inductive baselines: one MLP on (x, task descriptor), fitted on the bank.

``inductive_t2v`` describes a task by its Fisher embedding (the same one RTE uses,
with the same simulated-context augmentation); ``inductive_oracle`` by its true
parameters. Both use the architecture and training budget of Psi.
"""

from __future__ import annotations

import abc

import numpy as np
import torch

from rte.base import check_is_fitted
from rte.baselines._shared import fitted_extrapolator
from rte.errors import ValidationError
from rte.nn import mlp, train_regressor
from rte.registry import BANK, CONTEXT, TRUE_PARAMS, register_method
from rte.scaling import Scaling
from rte.tasks.bank import TargetSet, TaskBank


class _InductiveMLP(abc.ABC):
    """MLP(x, descriptor) -> y; subclasses say what the descriptor is."""

    def __init__(self, *, seed: int) -> None:
        self.seed = seed

    @abc.abstractmethod
    def bank_descriptors(self, bank: TaskBank) -> np.ndarray:
        """Descriptor pool per bank task, shape (M, n_draws, p)."""

    @abc.abstractmethod
    def target_descriptors(self, targets: TargetSet) -> np.ndarray:
        """One descriptor per target, shape (T, p)."""

    def fit(self, bank: TaskBank) -> _InductiveMLP:
        self.scaling_ = Scaling.fit(bank)
        desc = torch.as_tensor(self.bank_descriptors(bank), dtype=torch.float32)
        cfg = fitted_extrapolator(bank, self.seed).config
        z = torch.as_tensor(self.scaling_.x(bank.x), dtype=torch.float32)
        yt = torch.as_tensor(self.scaling_.y(bank.y), dtype=torch.float32)
        counts = torch.as_tensor(bank.mask.sum(1))
        m, n_draws = desc.shape[:2]

        def sample(gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
            i = torch.randint(0, m, (cfg.batch_size,), generator=gen)
            p = (torch.rand(cfg.batch_size, generator=gen) * counts[i]).long()
            d = torch.randint(0, n_draws, (cfg.batch_size,), generator=gen)
            return torch.cat([z[i, p], desc[i, d]], 1), yt[i, p]

        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            self.net_ = mlp(bank.dim + desc.shape[-1], 1, cfg.width, cfg.depth)
        train_regressor(self.net_, sample, steps=cfg.steps, lr=cfg.lr, seed=self.seed)
        return self

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        check_is_fitted(self, "net_")
        desc = self.target_descriptors(targets)
        z = torch.as_tensor(self.scaling_.x(targets.query_x), dtype=torch.float32)
        d = torch.as_tensor(desc, dtype=torch.float32)[:, None, :].expand(-1, z.shape[1], -1)
        with torch.no_grad():
            out = self.net_(torch.cat([z, d], -1))[..., 0].double().numpy()
        return self.scaling_.y_inverse(out)


@register_method("inductive_t2v", (BANK, CONTEXT), "MLP on x and the context's Fisher embedding")
class InductiveT2V(_InductiveMLP):
    """MLP on (x, Fisher embedding); the target is described by its context's embedding."""

    def bank_descriptors(self, bank: TaskBank) -> np.ndarray:
        rte = fitted_extrapolator(bank, self.seed)
        self.embedding_ = rte.embedding_
        clean = rte.embedding_.bank_embeddings_[:, None, :]
        pool = rte.simulated_context_embeddings(
            bank, rte.embedding_, np.random.default_rng(self.seed)
        )
        return (
            clean if pool is None else np.concatenate([np.repeat(clean, pool.shape[1], 1), pool], 1)
        )

    def target_descriptors(self, targets: TargetSet) -> np.ndarray:
        return self.embedding_.transform(targets.context_x, targets.context_y)


@register_method("inductive_oracle", (BANK, TRUE_PARAMS), "MLP on x and the true task parameters")
class InductiveOracle(_InductiveMLP):
    """MLP on (x, true parameters), standardised over the bank."""

    def bank_descriptors(self, bank: TaskBank) -> np.ndarray:
        if bank.params is None:
            raise ValidationError("inductive_oracle needs a bank with true task parameters.")
        self.mean_, self.std_ = bank.params.mean(0), bank.params.std(0) + 1e-12
        return ((bank.params - self.mean_) / self.std_)[:, None, :]

    def target_descriptors(self, targets: TargetSet) -> np.ndarray:
        if targets.params is None:
            raise ValidationError("inductive_oracle needs targets with true parameters.")
        return (targets.params - self.mean_) / self.std_
