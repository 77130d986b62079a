"""What a real bank declares: its loader, task variable, provenance and the cut fixed in advance.

Every bank is split by :func:`rte.tasks.holdout.holdout_split` (the same split as
``rte bench table`` on a user's table): the tasks whose variable is at least
``cut`` become targets, in ``near`` and ``far`` bands, and each target shows
``context_size`` of its own observations. The cut is a fixed value of the variable
(a year, a temperature, a wind speed, ...), chosen before any method was run on the
bank (docs/real.md says when and why for each).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rte.errors import ValidationError
from rte.tasks.bank import TaskBank
from rte.tasks.holdout import HoldoutSplit, SplitResult, holdout_split

# Noise added to a target's context: none, a context shows the bank's own values (measured,
# or simulated without noise). Methods that simulate contexts from the training tasks are
# told it, as they are told the context size (rte.bench.suites.real).
CONTEXT_NOISE = 0.0


@dataclass(frozen=True)
class RealBank:
    """A real bank: how to load it, what varies between its tasks, and where it is cut.

    ``load(seed)`` returns the bank of one seed's episode (targets included) with the
    task variable as its first parameter column: a simulated bank draws new tasks from
    the seed, a bank whose targets are dealt into sets keeps the seed's set, the other
    measured banks ignore it. ``requires`` names the modules it imports (the extra
    'real'); ``form`` the task family of the bank's known functional form (its
    ``TaskBank.family``, which ``family_fit`` fits; None: no known model).
    """

    name: str
    load: Callable[[int], TaskBank]
    variable: str
    cut: float
    x_label: str
    y_label: str
    source: str
    licence: str
    requires: tuple[str, ...]
    form: str | None = None
    simulated: bool = False
    context_size: int = 10
    context_size: int = 10

    def split(self, bank: TaskBank, rng: np.random.Generator) -> SplitResult:
        """Training tasks below the cut, targets at or above it (bands near and far)."""
        values = bank.params[:, 0]
        return holdout_split(bank, values, self.holdout(values), rng)

    def holdout(self, values: np.ndarray) -> HoldoutSplit:
        """The :class:`HoldoutSplit` that cuts ``values`` at :attr:`cut`."""
        return HoldoutSplit(
            share=share_above(values, self.cut),
            context_size=self.context_size,
            noise=CONTEXT_NOISE,
        )


def share_above(values: np.ndarray, cut: float) -> float:
    """The share for :func:`holdout_split` that holds out exactly the values >= ``cut``.

    The split cuts at the distinct value of index floor((1 - share) * n); with k of
    the n distinct values at or above the cut, share = (k - 1/2) / n lands that index
    on the smallest of them, safe from rounding.
    """
    distinct = np.unique(values)
    k = int((distinct >= cut).sum())
    if not 0 < k < len(distinct):
        raise ValidationError(
            f"Cutting at {cut:g} must leave tasks on both sides. Got {k} of {len(distinct)} "
            "distinct values at or above it."
        )
    return (k - 0.5) / len(distinct)
