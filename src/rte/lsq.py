"""Batched Levenberg-Marquardt: many small non-linear least-squares problems at once.

Every row is its own problem (a target's context under one starting point, a pair of
bank tasks under one formula): parameters (B, p), outputs (B, n). The Jacobian is
taken by forward finite differences, so any function that maps a batch of parameter
rows to a batch of value rows can be fitted; rows never interact, and a step that
makes a row's cost non-finite is simply rejected. Used by the known-form reference
(``family_fit``) and by the symbolic relational operator (:mod:`rte.operator.symbolic`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Values = Callable[[np.ndarray], np.ndarray]


def levenberg_marquardt(
    values: Values, y: np.ndarray, start: np.ndarray, iterations: int
) -> tuple[np.ndarray, np.ndarray]:
    """Minimise each row's sum of squared residuals ``values(params) - y``.

    ``values`` maps parameters (B, p) to values (B, n) (non-finite values should come
    back as a large finite number); ``y`` (B, n); ``start`` (B, p). Returns the fitted
    parameters (B, p) and each row's cost (B,).
    """
    params = start.copy()
    residual = values(params) - y
    with np.errstate(over="ignore", invalid="ignore"):  # a start far off: an infinite cost
        cost = (residual**2).sum(1)
    damping = np.full(len(params), 1e-3)
    p = params.shape[1]
    for _ in range(iterations):
        step = 1e-6 * np.maximum(1.0, np.abs(params))
        jac = np.stack(
            [
                (values(params + np.eye(p)[j] * step[:, j : j + 1]) - y - residual)
                / step[:, j : j + 1]
                for j in range(p)
            ],
            axis=2,
        )  # (B, n, p)
        jtj = np.einsum("bnp,bnq->bpq", jac, jac)
        grad = np.einsum("bnp,bn->bp", jac, residual)
        system = jtj + damping[:, None, None] * (
            np.eye(p) * np.diagonal(jtj, axis1=1, axis2=2)[:, None, :] + 1e-12 * np.eye(p)
        )
        delta = solve_rows(system, -grad)
        trial = params + delta
        with np.errstate(over="ignore", invalid="ignore"):  # a wild step: cost inf or NaN
            trial_residual = values(trial) - y
            trial_cost = (trial_residual**2).sum(1)
        better = trial_cost < cost  # False for inf and NaN: the step is rejected
        params = np.where(better[:, None], trial, params)
        residual = np.where(better[:, None], trial_residual, residual)
        cost = np.where(better, trial_cost, cost)
        damping = np.where(better, damping / 3, damping * 4)
    return params, cost


def solve_rows(system: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Solve each row's small system (B, p, p) x = rhs (B, p); if any is singular (a
    constant that does not move the values, say), every row takes the pseudo-inverse's
    minimum-norm solution, and non-finite entries become 0."""
    try:
        return np.linalg.solve(system, rhs[..., None])[..., 0]
    except np.linalg.LinAlgError:
        finite = np.all(np.isfinite(system), axis=(1, 2)) & np.all(np.isfinite(rhs), axis=1)
        system = np.where(finite[:, None, None], system, np.eye(system.shape[-1]))
        rhs = np.where(finite[:, None], rhs, 0.0)  # a non-finite row does not move
        with np.errstate(all="ignore"):
            step = np.einsum("bpq,bq->bp", np.linalg.pinv(system), rhs)
        return np.where(np.isfinite(step), step, 0.0)
