"""``nearest_task_gp``: the closest bank curve corrected by rte's residual GP.

``nearest_task`` picks the bank task whose curve best fits the context; this row hands
that curve, at the context inputs and at the queries, to the same residual GP that
corrects rte's Psi (:func:`rte.gp.correct`: offset + linear trend + RBF, grid-profiled).
So it answers "how much of rte's gain is the correction, not Psi?": the same
correction on the simplest bank-based prior. Its predictive distribution is the GP's
latent mean and std, not calibrated (rte's std is scaled by a conformal factor).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from rte.base import estimator
from rte.baselines.nearest_task import NearestTask
from rte.gp import correct
from rte.tasks.bank import TargetSet


@estimator()
class NearestTaskGP(NearestTask):
    """The closest bank curve plus a residual GP fitted on the context."""

    sees: ClassVar[str] = "BC"
    description: ClassVar[str] = (
        "the bank task whose curve best fits the context, corrected by rte's residual GP "
        "(uncalibrated std)"
    )

    def predict_distribution(self, targets: TargetSet) -> tuple[np.ndarray, np.ndarray]:
        """Corrected mean and the GP's latent std at the queries, (T, Q) each."""
        index = self.nearest(targets)
        on_context = self.curves_at(index, targets.context_x)
        on_queries = self.curves_at(index, targets.query_x)
        scale = self.scaling_.x
        return correct(
            scale(targets.context_x),
            targets.context_y,
            on_context,
            scale(targets.query_x),
            on_queries,
        )

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        """The corrected mean at the queries, (T, Q)."""
        return self.predict_distribution(targets)[0]
