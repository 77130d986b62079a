"""Gamma: task embeddings (Task2Vec-style Fisher embedding) and their settings."""

from rte.embedding.fisher import FisherEmbedding, simulated_context_embeddings
from rte.embedding.params import EmbeddingParams

__all__ = ["EmbeddingParams", "FisherEmbedding", "simulated_context_embeddings"]
