"""The ``rte`` command line: ``rte bench SUITE``, ``rte fit``, ``rte predict``, ``rte inspect``,
``rte report``.

Commands are thin: they parse options, call the Python API and print. Errors the
library raises on purpose (:class:`rte.errors.RTEError`) become one-line messages
with exit code 2, never a traceback. One module per command group.
"""

from __future__ import annotations

import sys

import typer

from rte.cli._common import error_line
from rte.cli.bench import bench_app
from rte.cli.model import fit_command, inspect_command, predict_command
from rte.cli.report import report_command
from rte.errors import RTEError

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Relational Task Extrapolator: extrapolate to unseen tasks as anchor + transformation.",
    pretty_exceptions_enable=False,
)
app.add_typer(bench_app, name="bench")
app.command("fit")(fit_command)
app.command("predict")(predict_command)
app.command("inspect")(inspect_command)
app.command("report")(report_command)


def main() -> None:
    """Entry point of the ``rte`` script."""
    try:
        app()
    except RTEError as exc:
        error_line(str(exc))
        sys.exit(2)
