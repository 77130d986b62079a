"""``context_gp``: a Gaussian process fitted on the target's context alone (scikit-learn).

The practitioner's other first try: no bank, a smooth prior, hyperparameters fitted
by marginal likelihood on the context. Its predictive standard deviation makes it
a reference for intervals too (``predict_distribution``). Inputs are scaled over the
target's own context and query inputs, outputs standardised per context: it never
reads the bank (access C).
"""

from __future__ import annotations

import warnings
from typing import ClassVar

import numpy as np

from rte._params import at_least, nonnegative, param
from rte.base import check_is_fitted, estimator
from rte.baselines.context_only import ContextOnly
from rte.scaling import Scaling
from rte.tasks.bank import TargetSet


@estimator()
class ContextGP(ContextOnly):
    """RBF + white-noise GP per context, hyperparameters by marginal likelihood."""

    description: ClassVar[str] = "Gaussian process fitted on the target's context alone"

    restarts: int = param(2, "Extra optimizer restarts of the kernel hyperparameters.", at_least(0))
    noise: float = param(0.05**2, "Initial noise variance (scaled output units).", nonnegative)

    def predict_distribution(self, targets: TargetSet) -> tuple[np.ndarray, np.ndarray]:
        """Predictive mean and std of the latent function at the queries, (T, Q) each."""
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

        check_is_fitted(self, "dim_")
        means, stds = [], []
        for i in range(targets.n_targets):
            own = Scaling.of_target(targets.context_x[i], targets.context_y[i], targets.query_x[i])
            x = own.x(targets.context_x[i])
            q = own.x(targets.query_x[i])
            kernel = ConstantKernel(1.0, (1e-3, 1e3)) * RBF(
                np.ones(x.shape[1]), (1e-2, 1e2)
            ) + WhiteKernel(max(self.noise, 1e-8), (1e-8, 1.0))
            gp = GaussianProcessRegressor(
                kernel, normalize_y=True, n_restarts_optimizer=self.restarts, random_state=self.seed
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                gp.fit(x, targets.context_y[i])
            mean, std = gp.predict(q, return_std=True)
            # The white-noise part is observation noise: remove it for the latent curve.
            noise = gp.kernel_.k2.noise_level * gp._y_train_std**2
            means.append(mean)
            stds.append(np.sqrt(np.maximum(std**2 - noise, 1e-12)))
        return np.stack(means), np.stack(stds)

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        """The predictive mean at the queries, (T, Q)."""
        return self.predict_distribution(targets)[0]
