"""Chains: reach a far target through intermediate, predicted tasks.

Psi is trained on transformations of the sizes seen between bank tasks. A target
far beyond the bank needs a phi larger than any of them, where one step of Psi
is an extrapolation of its own. A chain splits the way from the anchor's
embedding e_a to the target's e_t into K steps no longer than ``step`` (a size
Psi saw often): waypoints e_k = e_a + (k / K)(e_t - e_a). Each step applies Psi
to the previous curve on the anchor's own inputs, and the predicted curve is
embedded again, so the next phi = e_{k+1} - embed(curve_k) corrects the drift of
earlier steps ("re-anchoring on the prediction"). The last step is evaluated at
the requested inputs, from the last intermediate curve interpolated there; its
phi may then be refined on the context (:func:`refine_phi`). With K = 1 a chain
is one ordinary step of Psi.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from rte.embedding.fisher import FisherEmbedding
from rte.operator.interface import apply_operator
from rte.operator.psi import RelationalOperator
from rte.operator.warp import WarpOperator
from rte.scaling import Scaling
from rte.tasks.interpolate import AnchorInterpolator

MAX_CHAIN_STEPS = 16


def chain_steps(distance: np.ndarray, step: float) -> np.ndarray:
    """Steps of length at most ``step`` that cover ``distance`` (at least one, at most
    ``MAX_CHAIN_STEPS``: a target further out takes longer steps instead of a walk whose
    length grows without bound with the context's scale)."""
    with np.errstate(invalid="ignore"):
        needed = np.nan_to_num(np.ceil(distance / step), nan=1.0, posinf=MAX_CHAIN_STEPS)
    return np.clip(needed, 1, MAX_CHAIN_STEPS).astype(int)


@dataclass(frozen=True)
class ChainEnd:
    """Where B chains stand before their last step: the last intermediate curve (the
    anchor itself for one-step chains) as an interpolation table in scaled units, its
    embedding, and the phi of the last step."""

    curve: AnchorInterpolator
    here: np.ndarray  # (B, r)
    phi: np.ndarray  # (B, r)

    def values(
        self,
        psi: RelationalOperator | WarpOperator,
        z: torch.Tensor,
        phi: torch.Tensor,
        rows: np.ndarray | None = None,
    ) -> torch.Tensor:
        """Psi's last step at scaled inputs z (B', n, d) with phi (B', r) for chains ``rows``
        (default: all B); differentiable in phi."""
        index = torch.arange(z.shape[0]) if rows is None else torch.as_tensor(rows)
        anchor_y = self.curve(index, z)
        ph = phi[:, None, :].expand(-1, z.shape[1], -1)
        return apply_operator(psi, z, ph, anchor_y, lambda at: self.curve(index, at))


def walk_chains(
    psi: RelationalOperator | WarpOperator,
    embedding: FisherEmbedding,
    scaling: Scaling,
    grid: tuple[np.ndarray, np.ndarray, np.ndarray],
    e_start: np.ndarray,
    e_target: np.ndarray,
    steps: np.ndarray,
) -> ChainEnd:
    """Walk B (anchor, target) chains up to their last step.

    ``grid`` = (x (B, N, d), y (B, N), mask (B, N)): each row's anchor task as observed
    (original units); ``e_start`` (B, r) its embedding; ``e_target`` (B, r); ``steps``
    (B,) chain lengths.
    """
    grid_x, grid_y, mask = grid
    z = torch.as_tensor(scaling.x(grid_x), dtype=torch.float32)
    curve = torch.as_tensor(scaling.y(grid_y), dtype=torch.float32)
    here = np.array(e_start, dtype=np.float64)
    for k_total in np.unique(steps[steps > 1]):
        rows = np.flatnonzero(steps == k_total)
        start, target = e_start[rows], e_target[rows]
        for k in range(1, k_total):
            waypoint = start + k / k_total * (target - start)
            phi = torch.as_tensor(waypoint - here[rows], dtype=torch.float32)
            ph = phi[:, None, :].expand(-1, z.shape[1], -1)
            previous = _Curves(z[rows], curve[rows], mask[rows])
            with torch.no_grad():  # on the grid itself the previous curve is exact
                curve[rows] = apply_operator(psi, z[rows], ph, curve[rows], previous.read)
            here[rows] = embedding.transform(
                grid_x[rows], scaling.y_inverse(curve[rows].double().numpy()), mask[rows]
            )
    return ChainEnd(AnchorInterpolator(z.numpy(), curve.numpy(), mask), here, e_target - here)


class _Curves:
    """Intermediate curves (B, N) on their grids, read elsewhere only when asked (the warp
    operator asks; the MLP takes the values on the grid)."""

    def __init__(self, z: torch.Tensor, y: torch.Tensor, mask: np.ndarray) -> None:
        self.z, self.y, self.mask = z, y, mask

    def read(self, at: torch.Tensor) -> torch.Tensor:
        table = AnchorInterpolator(self.z.numpy(), self.y.numpy(), self.mask)
        return table(torch.arange(len(self.y)), at)


def refine_phi(
    psi: RelationalOperator | WarpOperator,
    end: ChainEnd,
    z: torch.Tensor,
    y: torch.Tensor,
    *,
    steps: int,
    prior: float,
) -> np.ndarray:
    """The last step's phi fitted to each row's context: z (B, k, d), y (B, k) scaled.

    Minimises the context's mean squared error plus ``prior`` * |phi - phi_0|^2 (the
    embedding's estimate phi_0 as a Gaussian prior) with L-BFGS for ``steps``
    iterations; rows are independent, so their summed losses share one optimiser.
    Psi, trained as a smooth function of phi, becomes a learned parametric family
    whose few parameters the context can pin down.
    """
    start = torch.as_tensor(end.phi, dtype=torch.float32)
    phi = start.clone().requires_grad_(True)
    opt = torch.optim.LBFGS([phi], lr=1.0, max_iter=steps, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        fit = ((end.values(psi, z, phi) - y) ** 2).mean(-1)
        loss = (fit + prior * ((phi - start) ** 2).sum(-1)).sum()
        loss.backward()
        return loss

    for p in psi.parameters():
        p.requires_grad_(False)
    try:
        opt.step(closure)
    finally:
        for p in psi.parameters():
            p.requires_grad_(True)
    return phi.detach().double().numpy()
