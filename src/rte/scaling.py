"""Fixed affine scalings fitted on the training bank, shared by every method.

Inputs map to [-1, 1] over the bank's observed range; outputs to zero mean and unit
variance over the bank. Targets outside the support then show up as values beyond
that range, which is exactly what extrapolation must cope with.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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

    def x(self, x: np.ndarray) -> np.ndarray:
        """Scale inputs of shape (..., d)."""
        return (x - self.x_center) / self.x_half_span

    def y(self, y: np.ndarray) -> np.ndarray:
        """Standardise outputs."""
        return (y - self.y_mean) / self.y_std

    def y_inverse(self, y: np.ndarray) -> np.ndarray:
        """Undo :meth:`y`."""
        return y * self.y_std + self.y_mean

    def to_dict(self) -> dict[str, list[float] | float]:
        """JSON-ready form (model files)."""
        return {
            "x_center": self.x_center.tolist(),
            "x_half_span": self.x_half_span.tolist(),
            "y_mean": self.y_mean,
            "y_std": self.y_std,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Scaling:
        """Inverse of :meth:`to_dict`."""
        return cls(
            np.asarray(data["x_center"], dtype=np.float64),
            np.asarray(data["x_half_span"], dtype=np.float64),
            float(data["y_mean"]),
            float(data["y_std"]),
        )
