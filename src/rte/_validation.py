"""Checks of array inputs (contexts, queries, random generators), with one message style.

Every message says what was expected, what came in, and how to fix it; every
check raises :class:`rte.errors.ValidationError` (a ``ValueError``) before any
work is done. Checks of single settings values live in :mod:`rte._checks`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rte.errors import ValidationError


def float_array(value: Any, name: str) -> np.ndarray:
    """``value`` as a float64 array, or ValidationError if numpy cannot read it as numbers."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            f"{name} must be numeric. Got a value numpy cannot read as numbers: {exc}."
        ) from None
    return arr


# Largest magnitude a bank may hold: squared spreads of larger values overflow float64
# (the scaling takes a standard deviation), so they are refused with a message, not
# turned into an infinite scale.
MAX_MAGNITUDE = 1e150


def check_magnitude(arr: np.ndarray, name: str) -> None:
    """Raise if finite ``arr`` holds values too large to scale (squares overflow)."""
    if arr.size == 0:
        return
    worst = float(np.abs(arr).max())
    if worst > MAX_MAGNITUDE:
        raise ValidationError(
            f"{name} holds values up to {worst:.3g}; rte computes squared spreads of its data, "
            f"which overflow beyond {MAX_MAGNITUDE:g}. Rescale it (e.g. change units) so every "
            f"value lies within ±{MAX_MAGNITUDE:g}."
        )


def check_rng(value: Any, name: str = "rng") -> np.random.Generator:
    """A numpy Generator, or one seeded from an integer >= 0 (``sample_bank(fam, 10, 16, 0)``)."""
    if isinstance(value, np.random.Generator):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 0:
        return np.random.default_rng(int(value))
    raise ValidationError(
        f"{name} must be a numpy Generator or an integer seed >= 0. Got {value!r}; pass e.g. "
        "np.random.default_rng(0) or 0."
    )


def check_finite(arr: np.ndarray, name: str) -> None:
    """Raise if ``arr`` holds NaN or inf, naming the first offending row."""
    bad = ~np.isfinite(arr)
    if bad.any():
        first = int(np.argwhere(bad)[0][0])
        raise ValidationError(
            f"{name} must be finite. Got {int(bad.sum())} NaN/inf value(s), the first in row "
            f"{first}. Remove or impute them before calling rte."
        )


def check_inputs(x: Any, name: str, dim: int | None = None) -> np.ndarray:
    """Return inputs as a finite float array of shape (n, d); 1-D input means d = 1."""
    arr = float_array(x, name)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValidationError(f"{name} must have shape (n,) or (n, d). Got shape {arr.shape}.")
    if arr.shape[0] == 0:
        raise ValidationError(f"{name} must hold at least one point. Got an empty array.")
    if dim is not None and arr.shape[1] != dim:
        raise ValidationError(
            f"{name} must have {dim} input column(s), like the data the model was fitted on. "
            f"Got {arr.shape[1]}."
        )
    check_finite(arr, name)
    return arr


def check_outputs(y: Any, n: int, name: str) -> np.ndarray:
    """Return outputs as a finite float vector of length ``n``."""
    arr = float_array(y, name)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValidationError(f"{name} must be a vector of shape (n,). Got shape {arr.shape}.")
    if arr.shape[0] != n:
        raise ValidationError(
            f"{name} must have one value per input point: expected {n}, got {arr.shape[0]}. "
            "Check that x and y come from the same rows."
        )
    check_finite(arr, name)
    return arr


def check_context(
    x: Any, y: Any, dim: int | None = None, name: str = "context"
) -> tuple[np.ndarray, np.ndarray]:
    """Validate a context of (x, y) pairs; returns x as (k, d) and y as (k,)."""
    xs = check_inputs(x, f"{name}_x", dim)
    ys = check_outputs(y, xs.shape[0], f"{name}_y")
    return xs, ys


def check_batch(
    context_x: Any, context_y: Any, query_x: Any, dim: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate T targets: context_x (T, k, d), context_y (T, k), query_x (T, Q, d)."""
    cx = float_array(context_x, "context_x")
    cy = float_array(context_y, "context_y")
    qx = float_array(query_x, "query_x")
    if cx.ndim != 3 or cy.ndim != 2 or qx.ndim != 3:
        raise ValidationError(
            "predict_batch expects context_x (T, k, d), context_y (T, k) and query_x (T, Q, d). "
            f"Got shapes {cx.shape}, {cy.shape} and {qx.shape}."
        )
    if cx.shape[0] != cy.shape[0] or cx.shape[0] != qx.shape[0]:
        raise ValidationError(
            f"Expected the same number of targets in every array. Got {cx.shape[0]}, "
            f"{cy.shape[0]} and {qx.shape[0]}."
        )
    if cx.shape[0] == 0:
        raise ValidationError(
            "predict_batch needs at least one target. Got arrays with 0 targets; call it only "
            "when there is something to predict."
        )
    for i in range(cx.shape[0]):
        check_context(cx[i], cy[i], dim, name=f"target {i} context")
        check_inputs(qx[i], f"target {i} query_x", dim)
    return cx, cy, qx
