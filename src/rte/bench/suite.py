"""Settings every function-prediction suite (param, length, comp) shares."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from rte._validation import check_nonnegative, check_positive_int
from rte.errors import ValidationError
from rte.registry import get_method


@dataclass(frozen=True)
class SuiteConfig:
    """Methods, seeds and target settings of a suite; stored in results.json.

    ``ALIASES`` maps a method name as recorded to the registry name it is built
    from (the discrete suites record ``rte_discrete`` as ``rte``).
    """

    ALIASES: ClassVar[Mapping[str, str]] = {}

    methods: tuple[str, ...] = field(
        default=(), metadata={"help": "Methods to run (any registered name)."}
    )
    seeds: int = field(default=3, metadata={"help": "Number of seeds; each draws new tasks."})
    first_seed: int = field(
        default=0,
        metadata={"help": "First seed. Benchmarks report 0..; choices are made on 100.. only."},
    )
    n_points: int = field(default=64, metadata={"help": "Observations per training task."})
    context_size: int = field(default=10, metadata={"help": "Context points per target (k)."})
    noise: float = field(default=0.05, metadata={"help": "Std of the context noise."})
    n_query: int = field(default=100, metadata={"help": "Query points per target."})

    def __post_init__(self) -> None:
        if not self.methods:
            raise ValidationError("methods must name at least one method.")
        for method in self.methods:
            get_method(self.ALIASES.get(method, method))
        check_positive_int(self.seeds, "seeds")
        check_positive_int(self.first_seed, "first_seed", 0)
        check_positive_int(self.n_points, "n_points", 3)
        check_positive_int(self.context_size, "context_size", 2)
        check_positive_int(self.n_query, "n_query")
        check_nonnegative(self.noise, "noise")

    @property
    def target_options(self) -> dict[str, float | int]:
        """Keyword arguments shared by the suites' target samplers."""
        return {"context_size": self.context_size, "noise": self.noise, "n_query": self.n_query}

    def seed_range(self) -> range:
        """The seeds this run covers."""
        return range(self.first_seed, self.first_seed + self.seeds)


def parse_list(value: str | None, default: Sequence[str]) -> tuple[str, ...]:
    """Split a comma-separated CLI list; None gives the default."""
    if value is None:
        return tuple(default)
    items = tuple(v.strip() for v in value.split(",") if v.strip())
    if not items:
        raise ValidationError(f"Expected a comma-separated list of names. Got {value!r}.")
    return items
