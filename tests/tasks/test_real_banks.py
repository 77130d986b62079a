"""The real banks: shapes, the split ranges fixed in advance, no target-range task in a
training bank, offline loading, each simulator against its own environment or model, the
dealing of targets to seeds, bad inputs, and the install hint."""

from __future__ import annotations

import os
import socket
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rte._optional import require
from rte.errors import BackendImportError, ValidationError
from rte.tasks import get_family, sample_bank
from rte.tasks.holdout import HoldoutSplit, holdout_split
from rte.tasks.real import (
    acrobot_bank,
    acrobot_trajectory,
    battery_bank,
    discharge_curve,
    get_real_bank,
    iv_curves,
    nox_bank,
    pendulum_bank,
    pendulum_trajectory,
    pv_bank,
    pv_module,
    real_bank_names,
    share_above,
)
from rte.tasks.real import battery as battery_module
from rte.tasks.real._draws import deal
from rte.tasks.real.forms import pendulum_angle
from rte.tasks.real.pv_module import module_table
from rte.tasks.table import TableColumns, load_bank, write_table

# name -> (tasks at seed 0, most points per task, parameter names, training range,
# target range). Simulated banks draw inside these ranges; measured ones hit them exactly.
EXPECTED = {
    "pendulum": (80, 61, ("g", "theta0"), (2.0, 10.0), (12.0, 20.0)),
    "co2": (44, 53, ("year",), (1958.0, 1979.0), (1980.0, 2001.0)),
    "electricity": (365, 48, ("max_temperature", "workday"), (9.8, 31.2), (32.1, 43.2)),
    "acrobot": (80, 61, ("m2", "theta1", "theta2"), (0.5, 2.0), (2.5, 4.5)),
    "battery": (80, 51, ("c_rate", "temperature"), (0.2, 1.0), (1.25, 2.25)),
    "pv_module": (80, 49, ("temp_cell", "irradiance"), (-10.0, 45.0), (55.0, 85.0)),
    # 256 calm days and seed 0's 23 of the 69 windy ones.
    "nox": (279, 24, ("wind", "emission"), (0.674, 2.476), (2.529, 7.542)),
    "life_expectancy": (95, 57, ("income_1960",), (0.096, 2.472), (3.314, 13.676)),
}


def test_every_bank_is_expected_and_holds_out_at_least_20_targets(banks) -> None:
    assert set(EXPECTED) == set(real_bank_names())
    for name, bank in banks.items():
        spec = get_real_bank(name)
        assert (bank.params[:, 0] >= spec.cut).sum() >= 20, name
    assert sum(not get_real_bank(name).simulated for name in banks) >= 4


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
    assert bank.x.shape[0] == n_tasks and bank.x.shape[1:] == (bank.mask.sum(1).max(), 1)
    assert bank.x.shape[1] <= n_points and bank.y.shape == bank.x.shape[:2]
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
        assert result.train_range == pytest.approx(train_range, abs=1e-3)
        assert (low, high) == pytest.approx(target_range, abs=1e-3)
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


@pytest.mark.parametrize(
    ("load", "ranges"),
    [
        (pendulum_bank, {"train_g": (2.0, 12.0), "target_g": (10.0, 20.0)}),
        (acrobot_bank, {"train_m2": (0.5, 3.0), "target_m2": (2.5, 4.5)}),
        (battery_bank, {"train_c": (0.2, 1.5), "target_c": (1.25, 2.0)}),
        (pv_bank, {"train_t": (50.0, -10.0), "target_t": (55.0, 85.0)}),
    ],
)
def test_simulated_banks_refuse_target_ranges_not_above_training(load, ranges) -> None:
    with pytest.raises(ValidationError, match="above the training ones"):
        load(**ranges)


def test_acrobot_follows_its_environment_and_its_lower_mass_changes_the_swing() -> None:
    times, light = acrobot_trajectory(0.8, 0.5, 0.2)
    assert times.shape == light.shape == (61,) and times[-1] == pytest.approx(12.0)
    assert light[0] == pytest.approx(0.5)
    np.testing.assert_array_equal(acrobot_trajectory(0.8, 0.5, 0.2)[1], light)
    heavy = acrobot_trajectory(3.5, 0.5, 0.2)[1]
    assert np.abs(heavy - light).max() > 0.3  # same release, another swing
    # Zero torque adds no energy: the upper link never swings far past its release.
    assert np.abs(light).max() < 0.9


def test_acrobot_refuses_a_release_near_the_angle_wrap() -> None:
    with pytest.raises(ValidationError, match="angle wrap"):
        acrobot_trajectory(1.0, 2.9, 0.0)


