"""The symbolic operator finds a relation that holds between every two bank tasks, and
the relation carries a target far beyond the bank."""

from __future__ import annotations

from functools import cache

import numpy as np

from rte import TaskFamily, sample_bank, sample_targets
from rte.decompose.fitted import fit_law
from rte.operator import SymbolicOperator, operator_from_state
from rte.operator.symbolic import bank_curves

# Not a built-in family: (1 + x)^theta. Between two tasks f_j = f_i ^ (theta_j / theta_i).
GROWTH = TaskFamily("growth_test", lambda x, theta: (1.0 + x) ** theta, (1.0, 2.0), (0.0, 2.0))


@cache
def searched() -> tuple:
    bank = sample_bank(GROWTH, 40, 32, np.random.default_rng(0))
    return bank, SymbolicOperator.search(bank.x, bank.y, bank.mask, np.random.default_rng(1))


def test_the_search_finds_an_exact_law_with_one_free_constant() -> None:
    _, operator = searched()
    law = operator.law
    assert law.error < 1e-12, law.text()
    assert law.dim == 1, law.text()


def test_the_law_carries_a_far_target_from_its_context() -> None:
    bank, operator = searched()
    far = sample_targets(GROWTH, "F4", 6, np.random.default_rng(2), noise=0.0)
    curves = bank_curves(bank.x, bank.y, bank.mask)
    candidates = np.tile(np.arange(4), (6, 1))
    fit = fit_law(operator.law, curves, far.context_x, far.context_y, candidates, far.query_x)
    scale = np.mean(far.query_y**2)
    assert np.mean((fit.on_query - far.query_y) ** 2) < 1e-6 * scale


def test_state_round_trip_keeps_every_law_and_the_choice() -> None:
    _, operator = searched()
    chosen = operator.chosen(len(operator.laws) - 1)
    again = operator_from_state(chosen.state())
    assert [law.text() for law in again.laws] == [law.text() for law in chosen.laws]
    assert again.law.key == chosen.law.key
