"""Gamma: task embeddings (a Task2Vec-style Fisher embedding) fitted on a bank with the
settings of :class:`rte.params.EmbeddingParams`."""

from rte.embedding.fisher import (
    FisherEmbedding,
    context_embeddings,
    descriptor_pool,
    fit_embedding,
    simulated_context_embeddings,
)

__all__ = [
    "FisherEmbedding",
    "context_embeddings",
    "descriptor_pool",
    "fit_embedding",
    "simulated_context_embeddings",
]
