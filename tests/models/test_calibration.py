"""rte's intervals are split-conformal: calibrated on bank tasks held out of the fits that
predict them (the selection's held-out ends), with an in-sample fallback said as such."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rte import RelationalTaskExtrapolator, TaskFamily, sample_bank
from rte.errors import ValidationError
from rte.intervals import Z90, conformal_factor
from rte.models import selection

FAMILY = TaskFamily(
    "calibration_test", lambda x, theta, c: theta * x**2 + c, (1.0, 3.0), (-3, 3), {"c": (-1, 1)}
)


@cache
def bank():
    return sample_bank(FAMILY, 40, 24, np.random.default_rng(0))


@cache
def fitted() -> RelationalTaskExtrapolator:
    return RelationalTaskExtrapolator(steps=200, width=32, seed=0).fit(bank())


def test_the_held_out_ends_are_not_in_the_banks_that_predict_them() -> None:
    model, full = fitted(), bank()
    variable = model.embedding_.bank_embeddings_[:, 0]
    ids = np.array(full.task_ids)
    splits = selection.held_out(model, full, variable)
    for end, (reduced, targets) in zip((1, -1), splits, strict=True):
        gone = set(ids) - set(reduced.task_ids)
        assert len(gone) == targets.n_targets > 0
        # the held-out tasks are the end of the bank along the variable
        ranked = ids[np.argsort(-end * variable, kind="stable")]
        assert gone == set(ranked[: len(gone)])


def test_the_symbolic_candidates_take_anchors_from_the_kept_tasks_only(monkeypatch) -> None:
    model, full = fitted(), bank()
    variable = model.embedding_.bank_embeddings_[:, 0]
    seen = []
    original = type(model).predict_means

    def recording(self, cx, cy, qx, anchors=None):  # type: ignore[no-untyped-def]
        seen.append((None if anchors is None else set(anchors.tolist()), len(cx)))
        return original(self, cx, cy, qx, anchors)

    symbolic = RelationalTaskExtrapolator(operator="symbolic", steps=50, width=32, seed=0)
    symbolic.fit(full)
    monkeypatch.setattr(type(model), "predict_means", recording)
    record, scores = selection.select_operator(symbolic, full, variable)
    splits = selection.held_out(symbolic, full, variable)
    index = {tid: i for i, tid in enumerate(full.task_ids)}
    kept = [{index[t] for t in reduced.task_ids} for reduced, _ in splits]
    assert seen and all(anchors is not None for anchors, _ in seen)
    assert all(anchors in kept for anchors, _ in seen)
    assert record["calibration"]["tasks"] == sum(t.n_targets for _, t in splits)
    assert record["calibration"]["points"] == scores.size > 0


def test_the_factor_is_the_held_out_one_unless_settings_are_given_by_hand() -> None:
    model = fitted()
    assert "calibration" in model.selection_
    assert model.calibration_source() == "held-out"
    assert model.calibration() == conformal_factor(
        model.calibration_scores_, model.calibration_level
    )
    by_hand = RelationalTaskExtrapolator(**{**model.get_params(), "correction": "gp"})
    by_hand.__dict__.update({k: v for k, v in vars(model).items() if k.endswith("_")})
    assert by_hand.calibration_source() == "in-sample"


@given(st.lists(st.floats(0, 100), min_size=1, max_size=200))
def test_the_conformal_factor_covers_the_calibration_points(scores: list[float]) -> None:
    factor = conformal_factor(np.array(scores))
    covered = np.mean(np.array(scores) <= factor * Z90 + 1e-12)
    assert covered >= min(1.0, np.ceil((len(scores) + 1) * 0.9) / len(scores)) - 1e-12


def test_the_conformal_factor_refuses_empty_or_non_finite_scores() -> None:
    for bad in (np.array([]), np.array([1.0, np.nan])):
        with pytest.raises(ValidationError, match="finite scores"):
            conformal_factor(bad)


def test_a_higher_level_widens_the_intervals_and_survives_save_and_load(tmp_path) -> None:
    model = fitted()
    wide = RelationalTaskExtrapolator(**{**model.get_params(), "calibration_level": 0.99})
    wide.__dict__.update({k: v for k, v in vars(model).items() if k.endswith("_")})
    wide.__dict__.pop("calibrations_", None)
    assert wide.calibration() > model.calibration()
    model.save(tmp_path / "model")
    loaded = RelationalTaskExtrapolator.load(tmp_path / "model")
    assert loaded.calibration_source() == "held-out"
    np.testing.assert_array_equal(loaded.calibration_scores_, model.calibration_scores_)
    assert loaded.calibration() == model.calibration()


def test_the_level_must_be_a_share() -> None:
    for bad in (0.0, 1.5, -0.1):
        with pytest.raises(ValidationError, match="calibration_level"):
            RelationalTaskExtrapolator(calibration_level=bad).validate_params()


def test_the_selection_scores_networks_trained_for_selection_steps(monkeypatch) -> None:
    """The networks fitted on the held-out ends train for ``selection_steps``; the one that
    serves trains for ``steps``."""
    family = TaskFamily("budget_test", lambda x, theta: np.tanh(theta * x) * x, (1.0, 3.0), (-3, 3))
    data = sample_bank(family, 40, 24, np.random.default_rng(0))
    budgets = []
    original = selection._variant

    def recording(model, operator):  # type: ignore[no-untyped-def]
        variant = original(model, operator)
        budgets.append(variant.steps)
        return variant

    monkeypatch.setattr(selection, "_variant", recording)
    options = {"steps": 60, "width": 16, "seed": 0, "train_context_noise": 0.0}
    model = RelationalTaskExtrapolator(selection_steps=20, **options).fit(data)
    assert budgets and set(budgets) == {20}  # noise-free contexts: the networks are tried
    assert len(model.losses_) in (0, 60)  # a law (no training) or a network with steps
    budgets.clear()
    RelationalTaskExtrapolator(selection_steps=500, **options).fit(data)
    assert set(budgets) == {60}  # never more than steps
