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
    compare: Annotated[
        str | None,
        typer.Option(
            help="Two methods A,B: their ratio (MSE) or difference (accuracy) per family and "
            "band, with a paired 95% bootstrap interval over the same targets."
        ),
    ] = None,
) -> None:
    """Print a results file as markdown tables, with every method's options."""
    from rte._checks import check_choice
    from rte.bench.report import compare as compare_methods
    from rte.bench.report import report
    from rte.bench.results import METRICS
    from rte.errors import ValidationError

    chosen = None if metric is None else check_choice(metric, METRICS, "metric")
    if compare is None:
        print(report(results, chosen))
        return
    names = [n.strip() for n in compare.split(",")]
    if len(names) != 2 or not all(names) or names[0] == names[1]:
        raise ValidationError(f"--compare takes two different methods A,B. Got {compare!r}.")
    print(compare_methods(results, names[0], names[1], chosen))
