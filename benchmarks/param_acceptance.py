"""The parameter regime's acceptance tables, from a ``rte bench param`` results file.

    .venv/bin/python benchmarks/param_acceptance.py runs/param/results.json
    .venv/bin/python benchmarks/param_acceptance.py runs/param/results.json \
        runs/param_one_step/results.json runs/param_one_step_gp/results.json

Prints markdown: rte against the best plain fit (context_mlp, context_gp, nearest_task,
inductive_t2v) at F2 and F4, rte / family_fit, rte / inductive_t2v at F4, the 90%
intervals' coverage per band (mean over families and the worst cell), their width, and
CRPS against every other method with a predictive distribution. With more files (runs
of one-step rte on the same tasks), also the chain against one step at F4.
Every number is a mean over the seeds of the file; nothing is fitted here.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from peer_tables import crps_table  # benchmarks/peer_tables.py, beside this script

from rte.bench.results import load_results, summarize
from rte.tasks import BANDS

PLAIN = ("context_mlp", "context_gp", "nearest_task", "inductive_t2v")
FAR = ("F2", "F4")


def _mean(stats: dict, family: str, method: str, band: str, metric: str = "mse") -> float:
    found = stats.get((family, method, band, metric))
    return float("nan") if found is None else found[0]


def plain_table(stats: dict, families: list[str], bands: list[str]) -> list[str]:
    """rte against the best plain fit per far band, and the distance to the floor."""
    head = "| family |"
    rule = "|---|"
    for band in FAR:
        head += f" rte {band} | best plain {band} | rte / best |"
        rule += "---|---|---|"
    head += " rte / family_fit F2 | inductive_t2v / rte F4 |"
    rule += "---|---|"
    rows = [head, rule]
    for fam in families:
        row = f"| {fam} |"
        for band in FAR:
            rte = _mean(stats, fam, "rte", band)
            plain = {m: _mean(stats, fam, m, band) for m in PLAIN}
            best = min((v, m) for m, v in plain.items() if np.isfinite(v))
            row += f" {rte:.3g} | {best[0]:.3g} ({best[1]}) | {rte / best[0]:.2g} |"
        floor = _mean(stats, fam, "rte", "F2") / _mean(stats, fam, "family_fit", "F2")
        t2v = _mean(stats, fam, "inductive_t2v", "F4") / _mean(stats, fam, "rte", "F4")
        row += f" {floor:.3g} | {t2v:.3g} |"
        rows.append(row)
    return rows


def interval_tables(stats: dict, families: list[str], bands: list[str]) -> list[str]:
    """rte's coverage and width per band, then CRPS at F2 of every distributional method."""
    rows = ["| band | coverage_90, mean over families | worst family | mean width |"]
    rows.append("|---|---|---|---|")
    for band in bands:
        cov = {f: _mean(stats, f, "rte", band, "coverage_90") for f in families}
        width = np.mean([_mean(stats, f, "rte", band, "interval_width") for f in families])
        worst = min(cov, key=cov.get)
        rows.append(
            f"| {band} | {np.mean(list(cov.values())):.3f} | {worst} {cov[worst]:.3f} | "
            f"{width:.3g} |"
        )
    return [*rows, "", *crps_table(stats, families, "F2")]


def chain_table(chain: dict, one_step: dict, families: list[str]) -> list[str]:
    """The default chain against one-step rte (a run with ``--set
    rte.decomposition=admissible``) at F4, on the same tasks."""
    rows = ["| family | one step F4 | chain (default) F4 | one step / chain |", "|---|---|---|---|"]
    for fam in families:
        one, ours = _mean(one_step, fam, "rte", "F4"), _mean(chain, fam, "rte", "F4")
        rows.append(f"| {fam} | {one:.3g} | {ours:.3g} | {one / ours:.3g} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("one_step", type=Path, nargs="*", help="runs of one-step rte")
    args = parser.parse_args()
    results = load_results(args.results)
    stats = summarize(results["records"])
    families = list(dict.fromkeys(r.family for r in results["records"]))
    bands = [b for b in BANDS if any(r.band == b for r in results["records"])]
    print("\n".join(plain_table(stats, families, bands)), end="\n\n")
    print("\n".join(interval_tables(stats, families, bands)), end="\n\n")
    for path in args.one_step:
        one_step = summarize(load_results(path)["records"])
        print(f"{path}:", "\n".join(chain_table(stats, one_step, families)), sep="\n", end="\n\n")


if __name__ == "__main__":
    main()
