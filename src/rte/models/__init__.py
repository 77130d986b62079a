"""The RTE estimators side by side: continuous (parameter regime), discrete (length and
composition, with relation labels or with relations discovered without them) and
sequence (a causal LM tuned with LoRA). Imported on first use."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Prediction": "rte.models.continuous",
    "RelationalTaskExtrapolator": "rte.models.continuous",
    "DiscreteDecomposition": "rte.models.discrete",
    "DiscreteRTE": "rte.models.discrete",
    "SequenceRTE": "rte.models.sequence",
    "UnlabelledRTE": "rte.models.unlabelled",
}
__all__ = [
    "DiscreteDecomposition",
    "DiscreteRTE",
    "Prediction",
    "RelationalTaskExtrapolator",
    "SequenceRTE",
    "UnlabelledRTE",
]

if TYPE_CHECKING:
    from rte.models.continuous import Prediction, RelationalTaskExtrapolator
    from rte.models.discrete import DiscreteDecomposition, DiscreteRTE
    from rte.models.sequence import SequenceRTE
    from rte.models.unlabelled import UnlabelledRTE


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'rte.models' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value
