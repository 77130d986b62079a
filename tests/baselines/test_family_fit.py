"""family_fit recovers the parameters of its own family, far outside the support."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rte import TaskBank, TaskFamily, get_method, register_family, sample_bank, sample_targets
from rte.errors import ValidationError
from rte.tasks import get_family


def test_recovers_theta_and_nuisance_at_the_far_band() -> None:
    family = get_family("sine_trend")
    bank = sample_bank(family, 20, 16, np.random.default_rng(0))
    targets = sample_targets(family, "F4", 6, np.random.default_rng(1), noise=0.0)
    fit = get_method("family_fit").build(0).fit(bank)
    np.testing.assert_allclose(fit.fitted_params(targets), targets.params, atol=1e-5)
    assert np.mean((fit.predict_targets(targets) - targets.query_y) ** 2) < 1e-8


def test_a_function_written_for_scalars_is_solved_one_target_at_a_time(monkeypatch) -> None:
    from rte.tasks.family import _FAMILIES

    monkeypatch.setattr("rte.tasks.family._FAMILIES", dict(_FAMILIES))
    family = register_family(
        TaskFamily(
            "scalar_decay",
            lambda x, theta: np.array([math.exp(-theta * v) for v in x]),
            support=(1.0, 2.0),
            domain=(0.0, 2.0),
        ),
    )
    bank = sample_bank(family, 10, 12, np.random.default_rng(0))
    targets = sample_targets(family, "F2", 3, np.random.default_rng(1), noise=0.0)
    fit = get_method("family_fit").build(0, {"starts": 3}).fit(bank)
    np.testing.assert_allclose(fit.fitted_params(targets), targets.params, atol=1e-5)


def test_needs_a_bank_from_a_registered_family() -> None:
    x = np.linspace(0, 1, 5)
    bank = TaskBank.from_tasks([x, x], [x, 2 * x])
    with pytest.raises(ValidationError, match="functional form"):
        get_method("family_fit").build(0).fit(bank)
