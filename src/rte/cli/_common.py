"""What every command shares: consoles, one-line errors, and options made from fields.

:func:`with_fields` gives a command one ``--option`` per declared field of a settings
or estimator class (name, type and help from the declaration), so the CLI never
restates a setting. Options default to None and only those given are passed on,
so a settings file can sit between the declared defaults and the command line.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from rte._params import field_type, fields, help_text, parse

err_console = Console(stderr=True, soft_wrap=True)  # one line per error, never wrapped
console = Console(soft_wrap=True)

ThreadsOpt = typing.Annotated[
    int, typer.Option(help="Torch CPU threads (small nets run fastest on one).")
]


def say(text: str) -> None:
    """Print plain text (no rich markup: paths and task ids may hold brackets)."""
    console.print(text, markup=False, highlight=False)


def error_line(message: str) -> None:
    """The one line a failed command prints: ``error: ...``."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False)


def _cli_type(kind: Any, name: str) -> tuple[Any, Callable[[Any], Any]]:
    """(type Typer parses, converter to the field's type) for a field annotation: lists
    arrive as comma-separated text."""
    args = [a for a in typing.get_args(kind) if a is not type(None)]
    inner = args[0] if args and type(None) in typing.get_args(kind) else kind
    if typing.get_origin(inner) is tuple:
        return str, lambda text: parse(text, inner, f"--{name.replace('_', '-')}")
    return inner, lambda value: value


def _default_text(default: Any) -> str:
    """`` (default: ...)`` for a help line; nothing when there is no default value."""
    if default is None or default == ():
        return ""
    shown = ",".join(map(str, default)) if isinstance(default, tuple) else str(default)
    return f" (default: {shown})"


def with_fields(
    cls: type, into: str, panel: str, skip: tuple[str, ...] = ()
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Add one option per field of ``cls`` to a command; given values arrive as ``into``.

    Fields named in the class attribute ``ARGUMENTS`` become required positional
    arguments instead (``rte bench table BANK``).
    """

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        declared = [f for f in fields(cls) if f.name not in skip]
        hints = typing.get_type_hints(command, include_extras=True)
        own = [
            p.replace(annotation=hints[p.name])
            for p in inspect.signature(command).parameters.values()
            if p.name != into
        ]
        converters = {}
        options = []
        positional = getattr(cls, "ARGUMENTS", ())
        for f in sorted(declared, key=lambda f: f.name not in positional):
            kind, convert = _cli_type(field_type(cls, f.name), f.name)
            converters[f.name] = convert
            if f.name in positional:
                argument = typer.Argument(
                    ..., help=escape(help_text(f)), show_default=False, metavar=f.name.upper()
                )
                options.append(
                    inspect.Parameter(
                        f.name, inspect.Parameter.KEYWORD_ONLY, default=argument, annotation=kind
                    )
                )
                continue
            flag = f"--{f.name.replace('_', '-')}"
            decls = [f"{flag}/--no-{f.name.replace('_', '-')}"] if kind is bool else [flag]
            option = typer.Option(
                None,
                *decls,
                help=escape(f"{help_text(f)}{_default_text(f.default)}"),
                rich_help_panel=panel,
                show_default=False,
            )
            options.append(
                inspect.Parameter(
                    f.name, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=kind | None
                )
            )

        def wrapper(**kwargs: Any) -> None:
            given = {}
            for name, convert in converters.items():
                value = kwargs.pop(name)
                if value is not None:
                    given[name] = convert(value)
            command(**{into: given}, **kwargs)

        wrapper.__name__, wrapper.__doc__ = command.__name__, command.__doc__
        wrapper.__signature__ = inspect.Signature([*own, *options])  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: hints[p.name] for p in own} | {
            p.name: p.annotation for p in options
        }
        return wrapper

    return decorate
