"""Strategy B: amortized decomposition for the discrete regimes, and exhaustive search.

Candidates are every (anchor, phi) pair: a bank task that may serve as an anchor
times a relation label seen in training. Exhaustive search scores each candidate by
Psi's loss on the target's context and keeps the best: per target it runs Psi on
C x k points for C candidates and k context points. Strategy B amortizes that cost:

1. At fit time, Psi's curve of every candidate is computed once at fixed probe inputs
   and stored as an interpolation table (:class:`rte.tasks.interpolate.AnchorInterpolator`).
2. Per target, the stored curves are interpolated at the context inputs: a cheap
   context loss for all C candidates ranks them; only the top ``k`` are scored with
   Psi itself, and the lowest Psi context loss wins.

Why not a learned set encoder as the proposer: on validation seed 100 a DeepSets
proposer (contrastive, or a context-completion model ranking candidate curves) put
the true candidate in its top 8 for only 7% (length) to 67% (composition) of the
targets, against 100% for the stored curves (docs/length_comp.md).
"""

from __future__ import annotations

from collections.abc import Callable

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


def propose(
    curves: AnchorInterpolator,
    among: torch.Tensor,
    x: torch.Tensor,
    y: torch.Tensor,
    k: int,
) -> torch.Tensor:
    """Indices (T, k) of the ``k`` candidates whose stored curves best fit each context.

    ``curves`` holds one stored curve per candidate; ``among`` (T, S) are the candidates
    each target ranks (a shortlist, or every candidate expanded over targets); ``x``
    (T, n, d), ``y`` (T, n).
    """
    s = among.shape[1]

    def loss(part: slice) -> torch.Tensor:
        xs, ys, cand = x[part], y[part], among[part]
        t = len(xs)
        values = curves(cand.reshape(-1), xs.repeat_interleave(s, 0))
        return ((values.reshape(t, s, -1) - ys[:, None]) ** 2).mean(-1)

    losses = _chunked(loss, len(x), s * x.shape[1])
    top = losses.topk(min(k, s), dim=1, largest=False).indices
    return among.gather(1, top)


def search(
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
