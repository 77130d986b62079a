"""The real-data suite: ``rte bench real``.

Eight banks (simulators and measured records, :mod:`rte.tasks.real`), each cut at a
fixed value of its task variable by the same hold-out-the-top split as ``rte bench
table`` (:mod:`rte.tasks.holdout`): the tasks above the cut are the targets, in a
``near`` and a ``far`` band, and each shows a method a few of its own observations.
Every method fits the same training tasks and predicts the same targets; seeds redraw
the contexts (and draw a simulated bank anew, or deal a measured bank's targets:
docs/real.md). Besides the bands, a ``held_out`` record per method and seed is the
MSE over every target.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console

from rte._optional import require
from rte._params import names, param
from rte.bench.display import results_table
from rte.bench.execution import Execution
from rte.bench.options import merge
from rte.bench.plots import plot_real_targets
from rte.bench.results import Record, TargetScores, write_results
from rte.bench.runner import (
    Builder,
    Episode,
    EpisodeOutput,
    mse_per_target,
    outputs_extra,
    run_episodes,
    show_failures,
)
from rte.bench.settings import MethodsConfig, Options
from rte.registry import get_method
from rte.runtime import stream
from rte.tasks.real import get_real_bank, real_bank_names
from rte.tasks.real.spec import CONTEXT_NOISE

# The bank-trained methods first, then the context-only ones, then the references. The
# MAML family (maml, fomaml, reptile) runs with --methods only: it left the default rows
# when one of them diverged on one bank and that stopped the suite. A method that fails
# numerically is now recorded in results.json's ``failures`` and the suite runs on, but
# the family has not been re-measured on the eight banks since.
REAL_METHODS = (
    "rte",
    "inductive_t2v",
    "nearest_task",
    "cnp",
    "bilinear",
    "snake_mlp",
    "context_mlp",
    "context_gp",
    "context_gp_matched",
    "nearest_task_gp",
    "dkt",
    "symbolic_regression",
    "family_fit",
    "inductive_oracle",
    "transductive_oracle",
)
# Options that set how many context points a method simulates while training, and the
# noise it adds to them: on a real bank they follow the bank's contexts (its context
# size; no added noise, rte.tasks.real.spec.CONTEXT_NOISE).
CONTEXT_FIELDS = ("train_context_size", "support_size")
NOISE_FIELDS = ("train_context_noise",)
HELD_OUT = "held_out"
BANDS = ("near", "far", HELD_OUT)
# Where benchmarks/tune_real.py stores each method's options chosen on validation splits
# with one budget for every method (docs/real.md); the suite applies them (tuned=true).
OPTIONS_FILE = Path(__file__).with_name("real_options.py")
OPTIONS_DOC = (
    "Options of rte bench real chosen on validation splits by benchmarks/tune_real.py, "
    "one budget\nof variants for every method (docs/real.md). Written by that script."
)


@dataclass(frozen=True)
class RealSuiteConfig(MethodsConfig):
    """Everything needed to rerun ``rte bench real``; stored in results.json."""

    methods: tuple[str, ...] = param(REAL_METHODS, "Methods to run (any registered name).", names)
    banks: tuple[str, ...] = param(tuple(real_bank_names()), "Real banks to run.", names)
    tuned: bool = param(
        True,
        "Apply the options benchmarks/tune_real.py chose on validation splits, the same "
        "budget for every method (false: every method's defaults).",
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        # An unknown bank or a missing optional package fails here, in one line.
        for name in self.banks:
            for module in get_real_bank(name).requires:
                require(module, "real", f"The real-data bank {name!r}")

    def bank_methods(self, bank: str) -> tuple[str, ...]:
        """The methods that apply to ``bank``: family_fit only where a form is known (the
        bank's ``family``)."""
        form = get_real_bank(bank).form
        return tuple(m for m in self.methods if m != "family_fit" or form is not None)

    def bank_options(self, bank: str, options: Options | None = None) -> dict[str, dict[str, Any]]:
        """Every method's resolved options on ``bank``: declared defaults, the bank's
        context size and noise for the contexts a method simulates in training
        (:data:`CONTEXT_FIELDS`, :data:`NOISE_FIELDS`), the options tuned on validation
        splits (``tuned``), then ``options``."""
        spec = get_real_bank(bank)
        methods = self.bank_methods(bank)
        given = dict(options or {})
        self.resolve_options(given)  # refuses options for methods the run does not include
        narrowed = MethodsConfig(methods=methods)
        defaults: Options = {}
        for key in dict.fromkeys(narrowed.options_key(m) for m in methods):
            declared = get_method(key).resolve()
            simulated = {f: spec.context_size for f in CONTEXT_FIELDS if f in declared}
            simulated |= {f: CONTEXT_NOISE for f in NOISE_FIELDS if f in declared}
            if simulated:
                defaults[key] = simulated
        from rte.bench.suites.real_options import TUNED

        chosen = merge(merge(defaults, TUNED if self.tuned else {}), given)
        taken = {narrowed.options_key(m) for m in methods}
        return narrowed.resolve_options({k: o for k, o in chosen.items() if k in taken})

    def episodes(self) -> Iterator[Episode]:
        """The training tasks and targets of every bank at every seed."""
        for bank in self.banks:
            spec = get_real_bank(bank)
            for seed in self.seed_range():
                split = spec.split(spec.load(seed), stream(seed, bank, "split"))
                yield Episode(bank, seed, split.bank, split.targets)


def _builders(
    episode: Episode, config: RealSuiteConfig, resolved: Mapping[str, Options]
) -> dict[str, Builder]:
    """The estimators of ``episode``'s bank, built with that bank's options."""
    options = resolved[episode.family]
    return {m: partial(config.spec(m).build, options=o) for m, o in options.items()}


def held_out_scores(outputs: Sequence[EpisodeOutput]) -> list[TargetScores]:
    """Per method and seed, the MSE of every target of a bank (all bands together)."""
    scores = []
    for out in outputs:
        ep = out.episode
        for method in dict.fromkeys(m for m, _ in out.predictions):
            errors = np.concatenate(
                [mse_per_target(out.predictions[(method, t.band)], t.query_y) for t in ep.targets]
            )
            scores.append(TargetScores(ep.family, method, HELD_OUT, ep.seed, "mse", tuple(errors)))
    return scores


def run_real_suite(
    config: RealSuiteConfig,
    out_dir: str | Path,
    options: Options | None = None,
    console: Console | None = None,
    execution: Execution | None = None,
) -> Path:
    """Run every method on every bank; print the table, write results.json and one plot
    per bank (``real_<bank>.png``: held-out targets, their truth and the predictions)."""
    console = console or Console(width=max(Console().width, 120))
    resolved = {bank: config.bank_options(bank, options) for bank in config.banks}
    start = time.perf_counter()
    records, outputs = run_episodes(
        config.episodes,
        len(config.banks) * config.seeds,
        partial(_builders, config=config, resolved=resolved),
        execution=execution,
    )
    pooled = held_out_scores(outputs)
    records += [
        Record(s.family, s.method, s.band, s.seed, s.metric, float(np.mean(s.values)))
        for s in pooled
    ]
    out = Path(out_dir)
    for output in outputs:
        if output.episode.seed == config.first_seed:
            spec = get_real_bank(output.episode.family)
            path = out / f"real_{spec.name}.png"
            plot_real_targets(output, path, (spec.variable, spec.x_label, spec.y_label))
    seconds = time.perf_counter() - start
    methods = _method_table(config, resolved)
    path = write_results(
        out,
        suite="real",
        config=config.to_dict(),
        records=records,
        seconds=seconds,
        methods=methods,
        targets=[s for o in outputs for s in o.scores] + pooled,
        extra=outputs_extra(outputs),
    )
    title = f"rte bench real: MSE, mean ± std over {config.seeds} seeds"
    console.print(results_table(records, metric="mse", bands=BANDS, access=methods, title=title))
    show_failures(console, outputs)
    console.print(f"{len(records)} records in {seconds:.0f} s -> {path}")
    return path


def _method_table(
    config: RealSuiteConfig, resolved: Mapping[str, Mapping[str, Mapping[str, Any]]]
) -> dict[str, dict[str, Any]]:
    """results.json's ``methods``: options of the first bank a method ran on, and under
    ``bank_options`` every bank's options that differ from those."""
    table: dict[str, dict[str, Any]] = {}
    for bank, per_method in resolved.items():
        for method, opts in per_method.items():
            if method not in table:
                table[method] = config.spec(method).describe(opts)
                continue
            base = table[method]["options"]
            changed = {k: v for k, v in opts.items() if base.get(k) != v}
            if changed:
                table[method].setdefault("bank_options", {})[bank] = changed
    return table
