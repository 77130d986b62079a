"""The families whose parameter acts non-linearly, and their place in the defaults."""

from __future__ import annotations

import numpy as np
import pytest

from rte.tasks import get_family
from rte.tasks.builtin import DEFAULT_PARAM_FAMILIES


@pytest.mark.parametrize(
    ("name", "params", "x", "expected"),
    [
        ("sine_frequency", [2.0, 0.5], 1.0, np.sin(2.5)),
        ("power", [3.0], 2.0, 8.0),
    ],
)
def test_values(name: str, params: list[float], x: float, expected: float) -> None:
    fam = get_family(name)
    assert name in DEFAULT_PARAM_FAMILIES
    assert fam.evaluate(np.array([x]), np.array(params))[0] == pytest.approx(expected)


@pytest.mark.parametrize("name", ["sine_frequency", "power"])
def test_far_band_is_finite(name: str) -> None:
    fam = get_family(name)
    params = fam.sample_params(np.random.default_rng(0), 5, "F2")
    x = np.linspace(*fam.domain, 50)
    assert all(np.all(np.isfinite(fam.evaluate(x, p))) for p in params)
