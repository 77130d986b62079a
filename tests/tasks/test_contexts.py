"""Property-based: any context or query a user can hand in ends in an RTEError or in finite
predictions; never an unhandled exception, never NaN."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rte import RelationalTaskExtrapolator
from rte.errors import RTEError, ValidationError
from rte.tasks.table import TableColumns, load_targets

CONTEXT_CASES = 200
TABLE_CASES = 100
SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-1e6, 1e6),
    st.sampled_from([0.0, 1e308, -1e308, 1e-320]),
)
arrays = hnp.arrays(
    dtype=np.float64,
    shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6),
    elements=values,
)
junk = st.one_of(arrays, st.just("abc"), st.just([[1, "x"]]), st.none(), st.just([]))


def _predict_or_refuse(
    model: RelationalTaskExtrapolator, cx: object, cy: object, q: object
) -> None:
    try:
        out = model.predict(cx, cy, q)
    except RTEError:
        return
    assert np.all(np.isfinite(out.y))
    assert np.all(np.isfinite(out.phi))
    assert out.anchor_id[0] in model.bank_.task_ids


@settings(SETTINGS, max_examples=CONTEXT_CASES)
@given(cx=junk, cy=junk, q=junk)
def test_any_context_is_refused_or_predicted_finitely(
    table_model: RelationalTaskExtrapolator, cx: object, cy: object, q: object
) -> None:
    _predict_or_refuse(table_model, cx, cy, q)


@settings(SETTINGS, max_examples=CONTEXT_CASES // 2)
@given(
    k=st.integers(1, 8),
    xs=st.lists(values, min_size=8, max_size=8),
    ys=st.lists(values, min_size=8, max_size=8),
)
def test_well_shaped_contexts_with_extreme_values(
    table_model: RelationalTaskExtrapolator, k: int, xs: list[float], ys: list[float]
) -> None:
    _predict_or_refuse(table_model, np.array(xs[:k]), np.array(ys[:k]), np.array(xs))


def test_a_context_far_outside_the_bank_on_repeated_inputs(
    table_model: RelationalTaskExtrapolator,
) -> None:
    # Found by the test above: the residual GP's covariance was not positive definite.
    xs = np.array([0.0, 0.0, 737308.0, 737308.0, 0.0, 0.0, 0.0, 0.0])
    _predict_or_refuse(table_model, xs[:4], np.zeros(4), xs)


@settings(SETTINGS, max_examples=TABLE_CASES)
@given(
    ctx=st.lists(st.tuples(st.sampled_from(["a", "b", ""]), values, values), max_size=6),
    qry=st.lists(st.tuples(st.sampled_from(["a", "b", ""]), values), max_size=4),
    x_name=st.sampled_from(["x", "x1", "z"]),
)
def test_any_context_table_is_refused_or_predicted_finitely(
    table_model: RelationalTaskExtrapolator,
    ctx: list[tuple[str, float, float]],
    qry: list[tuple[str, float]],
    x_name: str,
) -> None:
    with tempfile.TemporaryDirectory() as root:
        c, q = Path(root) / "c.csv", Path(root) / "q.csv"
        pd.DataFrame(ctx, columns=["task", x_name, "y"]).to_csv(c, index=False)
        pd.DataFrame(qry, columns=["task", x_name]).to_csv(q, index=False)
        try:
            targets = load_targets(c, q, TableColumns(x=("x",)))
        except ValidationError:
            return
    for (cx, cy), qx in zip(targets.contexts, targets.queries, strict=True):
        _predict_or_refuse(table_model, cx, cy, qx)


def test_context_of_wrong_dimension_is_refused(table_model: RelationalTaskExtrapolator) -> None:
    with pytest.raises(ValidationError, match="1 input column"):
        table_model.predict(np.zeros((4, 2)), np.zeros(4), np.zeros((3, 2)))
