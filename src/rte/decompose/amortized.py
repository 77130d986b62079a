"""Strategy B: amortized decomposition for the discrete regimes, and exhaustive search.

Candidates are every (anchor, phi) pair: a bank task that may serve as an anchor
times a relation label seen in training. Exhaustive search scores each candidate by
Psi's loss on the target's context and keeps the best: per target it runs Psi on
C x k points for C candidates and k context points. Strategy B amortizes that cost:

1. At fit time, Psi's curve of every candidate is computed once at fixed probe inputs
   and stored (:class:`StoredCurves`).
2. Per target, the stored curves are interpolated at the context inputs: a cheap
   context loss for all C candidates ranks them; only the top ``k`` are scored with
   Psi itself, and the lowest Psi context loss wins.

The ranking is linear in the candidates; :mod:`rte.decompose.curve_index` ranks only
the members of the best-fitting clusters, and :mod:`rte.decompose.learned` is the
trained proposer (docs/length_comp.md compares them).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from rte.tasks.interpolate import AnchorInterpolator

# Rows of (target, candidate, context point) evaluated per chunk.
_CHUNK_ROWS = 200_000

ContextLoss = Callable[[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


def _chunked(
    loss: Callable[[slice], torch.Tensor], n_targets: int, rows_per_target: int
) -> torch.Tensor:
    """Concatenate ``loss(slice of targets)`` over chunks of bounded size, without grad."""
    step = max(1, _CHUNK_ROWS // max(rows_per_target, 1))
    with torch.no_grad():
        return torch.cat([loss(slice(s, s + step)) for s in range(0, n_targets, step)])


class StoredCurves:
    """Candidates' Psi values (C, P) at probe inputs (P, d) all candidates share, read at
    new inputs. 1-D: piecewise-linear (constant beyond the probes), gathering only the
    two stored values around each input; d >= 2: the bank's inverse-distance weights."""

    def __init__(self, values: np.ndarray, probe: np.ndarray) -> None:
        self.n_candidates = len(values)
        if probe.shape[1] == 1:
            order = np.argsort(probe[:, 0], kind="stable")
            self.grid = torch.as_tensor(probe[order, 0], dtype=torch.float32).contiguous()
            self.values = torch.as_tensor(values[:, order], dtype=torch.float32).contiguous()
            self._idw = None
        else:
            grid = np.broadcast_to(probe, (len(values), *probe.shape)).copy()
            self._idw = AnchorInterpolator(grid, values, np.ones(values.shape, dtype=bool))

    def at(self, candidates: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Values (T, S, n) of candidates (T, S) at each target's inputs x (T, n, d)."""
        t, s = candidates.shape
        if self._idw is not None:
            flat = self._idw(candidates.reshape(-1), x.repeat_interleave(s, 0))
            return flat.reshape(t, s, -1)
        grid, xs = self.grid, x[..., 0].contiguous()
        right = torch.searchsorted(grid, xs).clamp(1, len(grid) - 1)  # (T, n)
        x0, x1 = grid[right - 1], grid[right]
        w = ((xs - x0) / (x1 - x0).clamp_min(1e-12)).clamp(0.0, 1.0)[:, None, :]
        # One flat gather per neighbour: row offset of each candidate plus column per input.
        flat = self.values.view(-1)
        start = (candidates * len(grid))[..., None] + (right - 1)[:, None, :]
        v0, v1 = flat[start], flat[start + 1]
        return v0 + w * (v1 - v0)


def propose(
    curves: StoredCurves,
    among: torch.Tensor,
    x: torch.Tensor,
    y: torch.Tensor,
    k: int,
) -> torch.Tensor:
    """Indices (T, k) of the ``k`` candidates whose stored curves best fit each context.

    ``among`` (T, S) are the candidates each target ranks (a shortlist, -1 for padding,
    or every candidate expanded over targets); ``x`` (T, n, d), ``y`` (T, n).
    """
    s = among.shape[1]

    def loss(part: slice) -> torch.Tensor:
        cand = among[part]
        values = curves.at(cand.clamp_min(0), x[part])
        err = ((values - y[part][:, None]) ** 2).mean(-1)
        return err.masked_fill(cand < 0, float("inf"))

    losses = _chunked(loss, len(x), s * x.shape[1])
    top = losses.topk(min(k, s), dim=1, largest=False).indices
    return among.gather(1, top)


def best_by_context_loss(
    context_loss: ContextLoss,
    x: torch.Tensor,
    y: torch.Tensor,
    anchors: torch.Tensor,
    labels: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Score candidates per target by Psi's context loss and keep the best.

    ``x`` (T, n, d), ``y`` (T, n); candidates ``anchors`` and ``labels`` (T, K).
    ``context_loss(x, y, anchors, labels)`` returns (T', K) losses for a chunk of
    targets. Returns the winning candidate's column (T,) and all losses (T, K).
    """
    losses = _chunked(
        lambda part: context_loss(x[part], y[part], anchors[part], labels[part]),
        len(x),
        anchors.shape[1] * x.shape[1],
    )
    return losses.argmin(1), losses
