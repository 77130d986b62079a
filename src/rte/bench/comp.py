"""The compositional-extrapolation suite: ``rte bench comp``.

Per seed: the bank of primitives and training compositions
(:mod:`rte.tasks.composition`); targets of ``n_seen`` random training compositions
with fresh contexts (band ``seen``) and ``per_composition`` targets of every held-out
composition (band ``unseen``, also reported per composition).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from rte._params import at_least, param
from rte.bench.discrete import DiscreteSuiteConfig, run_discrete_suite
from rte.bench.execution import Execution
from rte.bench.runner import Episode
from rte.bench.suite import Options, stream
from rte.tasks.composition import CompositionTasks

COMP_BANDS = ("seen", "unseen")


@dataclass(frozen=True)
class CompSuiteConfig(DiscreteSuiteConfig):
    """Everything needed to rerun ``rte bench comp``; stored in results.json."""

    per_composition: int = param(5, "Targets per held-out pair.", at_least(1))
    n_seen: int = param(30, "Targets of training compositions.", at_least(1))

    def episodes(self) -> Iterator[Episode]:
        """The bank and the targets of each seed, drawn from seed-derived streams."""
        tasks = CompositionTasks()
        bank = tasks.bank(self.n_points)
        for seed in self.seed_range():
            rng = stream(seed, "comp", "seen")
            seen = [tasks.pairs[i] for i in rng.choice(len(tasks.pairs), self.n_seen)]
            targets = [
                tasks.targets("seen", seen, 1, rng, **self.target_options),
                tasks.targets(
                    "unseen",
                    tasks.held_out,
                    self.per_composition,
                    stream(seed, "comp", "unseen"),
                    **self.target_options,
                ),
            ]
            yield Episode("comp", seed, bank, targets)


def run_comp_suite(
    config: CompSuiteConfig,
    out_dir: str | Path,
    options: Options | None = None,
    console: Console | None = None,
    execution: Execution | None = None,
) -> Path:
    """Run the suite: tables (aggregate and per composition), results.json, one plot."""
    return run_discrete_suite(
        "comp",
        config,
        config.episodes,
        COMP_BANDS,
        out_dir,
        options,
        per_structure_band="unseen",
        console=console,
        execution=execution,
    )
