"""Methods register by name; the benchmark runner and the CLI only look names up here,
so adding a baseline is one new module."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from rte._validation import check_choice
from rte.tasks.bank import TargetSet, TaskBank

# What a method may see. Tables and results.json state it for every method.
BANK = "training bank"
CONTEXT = "target context"
TRUE_PARAMS = "true parameters"
TRUE_DECOMPOSITION = "true decomposition"


class FunctionMethod(Protocol):
    """A method of the function-prediction suites: fit on a bank, predict targets."""

    def fit(self, bank: TaskBank) -> FunctionMethod: ...

    def predict_targets(self, targets: TargetSet) -> np.ndarray:
        """Predictions at ``targets.query_x``, shape (T, Q)."""
        ...


@dataclass(frozen=True)
class MethodSpec:
    """A registered method: how to build it for a seed, and what it may see."""

    name: str
    build: Callable[..., FunctionMethod]
    access: tuple[str, ...]
    description: str


_METHODS: dict[str, MethodSpec] = {}


def register_method(
    name: str, access: tuple[str, ...], description: str
) -> Callable[[Callable[..., FunctionMethod]], Callable[..., FunctionMethod]]:
    """Decorator registering a method class (or factory) taking ``seed=`` under ``name``."""

    def wrap(build: Callable[..., FunctionMethod]) -> Callable[..., FunctionMethod]:
        _METHODS[name] = MethodSpec(name, build, access, description)
        return build

    return wrap


def get_method(name: str) -> MethodSpec:
    """Look a registered method up by name; unknown names list the known ones."""
    _load_builtin_methods()
    check_choice(name, _METHODS, "method")
    return _METHODS[name]


def method_names() -> list[str]:
    """Every registered method name, sorted."""
    _load_builtin_methods()
    return sorted(_METHODS)


def build_method(name: str, seed: int, **options: Any) -> FunctionMethod:
    """Construct method ``name`` for ``seed``."""
    return get_method(name).build(seed=seed, **options)


def _load_builtin_methods() -> None:
    import rte.baselines  # noqa: F401  (registers every built-in method)
