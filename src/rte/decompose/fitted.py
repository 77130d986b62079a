"""Decomposition by fitting phi: the symbolic operator's law, anchored on candidate bank
tasks, with its free constants fitted to each target's context.

For every (target, candidate anchor) the law's phi is fitted to the context by least
squares from the law's starting rows (:meth:`rte.operator.symbolic.Law.fit`); the
candidate with the lowest context error is kept. phi is continuous and unbounded: a
target beyond the bank's support gets a phi beyond the bank's pairs, and the law
carries it there. A law that does not read the anchor needs one candidate only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch

from rte.gp import fit_gps
from rte.operator.grammar import Inputs
from rte.operator.symbolic import Law
from rte.tasks.interpolate import AnchorInterpolator

# Starting rows of phi per (target, anchor), and Levenberg-Marquardt iterations.
STARTS = 12
ITERATIONS = 40


@dataclass(frozen=True)
class FittedLaw:
    """Per target: the anchor kept (T,), its phi (T, k), the law at the context (T, n) and
    at the queries (T, Q), and the context's mean squared error (T,)."""

    anchor: np.ndarray
    phi: np.ndarray
    on_context: np.ndarray
    on_query: np.ndarray
    context_mse: np.ndarray


def anchored(curves: AnchorInterpolator, anchors: np.ndarray, x: np.ndarray) -> Inputs:
    """Inputs x (B, n, d) of rows anchored on bank tasks ``anchors`` (B,)."""
    a = curves(torch.as_tensor(anchors, dtype=torch.long), torch.tensor(x, dtype=torch.float64))
    return Inputs(x, a.numpy(), anchors, curves)


def fit_law(
    law: Law,
    curves: AnchorInterpolator,
    cx: np.ndarray,
    cy: np.ndarray,
    candidates: np.ndarray,
    qx: np.ndarray,
    *,
    seed: int = 0,
) -> FittedLaw:
    """Fit phi on each context cx (T, k, d), cy (T, k) from its ``candidates`` (T, C)
    anchors, nearest first: the nearest from every one of the law's starting rows, then
    every candidate from the best of those and from the middle of the bank's box. Keep
    the best-fitting (anchor, phi) per target among the admissible ones: finite at every
    query ``qx`` (T, Q, d), and reading a warped anchor within its observed range there
    (a warped anchor read beyond its observations is a constant continuation, right on
    the context by chance only). With none admissible, the best finite fit, else the
    best fit (non-finite values then reach the caller's check)."""
    if not law.formula.uses_anchor:
        candidates = candidates[:, :1]
    parts = [_fit_rows(law, curves, cx, cy, candidates[:, :1], law.starts(STARTS, seed), qx)]
    if candidates.shape[1] > 1:
        first = parts[0]
        best = first.score().argmin(1)
        found = first.phi[np.arange(len(cx)), best]
        warm = np.stack([found, np.broadcast_to(law.box.mean(0), found.shape)], 1)
        c = candidates.shape[1]
        parts.append(_fit_rows(law, curves, cx, cy, candidates, np.repeat(warm, c, 0), qx))
    fits = _Fits(*(np.concatenate(arrays, 1) for arrays in zip(*parts, strict=True)))
    best = fits.score().argmin(1)
    rows = np.arange(len(cx))
    anchor, phi = fits.anchors[rows, best], fits.phi[rows, best]
    on_context = law.values(phi, anchored(curves, anchor, cx))
    context_mse = fits.cost[rows, best] / cx.shape[1]
    return FittedLaw(anchor, phi, on_context, fits.on_query[rows, best], context_mse)


class _Fits(NamedTuple):
    """R fits per target: anchors (T, R), phi (T, R, k), context cost (T, R), values at
    the queries (T, R, Q) and admissibility (T, R)."""

    anchors: np.ndarray
    phi: np.ndarray
    cost: np.ndarray
    on_query: np.ndarray
    admissible: np.ndarray

    def score(self) -> np.ndarray:
        """The cost of admissible fits; of finite ones if none is; of all if none is."""
        finite = np.all(np.isfinite(self.on_query), -1)
        ok = self.admissible | (~self.admissible.any(1, keepdims=True) & finite)
        score = np.where(ok, self.cost, np.inf)
        return np.where(np.isfinite(score).any(1, keepdims=True), score, self.cost)


