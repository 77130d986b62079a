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

First of all, the operator's acceptance (issue 22): rte against the best *rival* (every
row whose access has no reference code, rte's own variants aside) at in_support, F2
and F4, with the paired 95 % bootstrap interval over targets of the ratio of mean
MSEs; rte / family_fit at F2; rte without its correction (row ``rte_uncorrected``)
against the best rival at F2; then the counts each criterion asks for.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from peer_tables import crps_table  # benchmarks/peer_tables.py, beside this script

from rte.bench.bootstrap import paired_interval
from rte.bench.results import load_results, summarize
from rte.tasks import BANDS

PLAIN = ("context_mlp", "context_gp", "nearest_task", "inductive_t2v")
FAR = ("F2", "F4")
# Access codes that make a row a reference (it is told part of the answer).
REFERENCE_CODES = frozenset("XFPDQ")


def rivals(methods: dict) -> list[str]:
    """Rows without a reference code, rte's own rows aside."""
    return [
        name
        for name, spec in methods.items()
        if not name.startswith("rte") and not REFERENCE_CODES & set(spec.get("access", ()))
    ]


def per_target(data: dict) -> dict[tuple[str, str, str], dict[int, tuple[float, ...]]]:
    """MSE per target: (family, band, method) -> seed -> values."""
    out: dict[tuple[str, str, str], dict[int, tuple[float, ...]]] = {}
    for s in data["targets"]:
        if s.metric == "mse":
            out.setdefault((s.family, s.band, s.method), {})[s.seed] = s.values
    return out


def paired_ratio(
    scores: dict, family: str, band: str, first: str, second: str
) -> tuple[float, float, float, int] | None:
    """``first / second`` (ratio of seed-mean MSEs) over the seeds both have, its paired
    95 % interval over targets and the number of targets; None if either is missing."""
    a, b = scores.get((family, band, first)), scores.get((family, band, second))
    if not a or not b:
        return None
    seeds = sorted(set(a) & set(b))
    value, low, high = paired_interval([a[s] for s in seeds], [b[s] for s in seeds])
    return value, low, high, sum(len(a[s]) for s in seeds)


def versus(scores: dict, family: str, band: str, first: str, second: str) -> str:
    """``first / second`` with its paired interval over targets, as a table cell."""
    found = paired_ratio(scores, family, band, first, second)
    if found is None:
        return "-"
    value, low, high, _ = found
    return f"{value:.3g} [{low:.3g}, {high:.3g}]"


def operator_table(data: dict, stats: dict, families: list[str]) -> list[str]:
    """Issue 22's criteria per family, then the counts."""
    scores, names = per_target(data), rivals(data["methods"])
    bands = ("in_support", "F2", "F4")
    head = "| family |" + "".join(f" best rival {b} | rte / best {b} |" for b in bands)
    head += " rte / family_fit F2 | rte_uncorrected / best F2 |"
    rows = [head, "|---|" + "---|---|" * len(bands) + "---|---|"]
    ratios: dict[str, list[float]] = {k: [] for k in (*bands, "family_fit", "none")}
    for fam in families:
        row = f"| {fam} |"
        best_f2 = ""
        for band in bands:
            found = {m: _mean(stats, fam, m, band) for m in names}
            value, best = min((v, m) for m, v in found.items() if np.isfinite(v))
            best_f2 = best if band == "F2" else best_f2
            ratios[band].append(_mean(stats, fam, "rte", band) / value)
            row += f" {best} {value:.3g} | {versus(scores, fam, band, 'rte', best)} |"
        ratios["family_fit"].append(
            _mean(stats, fam, "rte", "F2") / _mean(stats, fam, "family_fit", "F2")
        )
        ratios["none"].append(
            _mean(stats, fam, "rte_uncorrected", "F2") / _mean(stats, fam, best_f2, "F2")
        )
        row += f" {ratios['family_fit'][-1]:.3g} |"
        row += f" {versus(scores, fam, 'F2', 'rte_uncorrected', best_f2)} |"
        rows.append(row)
    n = len(families)

    def count(key: str, bound: float) -> str:
        return f"{sum(r <= bound for r in ratios[key] if np.isfinite(r))}/{n}"

    def worst(key: str) -> str:
        return f"{max(ratios[key]):.3g}"

    rows += [
        "",
        f"- F2: rte <= 1.0x the best rival on {count('F2', 1.0)} families "
        f"(target 6 of 7); worst {worst('F2')}x (target <= 1.5x on all).",
        f"- F4: rte <= 1.0x the best rival on {count('F4', 1.0)} (target 5 of 7).",
        f"- rte <= 5x family_fit at F2 on {count('family_fit', 5.0)} (target 5 of 7); "
        f"worst {worst('family_fit')}x (target <= 20x on all).",
        f"- In support: worst rte / best rival {worst('in_support')}x (target <= 1.2x); "
        f"<= 1.2x on {count('in_support', 1.2)}.",
        f"- rte_uncorrected <= 1.0x the best rival at F2 on {count('none', 1.0)} (target 4 of 7).",
    ]
    return rows


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
    if results["targets"]:
        print("\n".join(operator_table(results, stats, families)), end="\n\n")
    print("\n".join(plain_table(stats, families, bands)), end="\n\n")
    print("\n".join(interval_tables(stats, families, bands)), end="\n\n")
    for path in args.one_step:
        one_step = summarize(load_results(path)["records"])
        print(f"{path}:", "\n".join(chain_table(stats, one_step, families)), sep="\n", end="\n\n")


if __name__ == "__main__":
    main()
