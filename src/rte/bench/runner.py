"""Run methods on the same banks and targets, and collect records.

The runner is suite-agnostic: a suite supplies, per (family, seed), one bank and its
target sets; every method is fitted on that bank and predicts those targets, so all
methods see the same tasks, contexts, queries and seeds by construction.

Methods come as builders: a suite resolves each method's options once (so a bad
option fails before any work) and the runner builds a fresh estimator per episode
with the episode's seed. A method with ``predict_distribution(targets) -> (mean,
std or None)`` is scored on its intervals too (:mod:`rte.intervals`). A method may
report extra per-band metrics through ``target_metrics(targets) -> {metric:
value}``, called right after it predicted those targets (decomposition accuracy,
decomposition seconds per target).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from rte.base import Estimator
from rte.bench.execution import Execution, map_ordered
from rte.bench.results import Record
from rte.errors import ValidationError
from rte.intervals import interval_metrics
from rte.models.shared import fit_shared
from rte.tasks.bank import TargetSet, TaskBank

# Builds a method's estimator for an episode's seed.
Builder = Callable[[int], Estimator]


@dataclass(frozen=True)
class Episode:
    """One family at one seed: the bank every method fits and the targets per band."""

    family: str
    seed: int
    bank: TaskBank
    targets: Sequence[TargetSet]


@dataclass
class EpisodeOutput:
    """Predictions per (method, band) and, for methods with predictive distributions,
    their standard deviations: kept for plots."""

    episode: Episode
    predictions: dict[tuple[str, str], np.ndarray]
    stds: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)


EpisodeRun = tuple[list[Record], EpisodeOutput]


def mse_per_target(pred: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Mean squared error per target over its query points."""
    return ((pred - truth) ** 2).mean(axis=1)


def run_episode(episode: Episode, methods: Mapping[str, Builder]) -> EpisodeRun:
    """Fit every method on the episode's bank and score it on every target set."""
    records: list[Record] = []
    out = EpisodeOutput(episode, {})
    for name, build in methods.items():
        start = time.perf_counter()
        method = fit_shared(build(episode.seed), episode.bank)
        extra = getattr(method, "target_metrics", None)
        distribution = getattr(method, "predict_distribution", None)
        for targets in episode.targets:
            metrics: dict[str, float] = {}
            if distribution is None:
                pred = np.asarray(method.predict_targets(targets), dtype=np.float64)
            else:
                mean, std = distribution(targets)
                pred = np.asarray(mean, dtype=np.float64)
                if std is not None:
                    std = np.asarray(std, dtype=np.float64)
                    metrics = interval_metrics(pred, std, targets.query_y)
                    out.stds[(name, targets.band)] = std
            if pred.shape != targets.query_y.shape or not np.all(np.isfinite(pred)):
                raise ValidationError(
                    f"Method {name!r} returned predictions of shape {pred.shape} with "
                    f"non-finite values={not np.all(np.isfinite(pred))} on "
                    f"{episode.family}/{targets.band}; expected finite {targets.query_y.shape}."
                )
            out.predictions[(name, targets.band)] = pred
            metrics = {"mse": float(mse_per_target(pred, targets.query_y).mean()), **metrics}
            metrics |= extra(targets) if extra else {}
            for metric, number in metrics.items():
                records.append(
                    Record(episode.family, name, targets.band, episode.seed, metric, float(number))
                )
        seconds = time.perf_counter() - start
        records.append(Record(episode.family, name, "all", episode.seed, "seconds", seconds))
    return records, out


def run_episodes(
    episodes: Callable[[], Iterator[Episode]],
    n_episodes: int,
    methods: Mapping[str, Builder],
    progress: bool = True,
    execution: Execution | None = None,
) -> tuple[list[Record], list[EpisodeOutput]]:
    """Fit and evaluate every method on every episode; MSE and seconds per method.

    ``methods`` maps the name a method is recorded under to its builder. Episodes run
    where ``execution`` says (default: one worker process per core); records come
    back in episode order whatever ran where.
    """
    records: list[Record] = []
    outputs: list[EpisodeOutput] = []
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        disable=not progress,
    ) as bar:
        task = bar.add_task(f"{len(methods)} method(s), episodes", total=n_episodes)
        for episode_records, out in map_ordered(
            partial(run_episode, methods=methods),
            episodes(),
            n_episodes,
            execution,
            on_done=lambda: bar.advance(task),
        ):
            records += episode_records
            outputs.append(out)
    return records, outputs
