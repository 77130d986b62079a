"""Strategy A: decompose a target by one embedding lookup.

Every training task is a candidate anchor with phi = embed(target) - embed(anchor).
A candidate is *admissible* when its phi lies within the transformations seen in
training (nearest-neighbour distance to a sample of training differences, below a
quantile of the same distance for held-out training differences). Among admissible
candidates the one whose Psi prediction best fits the context wins; with none
admissible, the one nearest to the seen transformations does.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from rte._state import State, as_tensor


class TransformationRange:
    """The set of phi seen in training, for admissibility checks."""

    def __init__(
        self,
        differences: np.ndarray,
        threshold: float,
    ) -> None:
        self.differences = np.ascontiguousarray(differences)
        self.threshold = float(threshold)
        self._tree = cKDTree(self.differences)

    @classmethod
    def from_embeddings(
        cls,
        embeddings: np.ndarray,
        rng: np.random.Generator,
        n_pairs: int = 20000,
        quantile: float = 0.99,
    ) -> TransformationRange:
        """Sample training differences e_j - e_i; calibrate the threshold on other pairs.

        The calibration distance of a held-out difference is to its nearest *distinct*
        stored difference: banks on a parameter grid repeat differences exactly, and
        zero distances would shrink the threshold below the grid spacing.
        """
        m = embeddings.shape[0]
        i, j = rng.integers(0, m, size=(2, 2 * n_pairs))
        diffs = embeddings[j] - embeddings[i]
        fitted = cls(np.unique(diffs[:n_pairs], axis=0), np.inf)
        if len(fitted.differences) < 2:
            fitted.threshold = 0.0
            return fitted
        dist, _ = fitted._tree.query(diffs[n_pairs:], k=2)
        distinct = np.where(dist[:, 0] > 1e-9, dist[:, 0], dist[:, 1])
        fitted.threshold = float(np.quantile(distinct, quantile))
        return fitted

    def state(self) -> State:
        """The stored training differences and the admissibility threshold (model files)."""
        return State({"threshold": self.threshold}, {"differences": as_tensor(self.differences)})

    @classmethod
    def from_state(cls, state: State) -> TransformationRange:
        """Inverse of :meth:`state`."""
        return cls(state.array("differences"), float(state.value("threshold")))

    def distance(self, phi: np.ndarray) -> np.ndarray:
        """Distance from each phi (..., r) to the nearest seen training difference."""
        flat = phi.reshape(-1, phi.shape[-1])
        dist, _ = self._tree.query(flat, k=1)
        return dist.reshape(phi.shape[:-1])


def rank_anchors(
    context_loss: np.ndarray,
    phi_distance: np.ndarray,
    threshold: float,
    n_anchors: int = 1,
    fallback: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``n_anchors`` best admissible anchors per target and their averaging weights.

    From (T, M) context losses and phi distances: indices (T, n) sorted by context
    loss and weights (T, n) uniform over the admissible ones among them. A target
    with no admissible anchor is ranked among its ``fallback`` candidates nearest to
    the seen transformations.
    """
    admissible = admissible_anchors(phi_distance, threshold, fallback)
    score = np.where(admissible, context_loss, np.inf)
    n = min(n_anchors, score.shape[1])
    order = np.argsort(score, axis=1, kind="stable")[:, :n]
    valid = np.take_along_axis(admissible, order, axis=1)
    weights = valid / valid.sum(axis=1, keepdims=True)
    return order, weights


def admissible_anchors(phi_distance: np.ndarray, threshold: float, fallback: int = 1) -> np.ndarray:
    """(T, M) mask of candidate anchors: phi within the seen transformations, or, for a
    target with none, its ``fallback`` candidates nearest to them."""
    admissible = phi_distance <= threshold
    none = ~admissible.any(axis=1)
    if none.any():
        k = min(fallback, phi_distance.shape[1])
        nearest = np.argpartition(phi_distance[none], k - 1, axis=1)[:, :k]
        rows = np.flatnonzero(none)[:, None]
        admissible[rows, nearest] = True
    return admissible


def choose_anchors(
    context_loss: np.ndarray, phi_distance: np.ndarray, threshold: float
) -> np.ndarray:
    """Pick one anchor per target from (T, M) context losses and phi distances."""
    return rank_anchors(context_loss, phi_distance, threshold)[0][:, 0]
