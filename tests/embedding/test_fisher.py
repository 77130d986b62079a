"""Gamma, the Fisher task embedding, imported directly: a context lands on its own task,
the bank's vectors are what transform gives, chunking and masks change nothing, and the
state round-trips."""

from __future__ import annotations

import numpy as np
import pytest

from rte._state import State
from rte.embedding import fisher
from rte.embedding.fisher import FisherEmbedding, simulated_context_embeddings
from rte.errors import ValidationError
from rte.scaling import Scaling
from rte.tasks import get_family, sample_bank
from rte.tasks.bank import TaskBank

SMALL = {"probe_width": 32, "n_reference": 128}


@pytest.fixture(scope="module")
def bank() -> TaskBank:
    """30 quadratic tasks (theta * x^2 + offset) on 32 points."""
    return sample_bank(get_family("quadratic"), 30, 32, np.random.default_rng(0))


@pytest.fixture(scope="module")
def embedding(bank: TaskBank) -> FisherEmbedding:
    return FisherEmbedding(**SMALL).fit(bank, Scaling.fit(bank))


def test_a_small_noisy_context_lands_nearest_its_own_task(bank, embedding) -> None:
    rng = np.random.default_rng(1)
    theta = bank.params[:, 0]
    for i in range(8):
        pick = rng.choice(bank.x.shape[1], 10, replace=False)
        y = bank.y[i, pick] + 0.05 * rng.standard_normal(10)
        e = embedding.transform(bank.x[i : i + 1, pick], y[None])[0]
        dist = np.linalg.norm(embedding.bank_embeddings_ - e, axis=1)
        far = int(np.argmax(np.abs(theta - theta[i])))
        assert dist[i] < 0.1 * dist[far], (i, dist[i], dist[far])
        assert int(np.argmin(dist)) == i


def test_bank_embeddings_are_the_transform_of_the_bank(bank, embedding) -> None:
    assert embedding.bank_embeddings_.shape == (bank.n_tasks, embedding.dim)
    assert 1 <= embedding.dim <= embedding.max_dim
    np.testing.assert_allclose(
        embedding.transform(bank.x, bank.y, bank.mask), embedding.bank_embeddings_, atol=1e-10
    )
    # The projection is centred on the bank and scaled by its first axis.
    np.testing.assert_allclose(embedding.bank_embeddings_.mean(0), 0.0, atol=1e-10)
    assert embedding.bank_embeddings_[:, 0].std() == pytest.approx(1.0, rel=1e-6)


def test_differences_of_embeddings_add_up(bank, embedding) -> None:
    # The embedding is affine in a task's values (the signed root keeps it so; the
    # Fisher's square would not): the task y_i + (y_j - y_k) lies at e_i + (e_j - e_k),
    # which is what makes phi = embed(f_j) - embed(f_i) a transformation to apply.
    e = embedding.bank_embeddings_
    combined = bank.y[3] + bank.y[11] - bank.y[20]
    out = embedding.transform(bank.x[:1], combined[None])[0]
    np.testing.assert_allclose(out, e[3] + e[11] - e[20], atol=1e-8)


def test_masked_points_do_not_move_an_embedding(bank, embedding) -> None:
    x, y = bank.x[:4, :20], bank.y[:4, :20]
    mask = np.ones(y.shape, dtype=bool)
    # Ten more slots of nonsense values, masked out.
    x_pad = np.concatenate([x, np.full((4, 10, 1), 2.5)], 1)
    y_pad = np.concatenate([y, np.full((4, 10), 1e3)], 1)
    mask_pad = np.concatenate([mask, np.zeros((4, 10), dtype=bool)], 1)
    np.testing.assert_allclose(
        embedding.transform(x_pad, y_pad, mask_pad), embedding.transform(x, y), atol=1e-10
    )


def test_chunked_fit_and_transform_equal_one_chunk(bank, embedding, monkeypatch) -> None:
    monkeypatch.setattr(fisher, "_CHUNK_ELEMENTS", 1)  # one task per chunk
    chunked = FisherEmbedding(**SMALL).fit(bank, Scaling.fit(bank))
    np.testing.assert_allclose(chunked.bank_embeddings_, embedding.bank_embeddings_, atol=1e-9)
    np.testing.assert_allclose(
        chunked.transform(bank.x[:5], bank.y[:5]), embedding.transform(bank.x[:5], bank.y[:5])
    )


def test_the_fit_is_deterministic_per_seed(bank, embedding) -> None:
    again = FisherEmbedding(**SMALL).fit(bank, Scaling.fit(bank))
    np.testing.assert_array_equal(again.bank_embeddings_, embedding.bank_embeddings_)
    other = FisherEmbedding(**SMALL, seed=1).fit(bank, Scaling.fit(bank))
    assert not np.allclose(other.w_in_, embedding.w_in_)


def test_state_round_trip_gives_identical_transforms(bank, embedding) -> None:
    state = embedding.state()
    restored = FisherEmbedding.from_state(state, Scaling.from_state(embedding.scaling_.state()))
    assert restored.dim == embedding.dim
    assert restored.probe_width == SMALL["probe_width"]
    np.testing.assert_array_equal(restored.bank_embeddings_, embedding.bank_embeddings_)
    rng = np.random.default_rng(2)
    x = rng.uniform(-3, 3, (6, 12, 1))
    y = rng.standard_normal((6, 12))
    # Equal to rounding: the fitted head basis is a strided view of the SVD's output, the
    # restored one contiguous, so BLAS may sum in another order.
    np.testing.assert_allclose(
        restored.transform(x, y), embedding.transform(x, y), rtol=1e-12, atol=1e-12
    )


def test_a_state_missing_a_tensor_is_refused_by_name(embedding) -> None:
    state = embedding.state()
    tensors = {k: v for k, v in state.tensors.items() if k != "axes_"}
    with pytest.raises(ValidationError, match="axes_"):
        FisherEmbedding.from_state(State(state.config, tensors), embedding.scaling_)


def test_simulated_contexts_are_noisy_copies_of_their_task(bank, embedding) -> None:
    assert simulated_context_embeddings(bank, embedding, np.random.default_rng(0), 0, 0.1) is None
    pool = simulated_context_embeddings(
        bank, embedding, np.random.default_rng(0), size=10, noise=0.05, n_draws=3
    )
    assert pool.shape == (bank.n_tasks, 3, embedding.dim)
    own = np.linalg.norm(pool - embedding.bank_embeddings_[:, None], axis=-1)
    shifted = np.roll(embedding.bank_embeddings_, 1, axis=0)[:, None]
    other = np.linalg.norm(pool - shifted, axis=-1)
    assert np.median(own) < 0.2 * np.median(other)
