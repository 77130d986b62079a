"""Symbolic regression per target: recovers a simple law, and never returns a non-finite curve."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from rte.baselines.symbolic_regression import SymbolicRegression, finite_front_prediction
from rte.errors import ValidationError
from rte.tasks.bank import TargetSet


def _targets(fn, n_targets: int = 2) -> TargetSet:
    rng = np.random.default_rng(0)
    cx = rng.uniform(0.2, 2, (n_targets, 10, 1))
    qx = np.broadcast_to(np.linspace(0.2, 2, 30)[:, None], (n_targets, 30, 1)).copy()
    return TargetSet("in_support", cx, fn(cx[..., 0]), qx, fn(qx[..., 0]))


def test_recovers_a_simple_law_from_ten_clean_points() -> None:
    targets = _targets(lambda x: 2 * x**2 + 1)
    model = SymbolicRegression(seed=0)
    model.dim_ = 1  # fit(bank) only stores the input dimension
    pred = model.predict_targets(targets)
    assert np.mean((pred - targets.query_y) ** 2) < 1e-4


def _front(*values: float) -> SimpleNamespace:
    """A stand-in fitted regressor whose Pareto front holds constant curves."""
    entries = [{"tree": v, "score": float(i)} for i, v in enumerate(values)]
    return SimpleNamespace(
        pareto_front_=entries,
        model_selection_criterion="score",
        evaluate_model=lambda tree, x: np.full(len(x), tree),
    )


def test_front_models_that_overflow_at_a_query_are_skipped() -> None:
    qx = np.zeros((4, 1))
    np.testing.assert_array_equal(finite_front_prediction(_front(np.inf, 3.0, 5.0), qx), 3.0)
    assert finite_front_prediction(_front(np.nan, np.inf), qx) is None


@pytest.mark.parametrize("symbols", ["add,mul,variable", "add,mul,constant,variable,nosuch"])
def test_bad_primitive_sets_fail_before_work(symbols: str) -> None:
    with pytest.raises(ValidationError, match="symbols"):
        SymbolicRegression(symbols=symbols).validate_params()
