"""Wrong answers substituted for one method's predictions, to prove the tests catch them.

``RTE_MUTATE=METHOD:KIND`` (set by ``benchmarks/check_wrong_answers.py``) makes the
test session replace the predictions of METHOD's estimator class with

- ``zeros``: zeros;
- ``mean``: each target's context mean;
- ``anchor``: the anchor's own curve (Psi returns the anchor's value unchanged;
  relational methods only);
- ``constant``: for sequence methods, every query answered with the target's first
  context output.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np

from rte import get_method
from rte.operator.labelled import LabelledOperator
from rte.operator.psi import RelationalOperator

KINDS = ("zeros", "mean", "anchor", "constant")


def _fill(kind: str, context_y: Any, like: np.ndarray) -> np.ndarray:
    if kind == "zeros":
        return np.zeros_like(like)
    mean = np.asarray(context_y, dtype=float).mean(-1, keepdims=True)
    return np.broadcast_to(mean, like.shape).copy()


def _wrap_targets(kind: str, original: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
    def predict_targets(self: Any, targets: Any) -> np.ndarray:
        return _fill(kind, targets.context_y, original(self, targets))

    return predict_targets


def _wrap_distribution(kind: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def predict_distribution(self: Any, targets: Any) -> tuple[np.ndarray, np.ndarray]:
        mean, std = original(self, targets)
        return _fill(kind, targets.context_y, mean), std

    return predict_distribution


def _wrap_prediction(kind: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def predict(self: Any, context_x: Any, context_y: Any, query_x: Any, *rest: Any) -> Any:
        out = original(self, context_x, context_y, query_x, *rest)
        return dataclasses.replace(out, y=_fill(kind, context_y, out.y))

    return predict


def _copy_anchor(original: Callable[..., Any]) -> Callable[..., Any]:
    """Psi that returns the anchor's value once trained (training itself is untouched)."""

    def forward(self: Any, x: Any, anchor_y: Any, phi: Any) -> Any:
        return original(self, x, anchor_y, phi) if self.training else anchor_y

    return forward


def _constant_answers(original: Callable[..., Any]) -> Callable[..., Any]:
    def answer(self: Any, target: Any) -> Any:
        out = original(self, target)
        same = (target.context[0][1],) * len(out.outputs)
        return dataclasses.replace(out, outputs=same)

    return answer


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
        cls.answer = _constant_answers(cls.answer)  # type: ignore[attr-defined]
        return
    cls.predict_targets = _wrap_targets(kind, cls.predict_targets)  # type: ignore[method-assign]
    if hasattr(cls, "predict_distribution"):
        cls.predict_distribution = _wrap_distribution(kind, cls.predict_distribution)
    for attr in ("predict", "predict_batch"):
        if hasattr(cls, attr):
            setattr(cls, attr, _wrap_prediction(kind, getattr(cls, attr)))
