"""The compositional-extrapolation suite: ``rte bench comp``.

Per seed: the bank of primitives and training compositions
(:mod:`rte.tasks.composition`); targets of ``n_seen`` random training compositions
with fresh contexts (band ``seen``) and ``per_composition`` targets of every held-out
composition (band ``unseen``, also reported per composition).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rich.console import Console

from rte._validation import check_positive_int
from rte.bench.discrete import DiscreteSuiteConfig, run_discrete_suite
from rte.bench.runner import Episode
from rte.tasks.composition import CompositionTasks

COMP_BANDS = ("seen", "unseen")


@dataclass(frozen=True)
class CompSuiteConfig(DiscreteSuiteConfig):
    """Everything needed to rerun ``rte bench comp``; stored in results.json."""

    per_composition: int = field(default=5, metadata={"help": "Targets per held-out pair."})
    n_seen: int = field(default=30, metadata={"help": "Targets of training compositions."})

    def __post_init__(self) -> None:
        super().__post_init__()
        check_positive_int(self.per_composition, "per_composition")
        check_positive_int(self.n_seen, "n_seen")

    def episodes(self) -> Iterator[Episode]:
        """The bank and the targets of each seed, drawn from seed-derived streams."""
        tasks = CompositionTasks()
        bank = tasks.bank(self.n_points)
        for seed in self.seed_range():
            rng = np.random.default_rng([seed, 2, 0])
            seen = [tasks.pairs[i] for i in rng.choice(len(tasks.pairs), self.n_seen)]
            targets = [
                tasks.targets("seen", seen, 1, rng, **self.target_options),
                tasks.targets(
                    "unseen",
                    tasks.held_out,
                    self.per_composition,
                    np.random.default_rng([seed, 2, 1]),
                    **self.target_options,
                ),
            ]
            yield Episode("comp", seed, bank, targets)


def run_comp_suite(
    config: CompSuiteConfig, out_dir: str | Path, console: Console | None = None
) -> Path:
    """Run the suite: tables (aggregate and per composition), results.json, one plot."""
    return run_discrete_suite(
        "comp",
        config,
        config.episodes,
        COMP_BANDS,
        out_dir,
        per_structure_band="unseen",
        console=console,
    )
