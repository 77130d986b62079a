"""``rte bench table BANK --by COLUMN``: does RTE help on your own bank of tasks?

The bank's tasks are ordered by a task variable (a task-parameter column, or any
column constant within each task). The top share becomes targets in one or more
far bands (:func:`rte.tasks.holdout.holdout_split`, the split the real-data suite
uses too); each target shows every method a context drawn from its own
observations and is scored on the rest. Every seed draws new contexts and refits
every method on the same training tasks. The table shows each method's MSE per band
beside what it may see, and a verdict line per band compares RTE with
``nearest_task``, the closest bank curve, which a practitioner would try first.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from rich.console import Console

from rte._params import names, param
from rte.bench.execution import Execution
from rte.bench.plots import pyplot, save_figure
from rte.bench.results import Record, format_mean_std, summarize
from rte.bench.runner import Episode, EpisodeOutput, run_and_report
from rte.bench.settings import MethodsConfig, Options
from rte.errors import ValidationError
from rte.runtime import stream
from rte.tasks.bank import TaskBank
from rte.tasks.holdout import HoldoutSplit, SplitResult, holdout_split

TABLE_METHODS = ("rte", "nearest_task", "context_gp", "inductive_t2v", "context_mlp")
# What a table offers a method: its tasks (B), a target's context (C) and, for oracle rows,
# the target's parameters (P) and its other observations (D). No relation labels (L), no
# generators (X), no functional form (F).
TABLE_ACCESS = frozenset("BCPD")


def column_names(value: Any, name: str) -> tuple[str, ...]:
    """Check: a tuple of non-empty column names, possibly empty (use the defaults)."""
    if not isinstance(value, tuple) or not all(isinstance(v, str) and v for v in value):
        raise ValidationError(f"{name} must be a list of column names. Got {value!r}.")
    return value


def text(value: Any, name: str) -> str:
    """Check: a non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{name} must be non-empty text. Got {value!r}.")
    return value


@dataclass(frozen=True)
class TableSuiteConfig(MethodsConfig, HoldoutSplit):
    """Everything needed to rerun ``rte bench table``; stored in results.json."""

    ARGUMENTS: ClassVar[tuple[str, ...]] = ("bank",)

    bank: str = param("", "Task table (.csv, .parquet): task id, inputs, output.", text)
    by: str | None = param(
        None,
        "Task variable whose top share is held out: a column constant within each task, or "
        "the task column if ids are numbers (default: the first --params column).",
    )
    task: str = param("task", "Task id column.", text)
    x: tuple[str, ...] = param((), "Input columns (default: x, or x1, x2, ...).", column_names)
    y: str = param("y", "Output column.", text)
    params: tuple[str, ...] = param((), "Task-parameter columns (optional).", column_names)
    methods: tuple[str, ...] = param(TABLE_METHODS, "Methods to run (any registered name).", names)

    def __post_init__(self) -> None:
        super().__post_init__()
        for method in self.methods:
            extra = sorted(set(self.spec(method).sees) - TABLE_ACCESS)
            if extra:
                raise ValidationError(
                    f"Method {method!r} needs {', '.join(extra)} (see rte.base.SEES), which a "
                    "task table does not provide. Drop it from --methods."
                )
        if self.by is None and not self.params:
            raise ValidationError(
                "Name the task variable to hold out with --by COLUMN (or give --params; the "
                "first parameter column is used)."
            )

    @property
    def variable(self) -> str:
        """The column whose top share is held out."""
        return self.by if self.by is not None else self.params[0]

    @property
    def split(self) -> HoldoutSplit:
        """The hold-out settings of this run."""
        return HoldoutSplit(**{f.name: getattr(self, f.name) for f in fields(HoldoutSplit)})

    def load(self) -> tuple[TaskBank, np.ndarray]:
        """The checked bank of every task and its task variable, one value per task."""
        import pandas as pd

        from rte.tasks.table import TableColumns, bank_from_frame, read_table

        frame = read_table(self.bank, (self.task,))
        columns = TableColumns(self.task, self.x, self.y, self.params).resolve(frame, self.bank)
        by = self.variable
        if by != self.task and by not in columns.params:
            columns = replace(columns, params=(*columns.params, by))
        bank = bank_from_frame(frame, columns, self.bank)
        if by != self.task:
            assert bank.params is not None
            return bank, bank.params[:, columns.params.index(by)]
        values = pd.to_numeric(pd.Series(bank.task_ids), errors="coerce").to_numpy()
        if not np.all(np.isfinite(values)):
            raise ValidationError(
                f"{self.bank}: --by {by} names the task column, so every task id must be a "
                f"number. Got {bank.task_ids[int(np.argmin(np.isfinite(values)))]!r}; name a "
                "numeric column constant within each task instead."
            )
        return bank, values

    def episodes(self, bank: TaskBank, variable: np.ndarray) -> list[tuple[Episode, SplitResult]]:
        """One episode per seed: the same training tasks, new contexts and queries."""
        name = Path(self.bank).stem
        out = []
        for seed in self.seed_range():
            split = holdout_split(bank, variable, self.split, stream(seed, "table", name))
            out.append((Episode(name, seed, split.bank, split.targets), split))
        return out


