"""The scale benchmark: ``rte bench scale``.

Fits RTE once on a large bank (default 1,000 tasks x 50 points) and predicts many
targets (default 1,000) one call each, as a user serving requests would. Reports
the fit time and the per-target predict latency (median and 90th percentile), as
records with metric ``seconds`` and bands ``fit``, ``predict_per_target_median``
and ``predict_per_target_p90`` in ``DIR/results.json``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rich.console import Console

from rte._params import Settings, at_least, one_of, param
from rte.bench.execution import Execution
from rte.bench.results import Record, write_results
from rte.bench.suite import Options
from rte.errors import ValidationError
from rte.registry import get_method
from rte.tasks import BANDS, get_family, sample_bank, sample_targets


@dataclass(frozen=True)
class ScaleConfig(Settings):
    """Everything needed to rerun ``rte bench scale``; stored in results.json."""

    family: str = param("quadratic", "Task family of the bank.")
    n_tasks: int = param(1000, "Training tasks in the bank.", at_least(2))
    n_points: int = param(50, "Observations per training task.", at_least(3))
    n_targets: int = param(1000, "Targets predicted one by one.", at_least(1))
    band: str = param("F2", "Parameter band of the targets.", one_of(*BANDS))
    context_size: int = param(10, "Context points per target.", at_least(2))
    n_query: int = param(100, "Query points per target.", at_least(1))
    seed: int = param(0, "Seed of the bank, targets and fit.", at_least(0))

    def __post_init__(self) -> None:
        super().__post_init__()
        get_family(self.family)

    @classmethod
    def method_class(cls, method: str) -> type:
        """The estimator class behind a method name: this suite runs rte only."""
        if method != "rte":
            raise ValidationError(f"rte bench scale runs only rte. Got options for {method!r}.")
        return get_method("rte").cls


def run_scale(config: ScaleConfig, options: Options | None = None) -> tuple[list[Record], dict]:
    """Fit rte once, predict every target alone; returns records and rte's resolved options."""
    options = dict(options or {})
    if set(options) - {"rte"}:
        raise ValidationError(
            f"rte bench scale runs only rte. Got options for {sorted(set(options) - {'rte'})}."
        )
    spec = get_method("rte")
    resolved = spec.resolve(options.get("rte"))
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
    model = spec.build(config.seed, resolved).fit(bank)
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
    return records, resolved


def run_scale_suite(
    config: ScaleConfig,
    out_dir: str | Path,
    options: Options | None = None,
    console: Console | None = None,
    execution: Execution | None = None,
) -> Path:
    """Fit time on a large bank and per-target predict latency (median, p90).

    One fit and one target at a time, in this process: ``execution`` is accepted
    for a uniform suite interface and not used (latency is measured serially)."""
    console = console or Console(soft_wrap=True)
    start = time.perf_counter()
    records, resolved = run_scale(config, options)
    spec = get_method("rte")
    path = write_results(
        out_dir,
        suite="scale",
        config=config.to_dict(),
        records=records,
        seconds=time.perf_counter() - start,
        methods={"rte": spec.describe(resolved)},
    )
    value = {r.band: r.value for r in records}
    console.print(
        f"fit {value['fit']:.1f} s on {config.n_tasks} tasks x {config.n_points} points; "
        f"predict per {config.band} target (n={config.n_targets}): median "
        f"{1e3 * value['predict_per_target_median']:.1f} ms, p90 "
        f"{1e3 * value['predict_per_target_p90']:.1f} ms; wrote {path}",
        highlight=False,
        markup=False,
    )
    return path
