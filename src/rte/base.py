"""The contract every method shares (RTE, each baseline): keyword hyperparameters,
``fit`` returning self, learned state in trailing-underscore attributes."""

from __future__ import annotations

from typing import Any

from rte.errors import NotFittedError


def check_is_fitted(estimator: Any, attribute: str) -> None:
    """Raise :class:`NotFittedError` unless ``estimator.<attribute>`` exists."""
    if not hasattr(estimator, attribute):
        raise NotFittedError(
            f"This {type(estimator).__name__} is not fitted yet. Call fit(bank) before using it."
        )
