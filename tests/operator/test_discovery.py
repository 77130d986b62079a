"""Relation discovery without labels, imported directly: pairs of one pointwise relation
agree where their anchors cross and are linked, pairs of different relations are not,
identical tasks are never paired, seeds are the well-connected groups of links, and
inputs the method cannot use are refused before any training."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rte.errors import ValidationError
from rte.operator.discovery import (
    consistency_links,
    discover_relations,
    explanation_errors,
    seed_relations,
)
from rte.operator.labelled import LabelledOperator

X = np.linspace(-3, 3, 64)
ANCHORS = [s * np.sin(2 * X + b) for b, s in [(0, 1), (0.7, 1.3), (1.5, 0.8), (2.2, 1.1), (3, 0.9)]]
RELATIONS = (lambda y: 2 * y + 0.3, lambda y: y**2, lambda y: np.exp(y) / 3)
A = len(ANCHORS)
# Tasks 0..4 are the anchors; task A + r * A + a is relation r applied to anchor a.
Y = np.stack(ANCHORS + [rel(a) for rel in RELATIONS for a in ANCHORS])


def _relation(i: int, j: int) -> int | None:
    """The relation that makes task j from anchor i, if it is one of the bank's pairs."""
    return (j - A) // A if i < A <= j and (j - A) % A == i else None


def test_pairs_of_one_relation_are_linked_and_of_two_never() -> None:
    links = consistency_links(Y, np.arange(len(Y)), tol=0.02, evidence=8.0)
    assert links.shape[1] == 4
    kinds = [(_relation(i, j), _relation(k, m)) for i, j, k, m in links]
    same = [a for a, b in kinds if a is not None and a == b]
    assert sorted(set(same)) == [0, 1, 2]  # every relation is linked across anchors
    assert len(same) >= 3 * 4
    assert not [(a, b) for a, b in kinds if a is not None and b is not None and a != b]


def test_identical_tasks_are_never_paired() -> None:
    group = np.arange(len(Y))
    group[A] = group[0]  # say task A (relation 0 of anchor 0) repeats anchor 0
    links = consistency_links(Y, group, tol=0.02, evidence=8.0)
    for i, j, k, m in links:
        assert len({group[i], group[j]}) == 2 and len({group[k], group[m]}) == 2
        assert group[j] != group[m]
    linked = {(int(i), int(j)) for i, j, *_ in links} | {(int(k), int(m)) for *_, k, m in links}
    assert (0, A) not in linked


def _clique(pairs: list[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """Links between every two of ``pairs``."""
    return [(*p, *q) for a, p in enumerate(pairs) for q in pairs[a + 1 :]]


def test_seed_relations_are_components_of_links_that_close_triangles() -> None:
    n = 10
    small = [(0, 1), (2, 3), (4, 5), (6, 7)]
    large = [(1, 0), (3, 2), (5, 4), (7, 6), (9, 8)]
    loose = [(0, 1, 8, 9)]  # one link, no triangle: not a seed
    links = np.array(_clique(small) + _clique(large) + loose)
    groups = seed_relations(links, n, min_size=3, triangles=2)
    assert groups == [sorted(large), sorted(small)]  # largest first, (8, 9) left out
    assert seed_relations(links, n, min_size=5) == [sorted(large)]
    # A link of a 5-clique closes 3 triangles, of a 4-clique 2.
    assert seed_relations(links, n, triangles=3) == [sorted(large)]
    assert seed_relations(links, n, triangles=4) == []


def test_explanation_errors_are_mean_squared_gaps_and_inf_for_identical_tasks() -> None:
    psi = LabelledOperator(1, 2, dim_phi=2, width=8, depth=1)
    with torch.no_grad():  # Psi that returns its anchor: error = gap between the tasks
        psi.psi.net[-1].weight.zero_()
        psi.psi.net[-1].bias.zero_()
    y = Y[:6]
    z = torch.as_tensor(np.broadcast_to(X[:, None], (6, 64, 1)).copy(), dtype=torch.float32)
    group = np.array([0, 1, 2, 3, 4, 0])
    err = explanation_errors(psi, z, torch.as_tensor(y, dtype=torch.float32), group, 2)
    assert err.shape == (6, 2, 6)
    gap = ((y[:, None] - y[None]) ** 2).mean(-1)
    finite = group[:, None] != group[None, :]
    np.testing.assert_allclose(err[:, 0].numpy()[finite], gap[finite], rtol=1e-5)
    assert torch.isinf(err[0, :, 5]).all() and torch.isinf(err[3, :, 3]).all()


def _grid_bank(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    z = np.broadcast_to(np.linspace(-1, 1, y.shape[1])[:, None], (*y.shape, 1)).copy()
    return z, np.ones(y.shape, dtype=bool)


def test_padded_or_unshared_grids_are_refused() -> None:
    z, mask = _grid_bank(Y)
    padded = mask.copy()
    padded[0, -1] = False
    options = {"steps": 10, "batch_size": 8, "lr": 1e-3, "dim_phi": 2, "width": 8, "depth": 1}
    with pytest.raises(ValidationError, match=r"one shared grid.*with padding"):
        discover_relations(z, Y, padded, np.arange(len(Y)), psi_options=options)
    shifted = z.copy()
    shifted[1] += 0.01
    with pytest.raises(ValidationError, match="one shared grid"):
        discover_relations(shifted, Y, mask, np.arange(len(Y)), psi_options=options)


def test_tasks_that_never_cross_give_a_clear_error() -> None:
    lines = np.stack([np.linspace(-1, 1, 32) + c for c in np.linspace(0, 3, 8)])
    z, mask = _grid_bank(lines)
    with pytest.raises(ValidationError, match="No relation was found"):
        discover_relations(z, lines, mask, np.arange(8), psi_options={})
