"""The hold-out-the-top split: targets above every training task, contexts from the
targets' own observations, clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rte import get_family, sample_bank
from rte.errors import ValidationError
from rte.tasks.holdout import HoldoutSplit, holdout_split


def _bank(n: int = 40):
    return sample_bank(get_family("quadratic"), n, 24, np.random.default_rng(0))


def test_targets_lie_above_every_training_task_in_band_order() -> None:
    bank = _bank()
    theta = bank.params[:, 0]
    result = holdout_split(bank, theta, HoldoutSplit(share=0.25), np.random.default_rng(1))
    assert result.bank.n_tasks == 30
    near, far = result.targets
    assert (near.band, far.band) == ("near", "far") and near.n_targets + far.n_targets == 10
    assert near.params[:, 0].min() > result.train_range[1]
    assert far.params[:, 0].min() >= near.params[:, 0].max()
    assert result.band_ranges["far"][0] >= result.band_ranges["near"][1]
    held = set(near.params[:, 0]) | set(far.params[:, 0])
    assert not set(result.bank.params[:, 0]) & held
    assert near.context_x.shape == (near.n_targets, 10, 1)
    assert near.query_x.shape == (near.n_targets, 14, 1)


def test_context_and_queries_are_the_targets_own_disjoint_observations() -> None:
    bank = _bank()
    result = holdout_split(bank, bank.params[:, 0], HoldoutSplit(), np.random.default_rng(2))
    target = result.targets[0]
    row = list(bank.params[:, 0]).index(target.params[0, 0])
    observed = dict(zip(bank.x[row, :, 0], bank.y[row], strict=True))
    for x, y in zip(target.context_x[0, :, 0], target.context_y[0], strict=True):
        assert observed[x] == y
    assert not set(target.context_x[0, :, 0]) & set(target.query_x[0, :, 0])


def test_ties_never_straddle_the_cut() -> None:
    bank = _bank(12)
    variable = np.repeat([1.0, 2.0, 3.0, 4.0], 3)
    result = holdout_split(
        bank, variable, HoldoutSplit(share=0.5, bands=("far",)), np.random.default_rng(0)
    )
    assert result.train_range == (1.0, 2.0) and result.band_ranges["far"] == (3.0, 4.0)


@pytest.mark.parametrize(
    ("kwargs", "variable", "match"),
    [
        ({"share": 0.99, "bands": ("a", "b", "c")}, None, "Need at least 2 training tasks"),
        ({"context_size": 30}, None, "Lower context_size"),
        ({}, np.ones(3), "one finite value per task"),
        ({}, np.full(40, np.nan), "one finite value per task"),
    ],
)
def test_bad_splits_are_refused_with_the_fix(kwargs, variable, match) -> None:
    bank = _bank()
    values = bank.params[:, 0] if variable is None else variable
    with pytest.raises(ValidationError, match=match):
        holdout_split(bank, values, HoldoutSplit(**kwargs), np.random.default_rng(0))


def test_settings_are_validated() -> None:
    with pytest.raises(ValidationError, match="share"):
        HoldoutSplit(share=1.0)
    with pytest.raises(ValidationError, match="bands"):
        HoldoutSplit(bands=())


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.integers(0, 6), min_size=6, max_size=30),
    share=st.floats(0.05, 0.9),
    n_bands=st.integers(1, 3),
)
def test_any_split_keeps_targets_above_the_bank_or_refuses(values, share, n_bands) -> None:
    bank = sample_bank(get_family("quadratic"), len(values), 16, np.random.default_rng(0))
    split = HoldoutSplit(share=share, bands=tuple(f"b{i}" for i in range(n_bands)), context_size=4)
    try:
        result = holdout_split(bank, np.array(values, float), split, np.random.default_rng(0))
    except ValidationError:
        return
    kept = {bank.task_ids.index(t) for t in result.bank.task_ids}
    top_train = max(values[i] for i in kept)
    assert all(lo > top_train for lo, _ in result.band_ranges.values())
    assert result.bank.n_tasks + sum(t.n_targets for t in result.targets) == len(values)
