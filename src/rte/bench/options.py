"""Options that reach every method: ``--set METHOD.KEY=VALUE`` and ``--config FILE.toml``.

A TOML file holds one table per method and, optionally, a ``[suite]`` table of the
suite's own settings::

    [suite]
    seeds = 5

    [rte]
    steps = 5000

    [inductive_t2v]
    width = 256

``--set`` values are text, parsed by the type the method declares for that key; they
override the file. Unknown methods and keys fail before any work, naming the valid ones.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from rte._params import aliases, coerce
from rte.errors import ValidationError

SUITE_TABLE = "suite"
# method name -> hyperparameters
Options = dict[str, dict[str, Any]]


def read_config_file(path: str | Path) -> tuple[dict[str, Any], Options]:
    """(suite settings, method options) from a TOML file."""
    source = Path(path)
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationError(f"--config {source}: no such file. Check the path.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"--config {source}: cannot read it ({exc}).") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"--config {source}: not valid TOML ({exc}).") from None
    settings = data.pop(SUITE_TABLE, {})
    bad = [k for k, v in [(SUITE_TABLE, settings), *data.items()] if not isinstance(v, dict)]
    if bad:
        raise ValidationError(
            f"--config {source}: expected tables such as [rte] or [suite]. Got plain value(s) "
            f"{bad}; put each option under its method's table."
        )
    return settings, {name: dict(table) for name, table in data.items()}


def parse_set(
    lines: Iterable[str], method_class: Callable[[str], type], into: Options | None = None
) -> Options:
    """Parse ``METHOD.KEY=VALUE`` lines into options, typed by ``method_class(METHOD)``."""
    options: Options = {k: dict(v) for k, v in (into or {}).items()}
    for line in lines:
        target, sep, text = line.partition("=")
        method, dot, key = target.strip().partition(".")
        if not sep or not dot or not method or not key:
            raise ValidationError(
                f"--set expects METHOD.KEY=VALUE, e.g. --set rte.steps=5000. Got {line!r}."
            )
        cls = method_class(method)
        value = coerce(cls, key, text.strip(), method)
        options.setdefault(method, {})[aliases(cls).get(key, key)] = value
    return options


def merge(base: Mapping[str, Mapping[str, Any]], extra: Mapping[str, Mapping[str, Any]]) -> Options:
    """Options of ``base`` overridden key by key by ``extra``."""
    out: Options = {k: dict(v) for k, v in base.items()}
    for method, values in extra.items():
        out.setdefault(method, {}).update(values)
    return out
