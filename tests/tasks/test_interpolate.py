"""Anchor values at new inputs, imported directly: stored values come back at stored inputs,
1-D is piecewise linear and constant beyond the data, padding is never read, and
d >= 2 weights the nearest observations."""

from __future__ import annotations

import numpy as np
import torch

from rte.tasks.interpolate import AnchorInterpolator


def _t(a: np.ndarray) -> torch.Tensor:
    return torch.as_tensor(a, dtype=torch.float32)


def _padded_1d() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Task 0: six unsorted points; task 1: three points and three padded slots of nonsense
    (a bank built directly may pad with anything: the mask is the contract)."""
    x = np.array([[0.5, -1.0, 2.0, 0.0, 1.0, 1.5], [0.0, 1.0, 2.0, -50.0, -50.0, 50.0]])
    y = np.array([[1.0, 4.0, -2.0, 0.0, 3.0, 0.0], [10.0, 20.0, 0.0, 1e6, -1e6, 1e6]])
    mask = np.array([[True] * 6, [True, True, True, False, False, False]])
    return x[..., None], y, mask


def test_1d_reproduces_the_stored_values_at_stored_inputs() -> None:
    x, y, mask = _padded_1d()
    interp = AnchorInterpolator(x, y, mask)
    out = interp(torch.tensor([0, 1]), _t(x[:, :3]))
    np.testing.assert_allclose(out.numpy(), y[:, :3])
    np.testing.assert_allclose(interp(torch.tensor([0]), _t(x[:1])).numpy(), y[:1])


def test_1d_is_linear_between_points_and_constant_beyond() -> None:
    x, y, mask = _padded_1d()
    interp = AnchorInterpolator(x, y, mask)
    query = np.array([[-3.0, -0.5, 0.25, 1.25, 1.75, 9.0], [-60.0, 0.5, 1.5, 1.9, 40.0, 60.0]])
    out = interp(torch.tensor([0, 1]), _t(query[..., None])).numpy()
    np.testing.assert_allclose(out[0], [4.0, 2.0, 0.5, 1.5, -1.0, -2.0])
    # Task 1 spans [0, 2]; its padded slots at -50 and 50 are never read.
    np.testing.assert_allclose(out[1], [10.0, 15.0, 10.0, 2.0, 0.0, 0.0], rtol=1e-6)


def test_anchors_may_repeat_and_come_in_any_order() -> None:
    x, y, mask = _padded_1d()
    interp = AnchorInterpolator(x, y, mask)
    query = _t(np.tile(np.array([0.0, 1.0])[:, None], (3, 1, 1)))
    out = interp(torch.tensor([1, 0, 1]), query).numpy()
    np.testing.assert_allclose(out, [[10.0, 20.0], [0.0, 3.0], [10.0, 20.0]])


def test_2d_reproduces_the_stored_values_and_ignores_padding() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (2, 12, 2))
    y = rng.standard_normal((2, 12))
    mask = np.ones((2, 12), dtype=bool)
    mask[1, 8:] = False
    x[1, 8:] = x[1, 0] + 1e-4  # padded slots right next to a query, with wild values
    y[1, 8:] = 1e6
    interp = AnchorInterpolator(x, y, mask, neighbours=4)
    out = interp(torch.tensor([0, 1]), _t(x[:, :8]))
    np.testing.assert_allclose(out.numpy(), y[:, :8], rtol=1e-4, atol=1e-4)


def test_2d_between_points_is_a_weighted_mean_of_the_nearest() -> None:
    x = np.array([[[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [5.0, 5.0]]] * 2)
    y = np.array([[1.0, 2.0, 3.0, 4.0, 100.0]] * 2)
    interp = AnchorInterpolator(x, y, np.ones((2, 5), dtype=bool), neighbours=4)
    centre = interp(torch.tensor([0]), _t(np.array([[[0.5, 0.5]]])))
    # Four equidistant neighbours, the far point not among them: their plain mean.
    np.testing.assert_allclose(centre.numpy(), [[2.5]], rtol=1e-5)
    near = interp(torch.tensor([0]), _t(np.array([[[0.1, 0.0]]]))).item()
    assert 1.0 < near < 1.5  # pulled toward the closest point's value
