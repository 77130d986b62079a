"""Inductive baselines: one MLP on (x, task descriptor), fitted on the bank.

``inductive_t2v`` describes a task by its Fisher embedding (the same embedding RTE
uses, with the same simulated-context augmentation); ``inductive_oracle`` by its
true parameters. Their defaults equal Psi's architecture and training budget.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import ClassVar

import numpy as np
import torch

from rte.base import check_is_fitted, estimator
from rte.baselines._scaled import BankScaled
from rte.embedding import descriptor_pool, fit_embedding
from rte.errors import ValidationError
from rte.nn import mlp, train_regressor
from rte.params import EmbeddingParams, NetParams
from rte.tasks.bank import TargetSet, TaskBank


@estimator(NetParams)
class _InductiveMLP(BankScaled, abc.ABC):
    """MLP(x, descriptor) -> y; subclasses say what the descriptor is."""

    fitted: ClassVar[Mapping[str, str]] = {
        "net_": "the MLP on (x, task descriptor)",
    }

    @abc.abstractmethod
    def bank_descriptors(self, bank: TaskBank) -> np.ndarray:
        """Descriptor pool per bank task, shape (M, n_draws, p)."""

    @abc.abstractmethod
    def target_descriptors(self, targets: TargetSet) -> np.ndarray:
        """One descriptor per target, shape (T, p)."""

    def fit(self, bank: TaskBank) -> _InductiveMLP:
        """Train the MLP on (x, descriptor) -> y over every bank task's points."""
        self.validate_params()
        scaling = self.scale_bank(bank)
        desc = torch.as_tensor(self.bank_descriptors(bank), dtype=torch.float32)
        z = torch.as_tensor(scaling.x(bank.x), dtype=torch.float32)
        yt = torch.as_tensor(scaling.y(bank.y), dtype=torch.float32)
        counts = torch.as_tensor(bank.mask.sum(1))
        m, n_draws = desc.shape[:2]
        size = self.batch_size

        def sample(gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
            i = torch.randint(0, m, (size,), generator=gen)
            p = (torch.rand(size, generator=gen) * counts[i]).long()
            d = torch.randint(0, n_draws, (size,), generator=gen)
            return torch.cat([z[i, p], desc[i, d]], 1), yt[i, p]

        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            self.net_ = mlp(bank.dim + desc.shape[-1], 1, self.width, self.depth)
        train_regressor(self.net_, sample, steps=self.steps, lr=self.lr, seed=self.seed)
        return self

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        """Predictions at the targets' queries, (T, Q)."""
        check_is_fitted(self, "net_")
        desc = self.target_descriptors(targets)
        z = torch.as_tensor(self.scaling_.x(targets.query_x), dtype=torch.float32)
        d = torch.as_tensor(desc, dtype=torch.float32)[:, None, :].expand(-1, z.shape[1], -1)
        with torch.no_grad():
            out = self.net_(torch.cat([z, d], -1))[..., 0].double().numpy()
        return self.scaling_.y_inverse(out)


@estimator(EmbeddingParams)
class InductiveT2V(_InductiveMLP):
    """MLP on (x, Fisher embedding); the target is described by its context's embedding."""

    sees: ClassVar[str] = "BC"
    description: ClassVar[str] = "MLP on x and the context's Fisher embedding"
    fitted: ClassVar[Mapping[str, str]] = {
        "embedding_": "the Fisher task embedding fitted on the bank (FisherEmbedding)"
    }

    def bank_descriptors(self, bank: TaskBank) -> np.ndarray:
        """Clean and simulated-context embeddings of every bank task."""
        params = self.group(EmbeddingParams)
        _, self.embedding_ = fit_embedding(params, bank, self.seed)
        return descriptor_pool(params, bank, self.embedding_, self.seed)

    def target_descriptors(self, targets: TargetSet) -> np.ndarray:
        """The embedding of each target's context."""
        return self.embedding_.transform(targets.context_x, targets.context_y)


@estimator()
class InductiveOracle(_InductiveMLP):
    """MLP on (x, true parameters), standardised over the bank."""

    sees: ClassVar[str] = "BP"
    description: ClassVar[str] = "MLP on x and the true task parameters"
    fitted: ClassVar[Mapping[str, str]] = {
        "mean_": "the bank's mean of each true parameter",
        "std_": "the bank's spread of each true parameter",
    }

    def bank_descriptors(self, bank: TaskBank) -> np.ndarray:
        """The bank's true parameters, standardised."""
        if bank.params is None:
            raise ValidationError("inductive_oracle needs a bank with true task parameters.")
        self.mean_, self.std_ = bank.params.mean(0), bank.params.std(0) + 1e-12
        return ((bank.params - self.mean_) / self.std_)[:, None, :]

    def target_descriptors(self, targets: TargetSet) -> np.ndarray:
        """The targets' true parameters, standardised like the bank's."""
        if targets.params is None:
            raise ValidationError("inductive_oracle needs targets with true parameters.")
        return (targets.params - self.mean_) / self.std_
