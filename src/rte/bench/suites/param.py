"""The parameter-extrapolation suite: ``rte bench param``.

For each family and seed: a bank of training tasks with theta in the support, and
targets in the bands in_support and F1-F4 (up to two support widths beyond it), each
with a noisy context and clean queries. Every method fits the same bank and predicts
the same targets.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from rte._params import at_least, names, param
from rte.bench.display import ratio_table
from rte.bench.execution import Execution
from rte.bench.plots import plot_param_family
from rte.bench.runner import Episode, run_and_report
from rte.bench.settings import Options, SuiteConfig
from rte.runtime import stream
from rte.tasks import BANDS, get_family, sample_bank, sample_targets
from rte.tasks.builtin import DEFAULT_PARAM_FAMILIES

PARAM_METHODS = (
    "rte",
    "rte_uncorrected",
    "inductive_t2v",
    "inductive_oracle",
    "transductive_oracle",
    "context_mlp",
    "nearest_task",
    "nearest_task_gp",
    "context_gp",
    "context_gp_matched",
    "dkt",
    "symbolic_regression",
    "family_fit",
)
# The two strongest peers (a deep-kernel GP and symbolic regression, docs/peers.md) are
# default rows; these, opt-in with --methods, would about double the suite's run time on
# the 2-core machine.
PEER_METHODS = ("maml", "fomaml", "reptile", "cnp", "bilinear", "snake_mlp")


@dataclass(frozen=True)
class ParamSuiteConfig(SuiteConfig):
    """Everything needed to rerun ``rte bench param``; stored in results.json."""

    methods: tuple[str, ...] = param(PARAM_METHODS, "Methods to run (any registered name).", names)
    families: tuple[str, ...] = param(DEFAULT_PARAM_FAMILIES, "Task families to run.", names)
    n_tasks: int = param(200, "Training tasks per bank.", at_least(2))
    n_targets: int = param(30, "Target tasks per band.", at_least(1))

    def __post_init__(self) -> None:
        super().__post_init__()
        for fam in self.families:
            get_family(fam)

    def episodes(self) -> Iterator[Episode]:
        """Banks and targets for every (family, seed), drawn from seed-derived streams."""
        for name in self.families:
            family = get_family(name)
            for seed in self.seed_range():
                bank = sample_bank(family, self.n_tasks, self.n_points, stream(seed, name, "bank"))
                targets = [
                    sample_targets(
                        family,
                        band,
                        self.n_targets,
                        stream(seed, name, band),
                        **self.target_options,
                    )
                    for band in BANDS
                ]
                yield Episode(name, seed, bank, targets)


def run_param_suite(
    config: ParamSuiteConfig,
    out_dir: str | Path,
    options: Options | None = None,
    console: Console | None = None,
    execution: Execution | None = None,
) -> Path:
    """Run the suite, print the table, write results.json and one plot per family.

    ``options`` maps a method name to hyperparameters overriding its defaults;
    ``execution`` says where episodes run (default: one process per core).
    """
    console = console or Console(width=max(Console().width, 120))
    done = run_and_report(
        "param",
        config,
        config.episodes,
        len(config.families) * config.seeds,
        options,
        out_dir,
        bands=BANDS,
        title=f"rte bench param: MSE, mean ± std over {config.seeds} seeds",
        console=console,
        execution=execution,
    )
    out = Path(out_dir)
    ratios = ratio_table(
        done.records,
        numerator="rte",
        denominator="family_fit",
        bands=BANDS,
        title="rte / family_fit: MSE ratio to the least-squares fit that knows the form",
    )
    if ratios is not None:
        console.print(ratios)
    for output in done.outputs:
        if output.episode.seed == config.first_seed:
            plot_param_family(output, out / f"param_{output.episode.family}.png")
    console.print(
        f"{len(done.records)} records in {done.seconds:.0f} s -> {done.path}", markup=False
    )
    return done.path
