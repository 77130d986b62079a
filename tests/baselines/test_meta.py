"""Support/query draws of the meta-learners: distinct, observed points of one task."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rte.baselines._meta import BankTensors
from rte.errors import ValidationError
from rte.scaling import Scaling
from rte.tasks.bank import TaskBank


def _ragged_bank() -> TaskBank:
    xs = [np.arange(n, dtype=float) + 10 * i for i, n in enumerate((5, 8, 6))]
    return TaskBank.from_tasks(xs, [x**2 for x in xs])


def test_draw_gives_distinct_observed_points_of_one_task() -> None:
    bank = _ragged_bank()
    scaling = Scaling.fit(bank)
    x, y = BankTensors.from_bank(bank, scaling).draw(torch.Generator().manual_seed(0), 50, 5)
    raw_x = scaling.x_center + x.double().numpy()[..., 0] * scaling.x_half_span
    raw_y = scaling.y_inverse(y.double().numpy())
    np.testing.assert_allclose(raw_y, raw_x**2, rtol=1e-4, atol=1e-4)  # pairs stay pairs
    task = np.floor((raw_x + 0.5) / 10)
    assert np.all(task == task[:, :1])  # every draw stays inside one task
    assert all(len(set(np.round(r, 4))) == 5 for r in raw_x)  # no repeats, no padding


def test_draw_refuses_more_points_than_the_smallest_task() -> None:
    bank = _ragged_bank()
    data = BankTensors.from_bank(bank, Scaling.fit(bank))
    with pytest.raises(ValidationError, match="smallest bank task has 5"):
        data.draw(torch.Generator().manual_seed(0), 2, 6)
