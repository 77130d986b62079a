"""What RTE must do: fit Psi on a bank, decompose targets, extrapolate, be deterministic."""

import numpy as np
import pytest

from rte import RelationalTaskExtrapolator, TaskBank, get_family, sample_bank, sample_targets
from rte.decompose import choose_anchors, rank_anchors
from rte.errors import ValidationError


def test_choose_anchors_prefers_lowest_loss_among_admissible():
    loss = np.array([[0.1, 0.5, 0.2], [0.3, 0.2, 0.1]])
    dist = np.array([[9.0, 0.1, 0.2], [5.0, 6.0, 7.0]])
    # Target 0: anchor 0 fits best but its phi was never seen; anchor 2 wins.
    # Target 1: nothing admissible; the nearest phi (anchor 0) is the fallback.
    assert choose_anchors(loss, dist, threshold=1.0).tolist() == [2, 0]


def test_rank_anchors_averages_only_admissible_candidates():
    loss = np.array([[0.3, 0.1, 0.2, 0.0]])
    dist = np.array([[0.5, 0.5, 0.5, 9.0]])
    order, weights = rank_anchors(loss, dist, threshold=1.0, n_anchors=4)
    assert order[0, :3].tolist() == [1, 2, 0]
    np.testing.assert_allclose(weights[0], [1 / 3, 1 / 3, 1 / 3, 0.0])


def test_decomposition_picks_an_anchor_at_the_support_edge_for_a_far_target():
    family = get_family("quadratic")
    thetas = np.linspace(1.0, 3.0, 21)
    x = np.linspace(-3, 3, 32)
    bank = TaskBank.from_tasks(
        [x] * len(thetas),
        [t * x**2 for t in thetas],
        params=np.c_[thetas, np.zeros_like(thetas)],
        param_names=family.param_names,
    )
    model = RelationalTaskExtrapolator(
        steps=2000, seed=0, decomposition="admissible", correction="none"
    ).fit(bank)
    context_x = np.linspace(-3, 3, 12)
    out = model.predict(context_x, 4.8 * context_x**2, x)
    # Only anchors near theta = 3 keep phi (a theta gap of 1.8) within the gaps seen in
    # training (at most 2): the decomposition must find one and say it is in range.
    assert thetas[out.anchor_index[0]] >= 2.8
    assert out.phi_in_range[0]
    # And extrapolate: far better than the best in-support curve (theta = 3).
    edge_mse = np.mean((3.0 * x**2 - 4.8 * x**2) ** 2)
    assert np.mean((out.y - 4.8 * x**2) ** 2) < 0.05 * edge_mse


def test_psi_reproduces_a_bank_task_from_itself(fitted, quadratic_bank):
    assert np.mean(fitted.losses_[-50:]) < 0.05 * fitted.losses_[0]
    x = quadratic_bank.x[:5, :, :]
    phi = np.zeros((5, fitted.embedding_.dim))
    pred = fitted.evaluate_psi(np.arange(5), phi, x)
    scale = quadratic_bank.y.std()
    assert np.sqrt(np.mean((pred - quadratic_bank.y[:5]) ** 2)) < 0.1 * scale


def test_rte_extrapolates_where_it_was_never_trained(fitted):
    family = get_family("quadratic")
    targets = sample_targets(family, "F2", 8, np.random.default_rng(1), noise=0.0)
    out = fitted.predict_batch(targets.context_x, targets.context_y, targets.query_x)
    rte_mse = np.mean((out.y - targets.query_y) ** 2)
    # Predicting the best in-support curve (theta = 3) would leave an error this large:
    edge = np.stack(
        [
            family.evaluate(q, np.r_[3.0, p[1]])
            for q, p in zip(targets.query_x, targets.params, strict=True)
        ]
    )
    assert rte_mse < 0.1 * np.mean((edge - targets.query_y) ** 2)


def test_fit_is_deterministic_for_a_seed(quadratic_bank):
    x = np.linspace(-3, 3, 10)
    runs = [
        RelationalTaskExtrapolator(operator="mlp", steps=100, seed=s)
        .fit(quadratic_bank)
        .predict(x, 2 * x**2, x)
        .y
        for s in (5, 5, 6)
    ]
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])


