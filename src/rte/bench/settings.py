"""Settings every suite shares: its methods and seeds, and how method names and user
options become the estimators it runs.

A suite's rows are method names. Most rows are registry names (:mod:`rte.registry`);
a suite may also keep a row name of its own for a registered method through its
``ALIASES`` (the length suite records ``rte_discrete`` as ``rte``), so results files
keep their row names. Options (``--set NAME.KEY=VALUE``, ``--config``, ``options=``)
always name the registry method: ``--set rte_discrete.steps=...`` in the length suite.
A row alias given there is refused with the registry name to use instead, so every
``NAME.KEY`` means one option of one class in every suite.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

from rte._params import Settings, at_least, names, nonnegative, param
from rte.errors import ValidationError
from rte.registry import MethodSpec, get_method

# registry method name -> hyperparameters
Options = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class MethodsConfig(Settings):
    """The methods (rows) and seeds of a suite, and how their options resolve.

    ``ALIASES`` maps a row name to the registry name it is built from; ``INTERFACE``
    names the method every estimator of the suite must implement (function suites:
    ``predict_targets``).
    """

    ALIASES: ClassVar[Mapping[str, str]] = {}
    INTERFACE: ClassVar[str] = "predict_targets"

    methods: tuple[str, ...] = param((), "Methods to run (any registered name).", names)
    seeds: int = param(3, "Number of seeds; each draws new tasks.", at_least(1))
    first_seed: int = param(
        0, "First seed. Benchmarks report 0..; choices are made on 100.. only.", at_least(0)
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        for row in self.methods:
            cls = self.spec(row).cls
            if not callable(getattr(cls, self.INTERFACE, None)):
                raise ValidationError(
                    f"Method {row!r} ({cls.__name__}) cannot run in this suite: its methods "
                    f"implement {self.INTERFACE}(). Choose among the suite's methods."
                )

    @property
    def aliases(self) -> Mapping[str, str]:
        """Row names of this run that stand for another registry name."""
        return self.ALIASES

    def registry_name(self, row: str) -> str:
        """The registry name a row is built from."""
        return self.aliases.get(row, row)

    def spec(self, row: str) -> MethodSpec:
        """The registered method a row stands for."""
        return get_method(self.registry_name(row))

    def options_key(self, row: str) -> str:
        """The registry name whose options a row runs with (its own, or, for an oracle, the
        method whose fit it evaluates)."""
        spec = self.spec(row)
        return spec.options_from or spec.name

    def option_class(self, name: str) -> type:
        """The estimator class whose options ``NAME.KEY`` sets (types ``--set`` values).

        ``name`` is a registry name; a row alias of this suite is refused with the
        registry name it stands for, and a method without options of its own with the
        method whose options it runs with.
        """
        self._check_option_name(name)
        return get_method(name).cls

    def resolve_options(self, options: Options | None = None) -> dict[str, dict[str, Any]]:
        """Every row's resolved hyperparameters: declared defaults, the registry name's
        defaults, then ``options[registry name]``.

        Options for a method the run does not include are refused (a typo in
        ``--set rtee.steps=10`` must not pass silently), and so are options given under
        a row alias.
        """
        options = dict(options or {})
        for name, given in options.items():
            self._check_option_name(name)
            if not isinstance(given, Mapping):
                raise ValidationError(
                    f"Options of {name} must map hyperparameter names to values, e.g. "
                    f"{{'steps': 100}}. Got {given!r}."
                )
        run = {self.options_key(row) for row in self.methods}
        stray = sorted(set(options) - run)
        if stray:
            raise ValidationError(
                f"Options given for {stray}, which this run does not include. Methods whose "
                f"options the run takes: {', '.join(sorted(run))}."
            )
        return {
            row: self.spec(row).resolve(options.get(self.options_key(row))) for row in self.methods
        }

    def _check_option_name(self, name: str) -> None:
        if name in self.aliases and self.aliases[name] != name:
            raise ValidationError(
                f"{name!r} is this suite's row name for the registered method "
                f"{self.aliases[name]!r}; options name registered methods: write "
                f"--set {self.aliases[name]}.KEY=VALUE (or [{self.aliases[name]}] in --config)."
            )
        source = get_method(name).options_from  # an unknown name lists the known ones
        if source is not None:
            raise ValidationError(
                f"{name} has no options of its own: it evaluates the fit of {source!r} and "
                f"runs with its options. Set them on {source} (--set {source}.KEY=VALUE)."
            )

    def method_table(self, resolved: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
        """results.json's ``methods``: what each row sees, is, and ran with."""
        return {row: self.spec(row).describe(opts) for row, opts in resolved.items()}

    def builders(self, resolved: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
        """Per row, a function of the episode's seed that builds its estimator."""
        return {row: partial(self.spec(row).build, options=o) for row, o in resolved.items()}

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
