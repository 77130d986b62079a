"""rte with its training defaults (context 10, noise 0.05) on contexts of other sizes and
noise, one factor at a time, against the strongest rivals, at F2.

    .venv/bin/python benchmarks/robustness.py [--n-targets 10] [--jobs 0] [--out runs/robustness]
    .venv/bin/python benchmarks/robustness.py --tables   # reprint from the runs

Runs ``rte bench param`` (seeds 0-2, the suite's families and banks) once per setting:
context 3, 5, 10, 20 at noise 0.05, and noise 0.01, 0.2 at context 10. No method is
retuned. Prints, per setting, each method's F2 MSE as the geometric mean over families
of its 3-seed mean (families differ in scale by orders of magnitude), and on how many
families rte is at most the best other row, with the median paired ratio.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from param_acceptance import paired_ratio, per_target  # beside this script

import rte.bench
from rte.bench.results import load_results, summarize

METHODS = ("rte", "dkt", "symbolic_regression", "context_gp", "nearest_task_gp")
# (label, context size, noise): one factor at a time around the training defaults.
SETTINGS = (
    ("context 3", 3, 0.05),
    ("context 5", 5, 0.05),
    ("context 10", 10, 0.05),
    ("context 20", 20, 0.05),
    ("noise 0.01", 10, 0.01),
    ("noise 0.2", 10, 0.2),
)
BAND = "F2"


def folder(out: Path, label: str) -> Path:
    return out / label.replace(" ", "_")


def run(out: Path, n_targets: int, jobs: int) -> None:
    """One param run per setting that has no results yet."""
    for label, size, noise in SETTINGS:
        path = folder(out, label)
        if (path / "results.json").exists():
            continue
        print(f"{label}: rte bench param --context-size {size} --noise {noise}", flush=True)
        rte.bench.run(
            "param",
            methods=list(METHODS),
            context_size=size,
            noise=noise,
            n_targets=n_targets,
            jobs=jobs,
            out=path,
        )


def rte_wins(data: dict) -> tuple[int, int, list[str]]:
    """Families where rte's mean MSE is at most every other row's, the family count, and
    per family rte / best other with its paired 95 % interval over targets."""
    scores = per_target(data)
    families = list(dict.fromkeys(f for f, b, _ in scores if b == BAND))
    wins, cells = 0, []
    for fam in families:
        others = {
            m: np.mean([np.mean(v) for v in scores[(fam, BAND, m)].values()]) for m in METHODS[1:]
        }
        best = min(others, key=others.get)
        value, low, high, _ = paired_ratio(scores, fam, BAND, "rte", best)
        wins += value <= 1.0
        cells.append(f"{fam} {value:.2g} [{low:.2g}, {high:.2g}] vs {best}")
    return wins, len(families), cells


def tables(out: Path) -> None:
    """The markdown table and, per setting, rte / best other per family."""
    head = "| setting | " + " | ".join(METHODS) + " | rte <= best other |"
    lines = [head, "|---|" + "---|" * (len(METHODS) + 1)]
    details = []
    for label, _, _ in SETTINGS:
        path = folder(out, label) / "results.json"
        if not path.exists():
            continue
        data = load_results(path)
        stats = summarize(data["records"])
        families = list(dict.fromkeys(r.family for r in data["records"]))
        cells = []
        for method in METHODS:
            means = [stats[(f, method, BAND, "mse")][0] for f in families]
            cells.append(f"{np.exp(np.mean(np.log(means))):.3g}")
        wins, n, per_family = rte_wins(data)
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {wins}/{n} |")
        details.append(f"- {label}: " + "; ".join(per_family))
    print("\n".join(lines), "", *details, sep="\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("runs/robustness"))
    parser.add_argument("--n-targets", type=int, default=10, help="Targets per band.")
    parser.add_argument("--jobs", type=int, default=0, help="Worker processes (0: one per core).")
    parser.add_argument("--tables", action="store_true", help="Only print the tables.")
    args = parser.parse_args()
    if not args.tables:
        run(args.out, args.n_targets, args.jobs)
    tables(args.out)


if __name__ == "__main__":
    main()
