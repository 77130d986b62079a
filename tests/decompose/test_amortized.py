"""Strategy B's pieces, imported directly: stored curves read back exactly and linearly,
the proposal ranks candidates by their fit to a context (padding never wins), and the
search keeps the smallest context loss, chunk by chunk."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rte.decompose import amortized
from rte.decompose.amortized import StoredCurves, best_by_context_loss, propose

SLOPES = np.linspace(-2.0, 2.0, 9)  # candidate c is the line SLOPES[c] * x


@pytest.fixture(scope="module")
def lines() -> StoredCurves:
    probe = np.array([0.5, -1.0, 0.0, 1.0, -0.5])[:, None]  # unsorted on purpose
    return StoredCurves(SLOPES[:, None] * probe[:, 0], probe)


def test_stored_curves_are_exact_at_the_probes_and_linear_between(lines) -> None:
    x = torch.tensor([[[-1.0], [-0.25], [0.5], [0.8]]])
    cand = torch.tensor([[0, 6]])
    out = lines.at(cand, x)
    assert out.shape == (1, 2, 4)
    expected = SLOPES[[0, 6]][:, None] * np.array([-1.0, -0.25, 0.5, 0.8])
    np.testing.assert_allclose(out[0].numpy(), expected, atol=1e-6)


def test_stored_curves_are_constant_beyond_the_probes(lines) -> None:
    out = lines.at(torch.tensor([[8]]), torch.tensor([[[-3.0], [5.0]]]))
    np.testing.assert_allclose(out[0, 0].numpy(), [-2.0, 2.0])


def test_stored_curves_in_two_dimensions_are_exact_at_the_probes() -> None:
    rng = np.random.default_rng(0)
    probe = rng.uniform(-1, 1, (30, 2))
    values = rng.standard_normal((4, 30))
    curves = StoredCurves(values, probe)
    x = torch.as_tensor(probe[[3, 17, 29]], dtype=torch.float32)[None].expand(2, -1, -1)
    out = curves.at(torch.tensor([[1, 2], [3, 0]]), x)
    np.testing.assert_allclose(out[0].numpy(), values[[1, 2]][:, [3, 17, 29]], atol=1e-5)
    np.testing.assert_allclose(out[1].numpy(), values[[3, 0]][:, [3, 17, 29]], atol=1e-5)


def _contexts(slopes: list[float]) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.linspace(-1, 1, 7).reshape(1, 7, 1).repeat(len(slopes), 1, 1)
    return x, torch.tensor(slopes, dtype=torch.float32)[:, None] * x[..., 0]


def test_propose_ranks_candidates_by_their_fit_to_the_context(lines) -> None:
    x, y = _contexts([0.5, -1.6])  # candidate 5 exactly; nearest to candidate 1, then 0
    everyone = torch.arange(len(SLOPES)).expand(2, -1)
    top = propose(lines, everyone, x, y, k=3)
    assert top[:, 0].tolist() == [5, 1]
    assert set(top[0].tolist()) == {4, 5, 6} and top[1, :2].tolist() == [1, 0]


def test_padding_in_a_shortlist_never_wins(lines) -> None:
    x, y = _contexts([-2.0])  # candidate 0 would fit exactly, and -1 reads candidate 0
    top = propose(lines, torch.tensor([[-1, 7, 3, -1]]), x, y, k=2)
    assert top.tolist() == [[3, 7]]


def test_propose_asked_for_more_than_the_shortlist_returns_it_all(lines) -> None:
    x, y = _contexts([1.0])
    assert propose(lines, torch.tensor([[2, 6]]), x, y, k=5).tolist() == [[6, 2]]


def _squared_gap(x, y, anchors, labels) -> torch.Tensor:
    """A context loss whose minimum is the anchor equal to each target's value (read from y),
    plus the label: (T', K)."""
    return (anchors - y[:, :1]) ** 2 + labels


def test_best_by_context_loss_keeps_the_smallest_loss(monkeypatch) -> None:
    x = torch.zeros(5, 3, 1)
    y = torch.tensor([4.0, 1.0, 3.0, 0.0, 2.0])[:, None].expand(-1, 3)
    # Each target sees the candidates 0..4 in its own order.
    anchors = torch.stack(
        [torch.randperm(5, generator=torch.Generator().manual_seed(s)) for s in range(5)]
    ).float()
    labels = torch.zeros(5, 5)
    monkeypatch.setattr(amortized, "_CHUNK_ROWS", 3)  # one target per chunk
    best, losses = best_by_context_loss(_squared_gap, x, y, anchors, labels)
    assert losses.shape == (5, 5) and not losses.requires_grad
    chosen = anchors[torch.arange(5), best]
    assert chosen.tolist() == [4.0, 1.0, 3.0, 0.0, 2.0]
    np.testing.assert_array_equal(losses[torch.arange(5), best].numpy(), 0.0)
    labels[0, best[0]] = 5.0  # now a neighbour (gap 1) of target 0's value wins
    best, _ = best_by_context_loss(_squared_gap, x, y, anchors, labels)
    assert anchors[0, best[0]].item() == 3.0


def test_chunked_proposal_equals_one_chunk(lines, monkeypatch) -> None:
    rng = np.random.default_rng(3)
    x, y = _contexts(rng.uniform(-2, 2, 6).tolist())
    everyone = torch.arange(len(SLOPES)).expand(6, -1)
    whole = propose(lines, everyone, x, y, k=4)
    monkeypatch.setattr(amortized, "_CHUNK_ROWS", 1)
    assert torch.equal(propose(lines, everyone, x, y, k=4), whole)
