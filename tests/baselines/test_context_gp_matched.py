"""context_gp_matched: rte's residual GP on the context alone."""

from __future__ import annotations

import numpy as np

from rte import get_method
from rte.gp import correct
from rte.tasks.bank import TaskBank
from rte.testing import function_problem


def test_it_is_rtes_correction_around_a_zero_prior() -> None:
    problem = function_problem("in_support")
    targets = problem.targets
    model = get_method("context_gp_matched").build(0).fit(problem.bank)
    scale = model.scaling_.x
    zero_x, zero_q = np.zeros(targets.context_y.shape), np.zeros(targets.query_y.shape)
    expected = correct(
        scale(targets.context_x), targets.context_y, zero_x, scale(targets.query_x), zero_q
    )
    mean, std = model.predict_distribution(targets)
    np.testing.assert_array_equal(mean, expected[0])
    np.testing.assert_array_equal(std, expected[1])


def test_it_reads_the_context_only() -> None:
    """Another bank with the same input range changes nothing (the bank sets units only)."""
    problem = function_problem("in_support")
    other = TaskBank.from_tasks(
        list(problem.bank.x[:, :, 0]), list(-problem.bank.y), list(problem.bank.task_ids)
    )
    first = get_method("context_gp_matched").build(0).fit(problem.bank)
    second = get_method("context_gp_matched").build(0).fit(other)
    np.testing.assert_allclose(
        first.predict_targets(problem.targets), second.predict_targets(problem.targets)
    )
