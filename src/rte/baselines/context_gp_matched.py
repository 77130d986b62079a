"""``context_gp_matched``: rte's residual GP fitted on the target's context alone.

rte's correction (:func:`rte.gp.correct`: offset + linear trend + RBF + noise,
grid-profiled) around a zero prior, with no bank behind it: the row that tells how
much of rte's accuracy the bank brings beyond its own correction kernel.
``context_gp`` (scikit-learn's constant x RBF + white noise, optimised) stays the
practitioner's reference; neither kernel is better on every family (docs/param.md,
``benchmarks/context_gp_kernel.py``). Its predictive standard deviation is the GP's
own (not calibrated). Inputs are scaled with the bank's scaling (a unit choice only).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np

from rte.base import Estimator, check_is_fitted, estimator
from rte.gp import correct
from rte.scaling import Scaling
from rte.tasks.bank import TargetSet, TaskBank


@estimator()
class MatchedContextGP(Estimator):
    """rte's residual GP (offset + trend + RBF, grid-profiled) around zero, per context."""

    fitted: ClassVar[Mapping[str, str]] = {
        "scaling_": "inputs and outputs scaled as over the bank (Scaling)",
    }

    sees: ClassVar[str] = "C"
    description: ClassVar[str] = (
        "rte's residual GP (the kernel of its correction) fitted on the target's context alone"
    )

    def fit(self, bank: TaskBank) -> MatchedContextGP:
        """Keep the bank's input scaling only."""
        self.validate_params()
        self.scaling_ = Scaling.fit(bank)
        return self

    def predict_distribution(self, targets: TargetSet) -> tuple[np.ndarray, np.ndarray]:
        """Mean and latent std of the GP at the queries, (T, Q) each."""
        check_is_fitted(self, "scaling_")
        cx, qx = self.scaling_.x(targets.context_x), self.scaling_.x(targets.query_x)
        return correct(cx, targets.context_y, np.zeros(cx.shape[:2]), qx, np.zeros(qx.shape[:2]))

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        """The GP's mean at the queries, (T, Q)."""
        return self.predict_distribution(targets)[0]
