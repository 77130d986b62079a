"""The base of methods that see the target's context alone (access C)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, Self

from rte.base import Estimator
from rte.tasks.bank import TaskBank


class ContextOnly(Estimator):
    """A method fitted per target on its context: the bank teaches it nothing (it does not
    see it), so ``fit`` keeps the input dimension only."""

    sees: ClassVar[str] = "C"
    fitted: ClassVar[Mapping[str, str]] = {"dim_": "input dimension of the tasks"}

    def fit(self, bank: TaskBank) -> Self:
        """Check the hyperparameters and keep the bank's input dimension."""
        self.validate_params()
        self.dim_ = bank.dim
        return self
