"""The learned decomposer (the paper's strategy B): a network reads a context set and
proposes the top-k (anchor, phi) candidates, which Psi's context-loss search then scores.

It is trained on the bank alone, self-supervised from the bank's relation pairs: a
random noisy context of task j is the input, the pair's label phi_ij and the anchor
i's curve are the outputs. phi comes out as a distribution over the seen labels; the
anchor as a point in the principal coordinates of the anchor tasks' curves, whose
nearest anchors a :class:`VectorIndex` returns. A candidate's score is
log p(phi) minus its anchor's squared distance over the head's training error, so
the k best come from a few labels times a few anchors whatever the candidate count.

Optionally (``simulated`` > 0) a share of the training contexts is drawn from stored
Psi curves of random candidates instead of bank tasks: Psi acts as a simulator of
every (anchor, phi) combination, including those no bank task shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from rte.decompose.amortized import StoredCurves
from rte.decompose.retrieval import VectorIndex
from rte.nn import mlp, train_regressor


class ContextEncoder(nn.Module):
    """DeepSets over context points (x, y): per-point MLP, mean pool, MLP to the heads."""

    def __init__(self, dim_x: int, n_labels: int, dim_anchor: int, width: int = 128) -> None:
        super().__init__()
        self.n_labels = n_labels
        self.point = mlp(dim_x + 1, width, width, 2)
        self.head = mlp(2 * width, n_labels + dim_anchor, width, 2)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x (T, n, d), y (T, n) -> label logits (T, L), anchor coordinates (T, r)."""
        h = self.point(torch.cat([x, y[..., None]], -1))
        out = self.head(torch.cat([h.mean(1), h.amax(1)], -1))
        return out[:, : self.n_labels], out[:, self.n_labels :]


@dataclass(frozen=True)
class DecomposerData:
    """What the decomposer learns from, in the bank's scaled units: the bank's
    observations, its relations as (anchor position, task, label) rows, the anchor
    tasks' curves at the probe inputs, and the stored candidate curves."""

    z: np.ndarray  # (M, N, d)
    yt: np.ndarray  # (M, N)
    mask: np.ndarray  # (M, N)
    relations: np.ndarray  # (R, 3): anchor position, task index, label index
    anchor_curves: np.ndarray  # (A, P)
    probe: np.ndarray  # (P, d)
    candidate_curves: StoredCurves  # candidate c = label * A + anchor position


class LearnedDecomposer:
    """Trained set encoder plus an anchor index; :meth:`propose` gives candidate indices."""

    def __init__(
        self,
        data: DecomposerData,
        n_labels: int,
        *,
        steps: int = 3000,
        batch_size: int = 128,
        lr: float = 2e-3,
        width: int = 128,
        components: int = 16,
        context_sizes: tuple[int, int] = (5, 20),
        noise: float = 0.1,
        simulated: float = 0.5,
        seed: int = 0,
    ) -> None:
        self.n_labels, self.n_anchors = n_labels, len(data.anchor_curves)
        curves = data.anchor_curves.astype(np.float64)
        self.mean = curves.mean(0)
        eigval, eigvec = np.linalg.eigh((curves - self.mean).T @ (curves - self.mean))
        self.basis = eigvec[:, np.argsort(eigval)[::-1][: min(components, curves.shape[1])]]
        coords = ((curves - self.mean) @ self.basis).astype(np.float32)
        self.index = VectorIndex(coords, seed=seed)
        dim_x, r = data.z.shape[-1], self.basis.shape[1]
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.net = ContextEncoder(dim_x, n_labels, r, width)
        self.error = self._train(
            data,
            torch.as_tensor(coords),
            steps,
            batch_size,
            lr,
            context_sizes,
            noise,
            simulated,
            seed,
        )

    def _train(
        self,
        data: DecomposerData,
        coords: torch.Tensor,
        steps: int,
        batch_size: int,
        lr: float,
        context_sizes: tuple[int, int],
        noise: float,
        simulated: float,
        seed: int,
    ) -> float:
        """Fit the encoder; returns the mean squared anchor-coordinate error (per target)."""
        rel = torch.as_tensor(data.relations)
        z = torch.as_tensor(data.z, dtype=torch.float32)
        yt = torch.as_tensor(data.yt, dtype=torch.float32)
        counts = torch.as_tensor(data.mask.sum(1))
        probe = torch.as_tensor(data.probe, dtype=torch.float32)
        lo, hi = probe.min(0).values, probe.max(0).values
        n_cand = self.n_labels * self.n_anchors
        n_sim = round(simulated * batch_size)
        lo_k, hi_k = context_sizes

        def sample(gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
            k = int(torch.randint(lo_k, hi_k + 1, (1,), generator=gen))
            r = rel[torch.randint(0, len(rel), (batch_size - n_sim,), generator=gen)]
            pos, task, label = r.unbind(1)
            point = (torch.rand(len(r), k, generator=gen) * counts[task, None]).long()
            x, y = z[task[:, None], point], yt[task[:, None], point]
            if n_sim:
                cand = torch.randint(0, n_cand, (n_sim,), generator=gen)
                xs = lo + (hi - lo) * torch.rand(n_sim, k, z.shape[-1], generator=gen)
                ys = data.candidate_curves.at(cand[:, None], xs)[:, 0]
                x, y = torch.cat([x, xs]), torch.cat([y, ys])
                pos, label = (
                    torch.cat([pos, cand % self.n_anchors]),
                    torch.cat([label, cand // self.n_anchors]),
                )
            sigma = noise * torch.rand(len(y), 1, generator=gen)
            y = y + sigma * torch.randn(y.shape, generator=gen)
            inputs = torch.cat([x, y[..., None]], -1)
            return inputs, torch.stack([pos, label], 1)

        def loss(net: ContextEncoder, inputs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
            logits, pred = net(inputs[..., :-1], inputs[..., -1])
            coord_err = ((pred - coords[target[:, 0]]) ** 2).sum(-1).mean()
            return nn.functional.cross_entropy(logits, target[:, 1]) + coord_err

        train_regressor(self.net, sample, steps=steps, lr=lr, seed=seed, loss_fn=loss)
        # The anchor head's error on fresh training contexts scales the anchor distance.
        gen = torch.Generator().manual_seed(seed + 1)
        with torch.no_grad():
            inputs, target = sample(gen)
            _, pred = self.net(inputs[..., :-1], inputs[..., -1])
            error = float(((pred - coords[target[:, 0]]) ** 2).sum(-1).mean())
        return max(error, 1e-6)

    def propose(self, x: torch.Tensor, y: torch.Tensor, k: int) -> torch.Tensor:
        """Candidate indices (T, k) ranked by log p(phi) - |anchor - predicted|^2 / error."""
        with torch.no_grad():
            logits, pred = self.net(x, y)
        logp = torch.log_softmax(logits, -1).numpy()
        n_anchor = min(self.n_anchors, k)
        n_label = min(self.n_labels, k)
        dist, anchors = self.index.search(pred.numpy(), n_anchor)
        labels = np.argsort(-logp, axis=1)[:, :n_label]
        score = np.take_along_axis(logp, labels, 1)[:, :, None] - dist[:, None, :] / self.error
        flat = np.argsort(-score.reshape(len(x), -1), axis=1, kind="stable")[:, :k]
        lab = np.take_along_axis(labels, flat // n_anchor, 1)
        anc = np.take_along_axis(anchors, flat % n_anchor, 1)
        return torch.as_tensor(lab * self.n_anchors + anc)
