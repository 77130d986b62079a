"""Strategy A's pieces, imported directly: the range of seen transformations admits seen
differences and refuses far ones, round-trips through its state, and the anchor ranking
takes the lowest context loss among admissible anchors."""

from __future__ import annotations

import numpy as np
import pytest

from rte._state import State
from rte.decompose.nearest import TransformationRange, admissible_anchors, rank_anchors
from rte.errors import ValidationError


@pytest.fixture(scope="module")
def grid_range() -> TransformationRange:
    """Embeddings on a 1-D grid of spacing 0.05: differences repeat exactly."""
    e = np.linspace(0.0, 1.0, 21)[:, None]
    return TransformationRange.from_embeddings(e, np.random.default_rng(0), n_pairs=2000)


def test_seen_differences_are_admitted_and_far_ones_refused(grid_range) -> None:
    seen = np.array([[0.3], [-0.7], [1.0], [0.0]])
    assert np.all(grid_range.distance(seen) <= grid_range.threshold)
    far = np.array([[1.5], [-2.0]])
    np.testing.assert_allclose(grid_range.distance(far), [0.5, 1.0])
    assert np.all(grid_range.distance(far) > grid_range.threshold)


def test_the_threshold_covers_the_grid_spacing(grid_range) -> None:
    # Repeated differences must not shrink the threshold to zero: a phi between two seen
    # differences is a transformation of a seen size.
    assert 0.0 < grid_range.threshold <= 0.05 + 1e-9
    between = np.array([[0.325], [-0.475]])
    assert np.all(grid_range.distance(between) <= grid_range.threshold)


def test_distance_keeps_the_batch_shape() -> None:
    rng = np.random.default_rng(1)
    fitted = TransformationRange.from_embeddings(rng.standard_normal((30, 3)), rng, n_pairs=500)
    phi = rng.standard_normal((4, 7, 3))
    dist = fitted.distance(phi)
    assert dist.shape == (4, 7)
    truth = np.linalg.norm(phi[:, :, None] - fitted.differences, axis=-1).min(-1)
    np.testing.assert_allclose(dist, truth)


def test_a_bank_of_one_repeated_task_admits_only_zero() -> None:
    fitted = TransformationRange.from_embeddings(np.ones((5, 2)), np.random.default_rng(0))
    assert fitted.threshold == 0.0
    assert fitted.distance(np.zeros((1, 2)))[0] == 0.0


def test_state_round_trip(grid_range) -> None:
    restored = TransformationRange.from_state(grid_range.state())
    assert restored.threshold == grid_range.threshold
    np.testing.assert_array_equal(restored.differences, grid_range.differences)
    phi = np.linspace(-2, 2, 41)[:, None]
    np.testing.assert_array_equal(restored.distance(phi), grid_range.distance(phi))


def test_a_state_without_its_threshold_is_refused(grid_range) -> None:
    with pytest.raises(ValidationError, match="threshold"):
        TransformationRange.from_state(State({}, grid_range.state().tensors))


def test_the_lowest_loss_admissible_anchor_wins() -> None:
    loss = np.array([[0.0, 0.4, 0.2, 0.3], [0.5, 0.1, 0.9, 0.2]])
    dist = np.array([[5.0, 0.1, 0.2, 0.3], [0.1, 0.2, 0.1, 0.1]])
    # Target 0: anchor 0 fits best but lies out of range; anchor 2 is the best in range.
    order, weights = rank_anchors(loss, dist, threshold=1.0)
    assert order[:, 0].tolist() == [2, 1]
    np.testing.assert_array_equal(weights, [[1.0], [1.0]])
    order, _ = rank_anchors(loss, dist, threshold=1.0, n_anchors=3)
    assert order.tolist() == [[2, 3, 1], [1, 3, 0]]


def test_n_anchors_beyond_the_candidates_is_clipped() -> None:
    order, weights = rank_anchors(np.array([[0.2, 0.1]]), np.zeros((1, 2)), 1.0, n_anchors=5)
    assert order.tolist() == [[1, 0]]
    np.testing.assert_allclose(weights, [[0.5, 0.5]])


def test_with_nothing_admissible_the_nearest_candidates_stand_in() -> None:
    dist = np.array([[4.0, 2.0, 3.0, 9.0], [0.5, 7.0, 7.0, 7.0]])
    mask = admissible_anchors(dist, threshold=1.0, fallback=2)
    # Row 0: none in range, so its two nearest; row 1 has one in range and keeps only it.
    assert mask.tolist() == [[False, True, True, False], [True, False, False, False]]
    loss = np.array([[0.1, 0.3, 0.2, 0.0], [0.9, 0.0, 0.0, 0.0]])
    order, weights = rank_anchors(loss, dist, threshold=1.0, n_anchors=2, fallback=2)
    assert order.tolist() == [[2, 1], [0, 1]]
    np.testing.assert_allclose(weights, [[0.5, 0.5], [1.0, 0.0]])
