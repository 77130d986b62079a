"""Design choices of RTE in the parameter regime, on *validation* seeds (100 and up,
never the reported seeds 0-2):

    .venv/bin/python benchmarks/ablate_param.py [--seeds 2] [--variants a,b] [--out FILE]

Each variant is a set of rte options. The fit is shared by every variant that differs
only in predict-time options (decomposition, chains, correction). Reference methods
run on the same banks and targets. Prints, per family and band, the MSE of every
variant and reference, and each variant's 90% coverage; writes all numbers as JSON.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from functools import partial
from pathlib import Path

import numpy as np

from rte.bench.execution import Execution, map_ordered
from rte.bench.runner import Episode, mse_per_target
from rte.bench.suites.param import ParamSuiteConfig
from rte.intervals import interval_metrics
from rte.models.shared import fit_shared
from rte.registry import get_method

VARIANTS: dict[str, dict] = {
    "default": {},
    "paper": {"decomposition": "admissible", "correction": "none"},  # one step, Psi alone
    "one_step_gp": {"decomposition": "admissible"},
    "chain_only": {"correction": "none"},
    "refine_20": {"refine": 20},
    "step_0.5": {"chain_step": 0.5},
    "step_0.75": {"chain_step": 0.75},
    "reach_0.25": {"calibration_reach": 0.25},
    "reach_1.0": {"calibration_reach": 1.0},
    "candidates_4": {"candidates": 4},
    "candidates_16": {"candidates": 16},
    "candidates_64": {"candidates": 64},
    "anchors_3": {"n_anchors": 3},
}
REFERENCES = ("context_gp", "nearest_task", "context_mlp", "inductive_t2v", "family_fit")


def evaluate(episode: Episode, variants: dict[str, dict], references: tuple[str, ...]) -> list:
    """(family, band, name, metric, value) rows of one episode."""
    rows = []
    for name, options in variants.items():
        model = fit_shared(get_method("rte").build(episode.seed, options), episode.bank)
        for t in episode.targets:
            mean, std = model.predict_distribution(t)
            rows.append(
                (episode.family, t.band, name, "mse", float(mse_per_target(mean, t.query_y).mean()))
            )
            if std is not None:
                for metric, value in interval_metrics(mean, std, t.query_y).items():
                    rows.append((episode.family, t.band, name, metric, value))
    for name in references:
        method = get_method(name).build(episode.seed).fit(episode.bank)
        for t in episode.targets:
            pred = method.predict_targets(t)
            rows.append(
                (episode.family, t.band, name, "mse", float(mse_per_target(pred, t.query_y).mean()))
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--first-seed", type=int, default=100)
    parser.add_argument("--variants", default=",".join(VARIANTS), help="Comma-separated names.")
    parser.add_argument("--references", default=",".join(REFERENCES))
    parser.add_argument("--families", default=None)
    parser.add_argument("--jobs", type=int, default=0)
    parser.add_argument("--out", default="runs/ablate_param.json")
    args = parser.parse_args()
    variants = {name: VARIANTS[name] for name in args.variants.split(",")}
    references = tuple(r for r in args.references.split(",") if r)
    settings = {"seeds": args.seeds, "first_seed": args.first_seed}
    if args.families:
        settings["families"] = tuple(args.families.split(","))
    config = ParamSuiteConfig(**settings)
    n = len(config.families) * config.seeds
    rows = [
        row
        for part in map_ordered(
            partial(evaluate, variants=variants, references=references),
            config.episodes(),
            n,
            Execution(jobs=args.jobs),
        )
        for row in part
    ]
    table: dict = defaultdict(list)
    for fam, band, name, metric, value in rows:
        table[(fam, band, name, metric)].append(value)
    means = {k: float(np.mean(v)) for k, v in table.items()}
    names = [*variants, *references]
    for fam in config.families:
        for band in ("in_support", "F1", "F2", "F3", "F4"):
            cells = [f"{n}={means[(fam, band, n, 'mse')]:.3g}" for n in names]
            cov = [
                f"{n}:{means[(fam, band, n, 'coverage_90')]:.2f}"
                for n in variants
                if (fam, band, n, "coverage_90") in means
            ]
            print(
                f"{fam:14s} {band:10s} " + " ".join(cells) + " | cov " + " ".join(cov), flush=True
            )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps([[*k, v] for k, v in means.items()]))


if __name__ == "__main__":
    main()
