"""The scale benchmark: ``rte bench scale``.

Fits RTE once on a large bank (default 1,000 tasks x 50 points) and predicts many
targets (default 1,000) one call each, as a user serving requests would. Reports
the fit time and the per-target predict latency (median and 90th percentile), as
records with metric ``seconds`` and bands ``fit``, ``predict_per_target_median``
and ``predict_per_target_p90`` in ``DIR/results.json``.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import numpy as np
import typer
from rich.console import Console

from rte._validation import check_choice, check_positive_int
from rte.bench.results import Record, write_results
from rte.extrapolator import RelationalTaskExtrapolator, RTEConfig
from rte.registry import BANK, CONTEXT
from rte.tasks import BANDS, get_family, sample_bank, sample_targets


@dataclass(frozen=True)
class ScaleConfig:
    """Everything needed to rerun ``rte bench scale``; stored in results.json."""

    family: str = field(default="quadratic", metadata={"help": "Task family of the bank."})
    n_tasks: int = field(default=1000, metadata={"help": "Training tasks in the bank."})
    n_points: int = field(default=50, metadata={"help": "Observations per training task."})
    n_targets: int = field(default=1000, metadata={"help": "Targets predicted one by one."})
    band: str = field(default="F2", metadata={"help": "Parameter band of the targets."})
    context_size: int = field(default=10, metadata={"help": "Context points per target."})
    n_query: int = field(default=100, metadata={"help": "Query points per target."})
    steps: int = field(default=RTEConfig.steps, metadata={"help": "Adam steps training Psi."})
    seed: int = field(default=0, metadata={"help": "Seed of the bank, targets and fit."})

    def __post_init__(self) -> None:
        get_family(self.family)
        check_choice(self.band, BANDS, "band")
        check_positive_int(self.n_tasks, "n_tasks", 2)
        check_positive_int(self.n_points, "n_points", 3)
        for name in ("n_targets", "context_size", "n_query", "steps"):
            check_positive_int(getattr(self, name), name)
        check_positive_int(self.seed, "seed", 0)


def run_scale(config: ScaleConfig) -> tuple[list[Record], np.ndarray, float]:
    """Fit once, predict every target alone; returns records, latencies (s) and fit seconds."""
    family = get_family(config.family)
    rng = np.random.default_rng(config.seed)
    bank = sample_bank(family, config.n_tasks, config.n_points, rng)
    targets = sample_targets(
        family,
        config.band,
        config.n_targets,
        rng,
        context_size=config.context_size,
        n_query=config.n_query,
    )
    start = time.perf_counter()
    model = RelationalTaskExtrapolator(steps=config.steps, seed=config.seed).fit(bank)
    fit_seconds = time.perf_counter() - start
    latencies = np.empty(targets.n_targets)
    for i in range(targets.n_targets):
        start = time.perf_counter()
        model.predict(targets.context_x[i], targets.context_y[i], targets.query_x[i])
        latencies[i] = time.perf_counter() - start
    fam, seed = config.family, config.seed
    records = [
        Record(fam, "rte", "fit", seed, "seconds", fit_seconds),
        Record(fam, "rte", "predict_per_target_median", seed, "seconds", np.median(latencies)),
        Record(fam, "rte", "predict_per_target_p90", seed, "seconds", np.quantile(latencies, 0.9)),
    ]
    return records, latencies, fit_seconds


def scale_command(
    out: str = typer.Option("runs/scale", help="Directory for results.json."),
    n_tasks: int = typer.Option(ScaleConfig.n_tasks, help="Training tasks in the bank."),
    n_points: int = typer.Option(ScaleConfig.n_points, help="Observations per training task."),
    n_targets: int = typer.Option(ScaleConfig.n_targets, help="Targets predicted one by one."),
    band: str = typer.Option(ScaleConfig.band, help="Parameter band of the targets."),
    steps: int = typer.Option(ScaleConfig.steps, help="Adam steps training Psi."),
    seed: int = typer.Option(ScaleConfig.seed, help="Seed of the bank, targets and fit."),
    threads: int = typer.Option(1, help="Torch CPU threads (small nets run fastest on one)."),
) -> None:
    """Fit time on a large bank and per-target predict latency (median, p90)."""
    from rte.cli import set_threads

    set_threads(threads)
    config = ScaleConfig(
        n_tasks=n_tasks, n_points=n_points, n_targets=n_targets, band=band, steps=steps, seed=seed
    )
    start = time.perf_counter()
    records, latencies, fit_seconds = run_scale(config)
    path = write_results(
        out,
        suite="scale",
        config={**asdict(config), "threads": threads},
        records=records,
        seconds=time.perf_counter() - start,
        methods={"rte": {"access": [BANK, CONTEXT]}},
    )
    Console(soft_wrap=True).print(
        f"fit {fit_seconds:.1f} s on {n_tasks} tasks x {n_points} points; predict per {band} "
        f"target (n={len(latencies)}): median {1e3 * np.median(latencies):.1f} ms, "
        f"p90 {1e3 * np.quantile(latencies, 0.9):.1f} ms; wrote {path}",
        highlight=False,
    )
