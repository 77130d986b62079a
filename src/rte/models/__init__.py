"""The RTE estimators side by side: continuous (parameter regime), discrete (length and
composition, with relation labels or with relations discovered without them) and
sequence (a causal LM tuned with LoRA)."""

from rte.models.continuous import DecomposeParams, Prediction, RelationalTaskExtrapolator
from rte.models.discrete import DiscreteDecomposition, DiscreteParams, DiscreteRTE
from rte.models.sequence import SequenceRTE
from rte.models.unlabelled import UnlabelledRTE

__all__ = [
    "DecomposeParams",
    "DiscreteDecomposition",
    "DiscreteParams",
    "DiscreteRTE",
    "Prediction",
    "RelationalTaskExtrapolator",
    "SequenceRTE",
    "UnlabelledRTE",
]
