"""Decomposition: find (anchor, phi) for a target from its context."""

from rte.decompose.amortized import propose, search
from rte.decompose.nearest import (
    TransformationRange,
    admissible_anchors,
    choose_anchors,
    rank_anchors,
)

__all__ = [
    "TransformationRange",
    "admissible_anchors",
    "choose_anchors",
    "propose",
    "rank_anchors",
    "search",
]
