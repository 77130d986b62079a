"""Render benchmark records as a rich table: mean ± std over seeds per band."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.markup import escape
from rich.table import Table

from rte.access import sees_legend
from rte.bench.results import Record, format_mean_std, interval_labels, sees_code, summarize


def results_table(
    records: Sequence[Record],
    *,
    metric: str,
    bands: Sequence[str],
    access: Mapping[str, Mapping[str, Any]],
    title: str,
    intervals: Sequence[Mapping[str, Any]] = (),
) -> Table:
    """One row per (family, method): the metric per band and what the method may see.

    ``access`` is results.json's ``methods`` table; what a method sees is shown by its
    codes (B bank, C context, ...) with a caption legend. ``intervals`` (results.json's
    intervals over targets) add ``[low, high]`` to the cells they cover.
    """
    stats = summarize(records)
    bounds = interval_labels(intervals)
    # Names come from users (bank files, registered methods): never read them as markup.
    table = Table(title=escape(title), caption=f"sees: {sees_legend()}", show_lines=False)
    for col in ("family", "method", *bands, "sees"):
        table.add_column(col, justify="right" if col in bands else "left", no_wrap=True)
    families = list(dict.fromkeys(r.family for r in records))
    methods = list(dict.fromkeys(r.method for r in records))
    for fam in families:
        for method in methods:
            cells = []
            for band in bands:
                s = stats.get((fam, method, band, metric))
                cell = "-" if s is None else format_mean_std(s[0], s[1])
                cells.append(cell + bounds.get((fam, method, band, metric), ""))
            table.add_row(escape(fam), escape(method), *cells, sees_code(access.get(method, {})))
        table.add_section()
    return table


def failure_lines(failures: Iterable[Mapping[str, Any]]) -> list[str]:
    """One line per method that failed on an episode (results.json's ``failures``): its
    figures there are missing, so its means are over the other seeds."""
    return [
        f"{f['method']} failed on {f['family']} seed {f['seed']} (its means are over the "
        f"other seeds): {f['error']}"
        for f in failures
    ]


def ratio_table(
    records: Sequence[Record],
    *,
    numerator: str,
    denominator: str,
    bands: Sequence[str],
    title: str,
    metric: str = "mse",
) -> Table | None:
    """Per family and band, the ratio of two methods' mean ``metric`` (None if either is
    missing): e.g. rte / family_fit, the distance to the practical floor."""
    stats = summarize(records)
    families = list(dict.fromkeys(r.family for r in records))
    table = Table(title=title)
    table.add_column("family")
    for band in bands:
        table.add_column(band, justify="right")
    rows = 0
    for fam in families:
        cells = []
        for band in bands:
            top = stats.get((fam, numerator, band, metric))
            bottom = stats.get((fam, denominator, band, metric))
            cells.append("-" if top is None or bottom is None else f"{top[0] / bottom[0]:.3g}")
        if any(c != "-" for c in cells):
            table.add_row(fam, *cells)
            rows += 1
    return table if rows else None
