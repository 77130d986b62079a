"""The runner's scoring of what a method found against the truth it never sees.

A method returns predictions and, through its optional hooks
(:class:`rte.base.Hooks`), the decompositions it found and the codes of the relations
it discovered; this module compares them with the targets' and the bank's true labels,
which only the runner holds (a method may lack access D or L).

- Decomposition top-1 accuracy: the found anchor is the true anchor task or a bank task
  with identical observations (:func:`rte.tasks.bank.task_groups`), and phi is the
  true relation label, or, for discovered relations, the code the bank's pairs of that
  relation mostly get.
- recall@k: the share of targets whose true decomposition is among the proposer's first k.
- relation_ami: adjusted mutual information between discovered codes and the true
  relations over the bank pairs one relation apart (band ``bank``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from rte.tasks.bank import TargetSet, TaskBank, task_groups

if TYPE_CHECKING:
    from rte.base import FoundDecompositions

Codes = Callable[[np.ndarray, np.ndarray], Sequence[str]]


def labelled_pairs(bank: TaskBank) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The bank's pairs one true relation apart: anchor indices, task indices, labels."""
    index = {tid: i for i, tid in enumerate(bank.task_ids)}
    pairs = [
        (index[lb.anchor], j, lb.phi)
        for j, lb in enumerate(bank.labels or ())
        if lb.phi is not None and lb.anchor in index
    ]
    return (
        np.array([p[0] for p in pairs], dtype=int),
        np.array([p[1] for p in pairs], dtype=int),
        [p[2] for p in pairs],
    )


def relation_metrics(bank: TaskBank, codes: Codes) -> tuple[dict[str, float], dict[str, str]]:
    """AMI of discovered codes against the bank's true relations, and each true relation's
    most frequent code (what a target of that relation should get)."""
    from sklearn.metrics import adjusted_mutual_info_score

    anchors, tasks, truth = labelled_pairs(bank)
    found = list(codes(anchors, tasks))
    code_of = {
        label: Counter(c for c, t in zip(found, truth, strict=True) if t == label).most_common(1)[
            0
        ][0]
        for label in set(truth)
    }
    return {"relation_ami": float(adjusted_mutual_info_score(truth, found))}, code_of


def decomposition_metrics(
    found: FoundDecompositions,
    targets: TargetSet,
    bank: TaskBank,
    code_of: Mapping[str, str] | None = None,
) -> dict[str, float]:
    """Top-1 accuracy, recall@k of the proposals, seconds per target and candidates of
    ``found`` against ``targets``' true labels; ``code_of`` maps a true relation to the
    discovered code standing for it (methods without labels)."""
    group = dict(zip(bank.task_ids, task_groups(bank).tolist(), strict=True))
    labels = targets.labels or ()
    truth = [
        (group.get(lb.anchor), lb.phi if code_of is None else code_of.get(lb.phi)) for lb in labels
    ]

    def right(anchor: str, phi: str, true: tuple[int | None, str | None]) -> bool:
        return true[0] is not None and group.get(anchor) == true[0] and phi == true[1]

    correct = [right(a, p, t) for a, p, t in zip(found.anchor_id, found.phi, truth, strict=True)]
    metrics = {
        "decomposition_accuracy": float(np.mean(correct)),
        "seconds": float(found.seconds_per_target),
        "candidates": float(found.candidates),
    }
    for k, lists in found.proposals.items():
        hits = [any(right(a, p, t) for a, p in row) for row, t in zip(lists, truth, strict=True)]
        metrics[f"recall_at_{k}"] = float(np.mean(hits))
    return metrics
