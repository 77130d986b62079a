"""Fits several methods share: one fitted model per (bank contents, seed)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

from rte.extrapolator import RelationalTaskExtrapolator
from rte.tasks.bank import TaskBank

Model = TypeVar("Model")


class SharedFits(Generic[Model]):
    """Deterministic fits reused across methods, keeping only the most recent few.

    ``rte``, ``transductive_oracle`` and ``inductive_t2v`` use the same Psi or the same
    embedding; fitting is deterministic for a seed, so sharing changes no number and
    saves refitting.
    """

    def __init__(self, fit: Callable[[TaskBank, int], Model], size: int = 2) -> None:
        self._fit = fit
        self._size = size
        self._models: OrderedDict[tuple[str, int], Model] = OrderedDict()

    def __call__(self, bank: TaskBank, seed: int) -> Model:
        """The model fitted on ``bank`` with ``seed``, fitting it on first use."""
        key = (bank.fingerprint(), seed)
        if key not in self._models:
            self._models[key] = self._fit(bank, seed)
            while len(self._models) > self._size:
                self._models.popitem(last=False)
        self._models.move_to_end(key)
        return self._models[key]


fitted_extrapolator: SharedFits[RelationalTaskExtrapolator] = SharedFits(
    lambda bank, seed: RelationalTaskExtrapolator(seed=seed).fit(bank)
)
