"""``family_fit``: the limit of the parameter regime, a least-squares fit that knows the form.

It is told the family's functional form f(x, theta, nuisances) (access code F:
an oracle row) and fits theta and the nuisance parameters to each target's
context by non-linear least squares from several starts, then predicts f at the
queries. From the same 10 noisy points no method can be expected to do much
better, so every parameter table shows rte / family_fit as the distance to the
practical floor.

Starts are spread over a wide range around the training support, the same for
every target (theta in [lo - 2w, hi + 2w] for a support [lo, hi] of width w,
nuisances over their ranges): nothing in them depends on a target's band.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy.optimize import least_squares

from rte._params import at_least, param
from rte.base import Estimator, check_is_fitted
from rte.errors import ValidationError
from rte.tasks.bank import TargetSet, TaskBank
from rte.tasks.family import TaskFamily, get_family

# A residual that cannot be computed (overflow, NaN) counts as this large.
_BAD = 1e6


@dataclass(kw_only=True, repr=False, eq=False)
class FamilyFit(Estimator):
    """Non-linear least squares of the family's own form on each context."""

    sees: ClassVar[str] = "CF"
    description: ClassVar[str] = "least-squares fit of the family's functional form to the context"

    starts: int = param(12, "Starting points of the least-squares fit per target.", at_least(1))

    def fit(self, bank: TaskBank) -> FamilyFit:
        """Look the bank's family up: its form, support and nuisance ranges."""
        self.validate_params()
        if bank.family is None:
            raise ValidationError(
                "family_fit needs to know the functional form: a bank sampled from a registered "
                "family (rte.sample_bank). Got a bank without a family; omit family_fit here."
            )
        self.family_ = get_family(bank.family)
        self.starts_ = _starting_points(self.family_, self.starts, np.random.default_rng(self.seed))
        return self

    def fitted_params(self, targets: TargetSet) -> np.ndarray:
        """The best-fitting (theta, *nuisance) row of each target, (T, p)."""
        check_is_fitted(self, "family_")
        return np.stack(
            [
                _best_fit(self.family_, cx[:, 0], cy, self.starts_)
                for cx, cy in zip(targets.context_x, targets.context_y, strict=True)
            ]
        )

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        """The fitted form at each target's queries, (T, Q)."""
        fitted = self.fitted_params(targets)
        return np.stack(
            [
                _values(self.family_, q[:, 0], p)
                for q, p in zip(targets.query_x, fitted, strict=True)
            ]
        )


def _starting_points(family: TaskFamily, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` parameter rows: theta evenly over [lo - 2w, hi + 2w], nuisances at random."""
    lo, hi = family.support
    w = hi - lo
    theta = np.linspace(lo - 2 * w, hi + 2 * w, n)
    nuisance = [rng.uniform(a, b, n) for a, b in family.nuisance.values()]
    return np.stack([theta, *nuisance], axis=1)


def _values(family: TaskFamily, x: np.ndarray, params: np.ndarray) -> np.ndarray:
    kwargs = {key: float(v) for key, v in zip(family.nuisance, params[1:], strict=True)}
    with np.errstate(all="ignore"):
        y = np.asarray(family.fn(x, float(params[0]), **kwargs), dtype=np.float64)
    return np.where(np.isfinite(y), y, _BAD)


def _best_fit(family: TaskFamily, x: np.ndarray, y: np.ndarray, starts: np.ndarray) -> np.ndarray:
    best, best_cost = starts[0], np.inf
    for start in starts:
        result = least_squares(lambda p: _values(family, x, p) - y, start, method="lm")
        if result.cost < best_cost:
            best, best_cost = result.x, result.cost
    return best
