"""Gamma, the Task2Vec-style task embedding: Fisher information of an adapted probe.

Recipe (why each step: docs/param.md, "Task embedding"):

1. Probe: a one-hidden-layer tanh network on scaled inputs, hidden layer fixed
   (seeded random features), linear head adapted per task.
2. Adaptation: the bank's task heads are fitted by ridge regression; their principal
   subspace (enough components for ``variance`` of the spread, at most ``max_dim``)
   is the probe's "pretrained" knowledge. Any task or context is then adapted by least
   squares inside that subspace, so 10 noisy points give the same kind of estimate as
   a densely observed task.
3. Fisher: the diagonal Fisher information of the adapted probe for its hidden
   weights, over a fixed reference set of bank inputs, is (w_k * c_kj)^2 with
   c_kj^2 = E[(1 - h_k^2)^2 z_j^2]. We keep its signed square root w_k * c_kj: the
   square discards the sign and makes differences between tasks non-additive, which
   breaks phi = embed(f_j) - embed(f_i).
4. Projection: principal axes of the bank's vectors, scaled by the first axis's
   standard deviation so distances stay comparable across dimensions.

Every step is a batched tensor operation over tasks.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch

from rte._state import State, as_tensor
from rte.scaling import Scaling
from rte.tasks.bank import TaskBank

_DTYPE = torch.float64
# The fitted tensors, saved and restored by name.
_FITTED = (
    "w_in_",
    "b_in_",
    "head_mean_",
    "head_basis_",
    "subspace_penalty_",
    "fisher_scale_",
    "center_",
    "axes_",
)


def _masked_ridge(
    design: torch.Tensor, target: torch.Tensor, mask: torch.Tensor, penalty: torch.Tensor
) -> torch.Tensor:
    """Per-task ridge regression: design (T, n, p), target (T, n), mask (T, n) -> (T, p).

    ``penalty`` (p,) is the diagonal of the ridge term (a Gaussian prior's precision).
    """
    m = mask.to(design.dtype)[..., None]
    g = design * m
    gram = g.transpose(1, 2) @ g
    rhs = g.transpose(1, 2) @ (target[..., None] * m)
    return torch.linalg.solve(gram + torch.diag(penalty), rhs)[..., 0]


@dataclass
class FisherEmbedding:
    """Task2Vec-style embedding of a task's (x, y) observations into a small vector.

    Fit once on the training bank; :meth:`transform` then embeds any batch of tasks
    or contexts. ``bank_embeddings_`` holds the bank's own vectors.
    """

    max_dim: int = 6
    variance: float = 0.9999
    probe_width: int = 128
    ridge: float = 1e-4
    prior_noise: float = 1e-3
    n_reference: int = 512
    seed: int = 0

    def fit(self, bank: TaskBank, scaling: Scaling) -> FisherEmbedding:
        """Build the probe, its task subspace and the projection from ``bank``."""
        gen = torch.Generator().manual_seed(self.seed)
        d = bank.dim
        self.scaling_ = scaling
        self.w_in_ = torch.randn(d, self.probe_width, generator=gen, dtype=_DTYPE) * 4.0
        self.b_in_ = (torch.rand(self.probe_width, generator=gen, dtype=_DTYPE) * 2 - 1) * 4.0
        z, yt, mask = self._tensors(bank.x, bank.y, bank.mask)
        full_penalty = torch.full((self.probe_width + 1,), self.ridge, dtype=_DTYPE)
        heads = _masked_ridge(self._features(z), yt, mask, full_penalty)
        self.head_mean_ = heads.mean(0)
        _, sing, vt = torch.linalg.svd(heads - self.head_mean_, full_matrices=False)
        share = torch.cumsum(sing**2, 0) / (sing**2).sum().clamp_min(1e-30)
        rank = int(torch.searchsorted(share, torch.tensor(self.variance, dtype=_DTYPE))) + 1
        keep = min(rank, self.max_dim, bank.n_tasks - 1)
        self.head_basis_ = vt[:keep]
        # Gaussian prior over subspace coordinates with the bank's spread: the
        # least-squares fit of a small context shrinks poorly determined directions.
        spread = (sing[:keep] ** 2 / bank.n_tasks).clamp_min(1e-12)
        self.subspace_penalty_ = self.prior_noise / spread
        flat = z[mask]
        pick = torch.randperm(flat.shape[0], generator=gen)[: self.n_reference]
        ref = flat[pick]
        slope = 1 - torch.tanh(ref @ self.w_in_ + self.b_in_) ** 2  # (R, H)
        inputs = torch.cat([ref, torch.ones(ref.shape[0], 1, dtype=_DTYPE)], 1)  # (R, d+1)
        self.fisher_scale_ = torch.sqrt(
            torch.mean((slope[:, :, None] * inputs[:, None, :]) ** 2, 0)
        )  # (H, d+1)
        root = self._signed_root_fisher(z, yt, mask)
        self.center_ = root.mean(0)
        _, sing, vt = torch.linalg.svd(root - self.center_, full_matrices=False)
        self.axes_ = vt[: self.head_basis_.shape[0]]
        self.axis_scale_ = float(sing[0] / np.sqrt(bank.n_tasks)) or 1.0
        self.bank_embeddings_ = self._project(root).numpy()
        return self

    @property
    def dim(self) -> int:
        """Length of an embedding vector."""
        return int(self.axes_.shape[0])

    def transform(self, x: np.ndarray, y: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """Embed tasks given as x (T, n, d), y (T, n) and optional mask (T, n) -> (T, dim)."""
        if mask is None:
            mask = np.ones(y.shape, dtype=bool)
        return self._project(self._signed_root_fisher(*self._tensors(x, y, mask))).numpy()

    def state(self) -> State:
        """Settings, scalars and fitted tensors (model files); the scaling is its own part."""
        tensors = {name: as_tensor(getattr(self, name)) for name in _FITTED}
        tensors["bank_embeddings_"] = as_tensor(self.bank_embeddings_)
        return State({**asdict(self), "axis_scale_": self.axis_scale_}, tensors)

    @classmethod
    def from_state(cls, state: State, scaling: Scaling) -> FisherEmbedding:
        """Inverse of :meth:`state`, using the model's ``scaling``."""
        config = dict(state.config)
        axis_scale = float(config.pop("axis_scale_"))
        embedding = cls(**config)
        for name in _FITTED:
            setattr(embedding, name, state.tensor(name).to(_DTYPE))
        embedding.axis_scale_ = axis_scale
        embedding.scaling_ = scaling
        embedding.bank_embeddings_ = state.array("bank_embeddings_")
        return embedding

    def _tensors(
        self, x: np.ndarray, y: np.ndarray, mask: np.ndarray
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        z = torch.as_tensor(self.scaling_.x(x), dtype=_DTYPE)
        yt = torch.as_tensor(self.scaling_.y(y), dtype=_DTYPE)
        return z, yt, torch.as_tensor(mask)

    def _features(self, z: torch.Tensor) -> torch.Tensor:
        h = torch.tanh(z @ self.w_in_ + self.b_in_)
        return torch.cat([h, torch.ones(*h.shape[:-1], 1, dtype=_DTYPE)], -1)

    def _signed_root_fisher(
        self, z: torch.Tensor, yt: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        feats = self._features(z)
        residual = yt - feats @ self.head_mean_
        coef = _masked_ridge(feats @ self.head_basis_.T, residual, mask, self.subspace_penalty_)
        heads = self.head_mean_ + coef @ self.head_basis_
        hidden = heads[:, : self.probe_width]
        return (hidden[:, :, None] * self.fisher_scale_).flatten(1)

    def _project(self, root: torch.Tensor) -> torch.Tensor:
        return (root - self.center_) @ self.axes_.T / self.axis_scale_


def simulated_context_embeddings(
    bank: TaskBank,
    embedding: FisherEmbedding,
    rng: np.random.Generator,
    size: int,
    noise: float,
    n_draws: int = 8,
) -> np.ndarray | None:
    """Embeddings of random small noisy contexts of each bank task, (M, n_draws, r).

    ``size`` points per context (0: none, returns None), Gaussian noise of std
    ``noise``. Training on them teaches a model the embedding noise it meets at test
    time, when a target is known only by a small noisy context.
    """
    if size == 0:
        return None
    counts = bank.mask.sum(1)
    m = bank.n_tasks
    picks = np.floor(rng.random((m, n_draws, size)) * counts[:, None, None]).astype(int)
    rows = np.arange(m)[:, None, None]
    x = bank.x[rows, picks].reshape(m * n_draws, size, bank.dim)
    y = bank.y[rows, picks].reshape(m * n_draws, size)
    y = y + noise * rng.standard_normal(y.shape)
    return embedding.transform(x, y).reshape(m, n_draws, -1)
