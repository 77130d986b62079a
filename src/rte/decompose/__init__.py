"""Decomposition: find (anchor, phi) for a target from its context."""

from rte.decompose.amortized import StoredCurves, best_by_context_loss, propose
from rte.decompose.curve_index import CurveIndex
from rte.decompose.learned import LearnedDecomposer
from rte.decompose.nearest import (
    TransformationRange,
    admissible_anchors,
    choose_anchors,
    rank_anchors,
)
from rte.decompose.retrieval import VectorIndex, kmeans

__all__ = [
    "CurveIndex",
    "LearnedDecomposer",
    "StoredCurves",
    "TransformationRange",
    "VectorIndex",
    "admissible_anchors",
    "best_by_context_loss",
    "choose_anchors",
    "kmeans",
    "propose",
    "rank_anchors",
]
