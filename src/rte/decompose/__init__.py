"""Decomposition: find (anchor, phi) for a target from its context."""

from rte.decompose.amortized import propose, search
from rte.decompose.nearest import TransformationRange, choose_anchors, rank_anchors

__all__ = ["TransformationRange", "choose_anchors", "propose", "rank_anchors", "search"]
