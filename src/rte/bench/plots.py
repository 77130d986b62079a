"""Benchmark figures (matplotlib, Agg backend, written atomically)."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from rte._io import atomic_write_bytes
from rte.bench.results import Record, summarize
from rte.bench.runner import EpisodeOutput
from rte.intervals import Z90
from rte.tasks import get_family

_STYLES = {
    "rte": ("#1f77b4", "-"),
    "context_gp": ("#2ca02c", "--"),
    "inductive_t2v": ("#d62728", ":"),
}


@cache
def pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend, imported on first use (it takes a quarter of a
    second, which the command line's help should not pay)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig: Any, path: Path) -> None:
    """Render ``fig`` to PNG in memory, then write it atomically."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    pyplot().close(fig)
    atomic_write_bytes(path, buf.getvalue())


def plot_param_family(
    output: EpisodeOutput,
    path: Path,
    methods: tuple[str, ...] = ("rte", "context_gp", "inductive_t2v"),
    bands: tuple[str, ...] = ("F2", "F4"),
) -> None:
    """One target of each far band: the range of the bank's curves, the truth, the context,
    the predictions of ``methods`` and rte's 90% interval."""
    ep = output.episode
    family = get_family(ep.family)
    shown = [t for band in bands for t in ep.targets if t.band == band]
    fig, axes = pyplot().subplots(1, len(shown), figsize=(6 * len(shown), 4.2), squeeze=False)
    rng = np.random.default_rng(0)
    for ax, targets in zip(axes[0], shown, strict=True):
        x = targets.query_x[0, :, 0]
        curves = np.stack([family.evaluate(x, p) for p in family.sample_params(rng, 200)])
        lo, hi = family.support
        ax.fill_between(
            x,
            curves.min(0),
            curves.max(0),
            color="0.8",
            lw=0,
            label=f"bank, theta in [{lo:g}, {hi:g}]",
        )
        theta = targets.params[0, 0]
        ax.plot(x, targets.query_y[0], color="black", lw=2, label=f"truth, theta = {theta:.2f}")
        ax.scatter(targets.context_x[0, :, 0], targets.context_y[0], color="black", s=18, zorder=5)
        for name in methods:
            key = (name, targets.band)
            if key not in output.predictions:
                continue
            colour, ls = _STYLES.get(name, (None, "-."))
            mean = output.predictions[key][0]
            ax.plot(x, mean, color=colour, ls=ls, lw=1.8, label=name)
            if name == "rte" and key in output.stds:
                half = Z90 * output.stds[key][0]
                ax.fill_between(
                    x, mean - half, mean + half, color=colour, alpha=0.2, lw=0, label="rte 90%"
                )
        ax.set_title(f"{ep.family}: one {targets.band} target (seed {ep.seed})")
        ax.set_xlabel("x")
        ax.legend(fontsize=7, loc="best")
    axes[0][0].set_ylabel(family.description or "y")
    save_figure(fig, path)


_METHOD_STYLES = {
    "rte": ("#1f77b4", "-"),
    "context_gp": ("#ff7f0e", "--"),
    "family_fit": ("#2ca02c", ":"),
}


def plot_real_targets(
    output: EpisodeOutput,
    path: Path,
    labels: tuple[str, str, str],
    methods: tuple[str, ...] = tuple(_METHOD_STYLES),
) -> None:
    """The nearest and the farthest target of a real bank (the first of the first band,
    the last of the last): the training curves (grey), the target's observations
    (context dots, held-out truth line) and the predictions of ``methods``, with the
    90% interval of those that give predictive distributions. ``labels``
    names the task variable, the input and the output."""
    variable, x_label, y_label = labels
    ep = output.episode
    shown = [(ep.targets[0], 0), (ep.targets[-1], ep.targets[-1].n_targets - 1)]
    fig, axes = pyplot().subplots(1, 2, figsize=(10.4, 3.8))
    for ax, (targets, i) in zip(axes, shown, strict=True):
        for row in range(ep.bank.n_tasks):
            seen = ep.bank.mask[row]
            label = "training tasks" if row == 0 else None
            ax.plot(
                ep.bank.x[row, seen, 0], ep.bank.y[row, seen], color="0.85", lw=0.6, label=label
            )
        x = targets.query_x[i, :, 0]
        ax.plot(x, targets.query_y[i], "k.-", lw=1.2, ms=4, label="truth (held out)")
        ax.scatter(
            targets.context_x[i, :, 0], targets.context_y[i], color="#d62728", s=22, zorder=5,
            label="context",
        )  # fmt: skip
        for name in methods:
            if (name, targets.band) in output.predictions:
                colour, ls = _METHOD_STYLES.get(name, (None, "-."))
                pred = output.predictions[(name, targets.band)][i]
                ax.plot(x, pred, color=colour, ls=ls, lw=1.8, label=name)
                if (name, targets.band) in output.stds:
                    half = Z90 * output.stds[(name, targets.band)][i]
                    label = f"{name} 90% interval"
                    ax.fill_between(
                        x, pred - half, pred + half, color=colour, alpha=0.2, label=label
                    )
        value = "" if targets.params is None else f", {variable} = {targets.params[i, 0]:.4g}"
        ax.set_title(f"{ep.family}: {targets.band} target{value} (seed {ep.seed})")
        ax.set_xlabel(x_label)
        ax.set_ylabel(y_label)
        ax.legend(fontsize=7, loc="best")
    save_figure(fig, path)


def score_bars_png(records: list[Record], metric: str, title: str) -> bytes:
    """Grouped bars of ``metric`` per band and method (a sequence suite's accuracies), the
    std over seeds as error bars; PNG bytes."""
    stats = summarize(records)
    family = records[0].family
    bands = sorted({k[2] for k in stats}, reverse=True)
    methods = list(dict.fromkeys(r.method for r in records if r.metric == metric))
    fig, ax = pyplot().subplots(figsize=(7, 3.5))
    width = 0.8 / len(methods)
    for j, method in enumerate(methods):
        values = [stats.get((family, method, b, metric), (0.0, 0.0, 0)) for b in bands]
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
    pyplot().close(fig)
    return buffer.getvalue()
