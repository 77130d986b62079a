"""Settings every function-prediction suite (param, length, comp, table) shares, and how a
suite turns method names and user options into the estimators it runs."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

import numpy as np

from rte._params import Settings, at_least, names, nonnegative, param
from rte.bench.runner import Builder
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
