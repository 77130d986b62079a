"""VectorIndex: exact below the threshold, HNSW above, both nearest-first; bad input refused."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rte.decompose.retrieval import VectorIndex
from rte.errors import ValidationError


def _exact(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    d = ((queries[:, None].astype(np.float64) - vectors[None]) ** 2).sum(-1)
    return np.argsort(d, axis=1, kind="stable")[:, :k]


def test_exact_search_matches_brute_force_nearest_first() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((500, 12)).astype(np.float32)
    queries = rng.standard_normal((40, 12))
    index = VectorIndex(vectors)
    distances, indices = index.search(queries, 7)
    assert index.exact and indices.dtype == np.int64 and distances.shape == (40, 7)
    np.testing.assert_array_equal(indices, _exact(vectors, queries, 7))
    truth = ((queries[:, None] - vectors[indices]) ** 2).sum(-1)
    np.testing.assert_allclose(distances, truth, rtol=1e-4, atol=1e-4)
    assert np.all(np.diff(distances, axis=1) >= 0)


def test_approximate_index_recalls_the_exact_neighbours() -> None:
    rng = np.random.default_rng(1)
    # Clustered vectors, like candidate curves: harder for a graph index than a blob.
    centres = rng.standard_normal((200, 24)) * 3
    vectors = (centres[rng.integers(0, 200, 30_000)] + rng.standard_normal((30_000, 24))).astype(
        np.float32
    )
    queries = vectors[rng.choice(30_000, 300, replace=False)] + 0.3 * rng.standard_normal((300, 24))
    index = VectorIndex(vectors, exact_below=10_000, seed=0)
    assert not index.exact
    _, found = index.search(queries, 10)
    truth = _exact(vectors, queries, 10)
    recall = np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth, strict=True)])
    assert recall >= 0.97, recall
    again = VectorIndex(vectors, exact_below=10_000, seed=0).search(queries, 10)[1]
    np.testing.assert_array_equal(found, again)  # same seed, same graph


def test_k_above_the_stored_count_is_clipped() -> None:
    _, indices = VectorIndex(np.eye(3)).search(np.zeros((2, 3)), 10)
    assert indices.shape == (2, 3) and sorted(indices[0]) == [0, 1, 2]


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: VectorIndex(np.zeros((0, 3))), "shape"),
        (lambda: VectorIndex(np.zeros(5)), "shape"),
        (lambda: VectorIndex(np.array([[np.nan, 1.0]])), "finite"),
        (lambda: VectorIndex([["a", "b"]]), "numeric"),
        (lambda: VectorIndex(np.eye(2), exact_below=-1), "exact_below"),
        (lambda: VectorIndex(np.eye(2), neighbors=8), "Unknown index option"),
        (lambda: VectorIndex(np.eye(2), ef_search=0), "ef_search"),
        (lambda: VectorIndex(np.eye(2)).search(np.zeros((1, 3)), 1), "2 columns"),
        (lambda: VectorIndex(np.eye(2)).search(np.zeros((1, 2)), 0), "k"),
    ],
)
def test_bad_input_gets_a_clear_error(build, match) -> None:
    with pytest.raises(ValidationError, match=match):
        build()


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 30),
    dim=st.integers(1, 5),
    k=st.integers(1, 40),
    seed=st.integers(0, 2**16),
)
def test_exact_search_returns_true_neighbour_distances(n, dim, k, seed) -> None:
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    queries = rng.standard_normal((3, dim)).astype(np.float32)
    distances, indices = VectorIndex(vectors).search(queries, k)
    assert indices.shape == (3, min(k, n)) and len(set(indices[0])) == min(k, n)
    truth = np.sort(((queries[:, None] - vectors[None]) ** 2).sum(-1), axis=1)[:, : min(k, n)]
    np.testing.assert_allclose(distances, truth, rtol=1e-4, atol=1e-4)
