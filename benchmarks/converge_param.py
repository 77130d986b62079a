"""Training budgets past convergence, on *validation* seeds (100 and up): the MSE of
rte and the inductive baselines at several step counts, per family and band.

    .venv/bin/python benchmarks/converge_param.py [--seeds 1] [--steps 1500,2000,3000]

A budget is kept only as large as the error needs: steps past convergence cost the
main benchmark's time budget and change no figure.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from functools import partial

import numpy as np

from rte.bench.execution import Execution, map_ordered
from rte.bench.runner import Episode, mse_per_target
from rte.bench.suites.param import ParamSuiteConfig
from rte.registry import get_method

METHODS = ("rte", "inductive_t2v", "inductive_oracle")


def evaluate(episode: Episode, steps: tuple[int, ...]) -> list:
    """(family, band, method, steps, mse) rows of one episode."""
    rows = []
    for name in METHODS:
        for n in steps:
            model = get_method(name).build(episode.seed, {"steps": n}).fit(episode.bank)
            for t in episode.targets:
                error = float(mse_per_target(model.predict_targets(t), t.query_y).mean())
                rows.append((episode.family, t.band, name, n, error))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--first-seed", type=int, default=100)
    parser.add_argument("--steps", default="1500,2000,3000")
    parser.add_argument("--jobs", type=int, default=0)
    args = parser.parse_args()
    steps = tuple(int(s) for s in args.steps.split(","))
    config = ParamSuiteConfig(seeds=args.seeds, first_seed=args.first_seed)
    n = len(config.families) * config.seeds
    table: dict = defaultdict(list)
    for part in map_ordered(
        partial(evaluate, steps=steps), config.episodes(), n, Execution(jobs=args.jobs)
    ):
        for fam, band, name, count, error in part:
            table[(fam, band, name, count)].append(error)
    for name in METHODS:
        print(f"\n{name}: MSE by steps ({', '.join(map(str, steps))})")
        for fam in config.families:
            cells = [
                "/".join(f"{np.mean(table[(fam, band, name, s)]):.3g}" for s in steps)
                for band in ("in_support", "F2", "F4")
            ]
            print(f"  {fam:14s} in_support {cells[0]}  F2 {cells[1]}  F4 {cells[2]}")


if __name__ == "__main__":
    main()
