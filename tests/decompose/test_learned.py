"""The learned decomposer, imported directly: trained on a tiny clean bank it proposes
the true (anchor, label) among its first few candidates, and its proposal numbers
candidates as label * anchors + anchor, best score first."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rte.decompose.amortized import StoredCurves
from rte.decompose.learned import DecomposerData, LearnedDecomposer

GRID = np.linspace(-1, 1, 32)
ANCHORS = np.stack(
    [np.sin(2 * GRID), GRID, GRID**2, np.cos(3 * GRID), np.exp(GRID) - 1.5, -(GRID**3)]
)
RELATIONS = (lambda y: 2 * y, lambda y: y + 1, lambda y: -y)
A, L = len(ANCHORS), len(RELATIONS)
# Candidate c = label * A + anchor is RELATIONS[label](ANCHORS[anchor]).
CHILDREN = np.stack([rel(a) for rel in RELATIONS for a in ANCHORS])


@pytest.fixture(scope="module")
def decomposer() -> LearnedDecomposer:
    """Bank: the six anchors (tasks 0..5) and their 18 children (tasks 6..23)."""
    yt = np.concatenate([ANCHORS, CHILDREN])
    m = len(yt)
    data = DecomposerData(
        z=np.broadcast_to(GRID[:, None], (m, len(GRID), 1)).copy(),
        yt=yt,
        mask=np.ones(yt.shape, dtype=bool),
        relations=np.array([(c % A, A + c, c // A) for c in range(A * L)]),
        anchor_curves=ANCHORS,
        probe=GRID[:, None],
        candidate_curves=StoredCurves(CHILDREN, GRID[:, None]),
    )
    return LearnedDecomposer(
        data, L, steps=300, batch_size=32, lr=5e-3, width=64, components=4, seed=0
    )


def test_the_true_decomposition_is_among_the_first_proposals(decomposer) -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (A * L, 10, 1))
    y = np.stack([np.interp(xi[:, 0], GRID, curve) for xi, curve in zip(x, CHILDREN, strict=True)])
    top = decomposer.propose(
        torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y, dtype=torch.float32), 4
    )
    assert top.shape == (A * L, 4)
    # 4 of 18 candidates: a proposer that ignored the context would hit 22% of targets.
    hits = np.mean([c in row for c, row in enumerate(top.tolist())])
    assert hits >= 17 / 18, hits


class _Fixed(torch.nn.Module):
    """An encoder that always says: this label, this anchor coordinate."""

    def __init__(self, logits: torch.Tensor, coords: torch.Tensor) -> None:
        super().__init__()
        self.logits, self.coords = logits, coords

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.logits.expand(len(x), -1), self.coords.expand(len(x), -1)


def test_proposals_number_candidates_by_label_then_anchor(decomposer, monkeypatch) -> None:
    coords = torch.as_tensor((ANCHORS[4] - decomposer.mean) @ decomposer.basis).float()
    logits = torch.tensor([0.0, 1e4, 0.0])  # label 1, surely
    monkeypatch.setattr(decomposer, "net", _Fixed(logits, coords[None]))
    x, y = torch.zeros(2, 5, 1), torch.zeros(2, 5)
    top = decomposer.propose(x, y, A * L)
    assert top[:, 0].tolist() == [1 * A + 4] * 2
    assert sorted(top[0].tolist()) == list(range(A * L))  # every candidate once
    # Label 1's candidates come before any other label's, nearest anchor first.
    assert set(top[0, :A].tolist()) == {1 * A + a for a in range(A)}
    dist = ((ANCHORS - ANCHORS[4]) @ decomposer.basis) ** 2
    nearest = np.argsort(dist.sum(1), kind="stable")
    assert (top[0, :A] - A).tolist() == nearest.tolist()
