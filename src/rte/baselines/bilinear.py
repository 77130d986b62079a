"""``bilinear``: bilinear transduction (Netanyahu et al. 2023).

A point z = (x, task embedding) is predicted from an anchor z' among the training
points: y(z) ~ <f(z'), g(z - z')>. Training uses random pairs of training points.
At test time the anchor is the training point whose difference z - z' lies nearest
to a difference seen in training, so an out-of-support z becomes an in-support
anchor plus an in-distribution difference. Anchor and difference pools are capped
and the search runs in batched chunks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np
import torch
from torch import nn

from rte._params import at_least, param, positive
from rte.base import Estimator, check_is_fitted, estimator
from rte.baselines._embedded import EmbeddedPoints
from rte.nn import mlp, train_regressor
from rte.params import EmbeddingParams
from rte.tasks.bank import TargetSet, TaskBank

# Query rows per chunk of the anchor search; bounds memory to chunk x anchors x diffs floats.
_SEARCH_CHUNK = 64


class BilinearNetwork(nn.Module):
    """y = <f(anchor), g(z - anchor)>, summed over ``rank`` components."""

    def __init__(self, dim: int, width: int, depth: int, rank: int) -> None:
        super().__init__()
        self.f = mlp(dim, rank, width, depth)
        self.g = mlp(dim, rank, width, depth)

    def forward(self, pair: torch.Tensor) -> torch.Tensor:
        """``pair`` (..., 2, dim) of (anchor, z) -> prediction at z, (..., 1)."""
        anchor, z = pair[..., 0, :], pair[..., 1, :]
        return (self.f(anchor) * self.g(z - anchor)).sum(-1, keepdim=True)


def nearest_anchors(
    queries: torch.Tensor, anchors: torch.Tensor, diffs: torch.Tensor
) -> torch.Tensor:
    """Index of the anchor a minimising min_j |q - a - diffs_j| for each query, (n,).

    ``queries`` (n, dim), ``anchors`` (A, dim), ``diffs`` (D, dim): the distance of
    q - a to the nearest seen difference is the distance of q to the point a + diffs_j.
    """
    reach = (anchors[:, None] + diffs[None]).reshape(-1, anchors.shape[1])
    best = [
        torch.cdist(chunk, reach).argmin(1) // diffs.shape[0]
        for chunk in queries.split(_SEARCH_CHUNK)
    ]
    return torch.cat(best)


@estimator(EmbeddingParams)
class BilinearTransduction(Estimator):
    """Bilinear transduction on z = (x, Fisher embedding of the context)."""

    fitted: ClassVar[Mapping[str, str]] = {
        "points_": "scaled bank points with their task embeddings (EmbeddedPoints)",
        "net_": "the bilinear network",
        "anchors_": "the pool of anchor points",
        "diffs_": "the pool of training differences anchors are matched by",
    }

    sees: ClassVar[str] = "BC"
    description: ClassVar[str] = "bilinear transduction on x and the Fisher embedding"

    width: int = param(64, "Hidden units of f and g.", at_least(1))
    depth: int = param(2, "Hidden layers of f and g.", at_least(1))
    rank: int = param(32, "Size of the bilinear inner product.", at_least(1))
    steps: int = param(1000, "Adam steps.", at_least(1))
    batch_size: int = param(512, "Point pairs per step.", at_least(1))
    lr: float = param(2e-3, "Adam learning rate.", positive)
    n_anchors: int = param(128, "Training points kept as anchors.", at_least(1))
    n_diffs: int = param(256, "Training differences kept.", at_least(1))

    def fit(self, bank: TaskBank) -> BilinearTransduction:
        """Train f and g on random pairs of bank points; keep anchor and difference pools."""
        self.validate_params()
        points = EmbeddedPoints.from_bank(bank, self.group(EmbeddingParams), self.seed)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            self.net_ = BilinearNetwork(points.dim, self.width, self.depth, self.rank)

        def sample(gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
            anchor, _ = points.sample(gen, self.batch_size)
            z, y = points.sample(gen, self.batch_size)
            return torch.stack([anchor, z], 1), y

        train_regressor(self.net_, sample, steps=self.steps, lr=self.lr, seed=self.seed)
        gen = torch.Generator().manual_seed(self.seed + 1)
        self.anchors_ = points.sample(gen, self.n_anchors)[0]
        a, _ = points.sample(gen, self.n_diffs)
        b, _ = points.sample(gen, self.n_diffs)
        self.diffs_ = b - a
        self.points_ = points
        return self

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        """Each query predicted from its nearest admissible anchor point, (T, Q)."""
        check_is_fitted(self, "net_")
        z = self.points_.target_inputs(targets)
        flat = z.reshape(-1, z.shape[-1])
        anchors = self.anchors_[nearest_anchors(flat, self.anchors_, self.diffs_)]
        with torch.no_grad():
            out = self.net_(torch.stack([anchors, flat], 1))[..., 0]
        return self.points_.outputs(out.reshape(z.shape[:2]))
