"""Hyperparameters of the Fisher task embedding, shared by every method that uses it.

RTE, ``inductive_t2v``, ``bilinear`` and ``snake_mlp`` describe a task by the same
embedding; each composes the parameter group :class:`EmbeddingParams`
(:func:`rte.base.estimator`), so each has its own values
(``--set inductive_t2v.embedding_dim=4``) and none borrows another's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rte._params import at_least, nonnegative, param
from rte.embedding.fisher import FisherEmbedding, simulated_context_embeddings
from rte.scaling import Scaling
from rte.tasks.bank import TaskBank


@dataclass(frozen=True, kw_only=True)
class EmbeddingParams:
    """The task embedding's settings and the simulated contexts trained on."""

    embedding_dim: int = param(6, "Largest task-embedding size.", at_least(1))
    probe_width: int = param(128, "Hidden units of the Fisher probe.", at_least(1))
    prior_noise: float = param(1e-3, "Prior noise of the probe's subspace adaptation.", nonnegative)
    train_context_size: int = param(
        10, "Context size simulated when training (0: dense tasks only).", at_least(0)
    )
    train_context_noise: float = param(
        0.05, "Noise added to simulated training contexts.", nonnegative
    )

    def fit_embedding(self, bank: TaskBank, seed: int) -> tuple[Scaling, FisherEmbedding]:
        """The bank's scaling and the embedding fitted on it (deterministic per seed)."""
        scaling = Scaling.fit(bank)
        embedding = FisherEmbedding(
            max_dim=self.embedding_dim,
            probe_width=self.probe_width,
            prior_noise=self.prior_noise,
            seed=seed,
        ).fit(bank, scaling)
        return scaling, embedding

    def context_embeddings(
        self, bank: TaskBank, embedding: FisherEmbedding, rng: np.random.Generator
    ) -> np.ndarray | None:
        """Embeddings of simulated small noisy contexts of each bank task, (M, 8, r)."""
        return simulated_context_embeddings(
            bank, embedding, rng, self.train_context_size, self.train_context_noise
        )

    def descriptor_pool(self, bank: TaskBank, embedding: FisherEmbedding, seed: int) -> np.ndarray:
        """Per bank task, its clean embedding and its simulated-context embeddings,
        (M, n_draws, r): what the inductive models train on as task descriptors."""
        clean = embedding.bank_embeddings_[:, None, :]
        pool = self.context_embeddings(bank, embedding, np.random.default_rng(seed))
        if pool is None:
            return clean
        return np.concatenate([np.repeat(clean, pool.shape[1], 1), pool], 1)
