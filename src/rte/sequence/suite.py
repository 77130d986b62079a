"""Benchmark runner for the sequence suites: every method, every seed, one results.json.

``run_benchmark(BenchSettings(family="parity"), "runs/parity")`` loads the
model once, then per seed draws the split, runs few_shot on the untouched base
model, trains and evaluates RTE (and the oracle with the same adapter), removes
the adapter, trains and evaluates SFT. It writes DIR/results.json
(rte.bench.results format), DIR/targets.csv (one row per target and method,
the per-size / per-composition table), DIR/accuracy.png and the RTE adapters
(safetensors) under DIR/adapters/.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from rte._io import atomic_write_bytes, atomic_write_text
from rte._validation import check_choice, check_positive_int
from rte.bench.results import Record, format_mean_std, summarize, write_results
from rte.sequence.lora import LoraSettings
from rte.sequence.methods import METHODS, TargetResult, run_few_shot, run_rte_and_oracle, run_sft
from rte.sequence.parity import ParitySuite
from rte.sequence.scoring import ScoringSettings
from rte.sequence.strings import StringSuite
from rte.sequence.tasks import SequenceSuite

FAMILIES = ("parity", "strings")
METHOD_ORDER = ("rte", "oracle", "sft", "few_shot")


@dataclass
class BenchSettings:
    """Everything a sequence benchmark run needs; stored in results.json to rerun it."""

    family: str = field(metadata={"help": "Suite: parity or strings."})
    seeds: int = field(default=3, metadata={"help": "Independent seeds (splits, targets, LoRA)."})
    quick: bool = field(default=False, metadata={"help": "Smaller run for a smoke test."})
    model: str | None = field(default=None, metadata={"help": "Local model dir; None = SmolLM2."})
    device: str = field(default="auto", metadata={"help": "auto, cpu or cuda."})
    dtype: str = field(default="auto", metadata={"help": "auto, float32, bfloat16, float16."})
    threads: int = field(default=0, metadata={"help": "CPU threads for torch; 0 = default."})

    def __post_init__(self) -> None:
        check_choice(self.family, FAMILIES, "suite")
        check_positive_int(self.seeds, "seeds")
        check_positive_int(self.threads, "threads", minimum=0)


def build(settings: BenchSettings) -> tuple[SequenceSuite, LoraSettings, ScoringSettings]:
    """Suite, LoRA budget and scoring settings for a family; ``quick`` shrinks them.

    Defaults are sized for a 2-core CPU (see docs/sequence.md for the timing
    behind each number); none was tuned on test targets.
    """
    quick = settings.quick
    steps = 30 if quick else (40 if settings.family == "parity" else 150)
    lora = LoraSettings(steps=steps, batch_size=8, learning_rate=3e-3)
    if settings.family == "parity":
        suite: SequenceSuite = ParitySuite(
            n_targets=3 if quick else 6, n_queries=8 if quick else 12
        )
        scoring = ScoringSettings(batch_size=64)
    else:
        suite = StringSuite(n_targets=3 if quick else 8)
        scoring = ScoringSettings(batch_size=64, probe=1, keep=8)
    return suite, lora, scoring


def records_from(
    family: str, seed: int, results: Iterable[TargetResult], metric: str
) -> list[Record]:
    """Per (method, band): mean score, mean seconds per target, decomposition accuracy."""
    groups: dict[tuple[str, str], list[TargetResult]] = {}
    for r in results:
        groups.setdefault((r.method, r.target.band), []).append(r)
    out = []
    for (method, band), rs in sorted(groups.items()):
        values = {
            metric: np.mean([r.score for r in rs]),
            "seconds": np.mean([r.seconds for r in rs]),
        }
        if method == "rte":
            values["decomposition_accuracy"] = np.mean([bool(r.decomposition_correct) for r in rs])
        out += [Record(family, method, band, seed, k, float(v)) for k, v in values.items()]
    return out


def targets_csv(rows: Iterable[tuple[int, TargetResult]]) -> str:
    """One line per (seed, target, method): the per-size / per-composition table."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "seed",
            "band",
            "target",
            "anchor",
            "phi",
            "method",
            "score",
            "seconds",
            "found",
            "decomposition_correct",
        ]
    )
    for seed, r in rows:
        found = "" if r.found is None else f"{r.found.phi}∘{r.found.anchor}"
        flag = "" if r.decomposition_correct is None else int(r.decomposition_correct)
        writer.writerow(
            [
                seed,
                r.target.band,
                r.target.name,
                r.target.truth.anchor,
                r.target.truth.phi,
                r.method,
                f"{r.score:.4f}",
                f"{r.seconds:.3f}",
                found,
                flag,
            ]
        )
    return buffer.getvalue()


