"""context_gp_matched: rte's residual GP on the context alone."""

from __future__ import annotations

import numpy as np

from rte import get_method
from rte.gp import correct
from rte.scaling import Scaling
from rte.testing import function_problem


def test_it_is_rtes_correction_around_a_zero_prior() -> None:
    """The GP of rte's correction, on each target's own input scaling, around zero."""
    problem = function_problem("in_support")
    targets = problem.targets
    model = get_method("context_gp_matched").build(0).fit(problem.bank)
    cx, qx = [], []
    for x, y, q in zip(targets.context_x, targets.context_y, targets.query_x, strict=True):
        own = Scaling.of_target(x, y, q)
        cx.append(own.x(x))
        qx.append(own.x(q))
    zero_x, zero_q = np.zeros(targets.context_y.shape), np.zeros(targets.query_y.shape)
    expected = correct(np.stack(cx), targets.context_y, zero_x, np.stack(qx), zero_q)
    mean, std = model.predict_distribution(targets)
    np.testing.assert_array_equal(mean, expected[0])
    np.testing.assert_array_equal(std, expected[1])
