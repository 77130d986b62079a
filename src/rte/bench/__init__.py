"""Benchmarks: every method on the same tasks, contexts, queries and seeds.

From Python, :func:`run` does what ``rte bench SUITE`` does::

    import rte.bench
    path = rte.bench.run("param", families=["quadratic"], methods=["rte", "context_mlp"],
                         seeds=3, out="runs/mine", options={"rte": {"steps": 500}})

Suites are listed by :func:`suite_names`; methods by :func:`rte.method_names`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rich.console import Console

from rte._params import from_dict
from rte.bench.execution import Execution
from rte.runtime import set_threads

__all__ = ["run", "suite_names"]


def suite_names() -> list[str]:
    """Every benchmark suite name."""
    from rte.bench.suites import SUITES  # the suites import this package's modules

    return sorted(SUITES)


def run(
    suite: str,
    *,
    out: str | Path | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    threads: int = 1,
    jobs: int = 0,
    backend: str = "local",
    address: str | None = None,
    console: Console | None = None,
    **settings: Any,
) -> Path:
    """Run benchmark ``suite`` and return the path of its results.json.

    ``settings`` are the suite's settings (e.g. ``families``, ``methods``, ``seeds``;
    lists are accepted where the CLI takes comma-separated names); ``options`` maps a
    method name to hyperparameters overriding its defaults; ``out`` defaults to
    ``runs/<suite>``. Torch runs on ``threads`` CPU threads per process, as the CLI
    sets it; episodes run in ``jobs`` worker processes (0: one per core) or on Ray
    (``backend="ray"``, ``address`` of a cluster). Records do not depend on where
    episodes ran.
    """
    from rte.bench.suites import get_suite

    entry = get_suite(suite)
    config = from_dict(entry.config, settings, what=f"suite {suite!r}")
    execution = Execution(jobs=jobs, backend=backend, address=address, threads=threads)
    set_threads(threads)
    return entry.run(config, Path(out or Path("runs") / suite), options, console, execution)
