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

from rte.decompose.amortized import StoredCurves, propose
from rte.decompose.retrieval import kmeans


def n_clusters(n_candidates: int) -> int:
    """Clusters for ``n_candidates`` curves: 4 sqrt(C), so centroid scoring and the probed
    members (``probe`` clusters of about sqrt(C) / 4 each) both cost O(sqrt(C))."""
    return max(1, min(n_candidates, math.ceil(4 * math.sqrt(n_candidates))))


class CurveIndex:
    """Stored curves grouped by k-means and kept cluster by cluster (members contiguous in
    memory, so ranking a cluster reads one block); :meth:`propose` ranks the members of
    the clusters whose centroids best fit each context."""

    def __init__(self, curves: np.ndarray, probe: np.ndarray, *, seed: int = 0) -> None:
        """``curves`` (C, P): candidate values at the ``probe`` inputs (P, d), scaled units."""
        centroids, assign = kmeans(curves, n_clusters(len(curves)), seed=seed)
        self.n_clusters = len(centroids)
        self.centroids = StoredCurves(centroids, probe)
        order = np.argsort(assign, kind="stable")
        self.members = torch.as_tensor(order)  # position in the clustered table -> candidate
        self.curves = StoredCurves(np.asarray(curves)[order], probe)
        self.starts = torch.as_tensor(
            np.searchsorted(assign[order], np.arange(self.n_clusters + 1))
        )

    def shortlist(self, x: torch.Tensor, y: torch.Tensor, probe: int) -> torch.Tensor:
        """Positions (T, S) in the clustered table of the members of the ``probe``
        best-fitting clusters of each context, rows padded with -1."""
        everyone = torch.arange(self.n_clusters).expand(len(x), -1)
        best = propose(self.centroids, everyone, x, y, probe).sort(1).values  # (T, probe)
        first, size = self.starts[best], self.starts[best + 1] - self.starts[best]
        per_target = size.sum(1)
        flat_size = size.reshape(-1)
        # Positions first[c] + 0 .. size[c] - 1 of every chosen cluster, target by target.
        begin = torch.repeat_interleave(first.reshape(-1), flat_size)
        offset = torch.arange(int(flat_size.sum())) - torch.repeat_interleave(
            torch.cumsum(flat_size, 0) - flat_size, flat_size
        )
        row = torch.repeat_interleave(torch.arange(len(x)), per_target)
        col = torch.arange(len(row)) - torch.repeat_interleave(
            torch.cumsum(per_target, 0) - per_target, per_target
        )
        out = torch.full((len(x), int(per_target.max())), -1, dtype=torch.long)
        out[row, col] = begin + offset
        return out

    def propose(self, x: torch.Tensor, y: torch.Tensor, probe: int, k: int) -> torch.Tensor:
        """Candidate indices (T, k) best fitting each context among the shortlist."""
        best = propose(self.curves, self.shortlist(x, y, probe), x, y, k)
        return self.members[best.clamp_min(0)]
