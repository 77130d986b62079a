"""``family_fit``: least squares of a known functional form on the target's context.

A reference that is told the answer's form (``sees`` F): the function of a
registered task family (a pendulum equation, a pharmacokinetic model, ...) is
fitted to each context over all of its parameters, theta and nuisances, and
evaluated at the queries. It bounds from above what any method that has to learn
the form from a bank can reach, where a physical model is known.

Each parameter may range over its family range widened by ``reach`` widths on both
sides (kept >= 0 when the range is), so a target's theta far outside the support
is reachable; the fit starts from the range's centre and ``restarts`` random points
of the widened box and keeps the best fit to the context.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy.optimize import least_squares

from rte._params import at_least, nonnegative, param
from rte.base import Estimator, check_is_fitted
from rte.errors import ValidationError
from rte.tasks.bank import TargetSet, TaskBank
from rte.tasks.family import TaskFamily, get_family

# Residual standing in for a non-finite value of the form (steers the solver away).
_BLOWUP = 1e6


def _family(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"{name} must be a registered task family's name. Got {value!r}.")
    get_family(value)
    return value


@dataclass(kw_only=True, repr=False, eq=False)
class FamilyFit(Estimator):
    """Fits a task family's function to each context by bounded least squares."""

    sees: ClassVar[str] = "CF"
    description: ClassVar[str] = "least squares of the known functional form on the context"

    family: str = param("quadratic", "Task family whose function is fitted.", _family)
    restarts: int = param(12, "Random starts besides the range's centre.", at_least(0))
    reach: float = param(4.0, "Parameter ranges widened by this many widths.", nonnegative)

    def fit(self, bank: TaskBank) -> FamilyFit:
        """Nothing to learn from the bank: look the family up and set the bounds."""
        self.validate_params()
        if bank.dim != 1:
            raise ValidationError(f"family_fit fits 1-D inputs. Got a bank with {bank.dim}.")
        self.family_ = get_family(self.family)
        ranges = np.array([self.family_.support, *self.family_.nuisance.values()])
        width = ranges[:, 1] - ranges[:, 0]
        low = ranges[:, 0] - self.reach * width
        self.bounds_ = (
            np.where(ranges[:, 0] >= 0, np.maximum(low, 0), low),
            ranges[:, 1] + self.reach * width,
        )
        self.centre_ = ranges.mean(1)
        return self

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        """The best fit of the form to each context, evaluated at its queries, (T, Q)."""
        check_is_fitted(self, "family_")
        rng = np.random.default_rng(self.seed)
        lo, hi = self.bounds_
        starts = np.vstack([self.centre_, rng.uniform(lo, hi, (self.restarts, len(lo)))])
        out = []
        for cx, cy, qx in zip(targets.context_x, targets.context_y, targets.query_x, strict=True):
            best = min(
                (
                    least_squares(_residuals, s, bounds=(lo, hi), args=(self.family_, cx[:, 0], cy))
                    for s in starts
                ),
                key=lambda r: r.cost,
            )
            out.append(_evaluate(self.family_, qx[:, 0], best.x))
        return np.stack(out)


def _evaluate(family: TaskFamily, x: np.ndarray, params: np.ndarray) -> np.ndarray:
    kwargs = dict(zip(family.nuisance, map(float, params[1:]), strict=True))
    with np.errstate(all="ignore"):
        y = np.asarray(family.fn(x, float(params[0]), **kwargs), dtype=np.float64)
    return np.nan_to_num(y, nan=_BLOWUP, posinf=_BLOWUP, neginf=-_BLOWUP)


def _residuals(params: np.ndarray, family: TaskFamily, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return _evaluate(family, x, params) - y
