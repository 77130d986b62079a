"""Nearest stored vectors of each query: the one vector-index module of the package.

Used wherever a decomposition retrieves among many stored vectors: candidate curves
of the discrete regimes (:mod:`rte.models.discrete`) and task embeddings of large
banks. Below ``exact_below`` rows the search is exact (a batched matrix product);
above, it is faiss's HNSW graph (approximate, logarithmic in the rows), which keeps
per-query cost nearly flat as a store grows from 10^4 to 10^6 vectors.

Example:
    >>> import numpy as np
    >>> index = VectorIndex(np.eye(3, dtype=np.float32))
    >>> distances, indices = index.search(np.array([[0.9, 0.1, 0.0]]), k=2)
    >>> indices.tolist(), index.exact
    ([[0, 1]], True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rte._checks import check_positive_int
from rte._validation import check_finite
from rte.errors import BackendImportError, ValidationError

# HNSW settings that gave recall@10 >= 0.99 on 10^5 curve vectors (tests/decompose).
HNSW_DEFAULTS = {"neighbours": 32, "ef_construction": 80, "ef_search": 128}
# Query rows per exact-search block: bounds the (block, rows) distance matrix.
_EXACT_BLOCK_ELEMENTS = 2**24


def _faiss() -> Any:
    try:
        import faiss
    except ImportError:
        raise BackendImportError(
            "An approximate vector index needs the 'faiss-cpu' package. Install it with: "
            "pip install faiss-cpu"
        ) from None
    return faiss


def _matrix(values: Any, name: str, dim: int | None = None) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{name} must be a numeric matrix. Got {exc}.") from None
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValidationError(
            f"{name} must have shape (n >= 1, dim >= 1). Got shape {arr.shape}; pass one row per "
            "vector."
        )
    if dim is not None and arr.shape[1] != dim:
        raise ValidationError(
            f"{name} must have {dim} columns, like the stored vectors. Got {arr.shape[1]}."
        )
    check_finite(arr, name)
    return np.ascontiguousarray(arr)


class VectorIndex:
    """k nearest stored vectors (squared L2) of each query: exact below ``exact_below``
    rows, an approximate (HNSW) index above.

    ``index_options`` tune the HNSW graph: ``neighbours`` (links per node),
    ``ef_construction`` and ``ef_search`` (candidate-list sizes when building and
    searching; larger is slower and more accurate). ``seed`` fixes the graph's random
    levels, so two indexes built from the same vectors answer identically.
    """

    def __init__(
        self, vectors: np.ndarray, *, exact_below: int = 20_000, seed: int = 0, **index_options: int
    ) -> None:
        self.vectors = _matrix(vectors, "vectors")
        check_positive_int(exact_below, "exact_below", 0)
        check_positive_int(seed, "seed", 0)
        unknown = sorted(set(index_options) - set(HNSW_DEFAULTS))
        if unknown:
            raise ValidationError(
                f"Unknown index option(s) {unknown}. Expected some of: {', '.join(HNSW_DEFAULTS)}."
            )
        options = {**HNSW_DEFAULTS, **index_options}
        for name, value in options.items():
            check_positive_int(value, name)
        self._index = None
        self._norms = (self.vectors.astype(np.float64) ** 2).sum(1)
        if len(self.vectors) >= exact_below:
            faiss = _faiss()
            faiss.omp_set_num_threads(1)  # the package's rule: one thread per worker
            index = faiss.IndexHNSWFlat(self.vectors.shape[1], options["neighbours"])
            index.hnsw.rng = faiss.RandomGenerator(seed)  # the graph's random levels
            index.hnsw.efConstruction = options["ef_construction"]
            index.hnsw.efSearch = options["ef_search"]
            index.add(self.vectors)
            self._index = index

    @property
    def exact(self) -> bool:
        """Whether searches are exact (True) or through the approximate HNSW graph."""
        return self._index is None

    def __len__(self) -> int:
        return len(self.vectors)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(n, k) squared distances and (n, k) int64 indices of each query's ``k`` nearest
        stored vectors, nearest first. ``k`` above the stored count is clipped to it."""
        q = _matrix(queries, "queries", self.vectors.shape[1])
        k = min(check_positive_int(k, "k"), len(self.vectors))
        if self._index is not None:
            distances, indices = self._index.search(q, k)
            return distances.astype(np.float32), indices.astype(np.int64)
        return self._exact(q, k)

    def _exact(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        block = max(1, _EXACT_BLOCK_ELEMENTS // len(self.vectors))
        out_d, out_i = [], []
        for start in range(0, len(q), block):
            part = q[start : start + block].astype(np.float64)
            d = (part**2).sum(1)[:, None] - 2.0 * part @ self.vectors.T.astype(np.float64)
            d += self._norms[None]
            top = np.argpartition(d, k - 1, axis=1)[:, :k] if k < d.shape[1] else None
            if top is None:
                top = np.broadcast_to(np.arange(d.shape[1]), d.shape)
            dist = np.take_along_axis(d, top, 1)
            order = np.argsort(dist, axis=1, kind="stable")
            out_i.append(np.take_along_axis(top, order, 1))
            out_d.append(np.maximum(np.take_along_axis(dist, order, 1), 0.0))
        return np.concatenate(out_d).astype(np.float32), np.concatenate(out_i).astype(np.int64)


def kmeans(
    vectors: np.ndarray, n_clusters: int, *, seed: int = 0, iterations: int = 20
) -> tuple[np.ndarray, np.ndarray]:
    """Centroids (n_clusters, dim) of ``vectors`` by k-means (faiss) and each vector's
    nearest centroid (n,) int64: the coarse level of an inverted-list index."""
    data = _matrix(vectors, "vectors")
    check_positive_int(n_clusters, "n_clusters")
    if n_clusters > len(data):
        raise ValidationError(
            f"n_clusters must be at most the number of vectors ({len(data)}). Got {n_clusters}."
        )
    faiss = _faiss()
    faiss.omp_set_num_threads(1)
    km = faiss.Kmeans(
        data.shape[1],
        n_clusters,
        niter=iterations,
        seed=seed,
        verbose=False,
        min_points_per_centroid=1,  # few points per cluster is the point here, not a warning
    )
    km.train(data)
    centroids = np.asarray(km.centroids, dtype=np.float32)
    _, nearest = VectorIndex(centroids, exact_below=len(centroids) + 1).search(data, 1)
    return centroids, nearest[:, 0]
