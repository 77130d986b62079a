"""The compositional-extrapolation suite: ``rte bench comp``.

Per seed, ``--scale small`` (the default): the bank of twelve primitives and their
training compositions (:mod:`rte.tasks.composition`); targets of ``n_seen`` random
training compositions with fresh contexts (band ``seen``) and ``per_composition``
targets of every held-out composition (band ``unseen``, also reported per
composition). ``--scale large``: depth-3 compositions over ``n_primitives`` primitives
of the bounded library (:mod:`rte.tasks.deep_composition`), about 10^5 candidates per
target for 48 primitives; band ``unseen`` draws ``n_unseen`` triples outside the bank.

``--candidates bank`` (the default) lets every bank task anchor; ``--candidates band``
only tasks shallower than the targets (the ablation that knows the target's depth;
the rows that search candidates and the table titles say so).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from rte._params import at_least, one_of, optional, param
from rte.bench.runner import Episode
from rte.bench.suites.discrete import DiscreteSuiteConfig
from rte.errors import ValidationError
from rte.runtime import stream
from rte.tasks.composition import CompositionTasks
from rte.tasks.deep_composition import DeepCompositionTasks
from rte.tasks.sequence import CANDIDATE_SETS

COMP_BANDS = ("seen", "unseen")
# What the rows that search candidates, and the tables, say about the candidate set.
CANDIDATE_NOTE = {"bank": "", "band": " [candidates of the target's depth only: ablation]"}


@dataclass(frozen=True)
class CompSuiteConfig(DiscreteSuiteConfig):
    """Everything needed to rerun ``rte bench comp``; stored in results.json."""

    NAME: ClassVar[str] = "comp"
    BANDS: ClassVar[tuple[str, ...]] = COMP_BANDS

    PRESETS: ClassVar[dict[str, dict[str, int]]] = {
        "small": {"n_seen": 30},
        "large": {"n_seen": 20, "n_unseen": 20, "n_primitives": 48, "n_triples": 3000},
    }

    candidates: str = param(
        "bank",
        "bank: every bank task may anchor (the protocol); band: only tasks shallower than the "
        "targets, so the candidates have the targets' depth (an ablation; its rows say so).",
        one_of(*CANDIDATE_SETS),
    )
    per_composition: int = param(5, "Targets per held-out pair (small).", at_least(1))
    n_seen: int | None = param(
        None, "Targets of training compositions (preset: 30; large 20).", optional(at_least(1))
    )
    n_unseen: int | None = param(
        None, "large: targets outside the bank (preset: 20).", optional(at_least(1))
    )
    n_primitives: int | None = param(
        None, "large: primitives of the library (preset: 48).", optional(at_least(2))
    )
    n_triples: int | None = param(
        None, "large: depth-3 compositions in the bank (preset: 3000).", optional(at_least(1))
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.scale == "small":
            given = [n for n in ("n_unseen", "n_primitives", "n_triples") if getattr(self, n)]
            if given:
                raise ValidationError(
                    f"{', '.join(given)} set the large composition suite; add --scale large."
                )
        else:
            self.deep_tasks(0)  # bad sizes fail here, before any work

    def deep_tasks(self, seed: int) -> DeepCompositionTasks:
        """The large suite's primitives and training triples for one seed."""
        n = self.size("n_primitives")
        draw = int(stream(seed, "comp-large", "bank").integers(2**31))
        triples = min(self.size("n_triples"), n**3 // 2)
        return DeepCompositionTasks(n, triples, draw, self.candidates)

    @property
    def note(self) -> str:
        """What the table titles say about the candidate set (nothing for the protocol)."""
        return CANDIDATE_NOTE[self.candidates]

    def method_table(self, resolved: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
        """results.json's ``methods``; rows that search candidates say when the candidate
        set is the band-shaped ablation."""
        table = super().method_table(resolved)
        for row, info in table.items():
            if self.spec(row).cls.searches_candidates:
                info["description"] += self.note
        return table

    def episodes(self) -> Iterator[Episode]:
        """The bank and the targets of each seed, drawn from seed-derived streams."""
        if self.scale == "large":
            yield from self._deep_episodes()
            return
        tasks = CompositionTasks(candidates=self.candidates)
        bank = tasks.bank(self.n_points)
        for seed in self.seed_range():
            rng = stream(seed, "comp", "seen")
            seen = [tasks.pairs[i] for i in rng.choice(len(tasks.pairs), self.size("n_seen"))]
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

    @property
    def per_structure_band(self) -> str | None:
        """The paper-sized suite also reports the MSE of every held-out composition."""
        return "unseen" if self.scale == "small" else None

    def _deep_episodes(self) -> Iterator[Episode]:
        for seed in self.seed_range():
            tasks = self.deep_tasks(seed)
            targets = [
                tasks.targets(
                    band,
                    self.size(f"n_{band}"),
                    stream(seed, "comp-large", band),
                    **self.target_options,
                )
                for band in COMP_BANDS
            ]
            yield Episode("comp", seed, tasks.bank(self.n_points), targets)
