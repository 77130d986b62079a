"""A TaskBank built directly (not through from_tasks / from_grid) is checked too, and a
prediction whose correction would need unbounded memory is refused before any work."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rte import RelationalTaskExtrapolator, get_family, sample_bank
from rte.errors import ValidationError
from rte.tasks.bank import TaskBank

X = np.linspace(0, 1, 5)[None, :, None].repeat(3, 0)
Y = np.zeros((3, 5))
MASK = np.ones((3, 5), dtype=bool)
IDS = ("a", "b", "c")


def _nan_y() -> dict:
    y = Y.copy()
    y[1, 2] = np.nan
    return {"y": y}


def _mask_all_false_in_one_task() -> dict:
    mask = MASK.copy()
    mask[2] = False
    return {"mask": mask}


BAD = {
    "NaN output": (_nan_y(), "must be finite"),
    "inf input": ({"x": np.where(X > 0.9, np.inf, X)}, "must be finite"),
    "y of another shape": ({"y": Y[:, :4]}, "arrays must agree"),
    "mask of another shape": ({"mask": MASK[:2]}, "arrays must agree"),
    "mask not boolean": ({"mask": MASK.astype(int)}, "must be boolean"),
    "a task with no observation": (_mask_all_false_in_one_task(), "at least 3 observed"),
    "a single task": ({"x": X[:1], "y": Y[:1], "mask": MASK[:1], "ids": ("a",)}, "at least 2"),
    "x not 3-D": ({"x": X[..., 0]}, "3-D numpy array"),
    "ids not unique": ({"ids": ("a", "a", "b")}, "unique names"),
    "values too large": ({"y": Y + 1e200}, "Rescale it"),
    "params of another length": ({"params": np.zeros((2, 1))}, "one row per task"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_directly_built_bank_is_checked(case: str) -> None:
    changes, message = BAD[case]
    parts = {"x": X, "y": Y, "mask": MASK, "ids": IDS, "params": None, **changes}
    with pytest.raises(ValidationError, match=message):
        TaskBank(parts["x"], parts["y"], parts["mask"], parts["ids"], parts["params"])


def test_a_good_bank_builds_directly() -> None:
    bank = TaskBank(X, Y, MASK, IDS)
    assert bank.n_tasks == 3 and bank.dim == 1


@settings(max_examples=60, deadline=None)
@given(
    y=arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 6))),
    keep=st.integers(0, 6),
)
def test_any_bank_arrays_build_or_are_refused_clearly(y: np.ndarray, keep: int) -> None:
    m, n = y.shape
    x = np.broadcast_to(np.linspace(0, 1, n)[None, :, None], (m, n, 1)).copy()
    mask = np.zeros((m, n), dtype=bool)
    mask[:, : min(keep, n)] = True
    try:
        bank = TaskBank(x, y, mask, tuple(str(i) for i in range(m)))
    except ValidationError:
        return
    assert bank.n_tasks >= 2 and np.all(np.isfinite(bank.y)) and bank.mask.sum(1).min() >= 3


def test_a_huge_context_is_refused_before_any_work_with_the_limit_named() -> None:
    bank = sample_bank(get_family("quadratic"), 12, 16, np.random.default_rng(0))
    model = RelationalTaskExtrapolator(steps=5, width=8, probe_width=8).fit(bank)
    x = np.linspace(-3, 3, 20_000)
    with pytest.raises(ValidationError, match="at most 1000 context points"):
        model.predict(x, x**2, query_x=x[:5])
    # Without the correction the same context is predicted, in bounded memory.
    out = model.set_params(correction="none").predict(x, x**2, query_x=x[:5])
    assert out.y.shape == (5,) and np.all(np.isfinite(out.y))
