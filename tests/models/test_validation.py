"""Bad input gets a clear error naming the problem, before any work is done."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rte import RelationalTaskExtrapolator, TaskFamily, get_family
from rte._validation import check_context
from rte.errors import NotFittedError, RTEError, ValidationError

X = np.linspace(-3, 3, 10)


def test_nan_in_context_is_rejected(fitted):
    y = 4.5 * X**2
    y[3] = np.nan
    with pytest.raises(ValidationError, match=r"context_y must be finite.*row 3"):
        fitted.predict(X, y, X)


def test_inf_in_context_inputs_is_rejected(fitted):
    x = X.copy()
    x[0] = np.inf
    with pytest.raises(ValidationError, match="context_x must be finite"):
        fitted.predict(x, X**2, X)


def test_mismatched_lengths_are_rejected(fitted):
    with pytest.raises(ValidationError, match="expected 10, got 9"):
        fitted.predict(X, X[:-1] ** 2, X)


def test_empty_context_is_rejected(fitted):
    with pytest.raises(ValidationError, match="at least one point"):
        fitted.predict([], [], X)


def test_query_with_other_input_dimension_is_rejected(fitted):
    with pytest.raises(ValidationError, match="query_x must have 1 input column"):
        fitted.predict(X, X**2, np.ones((5, 2)))


def test_support_with_low_not_below_high_is_rejected():
    with pytest.raises(ValidationError, match="low < high"):
        TaskFamily("bad", lambda x, theta: theta * x, support=(3.0, 1.0))


def test_unknown_family_lists_the_known_ones():
    with pytest.raises(ValidationError, match=r"Unknown family 'quadratik'.*quadratic"):
        get_family("quadratik")


def test_predict_before_fit_is_rejected():
    with pytest.raises(NotFittedError, match="not fitted yet"):
        RelationalTaskExtrapolator().predict(X, X**2, X)


def test_unknown_setting_is_rejected():
    with pytest.raises(ValidationError, match="Unknown option"):
        RelationalTaskExtrapolator(stepz=10)


def test_family_returning_nan_is_rejected():
    fam = TaskFamily("log", lambda x, theta: np.log(x * theta), support=(1, 2), domain=(-1, 1))
    with np.errstate(all="ignore"), pytest.raises(ValidationError, match="returned NaN/inf"):
        fam.evaluate(np.linspace(-1, 1, 5), np.array([1.5]))


finite = st.floats(-1e6, 1e6, allow_nan=False)
anything = st.floats(allow_nan=True, allow_infinity=True)


@settings(max_examples=150, deadline=None)
@given(
    x=hnp.arrays(np.float64, st.integers(0, 6), elements=anything),
    y=hnp.arrays(np.float64, st.integers(0, 6), elements=anything),
)
def test_check_context_accepts_only_finite_matching_nonempty(x, y):
    ok = len(x) > 0 and len(x) == len(y) and np.isfinite(x).all() and np.isfinite(y).all()
    if ok:
        cx, cy = check_context(x, y)
        assert cx.shape == (len(x), 1) and cy.shape == (len(y),)
    else:
        with pytest.raises(ValidationError):
            check_context(x, y)


@settings(max_examples=60, deadline=None)
@given(values=hnp.arrays(np.float64, st.integers(1, 8), elements=anything))
def test_predict_never_returns_nan(fitted, values):
    """Any context ends in finite predictions or rte's own error; sane ones always predict."""
    x = np.linspace(-3, 3, len(values))
    sane = np.isfinite(values).all() and np.abs(values).max() < 1e4
    try:
        out = fitted.predict(x, values, X)
    except RTEError:
        assert not sane
    else:
        assert np.isfinite(out.y).all()


def test_predict_batch_with_zero_targets_is_a_clear_error(fitted):
    """Issue 14, also: zero targets gave numpy's bare 'zero-size array' ValueError."""
    with pytest.raises(ValidationError, match="at least one target"):
        fitted.predict_batch(np.zeros((0, 5, 1)), np.zeros((0, 5)), np.zeros((0, 3, 1)))
