"""Training points z = (x, task embedding) for the pointwise peers (``bilinear``, ``snake_mlp``).

A task is described by its Fisher embedding, with the same pool of clean and
simulated-context embeddings as ``inductive_t2v``, so these peers differ from it
only in the model on z.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from rte.embedding import FisherEmbedding, descriptor_pool, fit_embedding
from rte.params import EmbeddingParams
from rte.scaling import Scaling
from rte.tasks.bank import TargetSet, TaskBank


@dataclass(frozen=True)
class EmbeddedPoints:
    """Scaled bank points and a descriptor pool per task: ``desc`` (M, n_draws, r)."""

    scaling: Scaling
    embedding: FisherEmbedding
    z: torch.Tensor
    y: torch.Tensor
    counts: torch.Tensor
    desc: torch.Tensor

    @classmethod
    def from_bank(cls, bank: TaskBank, params: EmbeddingParams, seed: int) -> EmbeddedPoints:
        """Scale ``bank`` and describe its tasks with the embedding settings ``params``."""
        scaling, embedding = fit_embedding(params, bank, seed)
        desc = descriptor_pool(params, bank, embedding, seed)
        return cls(
            scaling,
            embedding,
            torch.as_tensor(scaling.x(bank.x), dtype=torch.float32),
            torch.as_tensor(scaling.y(bank.y), dtype=torch.float32),
            torch.as_tensor(bank.mask.sum(1)),
            torch.as_tensor(desc, dtype=torch.float32),
        )

    @property
    def dim(self) -> int:
        """Size of z: input dimensions plus embedding dimensions."""
        return self.z.shape[-1] + self.desc.shape[-1]

    def sample(self, gen: torch.Generator, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        """``n`` random training points: z (n, dim) and scaled outputs (n,)."""
        m, n_draws = self.desc.shape[:2]
        i = torch.randint(0, m, (n,), generator=gen)
        p = (torch.rand(n, generator=gen) * self.counts[i]).long()
        d = torch.randint(0, n_draws, (n,), generator=gen)
        return torch.cat([self.z[i, p], self.desc[i, d]], 1), self.y[i, p]

    def target_inputs(self, targets: TargetSet) -> torch.Tensor:
        """z of every query, (T, Q, dim): query x with the embedding of the target's context."""
        emb = self.embedding.transform(targets.context_x, targets.context_y)
        zq = torch.as_tensor(self.scaling.x(targets.query_x), dtype=torch.float32)
        e = torch.as_tensor(emb, dtype=torch.float32)[:, None].expand(-1, zq.shape[1], -1)
        return torch.cat([zq, e], -1)

    def outputs(self, y: torch.Tensor) -> np.ndarray:
        """Scaled predictions back to the bank's units."""
        return self.scaling.y_inverse(y.detach().double().numpy())
