"""``bilinear``: bilinear transduction (Netanyahu et al. 2023).

A point z = (x, task embedding) is predicted from an anchor z' among the training
points: y(z) ~ <f(z'), g(z - z')>. Training uses random pairs of training points.
At test time the anchor is the training point whose difference z - z' lies nearest
to a difference seen in training, so an out-of-support z becomes an in-support
anchor plus an in-distribution difference. Anchor and difference pools are capped
and the search runs in batched chunks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from rte._validation import check_positive, check_positive_int
from rte.base import check_is_fitted
from rte.baselines._embedded import EmbeddedPoints
from rte.nn import mlp, train_regressor
from rte.registry import BANK, CONTEXT, register_method
from rte.tasks.bank import TargetSet, TaskBank

# Query rows per chunk of the anchor search; bounds memory to chunk x anchors x diffs floats.
_SEARCH_CHUNK = 64


@dataclass(frozen=True)
class BilinearConfig:
    """Hyperparameters of :class:`BilinearTransduction`."""

    width: int = field(default=64, metadata={"help": "Hidden units of f and g."})
    depth: int = field(default=2, metadata={"help": "Hidden layers of f and g."})
    rank: int = field(default=32, metadata={"help": "Size of the bilinear inner product."})
    steps: int = field(default=1000, metadata={"help": "Adam steps."})
    batch_size: int = field(default=512, metadata={"help": "Point pairs per step."})
    lr: float = field(default=2e-3, metadata={"help": "Adam learning rate."})
    n_anchors: int = field(default=128, metadata={"help": "Training points kept as anchors."})
    n_diffs: int = field(default=256, metadata={"help": "Training differences kept."})

    def __post_init__(self) -> None:
        for name in ("width", "depth", "rank", "steps", "batch_size", "n_anchors", "n_diffs"):
            check_positive_int(getattr(self, name), name)
        check_positive(self.lr, "lr")


class BilinearNetwork(nn.Module):
    """y = <f(anchor), g(z - anchor)>, summed over ``rank`` components."""

    def __init__(self, dim: int, cfg: BilinearConfig) -> None:
        super().__init__()
        self.f = mlp(dim, cfg.rank, cfg.width, cfg.depth)
        self.g = mlp(dim, cfg.rank, cfg.width, cfg.depth)

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


@register_method("bilinear", (BANK, CONTEXT), "bilinear transduction on x and the Fisher embedding")
class BilinearTransduction:
    """Bilinear transduction on z = (x, Fisher embedding of the context)."""

    def __init__(self, *, seed: int, **options: object) -> None:
        self.seed = seed
        self.config = BilinearConfig(**options)  # type: ignore[arg-type]

    def fit(self, bank: TaskBank) -> BilinearTransduction:
        cfg = self.config
        points = EmbeddedPoints.from_bank(bank, self.seed)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            self.net_ = BilinearNetwork(points.dim, cfg)

        def sample(gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
            anchor, _ = points.sample(gen, cfg.batch_size)
            z, y = points.sample(gen, cfg.batch_size)
            return torch.stack([anchor, z], 1), y

        train_regressor(self.net_, sample, steps=cfg.steps, lr=cfg.lr, seed=self.seed)
        gen = torch.Generator().manual_seed(self.seed + 1)
        self.anchors_ = points.sample(gen, cfg.n_anchors)[0]
        a, _ = points.sample(gen, cfg.n_diffs)
        b, _ = points.sample(gen, cfg.n_diffs)
        self.diffs_ = b - a
        self.points_ = points
        return self

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        check_is_fitted(self, "net_")
        z = self.points_.target_inputs(targets)
        flat = z.reshape(-1, z.shape[-1])
        anchors = self.anchors_[nearest_anchors(flat, self.anchors_, self.diffs_)]
        with torch.no_grad():
            out = self.net_(torch.stack([anchors, flat], 1))[..., 0]
        return self.points_.outputs(out.reshape(z.shape[:2]))
