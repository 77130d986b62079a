"""Pieces several methods share: one fitted extrapolator per (bank, seed)."""

from __future__ import annotations

from functools import lru_cache

from rte.extrapolator import RelationalTaskExtrapolator
from rte.tasks.bank import TaskBank

_BANKS: dict[str, TaskBank] = {}


def fitted_extrapolator(bank: TaskBank, seed: int) -> RelationalTaskExtrapolator:
    """The RTE fitted on ``bank`` with ``seed``, fitted once and shared.

    ``rte``, ``transductive_oracle`` and ``inductive_t2v`` all use the same Psi or
    the same embedding; fitting is deterministic, so sharing changes no number and
    saves refitting.
    """
    key = bank.fingerprint()
    _BANKS[key] = bank
    return _fit(key, seed)


@lru_cache(maxsize=4)
def _fit(key: str, seed: int) -> RelationalTaskExtrapolator:
    return RelationalTaskExtrapolator(seed=seed).fit(_BANKS[key])
