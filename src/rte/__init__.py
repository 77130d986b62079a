"""rte: the Relational Task Extrapolator.

An unseen task is predicted as a seen anchor task plus a seen transformation:
``f_target(x) = Psi(x, f_anchor, phi)``. See the README for the quick start and
docs/architecture.md for how the package fits together.
"""

from rte._version import __version__
from rte.models import DiscreteDecomposition, DiscreteRTE, Prediction, RelationalTaskExtrapolator
from rte.registry import get_method, method_names, register_method
from rte.tasks import (
    TargetSet,
    TaskBank,
    TaskFamily,
    family_names,
    get_family,
    register_family,
    sample_bank,
    sample_targets,
)

__all__ = [
    "DiscreteDecomposition",
    "DiscreteRTE",
    "Prediction",
    "RelationalTaskExtrapolator",
    "TargetSet",
    "TaskBank",
    "TaskFamily",
    "__version__",
    "family_names",
    "get_family",
    "get_method",
    "method_names",
    "register_family",
    "register_method",
    "sample_bank",
    "sample_targets",
]
