"""The families whose parameter acts non-linearly, and their place in the defaults."""

from __future__ import annotations

import numpy as np
import pytest

from rte.errors import ValidationError
from rte.tasks import TaskFamily, get_family, register_family
from rte.tasks.builtin import DEFAULT_PARAM_FAMILIES


@pytest.mark.parametrize(
    ("name", "params", "x", "expected"),
    [
        ("sine_frequency", [2.0, 0.5], 1.0, np.sin(2.5)),
        ("power", [3.0], 2.0, 8.0),
    ],
)
def test_values(name: str, params: list[float], x: float, expected: float) -> None:
    fam = get_family(name)
    assert name in DEFAULT_PARAM_FAMILIES
    assert fam.evaluate(np.array([x]), np.array(params))[0] == pytest.approx(expected)


@pytest.mark.parametrize("name", ["sine_frequency", "power"])
def test_far_band_is_finite(name: str) -> None:
    fam = get_family(name)
    params = fam.sample_params(np.random.default_rng(0), 5, "F2")
    x = np.linspace(*fam.domain, 50)
    assert all(np.all(np.isfinite(fam.evaluate(x, p))) for p in params)


def test_an_integer_seed_draws_a_reproducible_bank() -> None:
    """Issue 14, also: sample_bank(fam, 10, 16, 0) raised AttributeError."""
    from rte import sample_bank, sample_targets

    fam = get_family("quadratic")
    assert sample_bank(fam, 10, 16, 0).fingerprint() == sample_bank(fam, 10, 16, 0).fingerprint()
    np.testing.assert_array_equal(
        sample_targets(fam, "F2", 3, 5).query_y,
        sample_targets(fam, "F2", 3, np.random.default_rng(5)).query_y,
    )
    with pytest.raises(ValidationError, match="Generator or an integer seed"):
        sample_bank(fam, 10, 16, "0")


def test_register_family_refuses_text_and_taken_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 14, also: register_family("quadratic") raised AttributeError; registering under
    a built-in name replaced it silently."""
    from rte.tasks import family as module

    monkeypatch.setattr(module, "_FAMILIES", dict(module._FAMILIES))
    with pytest.raises(ValidationError, match="expects a TaskFamily"):
        register_family("quadratic")
    mine = TaskFamily("quadratic", lambda x, theta: theta * x, support=(0, 1))
    with pytest.raises(ValidationError, match=r"already registered.*replace=True"):
        register_family(mine)
    assert get_family("quadratic").description == "theta * x^2 + offset"
    assert register_family(mine, replace=True) is get_family("quadratic")


@pytest.mark.parametrize("support", [5, "ab", (1,), (1, 2, 3), None])
def test_a_malformed_support_is_a_validation_error(support: object) -> None:
    with pytest.raises(ValidationError, match="support must be two numbers"):
        TaskFamily("f", lambda x, theta: x, support=support)  # type: ignore[arg-type]
