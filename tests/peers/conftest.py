"""A small bank and targets shared by the peer-method tests (tiny, so tests stay fast)."""

from __future__ import annotations

import numpy as np
import pytest

from rte.tasks import get_family, sample_bank, sample_targets
from rte.tasks.bank import TargetSet, TaskBank


@pytest.fixture(scope="session")
def small_bank() -> TaskBank:
    return sample_bank(get_family("sine_frequency"), 40, 32, np.random.default_rng(7))


@pytest.fixture(scope="session")
def in_support() -> TargetSet:
    fam = get_family("sine_frequency")
    return sample_targets(fam, "in_support", 12, np.random.default_rng(8), n_query=40)