def run_table_suite(
    config: TableSuiteConfig,
    out_dir: str | Path,
    options: Options | None = None,
    console: Console | None = None,
    execution: Execution | None = None,
) -> Path:
    """Run every method on the held-out top of the table: table, verdicts, plots, results."""
    console = console or Console(width=max(Console().width, 120))
    config.resolve_options(options)  # a bad option fails before the table is read
    bank, variable = config.load()
    pairs = config.episodes(bank, variable)
    split = pairs[0][1]

    def say(text: str) -> None:  # paths, ids and band names are the user's: never markup
        console.print(text, markup=False, highlight=False, soft_wrap=True)

    say(describe_split(config, split))
    done = run_and_report(
        "table",
        config,
        lambda: iter(ep for ep, _ in pairs),
        len(pairs),
        options,
        out_dir,
        bands=config.bands,
        title=f"rte bench table: MSE on held-out tasks, mean ± std over {config.seeds} seeds",
        console=console,
        execution=execution,
        extra={"split": split_summary(config, split)},
    )
    for line in verdicts(done.records, config.bands, done.methods):
        say(line)
    first = next(o for o in done.outputs if o.episode.seed == config.first_seed)
    if first.episode.bank.dim == 1:
        for band in config.bands:
            plot_band(first, band, config.variable, split, Path(out_dir) / f"table_{band}.png")
    say(f"{len(done.records)} records in {done.seconds:.0f} s -> {done.path}")
    return done.path


def describe_split(config: TableSuiteConfig, split: SplitResult) -> str:
    """One line: which tasks train and which are held out, by the task variable."""
    lo, hi = split.train_range
    bands = ", ".join(
        f"{band} {t.n_targets} task(s) with {config.variable} in [{a:.4g}, {b:.4g}]"
        for (band, (a, b)), t in zip(split.band_ranges.items(), split.targets, strict=True)
    )
    return (
        f"{config.bank}: {split.bank.n_tasks} training tasks with {config.variable} in "
        f"[{lo:.4g}, {hi:.4g}]; held out: {bands}. Contexts of {config.context_size} "
        f"observations, scored on {split.targets[0].query_y.shape[1]} others per target."
    )


def split_summary(config: TableSuiteConfig, split: SplitResult) -> dict[str, Any]:
    """results.json's ``split``: the task variable's ranges and the task counts."""
    return {
        "variable": config.variable,
        "train_range": list(split.train_range),
        "n_train": split.bank.n_tasks,
        "bands": {
            band: {"range": list(rng), "n_targets": t.n_targets}
            for (band, rng), t in zip(split.band_ranges.items(), split.targets, strict=True)
        },
    }


def verdicts(
    records: list[Record], bands: tuple[str, ...], access: dict[str, dict[str, Any]]
) -> list[str]:
    """Per band: RTE against nearest_task, and the best method that sees no oracle data."""
    stats = summarize(records)
    family = records[0].family
    lines = []
    for band in bands:
        mse = {
            method: stats[(family, method, band, "mse")]
            for method in access
            if (family, method, band, "mse") in stats
        }
        fair = {m: v for m, v in mse.items() if set(access[m]["access"]) <= set("BC")}
        parts = [f"{band}:"]
        if "rte" in mse and "nearest_task" in mse:
            (rte, rte_std, _), (near, near_std, _) = mse["rte"], mse["nearest_task"]
            ratio = near / rte if rte > 0 else float("inf")
            parts.append(
                f"rte MSE {format_mean_std(rte, rte_std)} vs nearest_task "
                f"{format_mean_std(near, near_std)}: "
                + (f"{_times(ratio)} lower." if ratio >= 1 else f"{_times(1 / ratio)} higher.")
            )
        if fair:
            best = min(fair, key=lambda m: fair[m][0])
            parts.append(f"Lowest MSE without oracle access: {best}.")
        lines.append(" ".join(parts))
    return lines


def _times(ratio: float) -> str:
    return f"{ratio:,.0f}x" if ratio >= 100 else f"{ratio:.3g}x"


def plot_band(
    output: EpisodeOutput, band: str, variable: str, split: SplitResult, path: Path
) -> None:
    """One target of ``band``: the training curves, its context, its held-out observations
    and every method's prediction (1-D inputs)."""
    ep = output.episode
    targets = next(t for t in ep.targets if t.band == band)
    order = np.argsort(targets.query_x[0, :, 0])
    qx = targets.query_x[0, order, 0]
    fig, ax = pyplot().subplots(figsize=(7, 4.2))
    bank = ep.bank
    lo, hi = split.train_range
    for i in range(bank.n_tasks):
        rows = np.flatnonzero(bank.mask[i])
        rows = rows[np.argsort(bank.x[i, rows, 0])]
        label = f"training tasks, {variable} in [{lo:.4g}, {hi:.4g}]" if i == 0 else None
        ax.plot(bank.x[i, rows, 0], bank.y[i, rows], color="0.85", lw=0.7, label=label)
    truth = np.concatenate([targets.query_x[0, :, 0], targets.context_x[0, :, 0]])
    values = np.concatenate([targets.query_y[0], targets.context_y[0]])
    ax.plot(np.sort(truth), values[np.argsort(truth)], color="black", lw=2, label="held-out task")
    ax.scatter(
        targets.context_x[0, :, 0], targets.context_y[0], color="black", s=22, zorder=5,
        label="context",
    )  # fmt: skip
    for method in dict.fromkeys(m for m, _ in output.predictions):
        if (method, band) in output.predictions:
            style = "-" if method == "rte" else "--"
            pred = output.predictions[(method, band)][0, order]
            ax.plot(qx, pred, ls=style, lw=1.6, label=method)
    a, b = split.band_ranges[band]
    ax.set_title(
        f"{ep.family}: one {band} target, {variable} in [{a:.4g}, {b:.4g}] (seed {ep.seed})"
    )
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend(fontsize=7, loc="best")
    save_figure(fig, path)
