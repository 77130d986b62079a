"""The real banks: shapes, the split ranges fixed in advance, no target-range task in a
training bank, offline loading, the pendulum's speed clip, and the install hint."""

from __future__ import annotations

import socket
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rte.errors import BackendImportError, ValidationError
from rte.tasks import get_family, sample_bank
from rte.tasks.holdout import HoldoutSplit, holdout_split
from rte.tasks.real import (
    get_real_bank,
    pendulum_trajectory,
    real_bank_names,
    share_above,
)
from rte.tasks.real.forms import pendulum_angle
from rte.tasks.table import TableColumns, load_bank, write_table

# name -> (tasks, most points per task, parameter names, training range, target range)
EXPECTED = {
    "pendulum": (80, 61, ("g", "theta0"), (2.0, 10.0), (12.0, 20.0)),
    "co2": (44, 53, ("year",), (1958.0, 1990.0), (1991.0, 2001.0)),
    "theoph": (12, 11, ("dose", "weight"), (3.1, 4.95), (5.3, 5.86)),
    "electricity": (365, 48, ("max_temperature", "workday"), (9.8, 31.2), (32.1, 43.2)),
}


@pytest.fixture(scope="module")
def banks(monkeypatch_module):
    """Every real bank at seed 0, loaded with network connections refused."""

    def refuse(*args, **kwargs):
        raise AssertionError("a real bank tried to open a network connection")

    monkeypatch_module.setattr(socket.socket, "connect", refuse)
    monkeypatch_module.setattr(socket, "create_connection", refuse)
    return {name: get_real_bank(name).load(0) for name in real_bank_names()}


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.mark.parametrize("name", list(EXPECTED))
def test_bank_shapes_and_variable_column(banks, name) -> None:
    n_tasks, n_points, param_names, _, _ = EXPECTED[name]
    bank = banks[name]
    assert bank.x.shape == (n_tasks, n_points, 1) and bank.y.shape == (n_tasks, n_points)
    assert bank.param_names == param_names and bank.params.shape == (n_tasks, len(param_names))
    assert np.all(np.isfinite(bank.y[bank.mask])) and bank.mask.sum(1).min() >= 11


def _observed(bank, row) -> set[tuple[float, float]]:
    seen = bank.mask[row]
    return set(zip(bank.x[row, seen, 0].tolist(), bank.y[row, seen].tolist(), strict=True))


@pytest.mark.parametrize("name", list(EXPECTED))
def test_split_ranges_are_the_fixed_ones_and_no_target_leaks(banks, name) -> None:
    _, _, _, train_range, target_range = EXPECTED[name]
    spec, bank = get_real_bank(name), banks[name]
    result = spec.split(bank, np.random.default_rng(0))
    low = min(lo for lo, _ in result.band_ranges.values())
    high = max(hi for _, hi in result.band_ranges.values())
    if spec.simulated:  # drawn uniformly inside the fixed ranges
        assert train_range[0] <= result.train_range[0] <= result.train_range[1] <= train_range[1]
        assert target_range[0] <= low <= high <= target_range[1]
    else:
        assert result.train_range == pytest.approx(train_range)
        assert (low, high) == pytest.approx(target_range)
    # Every training task lies below the cut; every task at or above it is a target.
    assert result.bank.params[:, 0].max() < spec.cut <= low
    above = {t for t, v in zip(bank.task_ids, bank.params[:, 0], strict=True) if v >= spec.cut}
    assert above and not above & set(result.bank.task_ids)
    assert sum(t.n_targets for t in result.targets) == len(above)
    # No target's observations sit in the training bank under another name.
    training = [_observed(result.bank, row) for row in range(result.bank.n_tasks)]
    for targets in result.targets:
        assert targets.context_x.shape[1] == spec.context_size
        for cx, cy in zip(targets.context_x[:, :, 0], targets.context_y, strict=True):
            points = set(zip(cx.tolist(), cy.tolist(), strict=True))
            assert not any(points <= task for task in training)


def test_pendulum_follows_the_environment_and_its_equation() -> None:
    times, angle = pendulum_trajectory(17.0, 1.1)
    assert times.shape == angle.shape == (61,) and times[-1] == pytest.approx(3.0)
    np.testing.assert_allclose(pendulum_angle(times, 17.0, 1.1), angle, atol=1e-12)
    # Released from rest, it swings back through the bottom to about -theta0.
    assert angle.min() == pytest.approx(-1.1, abs=0.05)


def test_the_known_forms_are_the_banks_families(banks) -> None:
    for name, bank in banks.items():
        assert bank.family == get_real_bank(name).form
    # The pendulum's form broadcasts over many fits at once, equal to one at a time.
    t = np.linspace(0.0, 3.0, 61)
    g, theta0 = np.array([[4.0], [17.5]]), np.array([[0.4], [1.2]])
    batched = pendulum_angle(np.stack([t, t]), g, theta0)
    for row in range(2):
        one = pendulum_angle(t, float(g[row, 0]), float(theta0[row, 0]))
        np.testing.assert_allclose(batched[row], one, atol=1e-12)


def test_pendulum_refuses_a_start_that_hits_the_speed_clip() -> None:
    with pytest.raises(ValidationError, match="speed clip"):
        pendulum_trajectory(20.0, 2.8)


def test_pendulum_bank_refuses_overlapping_ranges() -> None:
    from rte.tasks.real import pendulum_bank

    with pytest.raises(ValidationError, match="above the training ones"):
        pendulum_bank(train_g=(2.0, 12.0), target_g=(10.0, 20.0))


def test_missing_package_gives_the_install_hint(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "statsmodels.api", None)  # import statsmodels.api now fails
    with pytest.raises(
        BackendImportError, match=r"pip install 'relational-task-extrapolator\[real\]'"
    ):
        get_real_bank("co2").load(0)


def test_a_bank_round_trips_through_a_task_table(banks, tmp_path) -> None:
    bank = banks["theoph"]
    back = load_bank(
        write_table(bank, tmp_path / "theoph.csv"), TableColumns(params=("dose", "weight"))
    )
    assert back.task_ids == bank.task_ids and back.param_names == bank.param_names
    np.testing.assert_allclose(back.y[back.mask], bank.y[bank.mask])
    np.testing.assert_allclose(back.params, bank.params)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.integers(0, 12), min_size=4, max_size=30), cut=st.integers(1, 12))
def test_share_above_holds_out_exactly_the_values_at_or_above_the_cut(values, cut) -> None:
    variable = np.array(values, float)
    below, above = (variable < cut).sum(), (variable >= cut).sum()
    if len(np.unique(variable[variable < cut])) == 0 or above == 0:
        with pytest.raises(ValidationError, match="both sides"):
            share_above(variable, cut)
        return
    bank = sample_bank(get_family("quadratic"), len(values), 8, np.random.default_rng(0))
    split = HoldoutSplit(share=share_above(variable, cut), bands=("far",), context_size=2)
    try:
        result = holdout_split(bank, variable, split, np.random.default_rng(0))
    except ValidationError as exc:  # fewer than 2 training tasks: refused, not mis-split
        assert below < 2 and "training" in str(exc)
        return
    assert result.bank.n_tasks == below and result.targets[0].n_targets == above
