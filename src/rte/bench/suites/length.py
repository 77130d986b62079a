"""The length-extrapolation suite: ``rte bench length``.

Per seed: a bank of ``n_chains`` Horner-polynomial chains at depths 1..8
(:mod:`rte.tasks.length`); targets of depth 2..8 extending a bank chain (band
``L<=8``) and of depth 9 (band ``L9``), each with a noisy context and clean queries.
``--scale large`` grows the candidate set to about 10^5 (anchor, phi) pairs per
target: 1,200 chains over 16 coefficients.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from rte._params import at_least, optional, param
from rte.bench.runner import Episode
from rte.bench.suites.discrete import DiscreteSuiteConfig
from rte.runtime import stream
from rte.tasks.length import MAX_TRAIN_DEPTH, LengthTasks, coefficient_grid

LENGTH_BANDS = ("L<=8", "L9")


@dataclass(frozen=True)
class LengthSuiteConfig(DiscreteSuiteConfig):
    """Everything needed to rerun ``rte bench length``; stored in results.json."""

    NAME: ClassVar[str] = "length"
    BANDS: ClassVar[tuple[str, ...]] = LENGTH_BANDS

    PRESETS: ClassVar[dict[str, dict[str, int]]] = {
        "small": {"n_chains": 24, "n_coefficients": 4, "n_targets": 30},
        "large": {"n_chains": 1200, "n_coefficients": 16, "n_targets": 20},
    }

    n_chains: int | None = param(
        None, "Coefficient chains in the bank (preset: 24; large 1200).", optional(at_least(1))
    )
    n_coefficients: int | None = param(
        None,
        "Coefficients (labels) in the grid over [-1, 1], even (preset: 4; large 16).",
        optional(at_least(2)),
    )
    n_targets: int | None = param(
        None, "Target tasks per band (preset: 30; large 20).", optional(at_least(1))
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        coefficient_grid(self.size("n_coefficients"))  # an odd count fails here, before work

    def episodes(self) -> Iterator[Episode]:
        """The bank and the targets of each seed, drawn from seed-derived streams."""
        depths = {"L<=8": range(2, MAX_TRAIN_DEPTH + 1), "L9": [MAX_TRAIN_DEPTH + 1]}
        coefficients = coefficient_grid(self.size("n_coefficients"))
        for seed in self.seed_range():
            tasks = LengthTasks.sample(
                self.size("n_chains"), stream(seed, "length", "bank"), coefficients=coefficients
            )
            targets = [
                tasks.targets(
                    band,
                    list(depths[band]),
                    self.size("n_targets"),
                    stream(seed, "length", band),
                    **self.target_options,
                )
                for band in LENGTH_BANDS
            ]
            yield Episode("length", seed, tasks.bank(self.n_points), targets)
