"""The length-extrapolation suite: ``rte bench length``.

Per seed: a bank of ``n_chains`` Horner-polynomial chains at depths 1..8
(:mod:`rte.tasks.length`); targets of depth 2..8 extending a bank chain (band
``L<=8``) and of depth 9 (band ``L9``), each with a noisy context and clean queries.
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
from rte.tasks.length import MAX_TRAIN_DEPTH, LengthTasks

LENGTH_BANDS = ("L<=8", "L9")


@dataclass(frozen=True)
class LengthSuiteConfig(DiscreteSuiteConfig):
    """Everything needed to rerun ``rte bench length``; stored in results.json."""

    n_chains: int = param(24, "Coefficient chains in the bank.", at_least(1))
    n_targets: int = param(30, "Target tasks per band.", at_least(1))

    def episodes(self) -> Iterator[Episode]:
        """The bank and the targets of each seed, drawn from seed-derived streams."""
        depths = {"L<=8": range(2, MAX_TRAIN_DEPTH + 1), "L9": [MAX_TRAIN_DEPTH + 1]}
        for seed in self.seed_range():
            tasks = LengthTasks.sample(self.n_chains, stream(seed, "length", "bank"))
            targets = [
                tasks.targets(
                    band,
                    list(depths[band]),
                    self.n_targets,
                    stream(seed, "length", band),
                    **self.target_options,
                )
                for band in LENGTH_BANDS
            ]
            yield Episode("length", seed, tasks.bank(self.n_points), targets)


def run_length_suite(
    config: LengthSuiteConfig,
    out_dir: str | Path,
    options: Options | None = None,
    console: Console | None = None,
    execution: Execution | None = None,
) -> Path:
    """Run the suite: tables, results.json and the plot of one depth-9 target."""
    return run_discrete_suite(
        "length",
        config,
        config.episodes,
        LENGTH_BANDS,
        out_dir,
        options,
        console=console,
        execution=execution,
    )