def test_a_faster_discharge_lies_lower_and_ends_sooner() -> None:
    slow_q, slow_v = discharge_curve(0.5, 25.0)
    fast_q, fast_v = discharge_curve(2.0, 25.0)
    assert slow_q[1] - slow_q[0] == pytest.approx(0.1) and slow_q[-1] > fast_q[-1] > 4.0
    assert 4.0 < slow_v[0] < 4.25 and slow_v[-1] >= 2.5 and np.all(np.diff(slow_v) < 1e-3)
    assert np.all(fast_v < slow_v[: len(fast_v)])


def test_discharge_refuses_a_rate_that_is_not_positive() -> None:
    with pytest.raises(ValidationError, match="c_rate must be a positive"):
        discharge_curve(0.0, 25.0)


def test_a_hotter_module_loses_voltage_and_brighter_light_raises_current() -> None:
    modules = module_table().iloc[:3]
    cool, hot, bright = (
        iv_curves(modules, np.full(3, t), np.full(3, g))
        for t, g in [(25.0, 500.0), (75.0, 500.0), (25.0, 1000.0)]
    )
    for (cv, ci), (hv, _), (_, bi) in zip(cool, hot, bright, strict=True):
        assert hv[-1] < cv[-1] < 1.2 and np.all(np.diff(ci) <= 1e-12) and ci[-1] >= 0
        assert bi[0] == pytest.approx(2 * ci[0], rel=0.02)  # current is about linear in light
        assert bi[0] == pytest.approx(1.0, abs=0.03)  # rated conditions: the rated current


def test_iv_curves_refuse_conditions_not_one_per_module() -> None:
    with pytest.raises(ValidationError, match="one cell temperature and one irradiance"):
        iv_curves(module_table().iloc[:3], np.full(2, 25.0), np.full(3, 800.0))


def test_seeds_deal_the_windy_days_into_disjoint_sets() -> None:
    whole = nox_bank()
    assert whole.n_tasks == 325 and (whole.params[:, 0] >= 2.5).sum() == 69
    np.testing.assert_array_equal(whole.x[0, :, 0], np.arange(24.0))
    held = []
    for seed in range(3):
        bank = nox_bank(seed)
        windy = bank.params[:, 0] >= 2.5
        held.append({t for t, w in zip(bank.task_ids, windy, strict=True) if w})
        calm = [t for t, w in zip(bank.task_ids, windy, strict=True) if not w]
        assert len(calm) == 256 and windy.sum() == 23
    assert not (held[0] & held[1] or held[1] & held[2] or held[0] & held[2])
    assert set(nox_bank(3).task_ids) == set(nox_bank(0).task_ids)


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.integers(0, 20), min_size=1, max_size=40),
    cut=st.integers(0, 20),
    sets=st.integers(1, 5),
)
def test_deal_gives_each_seed_its_own_share_of_the_tasks_above_the_cut(values, cut, sets) -> None:
    variable = np.array(values, float)
    masks = [deal(variable, cut, sets, seed) for seed in range(sets)]
    above = variable >= cut
    for mask in masks:
        assert np.all(mask[~above])  # every task below the cut stays
    shares = np.array([mask & above for mask in masks])
    assert np.all(shares.sum(0) == above)  # each task above it goes to exactly one seed
    sizes = shares.sum(1)
    assert sizes.max() - sizes.min() <= 1
    np.testing.assert_array_equal(deal(variable, cut, sets, sets), masks[0])


def test_deal_refuses_no_sets() -> None:
    with pytest.raises(ValidationError, match="positive number of target sets"):
        deal(np.arange(5.0), 2.0, 0, 0)


def test_pybamm_is_imported_with_its_telemetry_off(monkeypatch) -> None:
    monkeypatch.delenv("PYBAMM_DISABLE_TELEMETRY", raising=False)
    require("pybamm", "real", "The real-data bank 'battery'")
    assert os.environ["PYBAMM_DISABLE_TELEMETRY"] == "true"


@pytest.mark.parametrize(
    ("module", "bank"),
    [("statsmodels.api", "co2"), ("pybamm", "battery"), ("pvlib.pvsystem", "pv_module")],
)
def test_missing_package_gives_the_install_hint(monkeypatch, module, bank) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # importing it now fails
    # Past the caches of what an earlier test already built.
    monkeypatch.setattr(battery_module, "_simulation", battery_module._simulation.__wrapped__)
    monkeypatch.setattr(pv_module, "module_table", module_table.__wrapped__)
    with pytest.raises(
        BackendImportError, match=r"pip install 'relational-task-extrapolator\[real\]'"
    ):
        get_real_bank(bank).load(0)


def test_a_bank_round_trips_through_a_task_table(banks, tmp_path) -> None:
    bank = banks["battery"]  # tasks of different lengths
    back = load_bank(
        write_table(bank, tmp_path / "battery.csv"),
        TableColumns(params=("c_rate", "temperature")),
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
