"""Markdown tables from a results.json file: ``rte report DIR/results.json``.

The README's tables are printed by this command from the files the benchmarks
write, so every figure there can be regenerated from its results file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rte.access import sees_legend
from rte.bench.bootstrap import LEVEL, paired_interval
from rte.bench.display import failure_lines
from rte.bench.results import (
    METRICS,
    Record,
    format_mean_std,
    interval_labels,
    load_results,
    sees_code,
    summarize,
)
from rte.errors import ValidationError


def markdown_table(
    records: Sequence[Record],
    metric: str,
    access: Mapping[str, Mapping[str, Any]] | None = None,
    bands: Sequence[str] | None = None,
    intervals: Sequence[Mapping[str, Any]] = (),
) -> str:
    """One row per (family, method), one column per band: mean ± std over seeds, and the
    interval over targets in brackets where the results file holds one."""
    stats = summarize(records)
    bounds = interval_labels(intervals)
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
                + bounds.get((fam, method, b, metric), "")
                if (fam, method, b, metric) in stats
                else "-"
                for b in bands
            ]
            if all(c == "-" for c in cells):
                continue
            codes = [] if access is None else [sees_code(access.get(method, {}))]
            lines.append("| " + " | ".join([fam, method, *cells, *codes]) + " |")
    return "\n".join(lines)


def options_table(methods: Mapping[str, Mapping[str, Any]]) -> str:
    """One line per method: what it sees and every option it ran with."""
    lines = ["| method | sees | options |", "|---|---|---|"]
    for name, info in methods.items():
        opts = ", ".join(f"{k}={v}" for k, v in sorted(info.get("options", {}).items()))
        lines.append(f"| {name} | {sees_code(info)} | {opts or '-'} |")
    return "\n".join(lines)


def report(path: str | Path, metric: str | None = None) -> str:
    """The markdown table of ``metric`` in a results file, with its seeds, run time and
    every method's access and options.

    Without ``metric``: MSE where the file has it, otherwise one table per metric it
    holds (e.g. ``rte bench scale``: seconds, recall, memory; the sequence suites:
    accuracy and decomposition accuracy)."""
    data = load_results(path)
    methods = data.get("methods", {})
    seeds = sorted({r.seed for r in data["records"]})
    intervals = data.get("intervals", [])
    present = list(dict.fromkeys(r.metric for r in data["records"]))
    if metric is not None:
        shown = [metric]
    else:
        shown = ["mse"] if "mse" in present or not present else present
    level = f" [{intervals[0]['level']:.0%} interval over targets]" if intervals else ""
    parts = []
    for name in shown:
        parts += [
            f"{data['suite']}: {name} ({METRICS[name]}), mean ± std over seeds {seeds}{level}; "
            f"run time {data['seconds']:.0f} s (rte {data['version']})",
            markdown_table(data["records"], name, methods or None, intervals=intervals),
        ]
    if data.get("fits"):
        parts.append(fits_table(data["fits"]))
    if data.get("failures"):
        parts.append("\n".join(["Failures:", "", *failure_lines(data["failures"])]))
    if methods:
        parts += [f"sees: {sees_legend()}", options_table(methods)]
    return "\n\n".join(parts)


# The columns of the fits table, in order; a fit without one shows "-".
FIT_COLUMNS = ("operator", "law", "dim_phi", "decomposition", "correction", "calibration")


def fits_table(fits: Sequence[Mapping[str, Any]]) -> str:
    """What served each method's fit per episode (the ``describe_fit`` hook): its operator
    class, law and phi's dimension, decomposition, correction and calibration."""
    head = ["family", "seed", "method", *FIT_COLUMNS]
    lines = ["What served each fit:", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for fit in fits:
        cells = [str(fit.get(k, "-")) for k in head]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


# Metrics where lower is better are compared by their ratio, the others by difference.
RATIO_METRICS = ("mse", "crps", "interval_width", "seconds")
# A comparison over fewer targets than this says so beside its figures.
FEW_TARGETS = 10


def compare(path: str | Path, first: str, second: str, metric: str | None = None) -> str:
    """A markdown table comparing two methods of a results file over the same targets:
    per family and band, their means, the ratio (MSE-like metrics) or difference
    (accuracies) with its paired 95 % bootstrap interval over targets, and the count of
    targets. A results file without per-target scores is refused: nothing to pair."""
    data = load_results(path)
    scores = data["targets"]
    if not scores:
        raise ValidationError(
            f"{path}: holds no per-target scores (written before rte kept them), so two "
            "methods cannot be compared with a paired interval. Run the suite again."
        )
    methods = {s.method for s in scores}
    for name in (first, second):
        if name not in methods:
            raise ValidationError(
                f"--compare: {name!r} has no per-target scores in {path}. Methods: "
                f"{', '.join(sorted(methods))}."
            )
    present = list(dict.fromkeys(s.metric for s in scores))
    metric = metric or ("mse" if "mse" in present else present[0])
    statistic = "ratio" if metric in RATIO_METRICS else "difference"
    by_key: dict[tuple[str, str, str], dict[int, tuple[float, ...]]] = {}
    for s in scores:
        if s.metric == metric:
            by_key.setdefault((s.family, s.band, s.method), {})[s.seed] = s.values
    label = f"{first} / {second}" if statistic == "ratio" else f"{first} - {second}"
    lines = [
        f"{data['suite']}: {metric}, {first} against {second} over the same targets; "
        f"{label} with its paired {LEVEL:.0%} bootstrap interval over targets",
        "",
        f"| family | band | {first} | {second} | {label} | targets |",
        "|---|---|---|---|---|---|",
    ]
    for family, band in dict.fromkeys((f, b) for f, b, _ in by_key):
        a, b = by_key.get((family, band, first)), by_key.get((family, band, second))
        if not a or not b:
            continue
        seeds = sorted(set(a) & set(b))
        value, low, high = paired_interval([a[s] for s in seeds], [b[s] for s in seeds], statistic)
        mean_a = sum(sum(a[s]) / len(a[s]) for s in seeds) / len(seeds)
        mean_b = sum(sum(b[s]) / len(b[s]) for s in seeds) / len(seeds)
        count = sum(len(a[s]) for s in seeds)
        few = f" (fewer than {FEW_TARGETS})" if count < FEW_TARGETS else ""
        lines.append(
            f"| {family} | {band} | {mean_a:.3g} | {mean_b:.3g} | "
            f"{value:.3g} [{low:.3g}, {high:.3g}] | {count}{few} |"
        )
    return "\n".join(lines)
