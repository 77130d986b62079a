"""Fixed affine scalings fitted on the training bank, shared by every method.

Inputs map to [-1, 1] over the bank's observed range; outputs to zero mean and unit
variance over the bank. Targets outside the support then show up as values beyond
that range, which is exactly what extrapolation must cope with.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rte._state import State, as_tensor
from rte.tasks.bank import TaskBank


@dataclass(frozen=True)
class Scaling:
    """Input centre and half-span per dimension; output mean and standard deviation."""

    x_center: np.ndarray
    x_half_span: np.ndarray
    y_mean: float
    y_std: float

    @classmethod
    def fit(cls, bank: TaskBank) -> Scaling:
        """Fit the scaling on every observed point of ``bank``."""
        lo, hi = bank.input_range()
        half = np.where(hi > lo, (hi - lo) / 2.0, 1.0)
        y = bank.y[bank.mask]
        std = float(y.std())
        return cls((hi + lo) / 2.0, half, float(y.mean()), std if std > 0 else 1.0)

    @classmethod
    def of_target(
        cls, context_x: np.ndarray, context_y: np.ndarray, query_x: np.ndarray
    ) -> Scaling:
        """A target's own scaling, for methods that see its context only (no bank):
        inputs over the range of its context and query inputs, outputs standardised over
        its context."""
        points = np.concatenate([context_x, query_x]).reshape(-1, context_x.shape[-1])
        lo, hi = points.min(0), points.max(0)
        half = np.where(hi > lo, (hi - lo) / 2.0, 1.0)
        std = float(np.std(context_y))
        return cls((hi + lo) / 2.0, half, float(np.mean(context_y)), std if std > 0 else 1.0)

    def x(self, x: np.ndarray) -> np.ndarray:
        """Scale inputs of shape (..., d)."""
        return (x - self.x_center) / self.x_half_span

    def y(self, y: np.ndarray) -> np.ndarray:
        """Standardise outputs."""
        return (y - self.y_mean) / self.y_std

    def y_inverse(self, y: np.ndarray) -> np.ndarray:
        """Undo :meth:`y`."""
        return y * self.y_std + self.y_mean

    def state(self) -> State:
        """The scaling as a saved state (model files)."""
        return State(
            {"y_mean": self.y_mean, "y_std": self.y_std},
            {"x_center": as_tensor(self.x_center), "x_half_span": as_tensor(self.x_half_span)},
        )

    @classmethod
    def from_state(cls, state: State) -> Scaling:
        """Inverse of :meth:`state`."""
        return cls(
            state.array("x_center").astype(np.float64),
            state.array("x_half_span").astype(np.float64),
            float(state.value("y_mean")),
            float(state.value("y_std")),
        )
