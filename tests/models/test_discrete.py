"""DiscreteRTE: Psi on relation labels, the proposers (curve index, cached curves, learned
decomposer) and exhaustive search, the oracle."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from rte.baselines.oracles import DiscreteOracle
from rte.errors import NotFittedError, ValidationError
from rte.models import DiscreteRTE
from rte.tasks import sample_bank
from rte.tasks.bank import task_groups
from rte.tasks.composition import CompositionTasks
from rte.tasks.length import LengthTasks

SMALL = {"steps": 600, "width": 64, "batch_size": 128, "lr": 5e-3, "top_k": 4}


@pytest.fixture(scope="module")
def comp() -> tuple[CompositionTasks, DiscreteRTE]:
    tasks = CompositionTasks(
        primitives=("sin", "square", "neg", "shift_up", "cube"),
        held_out=(("sin", "square"), ("neg", "cube")),
    )
    return tasks, DiscreteRTE(seed=0, **SMALL).fit(tasks.bank(32))


@pytest.mark.parametrize("strategy", ["curve_index", "cached_curves", "exhaustive"])
def test_finds_the_true_decomposition_on_noiseless_data(comp, strategy) -> None:
    tasks, model = comp
    targets = tasks.targets(
        "unseen", tasks.held_out, 3, np.random.default_rng(1), noise=0.0, context_size=12
    )
    out = model.predict_batch(targets.context_x, targets.context_y, targets.query_x, strategy)
    assert out.anchor_id == tuple(lb.anchor for lb in targets.labels)
    assert out.phi == tuple(lb.phi for lb in targets.labels)
    assert out.y.shape == targets.query_y.shape
    assert np.mean((out.y - targets.query_y) ** 2) < 0.05
    assert out.seconds_per_target > 0


def test_predict_one_target_exposes_the_decomposition(comp) -> None:
    _, model = comp
    x = np.linspace(-1, 1, 12)
    out = model.predict(x, np.sin(2 * x**2), np.linspace(-1, 1, 7), "exhaustive")
    assert out.y.shape == (7,)
    assert (out.anchor_id, out.phi) == (("square",), ("sin",))


def test_candidates_are_anchor_tasks_times_labels(comp) -> None:
    """Every distinct bank task anchors by default; with the band-shaped ablation only the
    primitives do (the labels' can_anchor), so the candidates have the targets' depth."""
    tasks, model = comp
    assert model.n_candidates == len(np.unique(task_groups(model.bank_))) * len(tasks.primitives)
    band = replace(tasks, candidates="band")
    small = DiscreteRTE(seed=0, steps=1, width=8, probe_points=8).fit(band.bank(32))
    assert small.n_candidates == len(tasks.primitives) ** 2
    anchors = {small.bank_.task_ids[a] for a in small.candidates_[:, 0].tolist()}
    assert anchors == set(tasks.primitives)


def test_length_decomposition_finds_the_depth_eight_anchor() -> None:
    tasks = LengthTasks.sample(3, np.random.default_rng(0))
    model = DiscreteRTE(seed=0, **SMALL).fit(tasks.bank(32))
    targets = tasks.targets("L9", [9], 6, np.random.default_rng(1), noise=0.0, context_size=15)
    truth = [(lb.anchor, lb.phi) for lb in targets.labels]
    for strategy in ("curve_index", "cached_curves", "exhaustive"):
        out = model.predict_batch(targets.context_x, targets.context_y, targets.query_x, strategy)
        assert list(zip(out.anchor_id, out.phi, strict=True)) == truth


def test_oracle_uses_the_true_decomposition(comp) -> None:
    tasks, model = comp
    targets = tasks.targets("unseen", tasks.held_out, 1, np.random.default_rng(2))
    oracle = DiscreteOracle(**model.get_params()).fit(tasks.bank(32))
    index = [model.bank_.task_ids.index(a) for a in ("square", "cube")]
    truth = model.evaluate_psi(
        np.array(index), np.array([model.vocab_.index(p) for p in ("sin", "neg")]), targets.query_x
    )
    np.testing.assert_allclose(oracle.predict_targets(targets), truth)


def test_bad_input_gets_clear_errors(comp) -> None:
    with pytest.raises(ValidationError, match="Unknown option"):
        DiscreteRTE(stepz=3)
    tasks, _ = comp
    with pytest.raises(ValidationError, match="top_k"):
        DiscreteRTE(top_k=0).fit(tasks.bank(16))  # checked before any work
    with pytest.raises(NotFittedError):
        DiscreteRTE().decompose(np.zeros((1, 3, 1)), np.zeros((1, 3)))
    from rte.tasks import get_family

    unlabelled = sample_bank(get_family("quadratic"), 4, 8, np.random.default_rng(0))
    with pytest.raises(ValidationError, match="relation labels"):
        DiscreteRTE().fit(unlabelled)
    _, model = comp
    with pytest.raises(ValidationError, match="predict_batch expects"):
        model.predict_batch(np.zeros((2, 3)), np.zeros((2, 3)), np.zeros((2, 5, 1)))
    with pytest.raises(ValidationError, match="finite"):
        model.predict_batch(np.full((1, 3, 1), np.nan), np.zeros((1, 3)), np.zeros((1, 5, 1)))
    with pytest.raises(ValidationError, match="Unknown strategy"):
        model.decompose(np.zeros((1, 3, 1)), np.zeros((1, 3)), "greedy")


def test_curve_index_shortlist_keeps_the_true_candidate(comp) -> None:
    tasks, fitted = comp
    targets = tasks.targets(
        "unseen", tasks.held_out, 4, np.random.default_rng(3), noise=0.0, context_size=12
    )
    # A threshold below the candidate count makes the index, not the full ranking, choose.
    model = DiscreteRTE(seed=0, **{**SMALL, "index_above": 4, "probe_clusters": 6})
    vars(model).update({k: v for k, v in vars(fitted).items() if k.endswith("_")})
    # 130 candidates (26 distinct bank tasks x 5 labels): ceil(4 sqrt(130)) = 46 clusters.
    assert model.curve_index().n_clusters == 46 and model.n_candidates > model.index_above
    out = model.predict_batch(targets.context_x, targets.context_y, targets.query_x)
    assert out.anchor_id == tuple(lb.anchor for lb in targets.labels)
    assert out.phi == tuple(lb.phi for lb in targets.labels)
    # Below the threshold, curve_index is the full ranking.
    full = fitted.proposals(targets, (1, 4), "curve_index")
    assert full == fitted.proposals(targets, (1, 4), "cached_curves")


def test_learned_decomposer_recalls_clean_targets_in_its_top_eight() -> None:
    tasks = LengthTasks.sample(4, np.random.default_rng(0))
    model = DiscreteRTE(seed=0, **SMALL, decomposer_steps=800).fit(tasks.bank(32))
    targets = tasks.targets(
        "L<=8", list(range(2, 9)), 40, np.random.default_rng(1), noise=0.0, context_size=12
    )
    truth = [(lb.anchor, lb.phi) for lb in targets.labels]
    top8 = model.proposals(targets, (8,), "learned")[8]
    groups = dict(zip(model.bank_.task_ids, task_groups(model.bank_), strict=True))
    hits = [
        any(groups[a] == groups[ta] and p == tp for a, p in row)
        for row, (ta, tp) in zip(top8, truth, strict=True)
    ]
    assert np.mean(hits) >= 0.9, np.mean(hits)
    assert model.n_candidates > 8  # top-8 is a real cut
    out = model.predict_batch(targets.context_x, targets.context_y, targets.query_x, "learned")
    assert np.mean((out.y - targets.query_y) ** 2) < 0.1
