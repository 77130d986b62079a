"""Render benchmark records as a rich table: mean ± std over seeds per band."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.table import Table

from rte.bench.results import Record, format_mean_std, summarize
from rte.registry import BANK, CONTEXT, TRUE_DECOMPOSITION, TRUE_PARAMS

ACCESS_CODES = {BANK: "B", CONTEXT: "C", TRUE_PARAMS: "P", TRUE_DECOMPOSITION: "D"}


def results_table(
    records: Sequence[Record],
    *,
    metric: str,
    bands: Sequence[str],
    access: Mapping[str, Sequence[str]],
    title: str,
) -> Table:
    """One row per (family, method): the metric per band and what the method may see.

    Access is abbreviated (B bank, C context, P true parameters, D true decomposition)
    with a caption legend.
    """
    stats = summarize(records)
    legend = ", ".join(f"{ACCESS_CODES[a]} = {a}" for a in ACCESS_CODES)
    table = Table(title=title, caption=f"sees: {legend}", show_lines=False)
    for col in ("family", "method", *bands, "sees"):
        table.add_column(col, justify="right" if col in bands else "left", no_wrap=True)
    families = list(dict.fromkeys(r.family for r in records))
    methods = list(dict.fromkeys(r.method for r in records))
    for fam in families:
        for method in methods:
            cells = []
            for band in bands:
                s = stats.get((fam, method, band, metric))
                cells.append("-" if s is None else format_mean_std(s[0], s[1]))
            codes = "".join(ACCESS_CODES.get(a, "?") for a in access.get(method, ()))
            table.add_row(fam, method, *cells, codes)
        table.add_section()
    return table
