"""Checks of single settings values (names, counts, rates, ranges), in the message style of
:mod:`rte._validation`.

Plain Python on purpose: settings classes, the registry and the command line use only
these, so ``rte --help`` loads no numpy (docs/architecture.md, "Start-up").
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

from rte.errors import ValidationError


def check_range(low: Any, high: Any, name: str) -> tuple[float, float]:
    """Validate a finite interval with low < high."""
    try:
        lo, hi = float(low), float(high)
    except (TypeError, ValueError):
        raise ValidationError(
            f"{name} must be two numbers (low, high). Got ({low!r}, {high!r})."
        ) from None
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValidationError(f"{name} must be finite. Got ({lo}, {hi}).")
    if lo >= hi:
        raise ValidationError(
            f"{name} must have low < high. Got low={lo}, high={hi}; swap or widen the range."
        )
    return lo, hi


def check_choice(value: str, choices: Iterable[str], name: str) -> str:
    """Raise if ``value`` is not one of ``choices``, listing the valid ones."""
    options = sorted(choices)
    if value not in options:
        raise ValidationError(f"Unknown {name} {value!r}. Expected one of: {', '.join(options)}.")
    return value


def check_positive_int(value: Any, name: str, minimum: int = 1) -> int:
    """Validate an integer >= ``minimum`` (bools are refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValidationError(f"{name} must be an integer >= {minimum}. Got {value!r}.")
    if value < minimum:
        raise ValidationError(f"{name} must be an integer >= {minimum}. Got {value}.")
    return int(value)


def check_nonnegative(value: Any, name: str) -> float:
    """Validate a finite float >= 0."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{name} must be a number >= 0. Got {value!r}.") from None
    if not math.isfinite(out) or out < 0:
        raise ValidationError(f"{name} must be a finite number >= 0. Got {value!r}.")
    return out


def check_positive(value: Any, name: str) -> float:
    """Validate a finite float > 0 (learning rates, scales)."""
    out = check_nonnegative(value, name)
    if out == 0:
        raise ValidationError(f"{name} must be a finite number > 0. Got {value!r}.")
    return out
