"""The scale benchmark: ``rte bench scale``.

For each bank size (default 10^3 to 10^6 tasks of 50 points), in a fresh process so
its peak memory is its own: sample the bank, fit RTE, then predict targets one call
each, as a user serving requests would. Measured per size:

- ``fit@N``: fit seconds (embedding, Psi, the anchor index);
- ``retrieval@N``: median seconds per target of the anchor search alone;
- ``predict@N`` and ``predict_p90@N``: median and 90th-percentile seconds per target of
  a whole prediction (decomposition, chains, correction, interval);
- ``recall@N`` (metric ``recall_at_8``): the share of each target's 8 nearest anchors
  (exact search) that the index returns;
- ``memory@N`` (metric ``peak_memory_gb``): the process's peak resident memory.

Records carry the family, method ``rte`` and these bands; the log-log plot
``scale.png`` shows the times against the bank size.
"""

from __future__ import annotations

import multiprocessing
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console

from rte._params import Settings, at_least, one_of, param
from rte.bench.execution import Execution
from rte.bench.plots import pyplot, save_figure
from rte.bench.results import Record, write_results
from rte.bench.settings import Options
from rte.errors import ValidationError
from rte.registry import get_method
from rte.runtime import set_threads
from rte.tasks import BANDS, get_family, sample_bank, sample_targets

RECALL_K = 8


def _sizes(value: Any, name: str) -> tuple[int, ...]:
    if not isinstance(value, tuple) or not value:
        raise ValidationError(f"{name} must list bank sizes, e.g. 1000,10000. Got {value!r}.")
    try:
        sizes = tuple(int(v) for v in value)
    except (TypeError, ValueError):
        raise ValidationError(f"{name} must be whole numbers. Got {value!r}.") from None
    if min(sizes) < 2:
        raise ValidationError(f"{name}: every bank needs at least 2 tasks. Got {value!r}.")
    return sizes


@dataclass(frozen=True)
class ScaleConfig(Settings):
    """Everything needed to rerun ``rte bench scale``; stored in results.json."""

    family: str = param("quadratic", "Task family of the bank.")
    sizes: tuple[int, ...] = param(
        (1000, 10000, 100000, 1000000), "Bank sizes (tasks), one fresh process each.", _sizes
    )
    n_points: int = param(50, "Observations per training task.", at_least(3))
    n_targets: int = param(200, "Targets predicted one by one, per size.", at_least(1))
    band: str = param("F2", "Parameter band of the targets.", one_of(*BANDS))
    context_size: int = param(10, "Context points per target.", at_least(2))
    n_query: int = param(100, "Query points per target.", at_least(1))
    seed: int = param(0, "Seed of the banks, targets and fits.", at_least(0))

    def __post_init__(self) -> None:
        super().__post_init__()
        get_family(self.family)

    def option_class(self, name: str) -> type:
        """The estimator class whose options ``NAME.KEY`` sets: this suite runs rte only."""
        if name != "rte":
            raise ValidationError(f"rte bench scale runs only rte. Got options for {name!r}.")
        return get_method("rte").cls


def measure(config: ScaleConfig, size: int, resolved: dict[str, Any]) -> dict[str, float]:
    """Fit on a bank of ``size`` tasks and time single-target retrieval and prediction."""
    set_threads(1)
    family = get_family(config.family)
    rng = np.random.default_rng([config.seed, size])
    bank = sample_bank(family, size, config.n_points, rng)
    targets = sample_targets(
        family,
        config.band,
        config.n_targets,
        rng,
        context_size=config.context_size,
        n_query=config.n_query,
    )
    start = time.perf_counter()
    model = get_method("rte").build(config.seed, resolved).fit(bank)
    index = model.anchor_index()
    fit_seconds = time.perf_counter() - start
    model.calibration()  # computed once per setting, not per request
    embeddings = model.embedding_.transform(targets.context_x, targets.context_y)
    retrieval, predict = np.empty(targets.n_targets), np.empty(targets.n_targets)
    for i in range(targets.n_targets):
        start = time.perf_counter()
        index.search(embeddings[i : i + 1], RECALL_K)
        retrieval[i] = time.perf_counter() - start
        start = time.perf_counter()
        model.predict(targets.context_x[i], targets.context_y[i], targets.query_x[i])
        predict[i] = time.perf_counter() - start
    k = min(RECALL_K, size)
    found = index.search(embeddings, k)[1]
    e_bank = model.embedding_.bank_embeddings_
    exact = np.stack(
        [np.argsort(((e_bank - e) ** 2).sum(1), kind="stable")[:k] for e in embeddings]
    )
    recall = np.mean([len(set(a) & set(b)) / k for a, b in zip(found, exact, strict=True)])
    return {
        "fit": fit_seconds,
        "retrieval": float(np.median(retrieval)),
        "predict": float(np.median(predict)),
        "predict_p90": float(np.quantile(predict, 0.9)),
        "recall": float(recall),
        "memory": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,  # kB -> GB
        "exact": float(index.exact),
    }


def run_scale_suite(
    config: ScaleConfig,
    out_dir: str | Path,
    options: Options | None = None,
    console: Console | None = None,
    execution: Execution | None = None,
) -> Path:
    """Measure every size in a fresh process, one after another (latency is measured
    alone: ``execution`` is accepted for a uniform suite interface and not used)."""
    console = console or Console(soft_wrap=True)
    options = dict(options or {})
    for method in options:
        config.option_class(method)
    spec = get_method("rte")
    resolved = spec.resolve(options.get("rte"))
    start = time.perf_counter()
    records, rows = [], {}
    for size in config.sizes:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            found = pool.submit(measure, config, size, resolved).result()
        rows[size] = found
        for band, metric in (
            ("fit", "seconds"),
            ("retrieval", "seconds"),
            ("predict", "seconds"),
            ("predict_p90", "seconds"),
            ("recall", "recall_at_8"),
            ("memory", "peak_memory_gb"),
        ):
            value = found[band]
            records.append(
                Record(config.family, "rte", f"{band}@{size}", config.seed, metric, value)
            )
        search = "exact" if found["exact"] else "HNSW"
        console.print(
            f"{size:>9} tasks: fit {found['fit']:.1f} s, retrieval "
            f"{1e3 * found['retrieval']:.3f} ms ({search}), predict "
            f"{1e3 * found['predict']:.1f} ms "
            f"(p90 {1e3 * found['predict_p90']:.1f}), recall@{RECALL_K} {found['recall']:.3f}, "
            f"peak memory {found['memory']:.2f} GB",
            markup=False,
            highlight=False,
        )
    path = write_results(
        out_dir,
        suite="scale",
        config=config.to_dict(),
        records=records,
        seconds=time.perf_counter() - start,
        methods={"rte": spec.describe(resolved)},
    )
    plot_scale(rows, Path(out_dir) / "scale.png")
    console.print(f"wrote {path}", markup=False, highlight=False)
    return path


def plot_scale(rows: dict[int, dict[str, float]], path: Path) -> None:
    """Log-log: fit, retrieval and predict time against the bank size."""

    sizes = sorted(rows)
    fig, ax = pyplot().subplots(figsize=(6, 4))
    for key, label in (
        ("fit", "fit (s)"),
        ("predict", "predict per target (s, median)"),
        ("retrieval", "anchor retrieval per target (s, median)"),
    ):
        ax.loglog(sizes, [rows[s][key] for s in sizes], marker="o", label=label)
    ax.set_xlabel("tasks in the bank")
    ax.set_ylabel("seconds")
    ax.set_title("rte bench scale")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    save_figure(fig, path)
