"""The ``rte`` command line: ``rte bench SUITE``, ``rte fit``, ``rte predict``, ``rte inspect``,
``rte report``.

Commands are thin: they parse options, call the Python API and print. Errors the
library raises on purpose (:class:`rte.errors.RTEError`) become one-line messages
with exit code 2, never a traceback. One module per command group.
"""

from __future__ import annotations

import contextlib
import errno
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


def _usage_errors() -> tuple[type[Exception], ...]:
    """Command-line usage errors: Typer's (it ships its own click) and click's."""
    found: list[type[Exception]] = []
    if hasattr(typer, "TyperException"):
        found.append(typer.TyperException)
    with contextlib.suppress(ImportError):
        from click.exceptions import ClickException

        found.append(ClickException)
    return tuple(found)


def main() -> None:
    """Entry point of the ``rte`` script: every expected error is one line and exit code 2.

    Usage errors (an unknown option, a missing argument) are one line too, naming the
    command whose ``--help`` lists the valid ones.
    """
    try:
        code = typer.main.get_command(app).main(standalone_mode=False, prog_name="rte")
    except typer.Abort:
        error_line("interrupted")
        code = 130
    except _usage_errors() as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":
            exc.show()  # type: ignore[attr-defined]  # no arguments at all: print the help
            code = 0
        else:
            ctx = getattr(exc, "ctx", None)
            where = ctx.command_path if ctx is not None else "rte"
            message = exc.format_message()  # type: ignore[attr-defined]
            error_line(f"{message} (see `{where} --help`)")
            code = 2
    except RTEError as exc:
        error_line(str(exc))
        code = 2
    except OSError as exc:
        if exc.errno == errno.EPIPE:  # the reader of our output went away (e.g. `| head`)
            code = 1
        else:
            error_line(f"{exc.filename or 'a file'}: {exc.strerror or exc}")
            code = 2
    sys.exit(code if isinstance(code, int) else 0)
