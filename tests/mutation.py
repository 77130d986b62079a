"""Wrong answers substituted for one method's predictions, to prove the tests catch them.

``RTE_MUTATE=METHOD:KIND`` (set by ``benchmarks/check_wrong_answers.py``) makes the
test session replace the predictions of METHOD's estimator class with

- ``zeros``: zeros;
- ``mean``: each target's context mean;
- ``interpolation``: the piecewise-linear interpolation of each target's context
  (:func:`rte.testing.context_interpolation`: no bank, no model);
- ``anchor``: the anchor's own curve (Psi returns the anchor's value unchanged;
  relational methods only);
- ``constant``: each target's most common context output for every query
  (:func:`rte.testing.constant_answer`; sequence methods only).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np

from rte import get_method
from rte.operator.labelled import LabelledOperator
from rte.operator.psi import RelationalOperator
from rte.testing import constant_answer, context_interpolation

FUNCTION_KINDS = ("zeros", "mean", "interpolation")
KINDS = (*FUNCTION_KINDS, "anchor", "constant")


def _fill(kind: str, context_x: Any, context_y: Any, query_x: Any, like: np.ndarray) -> np.ndarray:
    """The wrong answer ``kind`` in the shape of ``like``: (Q,) for one target, (T, Q)."""
    if kind == "zeros":
        return np.zeros_like(like)
    if kind == "interpolation":
        t, q = (1, like.shape[0]) if like.ndim == 1 else like.shape
        targets = SimpleNamespace(
            context_x=np.asarray(context_x, dtype=float).reshape(t, -1, 1),
            context_y=np.asarray(context_y, dtype=float).reshape(t, -1),
            query_x=np.asarray(query_x, dtype=float).reshape(t, q, 1),
        )
        return context_interpolation(targets).reshape(like.shape)
    mean = np.asarray(context_y, dtype=float).mean(-1, keepdims=True)
    return np.broadcast_to(mean, like.shape).copy()


def _wrap_targets(kind: str, original: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
    def predict_targets(self: Any, targets: Any) -> np.ndarray:
        out = original(self, targets)
        return _fill(kind, targets.context_x, targets.context_y, targets.query_x, out)

    return predict_targets


def _wrap_distribution(kind: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def predict_distribution(self: Any, targets: Any) -> tuple[np.ndarray, np.ndarray]:
        mean, std = original(self, targets)
        return _fill(kind, targets.context_x, targets.context_y, targets.query_x, mean), std

    return predict_distribution


def _wrap_prediction(kind: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def predict(self: Any, context_x: Any, context_y: Any, query_x: Any, *rest: Any) -> Any:
        out = original(self, context_x, context_y, query_x, *rest)
        return dataclasses.replace(out, y=_fill(kind, context_x, context_y, query_x, out.y))

    return predict


def _wrap_answer(original: Callable[..., Any]) -> Callable[..., Any]:
    def answer(self: Any, target: Any) -> Any:
        return dataclasses.replace(original(self, target), outputs=constant_answer(target))

    return answer


def _copy_anchor(original: Callable[..., Any]) -> Callable[..., Any]:
    """Psi that returns the anchor's value once trained (training itself is untouched)."""

    def forward(self: Any, x: Any, anchor_y: Any, phi: Any) -> Any:
        return original(self, x, anchor_y, phi) if self.training else anchor_y

    return forward


def apply(spec: str) -> None:
    """Install the mutation ``METHOD:KIND`` for this process."""
    name, _, kind = spec.partition(":")
    if kind not in KINDS:
        raise ValueError(f"RTE_MUTATE kind must be one of {KINDS}. Got {kind!r}.")
    if kind == "anchor":
        for operator in (RelationalOperator, LabelledOperator):
            operator.forward = _copy_anchor(operator.forward)  # type: ignore[method-assign]
        return
    cls = get_method(name).cls
    if kind == "constant":
        cls.answer = _wrap_answer(cls.answer)  # type: ignore[attr-defined]
        return
    cls.predict_targets = _wrap_targets(kind, cls.predict_targets)  # type: ignore[method-assign]
    if hasattr(cls, "predict_distribution"):
        cls.predict_distribution = _wrap_distribution(kind, cls.predict_distribution)
    for attr in ("predict", "predict_batch"):
        if hasattr(cls, attr):
            setattr(cls, attr, _wrap_prediction(kind, getattr(cls, attr)))
