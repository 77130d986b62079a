"""Settings every function-prediction suite (param, length, comp, real, table) shares, and how a
suite turns method names and user options into the estimators it runs."""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from rich.console import Console

from rte._params import Settings, at_least, names, nonnegative, param
from rte.bench.execution import Execution
from rte.bench.results import Record, write_results
from rte.bench.runner import Builder, Episode, EpisodeOutput, run_episodes
from rte.bench.table import results_table
from rte.errors import ValidationError
from rte.registry import MethodSpec, get_method

Options = Mapping[str, Mapping[str, Any]]


def stream(seed: int, *names: str) -> np.random.Generator:
    """A random stream keyed by the seed and names (family, band, ...), not by positions:
    a one-family run draws exactly the tasks of that family in the full run, and adding
    a band or a family leaves every other stream unchanged."""
    return np.random.default_rng([seed, *(zlib.crc32(n.encode()) for n in names)])


@dataclass(frozen=True)
class MethodsConfig(Settings):
    """The methods and seeds of a suite, and how their options resolve.

    ``ALIASES`` maps a method name as recorded to the registry name it is built
    from (the discrete suites record ``rte_discrete`` as ``rte``).
    """

    ALIASES: ClassVar[Mapping[str, str]] = {}

    methods: tuple[str, ...] = param((), "Methods to run (any registered name).", names)
    seeds: int = param(3, "Number of seeds; each draws new tasks.", at_least(1))
    first_seed: int = param(
        0, "First seed. Benchmarks report 0..; choices are made on 100.. only.", at_least(0)
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        for method in self.methods:
            self.spec(method)

    @classmethod
    def spec(cls, method: str) -> MethodSpec:
        """The registered method a suite name stands for."""
        return get_method(cls.ALIASES.get(method, method))

    @classmethod
    def method_class(cls, method: str) -> type:
        """The estimator class behind a method name (types ``--set`` values)."""
        return cls.spec(method).cls

    def resolve_options(self, options: Options | None = None) -> dict[str, dict[str, Any]]:
        """Every method's resolved hyperparameters (defaults, then ``options[method]``).

        Options for a method the suite does not run are refused: a typo in
        ``--set rtee.steps=10`` must not pass silently.
        """
        options = dict(options or {})
        stray = sorted(set(options) - set(self.methods))
        if stray:
            raise ValidationError(
                f"Options given for {stray}, which this run does not include. Methods of the "
                f"run: {', '.join(self.methods)}."
            )
        return {m: self.spec(m).resolve(options.get(m)) for m in self.methods}

    def method_table(self, resolved: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
        """results.json's ``methods``: what each method sees, is, and ran with."""
        return {name: self.spec(name).describe(opts) for name, opts in resolved.items()}

    def builders(self, resolved: Mapping[str, Mapping[str, Any]]) -> dict[str, Builder]:
        """Per method, a function of the episode's seed that builds its estimator."""
        return {m: partial(self.spec(m).build, options=opts) for m, opts in resolved.items()}

    def seed_range(self) -> range:
        """The seeds this run covers."""
        return range(self.first_seed, self.first_seed + self.seeds)


@dataclass(frozen=True)
class SuiteRun:
    """What :func:`run_and_report` ran: results path, records, predictions, methods, time."""

    path: Path
    records: list[Record]
    outputs: list[EpisodeOutput]
    methods: dict[str, dict[str, Any]]
    seconds: float


def run_and_report(
    suite: str,
    config: MethodsConfig,
    episodes: Callable[[], Iterator[Episode]],
    n_episodes: int,
    options: Options | None,
    out_dir: str | Path,
    *,
    bands: Sequence[str],
    title: str,
    console: Console,
    execution: Execution | None = None,
    extra: Mapping[str, Any] | None = None,
) -> SuiteRun:
    """Every method on every episode, results.json in ``out_dir`` and the MSE table."""
    resolved = config.resolve_options(options)
    start = time.perf_counter()
    records, outputs = run_episodes(
        episodes, n_episodes, config.builders(resolved), execution=execution
    )
    seconds = time.perf_counter() - start
    methods = config.method_table(resolved)
    path = report(
        out_dir,
        suite=suite,
        config=config.to_dict(),
        records=records,
        seconds=seconds,
        methods=methods,
        bands=bands,
        title=title,
        console=console,
        extra=extra,
    )
    return SuiteRun(path, records, outputs, methods, seconds)


def report(
    out_dir: str | Path,
    *,
    suite: str,
    config: Mapping[str, Any],
    records: Sequence[Record],
    seconds: float,
    methods: Mapping[str, Mapping[str, Any]],
    bands: Sequence[str],
    title: str,
    console: Console,
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Write a suite's results.json and print its MSE table per band."""
    path = write_results(
        out_dir,
        suite=suite,
        config=config,
        records=records,
        seconds=seconds,
        methods=methods,
        extra=extra,
    )
    console.print(results_table(records, metric="mse", bands=bands, access=methods, title=title))
    return path


@dataclass(frozen=True)
class SuiteConfig(MethodsConfig):
    """Methods, seeds and target settings of a suite that samples its tasks; stored in
    results.json."""

    n_points: int = param(64, "Observations per training task.", at_least(3))
    context_size: int = param(10, "Context points per target (k).", at_least(2))
    noise: float = param(0.05, "Std of the context noise.", nonnegative)
    n_query: int = param(100, "Query points per target.", at_least(1))

    @property
    def target_options(self) -> dict[str, float | int]:
        """Keyword arguments shared by the suites' target samplers."""
        return {"context_size": self.context_size, "noise": self.noise, "n_query": self.n_query}
