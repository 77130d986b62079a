"""An inverted-list index over candidates' stored Psi curves: the candidates whose curves
best fit a context, found in time that grows like the square root of the candidates.

Ranking every stored curve by its fit to a context (:func:`rte.decompose.amortized.propose`)
costs time linear in the candidates C. Here the stored curves are grouped by k-means
(:func:`rte.decompose.retrieval.kmeans`, about 4 sqrt(C) clusters). Per context, each
cluster's centroid curve is scored by the *same* context loss the candidates are
(Psi's stored values interpolated at the context inputs, squared error), and only
the members of the ``probe`` best clusters are ranked exactly. A context observes a
curve at inputs of its own, so no fixed-metric nearest-neighbour query reproduces its
loss: completing the context to a whole curve and querying by L2 kept the true
candidate among 8,192 of 112,896 for only 87% of validation targets, against 98%
agreement with the full ranking here (docs/length_comp.md).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from rte.decompose.amortized import propose
from rte.decompose.retrieval import kmeans
from rte.tasks.interpolate import AnchorInterpolator


def n_clusters(n_candidates: int) -> int:
    """Clusters for ``n_candidates`` curves: 4 sqrt(C), so centroid scoring and the probed
    members (``probe`` clusters of about sqrt(C) / 4 each) both cost O(sqrt(C))."""
    return max(1, min(n_candidates, math.ceil(4 * math.sqrt(n_candidates))))


class CurveIndex:
    """Stored curves grouped by k-means; :meth:`shortlist` returns the members of the
    clusters whose centroids best fit each context."""

    def __init__(self, curves: np.ndarray, probe: np.ndarray, *, seed: int = 0) -> None:
        """``curves`` (C, P): candidate values at the ``probe`` inputs (P, d), scaled units."""
        centroids, assign = kmeans(curves, n_clusters(len(curves)), seed=seed)
        self.n_clusters = len(centroids)
        grid = np.broadcast_to(probe, (self.n_clusters, *probe.shape)).copy()
        self.centroids = AnchorInterpolator(grid, centroids, np.ones(centroids.shape, bool))
        order = np.argsort(assign, kind="stable")
        self.members = torch.as_tensor(order)
        self.starts = np.searchsorted(assign[order], np.arange(self.n_clusters + 1))

    def shortlist(self, x: torch.Tensor, y: torch.Tensor, probe: int) -> torch.Tensor:
        """Candidate indices (T, S) in the ``probe`` best-fitting clusters of each context
        (rows padded by repeating their first member)."""
        everyone = torch.arange(self.n_clusters).expand(len(x), -1)
        best = propose(self.centroids, everyone, x, y, probe).numpy()
        sizes = self.starts[best + 1] - self.starts[best]  # (T, probe)
        width = int(sizes.sum(1).max())
        rows = []
        for clusters in best:
            idx = np.concatenate([np.arange(self.starts[c], self.starts[c + 1]) for c in clusters])
            rows.append(np.pad(idx, (0, width - len(idx)), mode="edge"))
        return self.members[torch.as_tensor(np.stack(rows))]
