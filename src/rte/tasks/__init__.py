"""Task families, banks of training tasks, and target sets."""

from rte.tasks import builtin as _builtin  # noqa: F401  (registers the built-in families)
from rte.tasks.bank import RelationLabel, TargetSet, TaskBank, sample_bank, sample_targets
from rte.tasks.family import (
    BANDS,
    TaskFamily,
    family_names,
    get_family,
    register_family,
    seal_builtin_families,
)
from rte.tasks.real import forms as _forms  # noqa: F401  (registers the real banks' forms)

seal_builtin_families()

__all__ = [
    "BANDS",
    "RelationLabel",
    "TargetSet",
    "TaskBank",
    "TaskFamily",
    "family_names",
    "get_family",
    "register_family",
    "sample_bank",
    "sample_targets",
]
