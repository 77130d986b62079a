"""Chains, imported directly: step counts, waypoints re-anchored on each predicted curve,
and phi refined on a context, with a Psi and an embedding whose answers are known."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from rte.decompose.chain import MAX_CHAIN_STEPS, chain_steps, refine_phi, walk_chains
from rte.scaling import Scaling


class Shift(nn.Module):
    """Psi that adds ``gain`` * phi to the anchor's values: gain 1 is exact for
    constant tasks embedded by their mean, any other gain drifts."""

    def __init__(self, gain: float = 1.0) -> None:
        super().__init__()
        self.gain = nn.Parameter(torch.tensor(gain))

    def forward(self, x: torch.Tensor, anchor_y: torch.Tensor, phi: torch.Tensor) -> torch.Tensor:
        return anchor_y + self.gain * phi[..., 0]


class MeanEmbedding:
    """Embeds a task by the mean of its observed values (r = 1)."""

    def transform(self, x: np.ndarray, y: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return ((y * mask).sum(1) / mask.sum(1))[:, None]


IDENTITY = Scaling(np.zeros(1), np.ones(1), 0.0, 1.0)


def _grid(values: list[float], n: int = 5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Constant anchor tasks of ``values`` on n points."""
    x = np.broadcast_to(np.linspace(-1, 1, n)[:, None], (len(values), n, 1)).copy()
    y = np.repeat(np.array(values, dtype=float)[:, None], n, 1)
    return x, y, np.ones(y.shape, dtype=bool)


def test_chain_steps_are_no_longer_than_the_step_length() -> None:
    distance = np.array([0.0, 0.5, 1.0, 1.01, 3.5, 7.9])
    steps = chain_steps(distance, step=1.0)
    assert steps.tolist() == [1, 1, 1, 2, 4, 8]
    assert np.all(distance / steps <= 1.0)
    assert np.all(distance[3:] / (steps[3:] - 1) > 1.0)  # one step fewer would be too long


def test_chain_steps_are_bounded_and_never_nan() -> None:
    steps = chain_steps(np.array([1e6, np.inf, np.nan]), step=0.5)
    assert steps.tolist() == [MAX_CHAIN_STEPS, MAX_CHAIN_STEPS, 1]
    assert steps.dtype.kind == "i"


def test_a_chain_ends_one_waypoint_before_the_target() -> None:
    grid = _grid([0.0, 1.0, 2.0])
    e_start = np.array([[0.0], [1.0], [2.0]])
    e_target = np.array([[4.0], [1.5], [-4.0]])
    steps = np.array([4, 1, 3])
    end = walk_chains(Shift(), MeanEmbedding(), IDENTITY, grid, e_start, e_target, steps)
    # Waypoints e_a + (k / K)(e_t - e_a): the chain stands at k = K - 1; one-step chains
    # stay at their anchor.
    np.testing.assert_allclose(end.here, [[3.0], [1.0], [-2.0]], atol=1e-6)
    np.testing.assert_allclose(end.phi, e_target - end.here, atol=1e-6)
    z = torch.as_tensor(grid[0], dtype=torch.float32)
    with torch.no_grad():
        last = end.values(Shift(), z, torch.as_tensor(end.phi, dtype=torch.float32))
    np.testing.assert_allclose(last.numpy(), np.repeat(e_target, 5, 1), atol=1e-5)


def test_each_step_re_anchors_on_the_predicted_curve() -> None:
    # A Psi that overshoots by half: each phi is measured from where the previous step
    # actually landed, so the drift of earlier steps is corrected rather than compounded.
    psi = Shift(gain=1.5)
    grid = _grid([0.0])
    end = walk_chains(
        psi, MeanEmbedding(), IDENTITY, grid, np.zeros((1, 1)), np.array([[4.0]]), np.array([4])
    )
    # Landings: 1.5, 2.25, 3.375 (waypoints 1, 2, 3).
    np.testing.assert_allclose(end.here, [[3.375]], atol=1e-5)
    np.testing.assert_allclose(end.phi, [[0.625]], atol=1e-5)


def test_chain_values_read_the_requested_rows() -> None:
    grid = _grid([0.0, 10.0, 20.0])
    e = np.array([[0.0], [10.0], [20.0]])
    end = walk_chains(Shift(), MeanEmbedding(), IDENTITY, grid, e, e + 1.0, np.ones(3, int))
    z = torch.zeros(2, 3, 1)
    with torch.no_grad():
        out = end.values(Shift(), z, torch.zeros(2, 1), rows=np.array([2, 0]))
    np.testing.assert_allclose(out.numpy(), [[20.0] * 3, [0.0] * 3])


def test_refine_phi_fits_the_context_within_its_prior() -> None:
    grid = _grid([0.0, 0.0])
    e = np.zeros((2, 1))
    end = walk_chains(Shift(), MeanEmbedding(), IDENTITY, grid, e, e, np.ones(2, int))
    z = torch.linspace(-1, 1, 6).reshape(1, 6, 1).expand(2, -1, -1)
    y = torch.tensor([[2.0] * 6, [-1.0] * 6])  # the targets sit 2 above and 1 below
    psi = Shift()
    free = refine_phi(psi, end, z, y, steps=50, prior=1e-6)
    np.testing.assert_allclose(free, [[2.0], [-1.0]], atol=1e-3)
    # A strong prior keeps phi near the embedding's estimate (zero): 2 / (1 + prior).
    held = refine_phi(psi, end, z, y, steps=50, prior=1.0)
    np.testing.assert_allclose(held, [[1.0], [-0.5]], atol=1e-3)
    assert psi.gain.requires_grad and psi.gain.item() == 1.0  # Psi itself untouched
