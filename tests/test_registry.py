"""Registry names that are another method with other defaults."""

from __future__ import annotations

import numpy as np

from rte import get_method
from rte.models.shared import fit_shared, fit_signature
from rte.testing import TINY_RTE, function_problem


def test_rte_uncorrected_is_rte_without_its_correction() -> None:
    """Same class and fit as rte (one shared Psi), predictions of Psi alone, no std."""
    problem = function_problem("F2")
    rte = get_method("rte").build(0, TINY_RTE)
    plain = get_method("rte_uncorrected").build(0, TINY_RTE)
    assert type(plain) is type(rte) and plain.correction == "none" and rte.correction == "auto"
    assert fit_signature(plain) == fit_signature(rte)
    fit_shared(rte, problem.bank)
    fit_shared(plain, problem.bank)
    assert plain.psi_ is rte.psi_  # one fit, read two ways
    mean, std = plain.predict_distribution(problem.targets)
    assert std is None
    alone = rte.set_params(correction="none").predict_targets(problem.targets)
    np.testing.assert_array_equal(mean, alone)
