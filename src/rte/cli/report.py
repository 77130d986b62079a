"""``rte report RESULTS``: a results.json as markdown tables."""

from __future__ import annotations

from typing import Annotated

import typer


def report_command(
    results: Annotated[str, typer.Argument(help="A results.json written by `rte bench`.")],
    metric: Annotated[str, typer.Option(help="Metric to tabulate (mse, accuracy, ...).")] = "mse",
) -> None:
    """Print a results file as markdown tables, with every method's options."""
    from rte._validation import check_choice
    from rte.bench.report import report
    from rte.bench.results import METRICS

    print(report(results, check_choice(metric, METRICS, "metric")))
