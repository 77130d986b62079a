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
from rte.intervals import Z90
from rte.tasks import get_family

_STYLES = {
    "rte": ("#1f77b4", "-"),
    "context_gp": ("#2ca02c", "--"),
    "inductive_t2v": ("#d62728", ":"),
}


def save_figure(fig: plt.Figure, path: Path) -> None:
    """Render ``fig`` to PNG in memory, then write it atomically."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
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
    fig, axes = plt.subplots(1, len(shown), figsize=(6 * len(shown), 4.2), squeeze=False)
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
