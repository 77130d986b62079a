"""``family_fit``: the limit of the parameter regime, a least-squares fit that knows the form.

It is told the family's functional form f(x, theta, nuisances) (access code F:
an oracle row) and fits theta and the nuisance parameters to each target's
context by non-linear least squares from several starts, then predicts f at the
queries. From the same 10 noisy points no method can be expected to do much
better, so every parameter table shows rte / family_fit as the distance to the
practical floor.

Starts are spread over a wide range around the training support, the same for
every target (theta in [lo - 2w, hi + 2w] for a support [lo, hi] of width w,
nuisances over their ranges): nothing in them depends on a target's band. All
(target, start) pairs are solved at once by the batched Levenberg-Marquardt of
:mod:`rte.lsq` when the family's function broadcasts over arrays of parameters (the
built-in ones do); otherwise scipy solves them one by one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np
from scipy.optimize import least_squares

from rte._params import at_least, param
from rte.base import Estimator, check_is_fitted, estimator
from rte.errors import ValidationError
from rte.lsq import levenberg_marquardt
from rte.tasks.bank import TargetSet, TaskBank
from rte.tasks.family import TaskFamily, get_family

# A residual that cannot be computed (overflow, NaN) counts as this large.
_BAD = 1e6


@estimator()
class FamilyFit(Estimator):
    """Non-linear least squares of the family's own form on each context."""

    fitted: ClassVar[Mapping[str, str]] = {
        "family_": "the bank's task family, whose form is fitted (TaskFamily)",
        "starts_": "starting parameters of the least-squares fits, from the bank",
    }

    sees: ClassVar[str] = "CF"
    description: ClassVar[str] = "least-squares fit of the family's functional form to the context"

    starts: int = param(12, "Starting points of the least-squares fit per target.", at_least(1))
    iterations: int = param(60, "Levenberg-Marquardt iterations per start.", at_least(1))

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
        x, y = targets.context_x[..., 0], targets.context_y
        t, s = len(x), len(self.starts_)
        rows = np.tile(self.starts_, (t, 1))  # (T*S, p), target-major
        xs, ys = np.repeat(x, s, axis=0), np.repeat(y, s, axis=0)
        try:
            fitted, cost = levenberg_marquardt(
                lambda p: _batched(self.family_, xs, p), ys, rows, self.iterations
            )
        except _NotVectorised:
            solved = [
                least_squares(lambda p, a=a, b=b: _values(self.family_, a, p) - b, r, method="lm")
                for a, b, r in zip(xs, ys, rows, strict=True)
            ]
            fitted = np.stack([r.x for r in solved])
            cost = np.array([2 * r.cost for r in solved])
        best = cost.reshape(t, s).argmin(1) + np.arange(t) * s
        return fitted[best]

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        """The fitted form at each target's queries, (T, Q)."""
        fitted = self.fitted_params(targets)
        return _batched(self.family_, targets.query_x[..., 0], fitted)


class _NotVectorised(Exception):
    """The family's function does not broadcast over parameter arrays."""


def _starting_points(family: TaskFamily, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` parameter rows: theta evenly over [lo - 2w, hi + 2w], nuisances at random."""
    lo, hi = family.support
    w = hi - lo
    theta = np.linspace(lo - 2 * w, hi + 2 * w, n)
    nuisance = [rng.uniform(a, b, n) for a, b in family.nuisance.values()]
    return np.stack([theta, *nuisance], axis=1)


def _values(family: TaskFamily, x: np.ndarray, params: np.ndarray) -> np.ndarray:
    """One task's values at x (n,), non-finite ones replaced by a large number."""
    kwargs = {key: float(v) for key, v in zip(family.nuisance, params[1:], strict=True)}
    with np.errstate(all="ignore"):
        y = np.asarray(family.fn(x, float(params[0]), **kwargs), dtype=np.float64)
    return np.where(np.isfinite(y), y, _BAD)


def _batched(family: TaskFamily, x: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Values of B tasks at their own inputs x (B, n), params (B, p) -> (B, n)."""
    kwargs = {key: params[:, 1 + i, None] for i, key in enumerate(family.nuisance)}
    try:
        with np.errstate(all="ignore"):
            y = np.asarray(family.fn(x, params[:, :1], **kwargs), dtype=np.float64)
    except Exception as exc:  # a function written for scalars only
        raise _NotVectorised from exc
    if y.shape != x.shape or not np.allclose(
        y[0], _values(family, x[0], params[0]), equal_nan=True
    ):
        raise _NotVectorised
    return np.where(np.isfinite(y), y, _BAD)
