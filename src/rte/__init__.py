"""rte: the Relational Task Extrapolator.

An unseen task is predicted as a seen anchor task plus a seen transformation:
``f_target(x) = Psi(x, f_anchor, phi)``. See the README for the quick start and
docs/architecture.md for how the package fits together.

The names below are imported on first use (``rte.RelationalTaskExtrapolator`` loads
torch, ``rte.method_names()`` does not), so ``import rte`` and the command line's
help start at once. ``rte.bench`` (benchmarks) and ``rte.testing`` (the method
contract check) are subpackages reachable the same way.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from rte._version import __version__

# Public name -> the module that defines it.
_EXPORTS = {
    "DiscreteDecomposition": "rte.models.discrete",
    "DiscreteRTE": "rte.models.discrete",
    "Prediction": "rte.models.continuous",
    "RelationalTaskExtrapolator": "rte.models.continuous",
    "TargetSet": "rte.tasks.bank",
    "TaskBank": "rte.tasks.bank",
    "TaskFamily": "rte.tasks.family",
    "family_names": "rte.tasks.family",
    "get_family": "rte.tasks.family",
    "get_method": "rte.registry",
    "method_names": "rte.registry",
    "register_family": "rte.tasks.family",
    "register_method": "rte.registry",
    "sample_bank": "rte.tasks.bank",
    "sample_targets": "rte.tasks.bank",
}
_SUBPACKAGES = ("bench", "testing")

__all__ = [
    "DiscreteDecomposition",
    "DiscreteRTE",
    "Prediction",
    "RelationalTaskExtrapolator",
    "TargetSet",
    "TaskBank",
    "TaskFamily",
    "__version__",
    "bench",
    "family_names",
    "get_family",
    "get_method",
    "method_names",
    "register_family",
    "register_method",
    "sample_bank",
    "sample_targets",
    "testing",
]

if TYPE_CHECKING:
    from rte import bench, testing
    from rte.models.continuous import Prediction, RelationalTaskExtrapolator
    from rte.models.discrete import DiscreteDecomposition, DiscreteRTE
    from rte.registry import get_method, method_names, register_method
    from rte.tasks.bank import TargetSet, TaskBank, sample_bank, sample_targets
    from rte.tasks.family import TaskFamily, family_names, get_family, register_family


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    elif name in _SUBPACKAGES:
        value = importlib.import_module(f"rte.{name}")
    else:
        raise AttributeError(f"module 'rte' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS, *_SUBPACKAGES])
