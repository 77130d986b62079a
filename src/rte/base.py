"""The contract every method shares (the RTE estimators and each baseline).

An estimator is a keyword-only dataclass of hyperparameters declared with
:func:`rte._params.param` on top of scikit-learn's ``BaseEstimator``, so
``get_params`` / ``set_params`` / ``sklearn.base.clone`` work. ``__init__`` only
stores; ``fit`` validates, learns and returns ``self``; learned state lives in
trailing-underscore attributes. What a method may see at test time is declared
in ``sees`` with the codes of :data:`SEES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import numpy as np
from sklearn.base import BaseEstimator

from rte._params import at_least, check_known, fields, param, validate
from rte.errors import NotFittedError, ValidationError
from rte.tasks.bank import TargetSet, TaskBank

# What a method may see: one list of codes for every suite and table.
SEES: Mapping[str, str] = {
    "B": "training bank",
    "C": "target context",
    "L": "relation labels of the bank",
    "X": "executable task generators",
    "F": "the family's functional form",
    "P": "true parameters of the target",
    "D": "true decomposition of the target",
}
# A method that sees any of these is a reference (oracle) row, never "non-oracle".
ORACLE_CODES = frozenset("XFPD")


def check_sees(codes: str, owner: str) -> str:
    """Validate a string of access codes such as ``"BC"``."""
    unknown = sorted(set(codes) - set(SEES))
    if not codes or unknown:
        raise ValidationError(
            f"{owner}: sees must be a non-empty string of access codes among "
            f"{', '.join(SEES)}. Got {codes!r}."
        )
    return codes


def sees_legend() -> str:
    """'B = training bank, C = ...' for table captions."""
    return ", ".join(f"{code} = {what}" for code, what in SEES.items())


def check_is_fitted(estimator: Any, attribute: str) -> None:
    """Raise :class:`NotFittedError` unless ``estimator.<attribute>`` exists."""
    if not hasattr(estimator, attribute):
        raise NotFittedError(
            f"This {type(estimator).__name__} is not fitted yet. Call fit(bank) before using it."
        )


@dataclass(kw_only=True, repr=False, eq=False)
class Estimator(BaseEstimator):
    """Base of every method: declared hyperparameters, validated in :meth:`validate_params`.

    Subclasses are ``@dataclass(kw_only=True, repr=False, eq=False)`` and set the
    class attributes ``sees`` (access codes) and ``description`` (one line).
    """

    sees: ClassVar[str] = "BC"
    description: ClassVar[str] = ""
    # Hyperparameters that only matter at predict time: fits that differ only in
    # these are the same fit (see rte.models.shared.fit_shared).
    predict_params: ClassVar[frozenset[str]] = frozenset()
    # Whether equal fits are worth sharing between methods (large models only).
    share_fit: ClassVar[bool] = False

    seed: int = param(0, "Seed of every random choice.", at_least(0))

    def __new__(cls, *args: Any, **kwargs: Any) -> Estimator:
        # Refuse unknown hyperparameters with the valid names listed, before __init__'s
        # bare TypeError (scikit-learn's clone and copy call this with known names only).
        check_known(kwargs, {f.name for f in fields(cls)}, cls.__name__)
        return super().__new__(cls)

    def validate_params(self) -> None:
        """Check every hyperparameter against its declaration; called first in ``fit``."""
        validate(self, prefix=f"{type(self).__name__}.")


class FunctionMethod(Protocol):
    """A method of the function-prediction suites: fit on a bank, predict targets."""

    sees: ClassVar[str]

    def fit(self, bank: TaskBank) -> FunctionMethod: ...

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        """Predictions at ``targets.query_x``, shape (T, Q)."""
        ...