def results_table(records: list[Record], metric: str, title: str) -> Table:
    """Rich table: one row per (band, method), mean ± std over seeds."""
    stats = summarize(records)
    table = Table(title=title)
    for column in ("band", "method", metric, "decomposition_accuracy", "seconds / target", "seeds"):
        table.add_column(column)
    bands = sorted({k[2] for k in stats}, reverse=True)
    for band in bands:
        for method in METHOD_ORDER:
            key = (records[0].family, method, band)
            if (*key, metric) not in stats:
                continue
            mean, std, n = stats[(*key, metric)]
            dec = stats.get((*key, "decomposition_accuracy"))
            sec = stats[(*key, "seconds")]
            table.add_row(
                band,
                method,
                format_mean_std(mean, std),
                "" if dec is None else format_mean_std(dec[0], dec[1]),
                format_mean_std(sec[0], sec[1]),
                str(n),
            )
    return table


def plot_png(records: list[Record], metric: str, title: str) -> bytes:
    """Grouped bars of ``metric`` per band and method, std over seeds as error bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    stats = summarize(records)
    bands = sorted({k[2] for k in stats}, reverse=True)
    methods = [m for m in METHOD_ORDER if any(k[1] == m for k in stats)]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    width = 0.8 / len(methods)
    for j, method in enumerate(methods):
        values = [stats.get((records[0].family, method, b, metric), (0.0, 0.0, 0)) for b in bands]
        ax.bar(
            np.arange(len(bands)) + j * width,
            [v[0] for v in values],
            width,
            yerr=[v[1] for v in values],
            label=method,
            capsize=3,
        )
    ax.set_xticks(np.arange(len(bands)) + 0.4 - width / 2, bands)
    ax.set_ylim(0, 1)
    ax.set_ylabel(metric)
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=120)
    plt.close(fig)
    return buffer.getvalue()


def run_benchmark(
    settings: BenchSettings, out_dir: str | Path, console: Console | None = None
) -> Path:
    """Run a sequence suite end to end and write its outputs into ``out_dir``.

    Example::

        run_benchmark(BenchSettings(family="strings", quick=True), "runs/strings-quick")
    """
    from rte.sequence.backends import load_language_model
    from rte.sequence.prompts import Encoder

    console = console or Console()
    out = Path(out_dir)
    started = time.perf_counter()
    if settings.threads:
        torch.set_num_threads(settings.threads)
    suite, lora, scoring = build(settings)
    console.print(f"[bold]rte bench {settings.family}[/]: loading model …")
    lm = load_language_model(settings.model, device=settings.device, dtype=settings.dtype)
    encoder = Encoder(lm.tokenizer)
    model = lm.model
    records: list[Record] = []
    rows: list[tuple[int, TargetResult]] = []
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        for seed in range(settings.seeds):
            split = suite.split(np.random.default_rng(seed))
            n = len(split.targets)

            def phase(name: str, total: int, seed: int = seed) -> Any:
                return progress.add_task(f"seed {seed} {name}", total=total, info="")

            task = phase("few_shot", n)
            results = run_few_shot(
                model,
                encoder,
                suite,
                split,
                scoring.batch_size,
                lambda task=task: progress.advance(task),
            )
            train = phase("rte LoRA", lora.steps)
            evaluate = phase("rte decompose", n)
            model, rte_results = run_rte_and_oracle(
                model,
                encoder,
                suite,
                split,
                lora=lora,
                scoring=scoring,
                seed=seed,
                adapter_dir=out / "adapters" / f"rte-seed{seed}",
                on_step=lambda s, loss, t=train: progress.update(
                    t, completed=s + 1, info=f"loss {loss:.3f}"
                ),
                tick=lambda t=evaluate: progress.advance(t),
            )
            results += rte_results
            train = phase("sft LoRA", lora.steps)
            evaluate = phase("sft evaluate", n)
            model, sft_results = run_sft(
                model,
                encoder,
                suite,
                split,
                lora=lora,
                n_context=suite.n_context,
                batch_size=scoring.batch_size,
                seed=seed,
                on_step=lambda s, loss, t=train: progress.update(
                    t, completed=s + 1, info=f"loss {loss:.3f}"
                ),
                tick=lambda t=evaluate: progress.advance(t),
            )
            results += sft_results
            records += records_from(suite.family, seed, results, suite.metric)
            rows += [(seed, r) for r in results]
    seconds = time.perf_counter() - started
    config = {
        "bench": asdict(settings),
        "suite": asdict(suite),
        "lora": lora.to_dict(),
        "scoring": asdict(scoring),
        "model_source": lm.source,
        "device": str(lm.placement.device),
        "dtype": str(lm.placement.dtype).removeprefix("torch."),
    }
    path = write_results(
        out,
        suite=settings.family,
        config=config,
        records=records,
        seconds=seconds,
        methods=METHODS,
    )
    atomic_write_text(out / "targets.csv", targets_csv(rows))
    title = f"{settings.family}: {suite.metric} (mean ± std over {settings.seeds} seed(s))"
    atomic_write_bytes(out / "accuracy.png", plot_png(records, suite.metric, title))
    console.print(results_table(records, suite.metric, title))
    console.print(f"wrote {path} in {seconds:.0f} s")
    return path
