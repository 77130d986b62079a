"""``context_gp_matched``: rte's residual GP fitted on the target's context alone.

rte's correction (:func:`rte.gp.correct`: offset + linear trend + RBF + noise,
grid-profiled) around a zero prior, with no bank behind it: the row that tells how
much of rte's accuracy the bank brings beyond its own correction kernel.
``context_gp`` (scikit-learn's constant x RBF + white noise, optimised) stays the
practitioner's reference; neither kernel is better on every family (docs/param.md,
``benchmarks/context_gp_kernel.py``). Its predictive standard deviation is the GP's
own (not calibrated). Inputs are scaled over the target's own context and query
inputs (it never reads the bank, access C); outputs stay in their units around the
zero prior, as rte's residuals do.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from rte.base import check_is_fitted, estimator
from rte.baselines.context_only import ContextOnly
from rte.gp import correct
from rte.scaling import Scaling
from rte.tasks.bank import TargetSet


def scaled_inputs(targets: TargetSet) -> tuple[np.ndarray, np.ndarray]:
    """Each target's context and query inputs on its own scaling (:meth:`Scaling.of_target`),
    (T, k, d) and (T, Q, d)."""
    rows = list(zip(targets.context_x, targets.context_y, targets.query_x, strict=True))
    scalings = [Scaling.of_target(cx, cy, qx) for cx, cy, qx in rows]
    context = np.stack([s.x(cx) for s, (cx, _, _) in zip(scalings, rows, strict=True)])
    queries = np.stack([s.x(qx) for s, (_, _, qx) in zip(scalings, rows, strict=True)])
    return context, queries


@estimator()
class MatchedContextGP(ContextOnly):
    """rte's residual GP (offset + trend + RBF, grid-profiled) around zero, per context."""

    description: ClassVar[str] = (
        "rte's residual GP (the kernel of its correction) fitted on the target's context alone"
    )

    def predict_distribution(self, targets: TargetSet) -> tuple[np.ndarray, np.ndarray]:
        """Mean and latent std of the GP at the queries, (T, Q) each."""
        check_is_fitted(self, "dim_")
        cx, qx = scaled_inputs(targets)
        return correct(cx, targets.context_y, np.zeros(cx.shape[:2]), qx, np.zeros(qx.shape[:2]))

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        """The GP's mean at the queries, (T, Q)."""
        return self.predict_distribution(targets)[0]
