"""Run methods on the same banks and targets, and collect records.

The runner is suite-agnostic: a suite supplies, per (family, seed), one bank and its
target sets; every method is fitted on that bank and predicts those targets, so all
methods see the same tasks, contexts, queries and seeds by construction.

Methods come as builders: a suite resolves each method's options once (so a bad
option fails before any work) and the runner builds a fresh estimator per episode
with the episode's seed. Each method sees the bank and the targets through views that
hold only the fields its access codes allow. A method with
``predict_distribution(targets) -> (mean, std or None)`` is scored on its intervals too
(:mod:`rte.intervals`); one with ``decompositions(targets)`` on the decompositions it
found, one with ``relation_codes`` on the relations it discovered (band ``bank``):
the runner compares them with the truth (:mod:`rte.bench.scoring`). These optional hooks
are declared in :class:`rte.base.Hooks` and checked when a method class is declared.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from rte.bench.display import failure_lines, results_table
from rte.bench.execution import Execution, map_ordered
from rte.bench.results import Record, TargetScores, write_results
from rte.bench.settings import MethodsConfig, Options
from rte.errors import MethodFailedError, ValidationError
from rte.tasks.bank import TargetSet, TaskBank

if TYPE_CHECKING:
    from rte.base import Estimator

# Builds a method's estimator for an episode's seed.
Builder = Callable[[int], "Estimator"]


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
    their standard deviations (kept for plots); per-target scores, what served each
    fit, and the methods that failed on the episode (:class:`MethodFailedError`), whose
    rows hold nothing of it."""

    episode: Episode
    predictions: dict[tuple[str, str], np.ndarray]
    stds: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    scores: list[TargetScores] = field(default_factory=list)
    fits: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)

    def add(self, part: EpisodeOutput) -> None:
        """Take in what one method produced on this episode."""
        self.predictions |= part.predictions
        self.stds |= part.stds
        self.scores += part.scores
        self.fits += part.fits


EpisodeRun = tuple[list[Record], EpisodeOutput]
# The methods of a run: name -> builder, the same for every episode, or a function of
# the episode giving them (a suite whose banks need different options, e.g. real).
Methods = Mapping[str, Builder] | Callable[[Episode], Mapping[str, Builder]]


