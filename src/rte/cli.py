"""The ``rte`` command line: ``rte bench SUITE``, ``rte fit``, ``rte predict``, ``rte inspect``.

Commands are thin: they parse options, call the Python API and print. Errors the
library raises on purpose (:class:`rte.errors.RTEError`) become one-line messages
with exit code 2, never a traceback.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from rte.errors import RTEError
from rte.sequence.cli import parity_command, strings_command

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Relational Task Extrapolator: extrapolate to unseen tasks as anchor + transformation.",
    pretty_exceptions_enable=False,
)
bench_app = typer.Typer(
    no_args_is_help=True,
    help="Run a benchmark suite: every method on the same tasks, contexts, queries and seeds.",
)
app.add_typer(bench_app, name="bench")
bench_app.command("parity")(parity_command)
bench_app.command("strings")(strings_command)

err_console = Console(stderr=True)


def set_threads(threads: int) -> None:
    """Set torch's CPU threads; small networks oversubscribe a busy 2-core machine."""
    import torch

    from rte._validation import check_positive_int

    torch.set_num_threads(check_positive_int(threads, "threads"))


def main() -> None:
    """Entry point of the ``rte`` script."""
    try:
        app()
    except RTEError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(2)


@bench_app.command("param")
def bench_param(
    out: str = typer.Option("runs/param", help="Directory for results.json and plots."),
    seeds: int = typer.Option(3, help="Number of seeds (0..N-1)."),
    families: str = typer.Option(None, help="Comma-separated family names (default: all five)."),
    methods: str = typer.Option(None, help="Comma-separated method names (default: the suite's)."),
    n_targets: int = typer.Option(30, help="Target tasks per band."),
    threads: int = typer.Option(1, help="Torch CPU threads (small nets run fastest on one)."),
) -> None:
    """Parameter extrapolation: every family x method x seed; MSE in_support, F1, F2."""
    set_threads(threads)
    from rte.bench.param import PARAM_METHODS, ParamSuiteConfig, parse_list, run_param_suite
    from rte.tasks.builtin import DEFAULT_PARAM_FAMILIES

    config = ParamSuiteConfig(
        families=parse_list(families, DEFAULT_PARAM_FAMILIES),
        methods=parse_list(methods, PARAM_METHODS),
        seeds=seeds,
        n_targets=n_targets,
    )
    run_param_suite(config, out)
