"""Benchmark figures (matplotlib, Agg backend, written atomically)."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from rte._io import atomic_write_bytes
from rte.bench.runner import EpisodeOutput
from rte.tasks import get_family

_BAND_COLOURS = {"in_support": "0.75", "F1": "#f6c28b", "F2": "#f08a8a"}


def save_figure(fig: plt.Figure, path: Path) -> None:
    """Render ``fig`` to PNG in memory, then write it atomically."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())


def plot_param_family(
    output: EpisodeOutput, path: Path, methods: tuple[str, ...] = ("rte", "inductive_t2v")
) -> None:
    """One far (F2) target: the range of curves in the support and in each band, the
    truth, the context, and the predictions of ``methods``."""
    ep = output.episode
    family = get_family(ep.family)
    far = next(t for t in ep.targets if t.band == "F2")
    x = far.query_x[0, :, 0]
    rng = np.random.default_rng(0)
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for band, colour in _BAND_COLOURS.items():
        curves = np.stack([family.evaluate(x, p) for p in family.sample_params(rng, 200, band)])
        label = f"{band} tasks, theta in [{family.band(band)[0]:g}, {family.band(band)[1]:g}]"
        ax.fill_between(x, curves.min(0), curves.max(0), color=colour, alpha=0.5, label=label, lw=0)
    ax.plot(x, far.query_y[0], color="black", lw=2, label=f"truth, theta = {far.params[0, 0]:.2f}")
    ax.scatter(
        far.context_x[0, :, 0], far.context_y[0], color="black", s=18, zorder=5, label="context"
    )
    styles = {"rte": ("#1f77b4", "-"), "inductive_t2v": ("#d62728", "--")}
    for name in methods:
        if (name, "F2") in output.predictions:
            colour, ls = styles.get(name, (None, ":"))
            ax.plot(x, output.predictions[(name, "F2")][0], color=colour, ls=ls, lw=1.8, label=name)
    ax.set_title(f"{ep.family}: {family.description} — one F2 target (seed {ep.seed})")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend(fontsize=7, loc="best")
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
    (context dots, held-out truth line) and the predictions of ``methods``. ``labels``
    names the task variable, the input and the output."""
    variable, x_label, y_label = labels
    ep = output.episode
    shown = [(ep.targets[0], 0), (ep.targets[-1], ep.targets[-1].n_targets - 1)]
    fig, axes = plt.subplots(1, 2, figsize=(10.4, 3.8))
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
        value = "" if targets.params is None else f", {variable} = {targets.params[i, 0]:.4g}"
        ax.set_title(f"{ep.family}: {targets.band} target{value} (seed {ep.seed})")
        ax.set_xlabel(x_label)
        ax.set_ylabel(y_label)
        ax.legend(fontsize=7, loc="best")
    save_figure(fig, path)
