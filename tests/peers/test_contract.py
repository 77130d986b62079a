"""The contract every peer method keeps: registered with access levels, fit returns self,
predictions of the right shape, deterministic per seed, clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from rte.bench.param import PARAM_METHODS, PEER_METHODS, ParamSuiteConfig
from rte.errors import NotFittedError, ValidationError
from rte.registry import BANK, CONTEXT, build_method, get_method

# Tiny budgets: the contract, not the accuracy.
TINY = {
    "maml": {"meta_steps": 3, "width": 8},
    "fomaml": {"meta_steps": 3, "width": 8},
    "reptile": {"meta_steps": 3, "width": 8},
    "cnp": {"steps": 3, "width": 8},
    "bilinear": {"steps": 3, "width": 8, "n_anchors": 16, "n_diffs": 16},
    "snake_mlp": {"steps": 3, "width": 8},
}


def test_every_peer_is_covered() -> None:
    assert set(TINY) == set(PEER_METHODS)


@pytest.mark.parametrize("name", sorted(TINY))
def test_registered_with_access(name: str) -> None:
    assert get_method(name).access == (BANK, CONTEXT)
    ParamSuiteConfig(methods=(*PARAM_METHODS, name), seeds=1)


@pytest.mark.parametrize("name", sorted(TINY))
def test_fit_predict_deterministic(name: str, small_bank, in_support) -> None:
    model = build_method(name, seed=3, **TINY[name])
    assert model.fit(small_bank) is model
    first = model.predict_targets(in_support)
    again = build_method(name, seed=3, **TINY[name]).fit(small_bank).predict_targets(in_support)
    assert first.shape == in_support.query_y.shape
    assert np.all(np.isfinite(first))
    np.testing.assert_allclose(first, again, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", sorted(TINY))
def test_predict_before_fit_raises(name: str, in_support) -> None:
    with pytest.raises(NotFittedError):
        build_method(name, seed=0, **TINY[name]).predict_targets(in_support)


@pytest.mark.parametrize("name", sorted(TINY))
def test_bad_config_raises(name: str) -> None:
    with pytest.raises(ValidationError, match="width"):
        build_method(name, seed=0, width=0)
