"""90% intervals and CRPS of the methods with a predictive distribution, on the tasks of
``rte bench param`` (same banks, contexts, queries and seeds; docs/peers.md).

    .venv/bin/python benchmarks/peer_intervals.py --methods dkt,tnp,context_gp --seeds 3

Prints one markdown row per (family, method) with coverage_90, interval_width and crps
per band, mean ± std over the seeds, scored against the clean query values. Episodes
run in worker processes like the suite's (one torch thread each).
"""

from __future__ import annotations

import argparse
from functools import partial

from rte.bench.execution import Execution, map_ordered
from rte.bench.param import ParamSuiteConfig
from rte.bench.results import Record, format_mean_std, summarize
from rte.bench.runner import Builder, Episode
from rte.intervals import interval_metrics
from rte.tasks import BANDS

METRICS = ("coverage_90", "interval_width", "crps")


def score_episode(episode: Episode, builders: dict[str, Builder]) -> list[Record]:
    """Interval records of every method on one episode."""
    rows = []
    for name, build in builders.items():
        model = build(episode.seed).fit(episode.bank)
        for targets in episode.targets:
            mean, std = model.predict_distribution(targets)
            values = interval_metrics(mean, std, targets.query_y)
            rows += [
                Record(episode.family, name, targets.band, episode.seed, metric, value)
                for metric, value in values.items()
            ]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", default="dkt,tnp,context_gp")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--families", default=None, help="Comma-separated; default: the suite's.")
    args = parser.parse_args()
    extra = {"families": tuple(args.families.split(","))} if args.families else {}
    config = ParamSuiteConfig(
        methods=tuple(args.methods.split(",")),
        seeds=args.seeds,
        first_seed=args.first_seed,
        **extra,
    )
    builders = config.builders(config.resolve_options())
    records = [
        record
        for rows in map_ordered(
            partial(score_episode, builders=builders),
            config.episodes(),
            len(config.families) * config.seeds,
            Execution(),
        )
        for record in rows
    ]
    table = summarize(records)
    for metric in METRICS:
        print(f"\n{metric} (mean ± std over {config.seeds} seeds)\n")
        print("| family | method | " + " | ".join(BANDS) + " |")
        print("|---|---|" + "---|" * len(BANDS))
        for family in config.families:
            for method in config.methods:
                cells = [table[(family, method, band, metric)] for band in BANDS]
                text = " | ".join(format_mean_std(mean, std) for mean, std, _ in cells)
                print(f"| {family} | {method} | {text} |")


if __name__ == "__main__":
    main()