def _fit_rows(
    law: Law,
    curves: AnchorInterpolator,
    cx: np.ndarray,
    cy: np.ndarray,
    candidates: np.ndarray,
    starts: np.ndarray,
    qx: np.ndarray,
) -> _Fits:
    """Every (candidate, start) fit of every target; ``starts`` (S, k) shared or
    (T * C, S, k) per (target, candidate)."""
    t, c = candidates.shape
    inputs = anchored(curves, candidates.reshape(-1), np.repeat(cx, c, axis=0))
    phi, cost = law.fit_starts(inputs, np.repeat(cy, c, axis=0), starts, ITERATIONS)
    r = c * cost.shape[1]
    phi, cost = phi.reshape(t, r, -1), cost.reshape(t, r)
    anchors = np.repeat(candidates, r // c, axis=1)
    on_query = law.values(
        phi.reshape(t * r, -1),
        anchored(curves, anchors.reshape(-1), np.repeat(qx, r, axis=0)),
        bad=np.nan,
    ).reshape(t, r, -1)
    finite = np.all(np.isfinite(on_query), -1)
    admissible = finite & _reads_inside(law, phi, anchors, curves, qx)
    return _Fits(anchors, phi, cost, on_query, admissible)


def _reads_inside(
    law: Law, phi: np.ndarray, anchors: np.ndarray, curves: AnchorInterpolator, qx: np.ndarray
) -> np.ndarray:
    """(T, C*S): whether every warped read of each fit's anchor at the queries stays
    within the anchor's observed inputs, give or take what the bank's own pairs needed
    (1.5 times the furthest read beyond the bank's inputs by the warps of phi's bank
    box, plus 2 % of the span); always true for a law without a warp."""
    t, cs, _ = phi.shape
    warps = law.warps(phi.reshape(t * cs, -1)).reshape(t, cs, -1, 2)
    if warps.shape[2] == 0:
        return np.ones((t, cs), dtype=bool)
    lo, hi = curves.xs[:, 0].numpy(), curves.xs[:, -1].numpy()
    allowance = 1.5 * _overshoot(law.warps(law.box), lo.min(), hi.max()) + 0.02 * (hi - lo)
    q_lo, q_hi = qx[..., 0].min(1)[:, None, None], qx[..., 0].max(1)[:, None, None]
    s, shift = warps[..., 0], warps[..., 1]
    ends = np.stack([s * q_lo + shift, s * q_hi + shift], -1)  # (T, C*S, W, 2)
    low = ends.min(-1).min(-1) >= lo[anchors] - allowance[anchors]
    high = ends.max(-1).max(-1) <= hi[anchors] + allowance[anchors]
    return low & high


def _overshoot(warps: np.ndarray, lo: float, hi: float) -> float:
    """How far beyond [lo, hi] the warps (B, W, 2) read when x spans [lo, hi]."""
    if warps.size == 0:
        return 0.0
    ends = np.stack([warps[..., 0] * lo + warps[..., 1], warps[..., 0] * hi + warps[..., 1]])
    return float(max(0.0, lo - ends.min(), ends.max() - hi))


def law_loo(
    law: Law,
    curves: AnchorInterpolator,
    cx: np.ndarray,
    cy: np.ndarray,
    anchor: np.ndarray,
    phi: np.ndarray,
    scaled_cx: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Each context point predicted from the others, (T, k) twice: by the law refitted
    without it (from the target's anchor, starting at its whole-context ``phi``), and by
    that law plus the residual GP fitted on the others (:func:`rte.gp.fit_gps`, on the
    scaled inputs ``scaled_cx``). The held-out point shapes neither the refitted phi
    nor the GP."""
    t, k, d = cx.shape
    others = np.array([np.delete(np.arange(k), i) for i in range(k)])  # (k, k - 1)
    rest_x, rest_z = cx[:, others].reshape(t * k, k - 1, d), scaled_cx[:, others]
    rest_y = cy[:, others].reshape(t * k, k - 1)
    anchors = np.repeat(anchor, k)
    warm = np.repeat(phi, k, axis=0)[:, None, :]
    refitted, _ = law.fit(anchored(curves, anchors, rest_x), rest_y, warm, ITERATIONS)
    alone = law.values(refitted, anchored(curves, anchors, cx.reshape(t * k, 1, d)))
    on_rest = law.values(refitted, anchored(curves, anchors, rest_x))
    gp = fit_gps(rest_z.reshape(t * k, k - 1, d), rest_y, on_rest)
    corrected, _ = gp.predict(scaled_cx.reshape(t * k, 1, d), alone)
    return alone.reshape(t, k), corrected.reshape(t, k)
