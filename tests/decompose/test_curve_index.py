"""The curve index, imported directly: probing every cluster reproduces the full ranking,
probing a few still ranks the curve a context was drawn from first, and the shortlist
holds exactly the members of the chosen clusters."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rte.decompose.amortized import StoredCurves, propose
from rte.decompose.curve_index import CurveIndex, n_clusters

PROBE = np.linspace(-1, 1, 40)[:, None]


@pytest.fixture(scope="module")
def curves() -> np.ndarray:
    """400 candidate curves sin(a x + b) + c at the probe inputs."""
    a, b, c = np.meshgrid(np.linspace(0.5, 4, 10), np.linspace(0, 3, 8), np.linspace(-1, 1, 5))
    params = np.stack([a.ravel(), b.ravel(), c.ravel()], 1)
    return np.sin(params[:, :1] * PROBE[:, 0] + params[:, 1:2]) + params[:, 2:]


@pytest.fixture(scope="module")
def index(curves) -> CurveIndex:
    return CurveIndex(curves, PROBE, seed=0)


def _contexts(curves: np.ndarray, which: np.ndarray, seed: int) -> tuple[torch.Tensor, ...]:
    """Eight context points of each curve ``which``, at random inputs between the probes."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (len(which), 8, 1))
    y = np.stack(
        [np.interp(xi[:, 0], PROBE[:, 0], curves[c]) for xi, c in zip(x, which, strict=True)]
    )
    return torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y, dtype=torch.float32)


def test_cluster_count_grows_like_the_square_root() -> None:
    assert [n_clusters(c) for c in (1, 2, 100, 10_000)] == [1, 2, 40, 400]


def test_the_curve_a_context_came_from_ranks_first(curves, index) -> None:
    which = np.random.default_rng(1).choice(len(curves), 40, replace=False)
    x, y = _contexts(curves, which, seed=2)
    top = index.propose(x, y, probe=4, k=3)  # 4 of 80 clusters
    assert top.shape == (40, 3)
    hits = (top[:, 0].numpy() == which).mean()
    assert hits >= 0.95, hits


def test_probing_every_cluster_is_the_full_ranking(curves, index) -> None:
    which = np.arange(0, len(curves), 25)
    x, y = _contexts(curves, which, seed=3)
    everyone = torch.arange(len(curves)).expand(len(which), -1)
    full = propose(StoredCurves(curves, PROBE), everyone, x, y, k=5)
    assert torch.equal(index.propose(x, y, probe=index.n_clusters, k=5), full)


def test_the_shortlist_is_the_members_of_the_probed_clusters(curves, index) -> None:
    x, y = _contexts(curves, np.array([7, 300]), seed=4)
    short = index.shortlist(x, y, probe=3)
    sizes = (index.starts[1:] - index.starts[:-1]).tolist()
    for row in short:
        positions = row[row >= 0]
        assert len(set(positions.tolist())) == len(positions)  # no member twice
        clusters = torch.searchsorted(index.starts, positions, right=True) - 1
        chosen = clusters.unique().tolist()
        assert len(chosen) == 3
        assert len(positions) == sum(sizes[c] for c in chosen)  # whole clusters
        assert torch.all(row[len(positions) :] == -1)  # padding only at the end
    assert sorted(index.members.tolist()) == list(range(len(curves)))
