"""The shared scaling, imported directly: the bank's observed inputs span [-1, 1], its
observed outputs are standardised (padding ignored), constants do not divide by zero,
the inverse undoes it, and the state round-trips."""

from __future__ import annotations

import numpy as np
import pytest

from rte._state import State
from rte.errors import ValidationError
from rte.scaling import Scaling
from rte.tasks.bank import TaskBank


@pytest.fixture(scope="module")
def bank() -> TaskBank:
    """Two 2-D tasks of different lengths: the shorter one is padded with its last point."""
    rng = np.random.default_rng(0)
    x0 = np.c_[np.linspace(-2, 6, 9), np.linspace(10, 11, 9)]
    x1 = np.c_[np.linspace(0, 1, 4), np.linspace(10.5, 10.6, 4)]
    return TaskBank.from_tasks([x0, x1], [rng.normal(5, 3, 9), np.full(4, 40.0)])


def test_observed_inputs_span_minus_one_to_one(bank) -> None:
    scaling = Scaling.fit(bank)
    z = scaling.x(bank.x[bank.mask])
    np.testing.assert_allclose(z.min(0), [-1.0, -1.0])
    np.testing.assert_allclose(z.max(0), [1.0, 1.0])


def test_observed_outputs_are_standardised_without_the_padding(bank) -> None:
    scaling = Scaling.fit(bank)
    observed = scaling.y(bank.y[bank.mask])
    assert observed.mean() == pytest.approx(0.0, abs=1e-12)
    assert observed.std() == pytest.approx(1.0)
    # The padded slots repeat 40.0; counting them would shift the mean.
    assert scaling.y_mean == pytest.approx(bank.y[bank.mask].mean())
    assert scaling.y_mean != pytest.approx(bank.y.mean())


def test_inverse_undoes_the_output_scaling(bank) -> None:
    scaling = Scaling.fit(bank)
    values = np.array([[-100.0, 0.0, 3.5], [7.0, 1e4, -2.0]])
    np.testing.assert_allclose(scaling.y_inverse(scaling.y(values)), values)


def test_constant_inputs_and_outputs_scale_by_one() -> None:
    x = np.c_[np.linspace(0, 2, 5), np.full(5, 3.0)]  # second input never varies
    bank = TaskBank.from_tasks([x, x], [np.full(5, 2.0), np.full(5, 2.0)])
    scaling = Scaling.fit(bank)
    np.testing.assert_array_equal(scaling.x_half_span, [1.0, 1.0])
    assert scaling.y_std == 1.0
    z = scaling.x(x)
    assert np.all(np.isfinite(z)) and np.all(z[:, 1] == 0.0)
    np.testing.assert_array_equal(scaling.y(np.array([2.0, 3.0])), [0.0, 1.0])


def test_state_round_trip(bank) -> None:
    scaling = Scaling.fit(bank)
    restored = Scaling.from_state(scaling.state())
    probe = np.random.default_rng(1).uniform(-10, 20, (5, 3, 2))
    np.testing.assert_array_equal(restored.x(probe), scaling.x(probe))
    np.testing.assert_array_equal(restored.y(probe[..., 0]), scaling.y(probe[..., 0]))
    assert (restored.y_mean, restored.y_std) == (scaling.y_mean, scaling.y_std)


@pytest.mark.parametrize("missing", ["y_std", "x_center"])
def test_a_state_missing_a_part_is_refused_by_name(bank, missing) -> None:
    state = Scaling.fit(bank).state()
    config = {k: v for k, v in state.config.items() if k != missing}
    tensors = {k: v for k, v in state.tensors.items() if k != missing}
    with pytest.raises(ValidationError, match=missing):
        Scaling.from_state(State(config, tensors))
