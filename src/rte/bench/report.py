"""Markdown tables from a results.json file: ``rte report DIR/results.json``.

The README's tables are printed by this command from the files the benchmarks
write, so every figure there can be regenerated from its results file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rte.bench.results import Record, format_mean_std, load_results, summarize
from rte.bench.table import ACCESS_CODES


def markdown_table(
    records: Sequence[Record],
    metric: str,
    access: dict[str, Sequence[str]] | None = None,
    bands: Sequence[str] | None = None,
) -> str:
    """One row per (family, method), one column per band: mean ± std over seeds."""
    stats = summarize(records)
    chosen = [r for r in records if r.metric == metric]
    families = list(dict.fromkeys(r.family for r in chosen))
    methods = list(dict.fromkeys(r.method for r in chosen))
    bands = list(bands or dict.fromkeys(r.band for r in chosen))
    head = ["family", "method", *bands] + (["sees"] if access else [])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for fam in families:
        for method in methods:
            cells = [
                format_mean_std(*stats[(fam, method, b, metric)][:2])
                if (fam, method, b, metric) in stats
                else "-"
                for b in bands
            ]
            if all(c == "-" for c in cells):
                continue
            codes = (
                []
                if access is None
                else ["".join(ACCESS_CODES.get(a, "?") for a in access.get(method, ()))]
            )
            lines.append("| " + " | ".join([fam, method, *cells, *codes]) + " |")
    return "\n".join(lines)


def report(path: str | Path, metric: str = "mse") -> str:
    """The markdown table of ``metric`` in a results file, with its seeds and run time."""
    data = load_results(path)
    access = {m: info.get("access", ()) for m, info in data.get("methods", {}).items()}
    seeds = sorted({r.seed for r in data["records"]})
    table = markdown_table(data["records"], metric, access or None)
    return (
        f"{data['suite']}: {metric}, mean ± std over seeds {seeds}; "
        f"run time {data['seconds']:.0f} s (rte {data['version']})\n\n{table}"
    )
