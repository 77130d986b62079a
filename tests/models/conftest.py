"""Small fitted models shared by the core tests (fitting is deterministic, so sharing is safe)."""

import numpy as np
import pytest

from rte import RelationalTaskExtrapolator, TaskBank, get_family, sample_bank


@pytest.fixture(scope="session")
def quadratic_bank() -> TaskBank:
    return sample_bank(get_family("quadratic"), 60, 32, np.random.default_rng(7))


@pytest.fixture(scope="session")
def fitted(quadratic_bank: TaskBank) -> RelationalTaskExtrapolator:
    return RelationalTaskExtrapolator(operator="mlp", steps=1500, seed=3).fit(quadratic_bank)
