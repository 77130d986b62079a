"""Whether ``context_gp`` should take rte's correction kernel, on *validation* seeds (100
and up, never the reported seeds 0-2): ``context_gp_matched`` (rte's residual GP
around a zero prior: offset + linear trend + RBF, grid-profiled; :func:`rte.gp.correct`)
against ``context_gp`` (scikit-learn: constant x RBF + white noise, optimised, 2
restarts).

    .venv/bin/python benchmarks/context_gp_kernel.py [--seeds 3] [--first-seed 100]

Both see the context alone, on the param suite's validation banks and targets. Prints,
per family and band, each row's MSE, 90% coverage and CRPS, the ratio of MSEs
(context_gp / context_gp_matched) and, per band, the geometric mean of that ratio over
families.
"""

from __future__ import annotations

import argparse
from collections import defaultdict

import numpy as np

from rte.bench.runner import mse_per_target
from rte.bench.suites.param import ParamSuiteConfig
from rte.intervals import interval_metrics
from rte.registry import get_method
from rte.runtime import set_threads
from rte.tasks import BANDS

ROWS = ("context_gp_matched", "context_gp")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=100)
    args = parser.parse_args()
    set_threads(1)
    config = ParamSuiteConfig(seeds=args.seeds, first_seed=args.first_seed)
    values: dict = defaultdict(list)
    for episode in config.episodes():
        for row in ROWS:
            model = get_method(row).build(episode.seed).fit(episode.bank)
            for t in episode.targets:
                mean, std = model.predict_distribution(t)
                key = (episode.family, t.band, row)
                values[(*key, "mse")].append(float(mse_per_target(mean, t.query_y).mean()))
                for metric, value in interval_metrics(mean, std, t.query_y).items():
                    values[(*key, metric)].append(value)
    means = {k: float(np.mean(v)) for k, v in values.items()}
    print(f"seeds {list(config.seed_range())}; MSE / coverage_90 / CRPS per row")
    print(f"{'family':15s} {'band':10s} " + "".join(f"{k:>30s}" for k in ROWS) + "  ratio")
    ratios: dict = defaultdict(list)
    for fam in config.families:
        for band in BANDS:
            cells = [
                "{:>12.4g} {:>6.3f} {:>9.4g}".format(
                    *(means[(fam, band, k, m)] for m in ("mse", "coverage_90", "crps"))
                )
                for k in ROWS
            ]
            ratio = means[(fam, band, ROWS[1], "mse")] / means[(fam, band, ROWS[0], "mse")]
            ratios[band].append(ratio)
            print(f"{fam:15s} {band:10s} " + "".join(cells) + f"  {ratio:.3g}", flush=True)
    for band in BANDS:
        r = np.array(ratios[band])
        print(
            f"{band:10s} {ROWS[1]} / {ROWS[0]} MSE: geometric mean {np.exp(np.log(r).mean()):.3g}, "
            f"range {r.min():.3g}-{r.max():.3g}"
        )


if __name__ == "__main__":
    main()
