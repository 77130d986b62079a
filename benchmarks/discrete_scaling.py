"""Decomposition cost and accuracy as the candidate set grows from 10^3 to 10^5:
`.venv/bin/python benchmarks/discrete_scaling.py [--seeds N] [--first-seed S] [--out DIR]
[--resume]`.

Runs ``rte bench length`` and ``rte bench comp`` with ``--scale large`` at three sizes
(length: 12, 120 and 1200 chains over 16 coefficients; comp: 10, 22 and 48 primitives at
depth 3; comp with the band-shaped candidates the docs' table was measured with, anchors
of depth 1 and 2 only: 112,896 candidates at 48 primitives), each with the four
proposers of the discrete RTE: ``rte`` (curve index), ``rte_cached`` (every stored curve
ranked), ``rte_learned`` (the trained decomposer) and ``rte_exhaustive``, run as three
groups (index and cached ranking; learned; exhaustive) that share nothing but the tasks,
so ``--resume`` can keep a finished group's results. Every run's results.json stays
under ``--out``; the script prints one table (decomposition seconds per target, top-1
accuracy, recall@k of the proposer) and draws the log-log plot of seconds per target
against candidates, with each method's fitted slope, to ``--plot``.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import rte.bench
from rte.bench.plots import save_figure
from rte.bench.results import load_results

SIZES = {
    "length": ("n_chains", (12, 120, 1200)),
    "comp": ("n_primitives", (10, 22, 48)),
}
GROUPS = {
    "index": ("rte", "rte_cached"),
    "learned": ("rte_learned",),
    "exhaustive": ("rte_exhaustive",),
}
METHODS = tuple(m for group in GROUPS.values() for m in group)
FAR_BAND = {"length": "L9", "comp": "unseen"}
# Suite settings beyond the size: the candidate set the scaling table was measured with.
SETTINGS = {"length": {}, "comp": {"candidates": "band"}}
STYLE = {"rte": "o-", "rte_cached": "s--", "rte_learned": "^-.", "rte_exhaustive": "x:"}


def run_all(out: Path, seeds: int, first_seed: int, resume: bool) -> dict[tuple[str, int], list]:
    """Records per (suite, size), each method's from its own group's run."""
    results: dict[tuple[str, int], list] = {}
    for suite, (field, sizes) in SIZES.items():
        for size in sizes:
            records = []
            for group, methods in GROUPS.items():
                target = out / f"{suite}_{size}_{group}" / "results.json"
                if not (resume and target.exists()):
                    rte.bench.run(
                        suite,
                        scale="large",
                        methods=list(methods),
                        seeds=seeds,
                        first_seed=first_seed,
                        out=target.parent,
                        **{field: size},
                        **SETTINGS[suite],
                    )
                records += [r for r in load_results(target)["records"] if r.method in methods]
            results[(suite, size)] = records
    return results


def summarise(results: dict[tuple[str, int], list]) -> dict[tuple[str, str, int], dict]:
    """Mean per (suite, method, size) of each decomposition metric on the far band."""
    table: dict[tuple[str, str, int], dict] = {}
    for (suite, size), records in results.items():
        values: dict[tuple[str, str], list[float]] = defaultdict(list)
        for r in records:
            if r.family == suite and r.band == FAR_BAND[suite] and r.metric != "mse":
                values[(r.method, r.metric)].append(r.value)
        for method in METHODS:
            row = {m: float(np.mean(v)) for (me, m), v in values.items() if me == method}
            table[(suite, method, size)] = row
    return table


def slope(sizes: list[int], seconds: list[float]) -> float:
    """Least-squares slope of log seconds against log candidates."""
    return float(np.polyfit(np.log(sizes), np.log(seconds), 1)[0])


def report(table: dict[tuple[str, str, int], dict], plot: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for ax, (suite, (_, sizes)) in zip(axes, SIZES.items(), strict=True):
        print(f"\n{suite} (band {FAR_BAND[suite]})")
        print("| method | candidates | s/target | top-1 | recall@1 | recall@8 | recall@32 |")
        print("|---|---|---|---|---|---|---|")
        for method in METHODS:
            xs, ys = [], []
            for size in sizes:
                row = table[(suite, method, size)]
                n = int(row["candidates"])
                recall = [row.get(f"recall_at_{k}") for k in (1, 8, 32)]
                cells = " | ".join("-" if r is None else f"{r:.3f}" for r in recall)
                print(
                    f"| {method} | {n:,} | {row['seconds']:.5f} | "
                    f"{row['decomposition_accuracy']:.3f} | {cells} |"
                )
                xs.append(n)
                ys.append(row["seconds"])
            s = slope(xs, ys)
            print(f"| {method} | slope 10^3 -> 10^5 | {s:.2f} | | | | |")
            ax.loglog(xs, ys, STYLE[method], label=f"{method} (slope {s:.2f})")
        ax.set_title(f"rte bench {suite} --scale large, band {FAR_BAND[suite]}")
        ax.set_xlabel("(anchor, phi) candidates per target")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    axes[0].set_ylabel("decomposition seconds per target")
    save_figure(fig, plot)
    print(f"\nplot -> {plot}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("runs/discrete_scaling"))
    parser.add_argument("--plot", type=Path, default=Path("docs/img/discrete_scaling.png"))
    parser.add_argument("--resume", action="store_true", help="Keep finished groups' results.")
    args = parser.parse_args()
    report(summarise(run_all(args.out, args.seeds, args.first_seed, args.resume)), args.plot)


if __name__ == "__main__":
    main()
