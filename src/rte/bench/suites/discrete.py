"""What the two discrete suites (``rte bench length``, ``rte bench comp``) share:
method names, the config fields, running, tables, results.json and the plot.

In these suites ``rte`` is the discrete-regime RTE with strategy-B decomposition and
``transductive_oracle`` its true-decomposition oracle: the suite builds them from
the registry names in :data:`ALIASES` and records them under the suite's names
(so ``--set rte.steps=...`` reaches the discrete RTE). Any other registered method
runs as itself and simply ignores the relation labels.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import ClassVar

from rich.console import Console

from rte._params import names, one_of, param
from rte.bench.display import results_table
from rte.bench.execution import Execution
from rte.bench.plots import pyplot, save_figure
from rte.bench.results import Record
from rte.bench.runner import Episode, EpisodeOutput, mse_per_target, run_and_report
from rte.bench.settings import Options, SuiteConfig

DISCRETE_METHODS = ("rte", "naive", "transductive_oracle", "context_mlp", "rte_exhaustive")
ALIASES = {
    "rte": "rte_discrete",
    "rte_labelled": "rte_discrete",
    "transductive_oracle": "transductive_oracle_discrete",
}
RELATIONS = ("labelled", "unlabelled")


@dataclass(frozen=True)
class DiscreteSuiteConfig(SuiteConfig):
    """Settings both discrete suites share; stored in results.json."""

    ALIASES: ClassVar[Mapping[str, str]] = ALIASES
    # The suite's name (its records' family) and bands, set by each suite.
    NAME: ClassVar[str]
    BANDS: ClassVar[tuple[str, ...]]
    # Sizes per preset; a size given explicitly overrides its preset.
    PRESETS: ClassVar[Mapping[str, Mapping[str, int]]] = {"small": {}, "large": {}}

    methods: tuple[str, ...] = param(
        DISCRETE_METHODS, "Methods to run (any registered name).", names
    )
    scale: str = param(
        "small",
        "Preset: small (the paper-sized suite, a few hundred candidates per target) or large "
        "(about 10^5 candidates per target).",
        one_of("small", "large"),
    )

    relations: str = param(
        "labelled",
        "What rte trains Psi on: the bank's relation labels, or relations it discovers "
        "(unlabelled: rte is rte_unlabelled; rte_labelled names the labelled one).",
        one_of(*RELATIONS),
    )

    @property
    def aliases(self) -> Mapping[str, str]:
        """Row names -> registry names for this run (``rte`` follows ``relations``)."""
        if self.relations == "unlabelled":
            return {**ALIASES, "rte": "rte_unlabelled"}
        return ALIASES

    @property
    def per_structure_band(self) -> str | None:
        """The band whose MSE is also reported per target structure (none by default)."""
        return None

    @property
    def note(self) -> str:
        """Appended to every table title (the composition suite's candidate ablation)."""
        return ""

    def episodes(self) -> Iterator[Episode]:
        """The bank and the targets of each seed (each suite draws its own)."""
        raise NotImplementedError

    def size(self, name: str) -> int:
        """A size setting: its given value, else the preset's."""
        value = getattr(self, name)
        return self.PRESETS[self.scale][name] if value is None else value


def per_structure_records(outputs: Sequence[EpisodeOutput], band: str) -> list[Record]:
    """MSE per target structure (e.g. each held-out composition) in ``band``: records with
    the structure as ``family``, per method and seed."""
    records = []
    for out in outputs:
        targets = next(t for t in out.episode.targets if t.band == band)
        assert targets.labels is not None
        groups: dict[str, list[int]] = defaultdict(list)
        for i, label in enumerate(targets.labels):
            groups[label.structure].append(i)
        for (method, b), pred in out.predictions.items():
            if b != band:
                continue
            mse = mse_per_target(pred, targets.query_y)
            for name, rows in groups.items():
                value = float(mse[rows].mean())
                records.append(Record(name, method, band, out.episode.seed, "mse", value))
    return records


def plot_far_target(output: EpisodeOutput, band: str, path: Path) -> None:
    """One target of ``band``: truth, context, and the predictions of rte and naive."""
    ep = output.episode
    targets = next(t for t in ep.targets if t.band == band)
    x = targets.query_x[0, :, 0]
    fig, ax = pyplot().subplots(figsize=(7, 4.2))
    ax.plot(x, targets.query_y[0], color="black", lw=2, label="truth")
    ax.scatter(
        targets.context_x[0, :, 0],
        targets.context_y[0],
        color="black",
        s=18,
        zorder=5,
        label="context",
    )
    for name, colour, ls in (("rte", "#1f77b4", "-"), ("naive", "#d62728", "--")):
        if (name, band) in output.predictions:
            ax.plot(x, output.predictions[(name, band)][0], color=colour, ls=ls, lw=1.8, label=name)
    structure = targets.labels[0].structure if targets.labels else ""
    ax.set_title(f"{ep.family}: one {band} target, {structure} (seed {ep.seed})")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend(fontsize=7, loc="best")
    save_figure(fig, path)


def run_discrete_suite(
    config: DiscreteSuiteConfig,
    out_dir: str | Path,
    options: Options | None = None,
    console: Console | None = None,
    execution: Execution | None = None,
) -> Path:
    """Run ``rte bench length`` or ``rte bench comp`` (the config's ``NAME``): every method,
    the tables, results.json and the far-target plot (last band, first seed), and, where
    the config names one, the MSE per target structure of that band."""
    suite, bands = config.NAME, config.BANDS
    per_structure_band = config.per_structure_band
    console = console or Console(width=max(Console().width, 120))
    n = f"mean ± std over {config.seeds} seeds{config.note}"
    derived = None
    if per_structure_band is not None:
        derived = partial(per_structure_records, band=per_structure_band)
    done = run_and_report(
        suite,
        config,
        config.episodes,
        config.seeds,
        options,
        out_dir,
        bands=bands,
        title=f"rte bench {suite}: MSE, {n}",
        console=console,
        execution=execution,
        derived=derived,
    )
    records, outputs, access = done.records, done.outputs, done.methods
    aggregate = [r for r in records if r.family == suite]
    for metric, what in (
        ("decomposition_accuracy", "decomposition top-1 accuracy"),
        ("seconds", "decomposition seconds per target"),
        ("recall_at_1", "proposer recall@1 (true decomposition first)"),
        ("recall_at_8", "proposer recall@8"),
        ("recall_at_32", "proposer recall@32"),
    ):
        rows = [r for r in aggregate if r.metric == metric and r.band != "all"]
        if rows:
            console.print(
                results_table(
                    rows,
                    metric=metric,
                    bands=bands,
                    access=access,
                    title=f"rte bench {suite}: {what}, {n}",
                )
            )
    ami = [r for r in aggregate if r.metric == "relation_ami"]
    if ami:
        console.print(
            results_table(
                ami,
                metric="relation_ami",
                bands=("bank",),
                access=access,
                title=f"rte bench {suite}: discovered vs true relations (AMI), {n}",
            )
        )
    if per_structure_band is not None:
        per = [r for r in records if r.family != suite]
        console.print(
            results_table(
                per,
                metric="mse",
                bands=(per_structure_band,),
                access=access,
                title=f"rte bench {suite}: MSE per target, {n}",
            )
        )
    first = next(o for o in outputs if o.episode.seed == config.first_seed)
    plot_far_target(first, bands[-1], Path(out_dir) / f"{suite}_far_target.png")
    console.print(f"{len(records)} records in {done.seconds:.0f} s -> {done.path}", markup=False)
    return done.path
