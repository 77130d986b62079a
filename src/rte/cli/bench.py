"""``rte bench SUITE``: one command per suite of :data:`rte.bench.suites.SUITES`.

Every command is declared the same way, from its suite's settings class: one
option per setting, plus ``--out``, ``--set METHOD.KEY=VALUE`` (repeatable),
``--config FILE.toml`` and ``--threads``. Precedence, lowest first: declared
defaults, the ``--config`` file, the command's options, ``--set``.

The group lists the suites from the catalog's names and help lines; a suite's command,
and with it the suite's module (numpy, the task generators), is built only when that
suite is run or its ``--help`` asked, so ``rte bench --help`` answers at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from rte._params import from_dict
from rte.bench.execution import Execution
from rte.bench.options import parse_set, read_config_file
from rte.bench.suites import SUITES, Suite
from rte.cli._common import ThreadsOpt, with_fields
from rte.runtime import set_threads

SetOpt = Annotated[
    list[str],
    typer.Option(
        "--set",
        help="A method's option, METHOD.KEY=VALUE (repeatable), e.g. --set rte.steps=5000.",
        rich_help_panel="Methods",
    ),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="TOML file: one table of options per method, and an optional suite table.",
        rich_help_panel="Methods",
    ),
]


JobsOpt = Annotated[
    int,
    typer.Option(
        help="Worker processes for episodes (0: one per CPU core); records do not change.",
        rich_help_panel="Execution",
    ),
]
BackendOpt = Annotated[
    str,
    typer.Option(
        help="local (worker processes) or ray (needs rte\\[ray]).", rich_help_panel="Execution"
    ),
]
AddressOpt = Annotated[
    str | None,
    typer.Option(
        help="Ray cluster address, e.g. ray://head:10001 (default: start Ray locally).",
        rich_help_panel="Execution",
    ),
]


def suite_command(suite: Suite) -> TyperCommand:
    """The command ``rte bench <suite.name>``, declared from the suite's settings class."""

    @with_fields(suite.config, "settings", "Suite")
    def command(
        out: Path | None = typer.Option(  # noqa: B008 (Typer's way of declaring options)
            None, help=f"Output directory (default: runs/{suite.name})."
        ),
        set_: SetOpt = [],  # noqa: B006 (Typer reads the default, never mutates it)
        config: ConfigOpt = None,
        threads: ThreadsOpt = 1,
        jobs: JobsOpt = 0,
        backend: BackendOpt = "local",
        address: AddressOpt = None,
        settings: dict[str, Any] | None = None,
    ) -> None:
        execution = Execution(jobs=jobs, backend=backend, address=address, threads=threads)
        set_threads(threads)
        file_settings, file_options = read_config_file(config) if config else ({}, {})
        chosen = from_dict(suite.config, {**file_settings, **(settings or {})}, what=suite.name)
        options = parse_set(set_, chosen.option_class, into=file_options)
        suite.run(chosen, out or Path("runs") / suite.name, options, None, execution)

    command.__doc__ = suite.help
    app = typer.Typer(add_completion=False)
    app.command(suite.name, help=suite.help)(command)
    return typer.main.get_command(app)  # type: ignore[return-value]  # one command: no group


class SuiteGroup(TyperGroup):
    """``rte bench``: one listing entry per suite (name and help line only); the suite's
    real command is built when the suite is named on the command line."""

    def __init__(self, **attrs: Any) -> None:
        attrs["commands"] = {
            name: TyperCommand(name=name, help=suite.help) for name, suite in SUITES.items()
        }
        super().__init__(**attrs)

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if name in SUITES:
            command = suite_command(SUITES[name])
        return name, command, rest


bench_app = typer.Typer(
    cls=SuiteGroup,
    no_args_is_help=True,
    help="Run a benchmark suite: every method on the same tasks, contexts, queries and seeds.",
)
