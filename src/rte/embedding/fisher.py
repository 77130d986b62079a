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

Every step is a batched tensor operation over chunks of tasks, so memory stays
bounded for banks of a million tasks: per-task features and ridge fits never exist
for more than one chunk at a time, and the projection's principal axes come from a
covariance matrix accumulated chunk by chunk.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass

import numpy as np
import torch

from rte._state import State, as_tensor
from rte.params import EmbeddingParams
from rte.scaling import Scaling
from rte.tasks.bank import TaskBank

_DTYPE = torch.float64
# Elements of one chunk's feature tensor (tasks x points x features), about 256 MB.
_CHUNK_ELEMENTS = 2**25
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
        full_penalty = torch.full((self.probe_width + 1,), self.ridge, dtype=_DTYPE)
        heads = torch.cat(
            [
                _masked_ridge(self._features(z), yt, mask, full_penalty)
                for z, yt, mask in self._chunks(bank.x, bank.y, bank.mask)
            ]
        )
        self.head_mean_ = heads.mean(0)
        _, sing, vt = torch.linalg.svd(heads - self.head_mean_, full_matrices=False)
        del heads
        share = torch.cumsum(sing**2, 0) / (sing**2).sum().clamp_min(1e-30)
        rank = int(torch.searchsorted(share, torch.tensor(self.variance, dtype=_DTYPE))) + 1
        keep = min(rank, self.max_dim, bank.n_tasks - 1)
        self.head_basis_ = vt[:keep]
        # Gaussian prior over subspace coordinates with the bank's spread: the
        # least-squares fit of a small context shrinks poorly determined directions.
        spread = (sing[:keep] ** 2 / bank.n_tasks).clamp_min(1e-12)
        self.subspace_penalty_ = self.prior_noise / spread
        ref = self._reference_inputs(bank, gen)
        slope = 1 - torch.tanh(ref @ self.w_in_ + self.b_in_) ** 2  # (R, H)
        inputs = torch.cat([ref, torch.ones(ref.shape[0], 1, dtype=_DTYPE)], 1)  # (R, d+1)
        self.fisher_scale_ = torch.sqrt(
            torch.mean((slope[:, :, None] * inputs[:, None, :]) ** 2, 0)
        )  # (H, d+1)
        roots = [self._signed_root_fisher(*c) for c in self._chunks(bank.x, bank.y, bank.mask)]
        total = sum(root.sum(0) for root in roots)
        self.center_ = total / bank.n_tasks
        cov = sum((r - self.center_).T @ (r - self.center_) for r in roots) / bank.n_tasks
        eigenvalues, vectors = torch.linalg.eigh(cov)  # ascending
        axes = vectors.flip(1)[:, :keep].T  # (keep, features), largest variance first
        # A fixed sign per axis (its largest component positive): equal banks, equal axes.
        signs = torch.sign(axes.gather(1, axes.abs().argmax(1, keepdim=True)))
        self.axes_ = axes * signs
        self.axis_scale_ = float(eigenvalues[-1].clamp_min(0).sqrt()) or 1.0
        self.bank_embeddings_ = np.concatenate([self._project(r).numpy() for r in roots])
        return self

    def _chunks(
        self, x: np.ndarray, y: np.ndarray, mask: np.ndarray
    ) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        """Scaled tensors of bounded chunks of tasks."""
        per_task = max(1, x.shape[1] * (self.probe_width + 1))
        size = max(1, _CHUNK_ELEMENTS // per_task)
        for start in range(0, len(x), size):
            rows = slice(start, start + size)
            yield self._tensors(x[rows], y[rows], mask[rows])

    def _reference_inputs(self, bank: TaskBank, gen: torch.Generator) -> torch.Tensor:
        """``n_reference`` observed inputs of random bank tasks, scaled: where the Fisher
        information is measured."""
        counts = torch.as_tensor(bank.mask.sum(1))
        tasks = torch.randint(0, bank.n_tasks, (self.n_reference,), generator=gen)
        points = (torch.rand(self.n_reference, generator=gen) * counts[tasks]).long()
        order = np.argsort(~bank.mask, axis=1, kind="stable")  # observed points first
        cols = order[tasks.numpy(), points.numpy()]
        raw = bank.x[tasks.numpy(), cols]
        return torch.as_tensor(self.scaling_.x(raw), dtype=_DTYPE)

    @property
    def dim(self) -> int:
        """Length of an embedding vector."""
        return int(self.axes_.shape[0])

    def transform(self, x: np.ndarray, y: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """Embed tasks given as x (T, n, d), y (T, n) and optional mask (T, n) -> (T, dim)."""
        if mask is None:
            mask = np.ones(y.shape, dtype=bool)
        parts = [
            self._project(self._signed_root_fisher(*chunk)).numpy()
            for chunk in self._chunks(x, y, mask)
        ]
        return np.concatenate(parts) if parts else np.empty((0, self.dim))

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
    chunk = max(1, _CHUNK_ELEMENTS // (n_draws * size * (embedding.probe_width + 1)))
    parts = []
    for start in range(0, bank.n_tasks, chunk):
        tasks = np.arange(start, min(start + chunk, bank.n_tasks))
        m = len(tasks)
        picks = np.floor(rng.random((m, n_draws, size)) * counts[tasks, None, None]).astype(int)
        rows = tasks[:, None, None]
        x = bank.x[rows, picks].reshape(m * n_draws, size, bank.dim)
        y = bank.y[rows, picks].reshape(m * n_draws, size)
        y = y + noise * rng.standard_normal(y.shape)
        parts.append(embedding.transform(x, y).reshape(m, n_draws, -1))
    return np.concatenate(parts)


def fit_embedding(
    params: EmbeddingParams, bank: TaskBank, seed: int
) -> tuple[Scaling, FisherEmbedding]:
    """The bank's scaling and the embedding with ``params`` fitted on it (deterministic
    per seed)."""
    scaling = Scaling.fit(bank)
    embedding = FisherEmbedding(
        max_dim=params.embedding_dim,
        probe_width=params.probe_width,
        prior_noise=params.prior_noise,
        seed=seed,
    ).fit(bank, scaling)
    return scaling, embedding


def context_embeddings(
    params: EmbeddingParams, bank: TaskBank, embedding: FisherEmbedding, rng: np.random.Generator
) -> np.ndarray | None:
    """Embeddings of simulated small noisy contexts of each bank task, (M, 8, r)."""
    return simulated_context_embeddings(
        bank, embedding, rng, params.train_context_size, params.train_context_noise
    )


def descriptor_pool(
    params: EmbeddingParams, bank: TaskBank, embedding: FisherEmbedding, seed: int
) -> np.ndarray:
    """Per bank task, its clean embedding and its simulated-context embeddings,
    (M, n_draws, r): what the inductive models train on as task descriptors."""
    clean = embedding.bank_embeddings_[:, None, :]
    pool = context_embeddings(params, bank, embedding, np.random.default_rng(seed))
    if pool is None:
        return clean
    return np.concatenate([np.repeat(clean, pool.shape[1], 1), pool], 1)
