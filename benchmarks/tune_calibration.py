"""Choose rte's ``calibration_level`` on validation seeds (100 and up), never on 0-2.

The split-conformal scores come from the bank's held-out ends (rte.models.selection),
which lie at most a third of the kept support beyond the kept tasks; the param suite's
far bands lie up to two support widths out, and the law's form and the embedding saw
the held-out tasks. At level 0.9 the 90 % intervals therefore under-cover (mean 0.86-0.88
per band on seeds 0-2). This script fits rte as ``rte bench param`` does on validation
episodes (same families, bank, targets and context settings, seeds ``--first-seed``
on), then for each candidate level predicts every band's targets and measures the
coverage of the 90 % intervals. A level changes nothing but the factor on the std
(a predict-time option), so each episode is fitted once.

The chosen level is the one whose band farthest from 0.90 (mean coverage over the
episodes) is nearest to it: under- and over-coverage both count; ties go to the lower
level. Printed: one row per level with every
band's mean coverage, the worst (family, band) cell (mean over seeds) and the mean
interval width; ``--out`` keeps every (family, seed, level, band) coverage as JSON.
Example::

    .venv/bin/python benchmarks/tune_calibration.py --seeds 5 --out runs/tune/calibration.json
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from rte._io import atomic_write_text
from rte.bench.suites.param import ParamSuiteConfig
from rte.intervals import interval_metrics
from rte.registry import get_method
from rte.runtime import set_threads
from rte.tasks import BANDS

LEVELS = (0.9, 0.92, 0.94, 0.95, 0.96, 0.97, 0.98)
NOMINAL = 0.9


def measure(config: ParamSuiteConfig, levels: tuple[float, ...]) -> list[dict]:
    """Coverage and width of rte's 90 % intervals per (family, seed, level, band)."""
    rows = []
    for episode in config.episodes():
        model = get_method("rte").build(episode.seed).fit(episode.bank)
        for level in levels:
            model.set_params(calibration_level=level)
            for band, targets in zip(BANDS, episode.targets, strict=True):
                mean, std = model.predict_distribution(targets)
                metrics = interval_metrics(mean, std, targets.query_y)
                rows.append(
                    {"family": episode.family, "seed": episode.seed, "level": level}
                    | {"band": band, "source": model.calibration_source()}
                    | {k: metrics[k] for k in ("coverage_90", "interval_width")}
                )
        print(f"{episode.family} seed {episode.seed}: {model.calibration_source()}", flush=True)
    return rows


def summary(rows: list[dict]) -> tuple[float, list[str]]:
    """The chosen level and a markdown table, one row per level."""
    cells: dict[tuple, list[float]] = defaultdict(list)
    widths: dict[float, list[float]] = defaultdict(list)
    for row in rows:
        cells[row["level"], row["band"], row["family"]].append(row["coverage_90"])
        widths[row["level"]].append(row["interval_width"])
    levels = sorted({row["level"] for row in rows})
    families = sorted({row["family"] for row in rows})
    lines = [
        "| level | " + " | ".join(BANDS) + " | worst cell | mean width |",
        "|---" * (len(BANDS) + 3) + "|",
    ]
    deviation = {}
    for level in levels:
        bands = {b: float(np.mean([np.mean(cells[level, b, f]) for f in families])) for b in BANDS}
        cell = min(
            ((b, f) for b in BANDS for f in families), key=lambda k: np.mean(cells[level, *k])
        )
        deviation[level] = max(abs(c - NOMINAL) for c in bands.values())
        shown = " | ".join(f"{bands[b]:.3f}" for b in BANDS)
        lowest = f"{cell[1]} {cell[0]} {np.mean(cells[level, *cell]):.3f}"
        lines.append(f"| {level} | {shown} | {lowest} | {np.mean(widths[level]):.4f} |")
    chosen = min(levels, key=lambda lv: (deviation[lv], lv))
    return chosen, lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=5, help="Validation seeds.")
    parser.add_argument("--first-seed", type=int, default=100)
    parser.add_argument("--levels", type=float, nargs="+", default=LEVELS)
    parser.add_argument("--out", type=Path, help="JSON file of every measured cell.")
    parser.add_argument("--tables", action="store_true", help="Only summarise --out.")
    args = parser.parse_args()
    if args.first_seed < 100:
        parser.error("validation seeds start at 100; 0-2 are the benchmark's test seeds")
    if args.tables:
        if args.out is None:
            parser.error("--tables reads the cells written to --out")
        rows = json.loads(args.out.read_text())
    else:
        set_threads(1)
        config = ParamSuiteConfig(first_seed=args.first_seed, seeds=args.seeds)
        rows = measure(config, tuple(args.levels))
    if args.out and not args.tables:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(args.out, json.dumps(rows, indent=1))
    chosen, lines = summary(rows)
    print("\n".join(lines))
    print(f"chosen calibration_level: {chosen} (every band's mean coverage nearest 0.90)")


if __name__ == "__main__":
    main()
