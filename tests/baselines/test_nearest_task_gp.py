"""nearest_task_gp: the closest bank curve corrected by rte's residual GP."""

from __future__ import annotations

import numpy as np

from rte import get_method
from rte.gp import correct
from rte.testing import function_problem


def _mse(pred: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean((pred - truth) ** 2))


def test_it_is_the_nearest_curve_plus_the_residual_gp() -> None:
    problem = function_problem("F2")
    targets = problem.targets
    plain = get_method("nearest_task").build(0).fit(problem.bank)
    model = get_method("nearest_task_gp").build(0).fit(problem.bank)
    index = plain.nearest(targets)
    assert np.array_equal(model.nearest(targets), index)
    scale = plain.scaling_.x
    expected = correct(
        scale(targets.context_x),
        targets.context_y,
        plain.curves_at(index, targets.context_x),
        scale(targets.query_x),
        plain.predict_targets(targets),
    )
    mean, std = model.predict_distribution(targets)
    np.testing.assert_array_equal(mean, expected[0])
    np.testing.assert_array_equal(std, expected[1])
    assert np.all(std > 0) and np.all(np.isfinite(std))


def test_the_correction_carries_the_nearest_curve_out_of_support() -> None:
    """Beyond the support the nearest bank curve is the wrong curve; its residuals on the
    context say by how much, and the GP removes most of the error."""
    problem = function_problem("F2")
    truth = problem.targets.query_y
    plain = get_method("nearest_task").build(0).fit(problem.bank).predict_targets(problem.targets)
    model = get_method("nearest_task_gp").build(0).fit(problem.bank)
    assert _mse(model.predict_targets(problem.targets), truth) < 0.1 * _mse(plain, truth)
