"""rte: the Relational Task Extrapolator.

An unseen task is predicted as a seen anchor task plus a seen transformation:
``f_target(x) = Psi(x, f_anchor, phi)``. See the README for the quick start.
"""

__version__ = "0.1.0"

from rte.extrapolator import Decomposition, RelationalTaskExtrapolator, RTEConfig
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
    "Decomposition",
    "RTEConfig",
    "RelationalTaskExtrapolator",
    "TargetSet",
    "TaskBank",
    "TaskFamily",
    "__version__",
    "family_names",
    "get_family",
    "register_family",
    "sample_bank",
    "sample_targets",
]
