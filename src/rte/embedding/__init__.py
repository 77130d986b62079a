"""Gamma: task embeddings (Task2Vec-style Fisher embedding; oracle parameters)."""

from rte.embedding.fisher import FisherEmbedding

__all__ = ["FisherEmbedding"]
