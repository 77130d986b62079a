"""The CNP against a network fitted on the context alone, and its predictive std."""

from __future__ import annotations

import numpy as np

from rte.baselines.cnp import CNP
from rte.baselines.context_mlp import ContextMLP


def test_cnp_beats_context_mlp_in_support(small_bank, in_support) -> None:
    cnp = CNP(seed=0, steps=600).fit(small_bank)
    ctx = ContextMLP(seed=0).fit(small_bank)
    mse_cnp = np.mean((cnp.predict_targets(in_support) - in_support.query_y) ** 2)
    mse_ctx = np.mean((ctx.predict_targets(in_support) - in_support.query_y) ** 2)
    assert mse_cnp < mse_ctx


def test_predictive_std_is_positive(small_bank, in_support) -> None:
    mean, std = CNP(seed=0, steps=5).fit(small_bank).predict_distribution(in_support)
    assert mean.shape == std.shape == in_support.query_y.shape
    assert np.all(std > 0)