def test_refitting_forgets_what_was_computed_for_the_previous_bank(quadratic_bank):
    """The anchor index and the calibration belong to one fit: a model refitted on
    another bank predicts what a fresh model fitted on it predicts."""
    x = np.linspace(-3, 3, 10)
    other = sample_bank(get_family("cubic"), 40, 32, np.random.default_rng(8))
    model = RelationalTaskExtrapolator(steps=50, seed=1).fit(quadratic_bank)
    model.predict(x, 2 * x**2, x)  # builds the index and the calibration
    again = model.fit(other).predict(x, x**3, x)
    fresh = RelationalTaskExtrapolator(steps=50, seed=1).fit(other).predict(x, x**3, x)
    assert len(model.anchor_index()) == other.n_tasks
    np.testing.assert_allclose(again.y, fresh.y)
    np.testing.assert_allclose(again.std, fresh.std)


def test_embedding_is_linear_in_theta_and_stable_for_small_contexts(fitted, quadratic_bank):
    emb = fitted.embedding_
    design = np.c_[emb.bank_embeddings_, np.ones(quadratic_bank.n_tasks)]
    coef, *_ = np.linalg.lstsq(design, quadratic_bank.params, rcond=None)
    resid = design @ coef - quadratic_bank.params
    assert resid.std(0).max() < 1e-3 * quadratic_bank.params.std(0).min() + 1e-6
    targets = sample_targets(get_family("quadratic"), "F2", 10, np.random.default_rng(2))
    small = emb.transform(targets.context_x, targets.context_y)
    dense = emb.transform(targets.query_x, targets.query_y)
    spread = np.linalg.norm(emb.bank_embeddings_ - emb.bank_embeddings_.mean(0), axis=1).mean()
    assert np.linalg.norm(small - dense, axis=1).mean() < 0.1 * spread


def test_multi_family_user_defined_callable_in_a_few_lines():
    from rte import TaskFamily

    fam = TaskFamily("damped", lambda x, theta: np.exp(-theta * x), support=(1, 2), domain=(0, 2))
    bank = sample_bank(fam, 20, 16, np.random.default_rng(0))
    assert bank.x.shape == (20, 16, 1) and fam.band("F1") == (2.0, 2.5)


def test_a_one_step_chain_is_one_step_of_psi(fitted, quadratic_bank):
    import torch

    from rte.decompose.chain import walk_chains

    anchors = np.array([3, 7])
    e = fitted.embedding_.bank_embeddings_
    target = e[[10, 20]]
    bank = quadratic_bank
    end = walk_chains(
        fitted.psi_,
        fitted.embedding_,
        fitted.scaling_,
        (bank.x[anchors], bank.y[anchors], bank.mask[anchors]),
        e[anchors],
        target,
        np.array([1, 1]),
    )
    x = bank.x[:2]
    z = torch.as_tensor(fitted.scaling_.x(x), dtype=torch.float32)
    with torch.no_grad():
        chained = end.values(fitted.psi_, z, torch.as_tensor(end.phi, dtype=torch.float32))
    chained = fitted.scaling_.y_inverse(chained.double().numpy())
    direct = fitted.evaluate_psi(anchors, target - e[anchors], x)
    np.testing.assert_allclose(chained, direct, rtol=1e-5, atol=1e-5)


def test_chains_reach_far_targets_better_than_one_long_step(fitted):
    """F4 lies a whole support width beyond the largest step Psi was trained on."""
    family = get_family("quadratic")
    targets = sample_targets(family, "F4", 8, np.random.default_rng(3), noise=0.0)
    errors = {}
    for decomposition in ("admissible", "chain"):
        fitted.set_params(decomposition=decomposition, correction="none")
        pred = fitted.predict_targets(targets)
        errors[decomposition] = np.mean((pred - targets.query_y) ** 2)
    fitted.set_params(decomposition="chain", correction="gp")
    out = fitted.predict_batch(targets.context_x, targets.context_y, targets.query_x)
    assert out.steps.min() > 1  # the far targets were reached in several steps
    assert errors["chain"] < 0.5 * errors["admissible"], errors


def test_intervals_widen_with_uncertainty_and_are_refused_without_it(fitted):
    family = get_family("quadratic")
    near = sample_targets(family, "in_support", 6, np.random.default_rng(4))
    out = fitted.predict_batch(near.context_x, near.context_y, near.query_x)
    lower, upper = out.interval(0.9)
    assert np.all(lower < out.y) and np.all(out.y < upper)
    wide = out.interval(0.99)
    assert np.all(wide[1] - wide[0] > upper - lower)
    fitted.set_params(correction="none")
    try:
        with pytest.raises(ValidationError, match="no uncertainty"):
            fitted.predict(near.context_x[0], near.context_y[0], near.query_x[0]).interval()
    finally:
        fitted.set_params(correction="gp")