def mse_per_target(pred: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Mean squared error per target over its query points."""
    return ((pred - truth) ** 2).mean(axis=1)


def run_episode(episode: Episode, methods: Methods) -> EpisodeRun:
    """Fit every method on the episode's bank and score it on every target set.

    A method that fails numerically (:class:`MethodFailedError`: its training diverged,
    its predictions are not finite) is recorded in ``failures`` and contributes nothing
    else to the episode; the other methods run on. Any other error stops the run.
    """
    if callable(methods):
        methods = methods(episode)
    records: list[Record] = []
    out = EpisodeOutput(episode, {})
    for name, build in methods.items():
        try:
            found, part = run_method(episode, name, build)
        except MethodFailedError as exc:
            out.failures.append(
                {"family": episode.family, "method": name, "seed": episode.seed, "error": str(exc)}
            )
            continue
        records += found
        out.add(part)
    return records, out


def run_method(episode: Episode, name: str, build: Builder) -> EpisodeRun:
    """One method on one episode: fitted on the bank and scored on every target set.

    The method gets views of the bank and of the targets holding only the fields its
    access codes allow (:meth:`rte.tasks.bank.TaskBank.view`); what it found (its
    decompositions, its discovered relations) is scored here against the truth.
    """
    from rte.base import hook
    from rte.bench.scoring import decomposition_metrics, relation_metrics
    from rte.intervals import interval_metrics
    from rte.models.shared import fit_shared

    records: list[Record] = []
    out = EpisodeOutput(episode, {})
    start = time.perf_counter()
    method = build(episode.seed)
    method = fit_shared(method, episode.bank.view(method.sees, name))
    codes = hook(method, "relation_codes")
    code_of = None
    if codes is not None:
        found, code_of = relation_metrics(episode.bank, codes)
        records += [
            Record(episode.family, name, "bank", episode.seed, metric, value)
            for metric, value in found.items()
        ]
    describe = hook(method, "describe_fit")
    if describe is not None:
        out.fits.append(
            {"family": episode.family, "seed": episode.seed, "method": name, **describe()}
        )
    decompositions = hook(method, "decompositions")
    distribution = hook(method, "predict_distribution")
    for targets in episode.targets:
        seen = targets.view(method.sees, name)
        metrics: dict[str, float] = {}
        if distribution is None:
            pred = np.asarray(method.predict_targets(seen), dtype=np.float64)
        else:
            mean, std = distribution(seen)
            pred = np.asarray(mean, dtype=np.float64)
            if std is not None:
                std = np.asarray(std, dtype=np.float64)
                metrics = interval_metrics(pred, std, targets.query_y)
                out.stds[(name, targets.band)] = std
        where = f"{episode.family}/{targets.band} (seed {episode.seed})"
        if pred.shape != targets.query_y.shape:
            raise ValidationError(
                f"Method {name!r} returned predictions of shape {pred.shape} on {where}; "
                f"expected {targets.query_y.shape}."
            )
        if not np.all(np.isfinite(pred)):
            raise MethodFailedError(f"Method {name!r} returned non-finite predictions on {where}.")
        out.predictions[(name, targets.band)] = pred
        errors = mse_per_target(pred, targets.query_y)
        out.scores.append(
            TargetScores(episode.family, name, targets.band, episode.seed, "mse", tuple(errors))
        )
        metrics = {"mse": float(errors.mean()), **metrics}
        if decompositions is not None:
            found = decompositions(seen)
            metrics |= decomposition_metrics(found, targets, episode.bank, code_of)
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
    methods: Methods,
    progress: bool = True,
    execution: Execution | None = None,
) -> tuple[list[Record], list[EpisodeOutput]]:
    """Fit and evaluate every method on every episode; MSE and seconds per method.

    ``methods`` maps the name a method is recorded under to its builder (or is a
    function of the episode returning that mapping). Episodes run
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
        label = "episodes" if callable(methods) else f"{len(methods)} method(s), episodes"
        task = bar.add_task(label, total=n_episodes)
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


@dataclass(frozen=True)
class SuiteRun:
    """What :func:`run_and_report` ran: results path, records, predictions, methods, time."""

    path: Path
    records: list[Record]
    outputs: list[EpisodeOutput]
    methods: dict[str, dict[str, Any]]
    seconds: float


def run_and_report(
    suite: str,
    config: MethodsConfig,
    episodes: Callable[[], Iterator[Episode]],
    n_episodes: int,
    options: Options | None,
    out_dir: str | Path,
    *,
    bands: Sequence[str],
    title: str,
    console: Console,
    execution: Execution | None = None,
    extra: Mapping[str, Any] | None = None,
    derived: Callable[[list[EpisodeOutput]], list[Record]] | None = None,
) -> SuiteRun:
    """Every method on every episode, results.json in ``out_dir`` and the MSE table.

    ``derived`` computes further records from the outputs (e.g. the MSE per target
    structure): they are timed and written with the episodes' records, and left out of
    the table (the suite shows them its own way)."""
    resolved = config.resolve_options(options)
    start = time.perf_counter()
    shown, outputs = run_episodes(
        episodes, n_episodes, config.builders(resolved), execution=execution
    )
    records = shown if derived is None else shown + derived(outputs)
    seconds = time.perf_counter() - start
    methods = config.method_table(resolved)
    path = write_results(
        out_dir,
        suite=suite,
        config=config.to_dict(),
        records=records,
        seconds=seconds,
        methods=methods,
        targets=[s for out in outputs for s in out.scores],
        extra={**(extra or {}), **outputs_extra(outputs)},
    )
    console.print(results_table(shown, metric="mse", bands=bands, access=methods, title=title))
    show_failures(console, outputs)
    return SuiteRun(path, records, outputs, methods, seconds)


def show_failures(console: Console, outputs: Sequence[EpisodeOutput]) -> None:
    """Print one plain line per method that failed on an episode (under a suite's table)."""
    for line in failure_lines(f for out in outputs for f in out.failures):
        console.print(line, markup=False, highlight=False)


def outputs_extra(outputs: Sequence[EpisodeOutput]) -> dict[str, list[dict[str, Any]]]:
    """results.json's keys from the episodes' outputs, each when it has entries: ``fits``
    (what served each method's fit per episode, the ``describe_fit`` hook) and
    ``failures`` (the methods that failed numerically on an episode)."""
    found = {
        "fits": [f for out in outputs for f in out.fits],
        "failures": [f for out in outputs for f in out.failures],
    }
    return {key: entries for key, entries in found.items() if entries}
