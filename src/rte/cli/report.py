"""``rte report RESULTS``: a results.json as markdown tables."""

from __future__ import annotations

from typing import Annotated

import typer


def report_command(
    results: Annotated[str, typer.Argument(help="A results.json written by `rte bench`.")],
    metric: Annotated[
        str | None,
        typer.Option(help="Metric to tabulate (mse, accuracy, ...); default: mse, or every one."),
    ] = None,
) -> None:
    """Print a results file as markdown tables, with every method's options."""
    from rte._validation import check_choice
    from rte.bench.report import report
    from rte.bench.results import METRICS

    print(report(results, None if metric is None else check_choice(metric, METRICS, "metric")))
